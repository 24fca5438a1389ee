// Package sqlstore implements ferry.Store once, in SQL that both SQLite and
// PostgreSQL run; the sqlite and postgres packages supply the connection,
// the schema and a Dialect.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"ferry/internal/ferry"
)

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Dialect is what differs between the SQL databases Store runs on.
type Dialect struct {
	// Rebind rewrites a query written with "?" placeholders into the
	// driver's form; nil leaves it unchanged.
	Rebind func(query string) string
	// IsUnique reports whether err is a unique-constraint violation.
	IsUnique func(err error) bool
	// IsFull, if set, reports whether err says that the database has no
	// room left to write (a full disk or quota). Such errors reach callers
	// as ferry.StorageFull, like a full blob store, not as internal errors.
	IsFull func(err error) bool
	// LockPortal, if set, is a statement taking a transaction-scoped lock
	// on a portal; its two arguments are a namespace and the portal. Write
	// transactions that look for a name and then insert it take it first,
	// so that two of them cannot both miss and collide. SQLite needs none:
	// it runs one write transaction at a time.
	LockPortal string
	// LastID, if set, returns the highest id that the table has handed
	// out, even to a row deleted since (0 if it knows none). Without it,
	// CopyFrom takes the highest id in the table.
	LastID func(ctx context.Context, tx *sql.Tx, table string) (int64, error)
	// FileNameIndex, if set, narrows substring searches of file names
	// through an index that the database's planner cannot weigh by itself
	// (SQLite's FTS5 trigram table).
	FileNameIndex *NameIndex
	// SetLastID makes the table hand out ids above last from now on, after
	// CopyFrom has written rows with their ids. Nil if the database does
	// that by itself.
	SetLastID func(ctx context.Context, tx *sql.Tx, table string, last int64) error
	// NowMillis is an SQL expression for the database's clock in Unix
	// milliseconds. Task heartbeats are written and judged by it, so that
	// the clocks of the instances that share the database do not matter.
	NowMillis string
	// NumberEvents, if set, makes writers put their events in the
	// event_outbox table, which takes no lock, instead of numbering them
	// in their own transaction, which makes every writer of a portal wait
	// for the one before it to commit. It is a statement with two
	// arguments, a portal and a limit, that moves up to that many of the
	// portal's events from the outbox into events, numbered in the order
	// they were written after the portal's last number; numberEvents runs
	// it under a lock before events are read (see numberEvents).
	NumberEvents string
	// ShareRow and LockRows, if set, end a SELECT that takes a shared or
	// an exclusive lock on the rows it reads (" FOR SHARE", " FOR
	// UPDATE"); a database without row locks, which runs one writer at a
	// time, needs neither.
	ShareRow, LockRows string
	// NotifyTokens, if set, is a statement run in every transaction that
	// writes the tokens table, before it commits: PostgreSQL's pg_notify,
	// which reaches every instance's listener once the transaction commits
	// and never if it rolls back.
	NotifyTokens string
	// TokensCommitted, if set, is called after every transaction that
	// wrote the tokens table has committed (SQLite's signal file, which a
	// server in another process watches). Its error is returned to the
	// writer, whose change stands.
	TokensCommitted func() error
}

// NameIndex is a substring index on files.name_fold. Search keeps its own
// LIKE for the exact answer, so the index may match more than it should.
type NameIndex struct {
	// Cond is a condition on files f with one "?", a LIKE pattern
	// "%term%", that only rows the index matches meet.
	Cond string
	// Probe is a query with two "?", the pattern and a limit, that counts
	// the rows the index matches, up to the limit. Cond is used only for
	// a term the index matches few rows of: a common term is found sooner
	// by reading rows in order than by collecting every match first.
	Probe string
}

