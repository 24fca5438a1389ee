package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// listenerConns bounds the listener pool: River holds one connection for
// as long as it listens, and takes another after a failure.
const listenerConns = 2

// OpenListenerPool returns a small pgx pool on the database at rawURL for
// River's LISTEN connection (riverdatabasesql.NewWithPgxListener): with
// it, an instance hears of each new job, of a job's cancellation and of a
// change of leader as PostgreSQL commits them, instead of finding out at
// its next poll. Every other statement still goes through the
// database/sql pool of Open, which the store and River share. The pool
// reads the same URL, so it resolves the same schema (search_path); it
// connects only when River first listens.
func OpenListenerPool(ctx context.Context, rawURL string) (*pgxpool.Pool, error) {
	dsn, _, err := poolSize(rawURL)
	if err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres URL, for the queue's listener: %w", err) // pgx writes the password as xxxxx
	}
	cfg.MaxConns, cfg.MinConns = listenerConns, 0
	return pgxpool.NewWithConfig(ctx, cfg)
}
