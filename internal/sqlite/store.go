package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"ferry/internal/ferry"
)

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Store implements ferry.Store on a SQLite database.
type Store struct {
	db  *sql.DB
	q   querier
	tx  *sql.Tx // non-nil inside a transaction
	now ferry.Clock
}

var _ ferry.Store = (*Store)(nil)

// NewStore returns a Store on db, which Open has migrated.
func NewStore(db *sql.DB) *Store {
	return &Store{db: db, q: db, now: time.Now}
}

// InTx runs fn in one transaction and hands it both the raw transaction (so
// that River can enqueue a job in it) and a Store bound to it.
func (s *Store) InTx(ctx context.Context, fn func(tx *sql.Tx, st ferry.Store) error) error {
	if s.tx != nil {
		return fn(s.tx, s)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx, &Store{db: s.db, q: tx, tx: tx, now: s.now}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Atomic implements ferry.Store.
func (s *Store) Atomic(ctx context.Context, fn func(ferry.Store) error) error {
	return s.InTx(ctx, func(_ *sql.Tx, st ferry.Store) error { return fn(st) })
}

// ms converts a time to Unix milliseconds, with 0 for the zero time.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMS converts Unix milliseconds back, with 0 as the zero time.
func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// notFound turns sql.ErrNoRows into a NotFound error and wraps the rest.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ferry.Errorf(ferry.NotFound, "%s not found", what)
	}
	return ferry.Wrap(err, "query "+what)
}

// Setting implements ferry.Store.
func (s *Store) Setting(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	err := s.q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if err != nil {
		return nil, notFound(err, "setting "+key)
	}
	return v, nil
}

// PutSettingIfAbsent implements ferry.Store.
func (s *Store) PutSettingIfAbsent(ctx context.Context, key string, value []byte) ([]byte, error) {
	if _, err := s.q.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, key, value); err != nil {
		return nil, ferry.Wrap(err, "put setting")
	}
	return s.Setting(ctx, key)
}