// Store implements ferry.Store on a database/sql database whose schema the
// dialect's package has migrated.
type Store struct {
	db    *sql.DB
	q     querier
	tx    *sql.Tx // non-nil inside a transaction
	d     Dialect
	clock ferry.Clock
	hook  DeliveryHook
	onErr func()  // told of each failed statement; see SetErrorHook
	memo  *txMemo // inside a transaction
	// readVersion, tasks and paths are set by CacheReads: the database's
	// count of commits, finished tasks and files by path.
	readVersion func() uint64
	tasks       *ferry.VersionedCache[taskKey, cachedTask]
	paths       *ferry.VersionedCache[pathKey, ferry.File]
	rq          querier // plain reads outside transactions, if SetReader was called
	// wroteTokens, inside a transaction, is set once it has written the
	// tokens table, for InTx to call Dialect.TokensCommitted after the
	// commit.
	wroteTokens *bool
}

// txMemo is what a transaction remembers of what it wrote and read, so
// as not to read it again: an import's transaction inserts a file, then
// ends its task with an event that shows the file, and emits two events
// that each look up the portal's webhook subscriptions.
type txMemo struct {
	file  *ferry.File                        // the file inserted last, as stored
	hooks map[ferry.PortalID][]ferry.Webhook // ListWebhooks
}

// remember keeps f as the file this transaction inserted, in the form
// that reading it back returns.
func (s *Store) remember(f ferry.File) {
	if s.memo == nil {
		return
	}
	for _, t := range []*time.Time{&f.ArchivedAt, &f.CreatedAt, &f.UpdatedAt, &f.ExpiresAt} {
		*t = fromMS(ms(*t))
	}
	s.memo.file = &f
}

// forget drops what the transaction remembers, before a change that the
// memo would not know of.
func (s *Store) forget() {
	if s.memo != nil {
		*s.memo = txMemo{}
	}
}

var _ ferry.Store = (*Store)(nil)

// New returns a Store on db.
func New(db *sql.DB, d Dialect) *Store {
	if d.Rebind == nil {
		d.Rebind = func(q string) string { return q }
	}
	return &Store{db: db, q: db, d: d, clock: ferry.SystemClock}
}

// SetClock sets the clock the store reads: when folders are created and
// which files have expired. The server passes its one clock; tests pin it.
// It defaults to ferry.SystemClock.
func (s *Store) SetClock(c ferry.Clock) { s.clock = ferry.OrSystem(c) }

// SetErrorHook makes the store call fn for each statement that fails for
// a reason other than no rows, a unique conflict or a canceled context:
// the database errors an operator wants to see on a dashboard.
func (s *Store) SetErrorHook(fn func()) { s.onErr = fn }

// failed reports err to the error hook when it is a real failure.
func (s *Store) failed(err error) {
	if err == nil || s.onErr == nil || errors.Is(err, sql.ErrNoRows) || errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded) || s.d.IsUnique(err) {
		return
	}
	s.onErr()
}

// full turns the database's "no room to write" into ferry.StorageFull;
// any other error, or one already turned (by the statement, before its
// transaction sees it), is returned as it is.
func (s *Store) full(err error) error {
	if err == nil || s.d.IsFull == nil || !s.d.IsFull(err) || ferry.KindOf(err) == ferry.StorageFull {
		return err
	}
	return &ferry.Error{Kind: ferry.StorageFull, SubCategory: "STORAGE_FULL",
		Message: "The database's disk is full; nothing was changed.", Err: err}
}

func (s *Store) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	res, err := s.q.ExecContext(ctx, s.d.Rebind(q), args...)
	s.failed(err)
	return res, s.full(err)
}

func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	rows, err := s.reader(q).QueryContext(ctx, s.d.Rebind(q), args...)
	s.failed(err)
	return rows, s.full(err)
}

// TaskCounts returns how many tasks there are in each status.
func (s *Store) TaskCounts(ctx context.Context) (map[string]int64, error) {
	rows, err := s.query(ctx, `SELECT status, COUNT(*) FROM tasks GROUP BY status`)
	if err != nil {
		return nil, ferry.Wrap(err, "count tasks")
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var st string
		var n int64
		if err := rows.Scan(&st, &n); err != nil {
			return nil, ferry.Wrap(err, "count tasks")
		}
		out[st] = n
	}
	return out, ferry.Wrap(rows.Err(), "count tasks")
}

func (s *Store) queryRow(ctx context.Context, q string, args ...any) row {
	return row{s.reader(q).QueryRowContext(ctx, s.d.Rebind(q), args...), s}
}

