package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"ferry/internal/postgres"
	"ferry/internal/sqlite"
)

// seedFiles is the insert that fills portal 1's root folder with n files
// named "report-<i>-<10 hex digits scrambled from i>" (unique by i, the
// same on both databases), straight into
// the database before Ferry starts: uploading a million files through the
// API would take longer than the rest of the bench.
const (
	seedSQLiteFiles = `WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
		INSERT INTO files (portal, folder_id, name, name_fold, extension, access, size, md5, blob_key, created_at, updated_at)
		SELECT 1, 0, n, n, 'txt', 'PUBLIC_NOT_INDEXABLE', 0, '', 'bench/none', ?, ?
		FROM (SELECT 'report-' || i || '-' || printf('%010x', (i * 2654435761 + 12345) % 1099511627776) AS n FROM seq)`
	seedPostgresFiles = `INSERT INTO files (portal, folder_id, name, name_fold, extension, access, size, md5, blob_key, created_at, updated_at)
		SELECT 1, 0, n, n, 'txt', 'PUBLIC_NOT_INDEXABLE', 0, '', 'bench/none', $2, $2
		FROM (SELECT 'report-' || i || '-' || lpad(to_hex((i * 2654435761 + 12345) % 1099511627776), 10, '0') AS n
			FROM generate_series(1::bigint, $1) AS i) AS g`
)

// seedSQLite creates the embedded database of dataDir with n files.
// It returns search terms for the search row.
func seedSQLite(ctx context.Context, dataDir string, n int) ([]string, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	db, err := sqlite.Open(ctx, filepath.Join(dataDir, "ferry.db"))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if _, err = db.ExecContext(ctx, seedSQLiteFiles, n, time.Now().UnixMilli(), time.Now().UnixMilli()); err != nil {
		return nil, err
	}
	return searchTerms(ctx, db, `SELECT name FROM files WHERE id % ? = 0 LIMIT 20`, n)
}

// seedPostgres migrates the database at url, adds n files and returns
// search terms for the search row.
func seedPostgres(ctx context.Context, url string, n int) ([]string, error) {
	db, err := postgres.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if err := postgres.Migrate(ctx, db); err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, seedPostgresFiles, n, time.Now().UnixMilli()); err != nil {
		return nil, err
	}
	if _, err = db.ExecContext(ctx, `ANALYZE files`); err != nil {
		return nil, err
	}
	return searchTerms(ctx, db, `SELECT name FROM files WHERE id % $1 = 0 LIMIT 20`, n)
}

// newSchema creates a schema of its own in the database at base and
// returns a URL whose search_path starts there (then public, where
// extensions may live), and a function that drops it.
func newSchema(ctx context.Context, base string) (string, func(), error) {
	var rnd [4]byte
	rand.Read(rnd[:])
	name := "ferry_bench_" + hex.EncodeToString(rnd[:])
	db, err := postgres.Open(ctx, base)
	if err != nil {
		return "", nil, err
	}
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA `+name); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	drop := func() {
		dctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		db.ExecContext(dctx, `DROP SCHEMA `+name+` CASCADE`)
		db.Close()
	}
	u, err := url.Parse(base)
	if err != nil {
		drop()
		return "", nil, fmt.Errorf("postgres URL does not parse")
	}
	q := u.Query()
	q.Set("search_path", name+",public")
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

// searchTerms returns substrings of some seeded names: each matches a
// handful of files at most, so that a query cannot stop early.
func searchTerms(ctx context.Context, db *sql.DB, query string, n int) ([]string, error) {
	rows, err := db.QueryContext(ctx, query, max(1, n/20))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var terms []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		terms = append(terms, name[len(name)-8:len(name)-2]) // six of the random digits
	}
	return terms, rows.Err()
}
