package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// Migrate applies every "*.sql" file of migrations, in name order, that has
// not run yet, each in its own transaction, and records it in
// schema_migrations.
func Migrate(ctx context.Context, db *sql.DB, migrations fs.FS, d Dialect) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version TEXT PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	names, err := fs.Glob(migrations, "*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		if err := applyMigration(ctx, db, migrations, name, d); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	// Steps written in Go run after the SQL files, once each, recorded
	// the same way.
	if err := applyStep(ctx, db, nameMigration, d, normalizeNames); err != nil {
		return fmt.Errorf("migration %s: %w", nameMigration, err)
	}
	return nil
}

// applyStep runs fn in a transaction unless version is recorded, and
// records it.
func applyStep(ctx context.Context, db *sql.DB, version string, d Dialect, fn func(context.Context, *sql.Tx, Dialect) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, rebind(d, `SELECT count(*) FROM schema_migrations WHERE version = ?`), version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if err := fn(ctx, tx, d); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, rebind(d, `INSERT INTO schema_migrations (version) VALUES (?)`), version); err != nil {
		return err
	}
	return tx.Commit()
}

func applyMigration(ctx context.Context, db *sql.DB, migrations fs.FS, name string, d Dialect) error {
	body, err := fs.ReadFile(migrations, name)
	if err != nil {
		return err
	}
	return applyStep(ctx, db, strings.TrimSuffix(name, ".sql"), d, func(ctx context.Context, tx *sql.Tx, _ Dialect) error {
		_, err := tx.ExecContext(ctx, string(body))
		return err
	})
}

func rebind(d Dialect, q string) string {
	if d.Rebind == nil {
		return q
	}
	return d.Rebind(q)
}