// SetReader gives the store a pool to run its plain reads on, outside
// transactions: a SELECT that is not part of a transaction then never
// waits for a connection that the writers hold (see sqlite.OpenReader).
func (s *Store) SetReader(db *sql.DB) { s.rq = db }

// reader is where query q runs: the reader pool for a SELECT outside a
// transaction, if the store has one; else the store's own connection.
// (An INSERT ... RETURNING also reads rows: it stays with the writers.)
func (s *Store) reader(q string) querier {
	if s.rq != nil && s.tx == nil && isSelect(q) {
		return s.rq
	}
	return s.q
}

func isSelect(q string) bool {
	q = strings.TrimLeft(q, " \t\r\n")
	return len(q) >= 6 && strings.EqualFold(q[:6], "SELECT")
}

// row is a *sql.Row whose Scan reports a full database as StorageFull
// (an INSERT ... RETURNING writes through it).
type row struct {
	r *sql.Row
	s *Store
}

func (r row) Scan(dest ...any) error { return r.s.full(r.r.Scan(dest...)) }

// RebindDollar rewrites "?" placeholders as "$1", "$2", ... for
// PostgreSQL. Queries in this package never contain a literal "?".
func RebindDollar(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
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
	var wroteTokens bool
	if err := fn(tx, &Store{db: s.db, q: tx, tx: tx, d: s.d, clock: s.clock, hook: s.hook, onErr: s.onErr, memo: &txMemo{}, wroteTokens: &wroteTokens}); err != nil {
		return s.full(err) // River's own statements in tx come back here unclassified
	}
	if err := tx.Commit(); err != nil {
		return s.full(fmt.Errorf("commit: %w", err))
	}
	if wroteTokens && s.d.TokensCommitted != nil {
		if err := s.d.TokensCommitted(); err != nil {
			return fmt.Errorf("the tokens were written, but a running server may go on using tokens it has cached for up to %s: %w", ferry.TokenCacheMaxAge, err)
		}
	}
	return nil
}

// writeTx runs fn in a transaction that holds the portal's write lock (see
// Dialect.LockPortal).
func (s *Store) writeTx(ctx context.Context, portal ferry.PortalID, fn func(ferry.Store) error) error {
	return s.Atomic(ctx, func(st ferry.Store) error {
		st.(*Store).forget() // what fn changes, the memo would not know
		if err := st.(*Store).lockPortal(ctx, portal); err != nil {
			return err
		}
		return fn(st)
	})
}

// lockPortal takes the portal's write lock in the current transaction; it
// may be taken again in the same transaction.
func (s *Store) lockPortal(ctx context.Context, portal ferry.PortalID) error {
	if s.d.LockPortal == "" {
		return nil
	}
	_, err := s.exec(ctx, s.d.LockPortal, portalLockSpace, lockKey(portal))
	return ferry.Wrap(err, "lock portal")
}

// lockKey is a portal's key within a namespace of Ferry's locks: the
// portal folded into 32 bits; a collision only serialises more.
func lockKey(portal ferry.PortalID) int32 { return int32(int64(portal) ^ int64(portal)>>32) }

// portalLockSpace is the namespace of Ferry's portal locks ("FRRY").
const portalLockSpace int32 = 0x46525259

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
	err := s.queryRow(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if err != nil {
		return nil, notFound(err, "setting "+key)
	}
	return v, nil
}

// PutSettingIfAbsent implements ferry.Store.
func (s *Store) PutSettingIfAbsent(ctx context.Context, key string, value []byte) ([]byte, error) {
	if _, err := s.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, key, value); err != nil {
		return nil, ferry.Wrap(err, "put setting")
	}
	return s.Setting(ctx, key)
}

// Ping checks that the database answers a query, for readiness checks.
func (s *Store) Ping(ctx context.Context) error {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM settings LIMIT 1) AS probe`).Scan(&n)
	return err
}

// PutSetting implements ferry.Store.
func (s *Store) PutSetting(ctx context.Context, key string, value []byte) error {
	_, err := s.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return ferry.Wrap(err, "put setting")
}
