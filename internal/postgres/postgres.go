// Package postgres opens Ferry's scale-out database: PostgreSQL through
// pgx's database/sql driver, shared with River's job queue, with Ferry's
// schema applied under a cluster-wide lock. The store itself is package
// sqlstore's.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"ferry/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// MaxOpenConnsDefault is the size of an instance's connection pool unless
// the database URL sets pool_max_conns. Every instance holds up to this
// many connections, so instances × pool size must stay below the server's
// max_connections.
const MaxOpenConnsDefault = 10

// lockKey is the pg_advisory_lock key that serializes migrations across
// every instance sharing a database ("ferry" in ASCII).
const lockKey int64 = 0x6665727279

// Open connects to the PostgreSQL database at rawURL (postgres:// or
// postgresql://, any parameter pgx understands, plus pool_max_conns) and
// checks that it answers. It does not migrate: call Migrate.
func Open(ctx context.Context, rawURL string) (*sql.DB, error) {
	dsn, maxConns, err := poolSize(rawURL)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(30 * time.Minute) // lets a failover or DNS change take effect
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open postgres %s: %w", redact(dsn), err)
	}
	return db, nil
}

// poolSize takes pool_max_conns out of the URL, which pgx would otherwise
// send to the server as a setting, and returns the URL left over.
func poolSize(rawURL string) (string, int, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", 0, errors.New("postgres URL does not parse") // the error would echo the password
	}
	q := u.Query()
	n := MaxOpenConnsDefault
	if v := q.Get("pool_max_conns"); v != "" {
		// Migrate needs two connections: one holds the lock.
		if n, err = strconv.Atoi(v); err != nil || n < 2 {
			return "", 0, fmt.Errorf("postgres URL: pool_max_conns=%q is not an integer of at least 2", v)
		}
		q.Del("pool_max_conns")
		u.RawQuery = q.Encode()
	}
	return u.String(), n, nil
}

// redact returns a database URL without its password, for messages.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// Migrate applies Ferry's migrations that have not run yet and then runs
// each of then (River's migration, from the caller that owns River), all
// while holding a session-level advisory lock, so that instances starting
// together migrate one at a time and the later ones find nothing to do.
func Migrate(ctx context.Context, db *sql.DB, then ...func(context.Context) error) error {
	return withLock(ctx, db, func() error {
		sub, err := fs.Sub(migrations, "migrations")
		if err != nil {
			return err
		}
		if err := sqlstore.Migrate(ctx, db, sub, dialect); err != nil {
			return err
		}
		for _, fn := range then {
			if err := fn(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}

// withLock runs fn while a dedicated connection holds the migration lock.
// The lock belongs to that connection's session, so it is released if the
// process dies; fn works on other connections of the pool.
func withLock(ctx context.Context, db *sql.DB, fn func() error) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, lockKey); err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	ferr := fn()
	// Unlock even if ctx has ended; if that fails, drop the session, which
	// releases the lock too.
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if _, err := conn.ExecContext(uctx, `SELECT pg_advisory_unlock($1)`, lockKey); err != nil {
		conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	return ferr
}

// ErrLocked is what HoldSchemaLock returns, wrapped, when another session
// holds the lock.
var ErrLocked = errors.New("held by another session")

// HoldSchemaLock takes a session-level advisory lock in the namespace
// space, keyed by the schema the pool's connections work in (the first
// schema of their search_path), on a connection of its own, and holds it
// until release is called or the process ends, which ends the session
// and so releases the lock. It does not wait: if another session holds
// the lock it returns an error wrapping ErrLocked. It also returns the
// schema's name, for messages.
func HoldSchemaLock(ctx context.Context, db *sql.DB, space int32) (schema string, release func(), err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return "", nil, fmt.Errorf("schema lock: %w", err)
	}
	var ok bool
	err = conn.QueryRowContext(ctx, `SELECT s, pg_try_advisory_lock($1, hashtext(s)) FROM (SELECT coalesce(current_schema(), '') AS s) AS cur`,
		space).Scan(&schema, &ok)
	if err != nil {
		conn.Close()
		return "", nil, fmt.Errorf("schema lock: %w", err)
	}
	if !ok {
		conn.Close()
		return schema, nil, fmt.Errorf("schema lock on %q: %w", schema, ErrLocked)
	}
	// Closing the connection would only return it to the pool, lock and
	// all: end the session instead.
	return schema, func() { conn.Raw(func(any) error { return driver.ErrBadConn }); conn.Close() }, nil
}

// dialect is how PostgreSQL differs for sqlstore.
var dialect = sqlstore.Dialect{Rebind: sqlstore.RebindDollar, IsUnique: isUnique, IsFull: isFull,
	LockPortal: `SELECT pg_advisory_xact_lock(?, ?)`, SetLastID: setLastID,
	NowMillis:    `CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)`,
	NumberEvents: numberEvents, ShareRow: ` FOR SHARE`, LockRows: ` FOR UPDATE`, NotifyTokens: notifyTokens}

// numberEvents moves up to $2 of portal $1's events from the outbox into
// events, numbered after the portal's counter in the order they were
// written, and moves the counter on by as many: one statement, run under
// the portal's numbering lock.
const numberEvents = `WITH moved AS (
		DELETE FROM event_outbox WHERE pos IN (SELECT pos FROM event_outbox WHERE portal = $1 ORDER BY pos LIMIT $2)
		RETURNING pos, id, type, occurred_at, data
	), n AS (SELECT count(*) AS k FROM moved),
	bump AS (
		INSERT INTO event_counters (portal, seq) SELECT $1, k FROM n WHERE k > 0
		ON CONFLICT (portal) DO UPDATE SET seq = event_counters.seq + excluded.seq
		RETURNING seq
	)
	INSERT INTO events (portal, seq, id, type, occurred_at, data)
	SELECT $1, bump.seq - n.k + row_number() OVER (ORDER BY m.pos), m.id, m.type, m.occurred_at, m.data
	FROM moved m, n, bump`

// setLastID moves the sequence behind the table's identity column (ids
// are GENERATED BY DEFAULT AS IDENTITY) so that the next id is last + 1.
// Rows inserted with their ids do not move it.
func setLastID(ctx context.Context, tx *sql.Tx, table string, last int64) error {
	_, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'), $2)`, table, last)
	return err
}

// NewStore returns the Ferry store on a database that Open returned and
// Migrate migrated.
func NewStore(db *sql.DB) *sqlstore.Store {
	return sqlstore.New(db, dialect)
}

// isUnique reports whether err is a unique_violation (SQLSTATE 23505).
func isUnique(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

// isFull reports whether err is disk_full (SQLSTATE 53100).
func isFull(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "53100"
}
