// Package sqlite opens Ferry's embedded default database: one SQLite file
// on local disk, shared with River's job queue, with Ferry's schema
// applied. The store itself is package sqlstore's.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"ferry/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// MaxOpenConns is the size of the connection pool. Every transaction takes
// SQLite's write lock at BEGIN (_txlock=immediate), so more connections only
// add concurrent readers; measured, more than four starve River.
const MaxOpenConns = 4

// DSN returns the data source name for a database file with the settings
// River and Ferry need: WAL, a busy timeout, and immediate transactions so
// that a read-then-write transaction never fails to upgrade its lock.
func DSN(path string) string {
	// A checkpointer of Open's copies the log back, not the writers (see
	// checkpointer); a reset log is cut back to 64 MiB.
	return dsn(path, url.Values{"_txlock": {"immediate"}}, "journal_mode(WAL)", "synchronous(NORMAL)",
		"wal_autocheckpoint(0)", "journal_size_limit(67108864)", "foreign_keys(ON)")
}

// dsn is the data source name of the database file at path with a busy
// timeout, the given pragmas and params.
func dsn(path string, params url.Values, pragmas ...string) string {
	q := url.Values{"_pragma": append([]string{"busy_timeout(10000)"}, pragmas...)}
	for k, v := range params {
		q[k] = v
	}
	return "file:" + path + "?" + q.Encode()
}

// Open opens (creating if needed) the database file at path and applies
// Ferry's migrations. River's own tables are migrated by the tasks.
func Open(ctx context.Context, path string) (*sql.DB, error) {
	db := sql.OpenDB(&connector{dsn: DSN(path), changes: &Changes{tables: watchedTables}, wl: newWriteLock(), cp: startCheckpointer(path)})
	db.SetMaxOpenConns(MaxOpenConns)
	// Keep every connection open: database/sql keeps two idle by default,
	// and a reopened connection has lost its prepared statements.
	db.SetMaxIdleConns(MaxOpenConns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	if err := Migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// ReaderConns is the size of a reader pool (OpenReader).
const ReaderConns = 4

// OpenReader opens a second pool on the database file at path, for reads
// only: its connections refuse to write (query_only) and begin their
// transactions deferred. With WAL a reader never waits for the writer, but
// in the main pool a read waits for a free connection, and under a
// stream of imports every connection there was often held by a write
// transaction waiting for SQLite's one write lock: status polls queued
// behind imports. The database must already exist and be migrated (Open).
func OpenReader(ctx context.Context, path string) (*sql.DB, error) {
	db := sql.OpenDB(&connector{dsn: dsn(path, nil, "query_only(1)")})
	db.SetMaxOpenConns(ReaderConns)
	db.SetMaxIdleConns(ReaderConns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s for reading: %w", path, err)
	}
	return db, nil
}

// Migrate applies Ferry's SQLite migrations that have not run yet.
func Migrate(ctx context.Context, db *sql.DB) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	return sqlstore.Migrate(ctx, db, sub, sqlstore.Dialect{})
}

// NewStore returns the Ferry store on a database that Open returned.
// Every write of its tokens signals the servers that watch the database
// file (WatchTokens), whatever process it runs in.
func NewStore(db *sql.DB) *sqlstore.Store {
	file, err := databaseFile(db)
	committed := func() error { return err }
	if err == nil {
		committed = func() error {
			if file == "" { // in memory: no other process sees it
				return nil
			}
			return signalTokens(file)
		}
	}
	return sqlstore.New(db, sqlstore.Dialect{IsUnique: isUnique, IsFull: isFull, LastID: lastID, SetLastID: setLastID,
		NowMillis: `CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)`,
		FileNameIndex: &sqlstore.NameIndex{
			Cond:  `f.id IN (SELECT rowid FROM files_name_trigram WHERE name_fold LIKE ?)`,
			Probe: `SELECT count(*) FROM (SELECT 1 FROM files_name_trigram WHERE name_fold LIKE ? LIMIT ?)`,
		},
		TokensCommitted: committed})
}

// lastID returns the table's AUTOINCREMENT counter: the highest id it has
// handed out, deleted or not.
func lastID(ctx context.Context, tx *sql.Tx, table string) (int64, error) {
	var n int64
	err := tx.QueryRowContext(ctx, `SELECT seq FROM sqlite_sequence WHERE name = ?`, table).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, err
}

// setLastID raises the table's AUTOINCREMENT counter to last. (Rows
// inserted with their ids raise it to the highest of them already.)
func setLastID(ctx context.Context, tx *sql.Tx, table string, last int64) error {
	res, err := tx.ExecContext(ctx, `UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?`, last, table)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)`, table, last)
	return err
}

// isUnique reports whether err is a UNIQUE or PRIMARY KEY constraint
// violation.
func isUnique(err error) bool {
	var coder interface{ Code() int }
	if errors.As(err, &coder) {
		// SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY.
		return coder.Code() == 2067 || coder.Code() == 1555
	}
	return false
}

// isFull reports whether err is SQLITE_FULL: the disk (or quota) under the
// database file or its WAL has no room for the write.
func isFull(err error) bool {
	var coder interface{ Code() int }
	return errors.As(err, &coder) && coder.Code()&0xff == 13
}
