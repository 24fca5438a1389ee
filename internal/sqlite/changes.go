package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"sync/atomic"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Changes counts the commits, on every connection of one database, that
// changed a row of a table it watches. A read cached while the count
// stood still is what a read of the database would return now, for as
// long as this process is the database's only writer: SQLite's hooks see
// only this process's connections, so the count is for a server that
// holds the database's lock (Ferry's token commands, which may run beside
// it, write no watched table).
//
// The count moves after the commit has returned, never before: a read
// that starts before a commit and caches what it saw is tagged with the
// count before the commit, which the commit then leaves behind. Between
// the commit and the count, a cached read is what a request just before
// the commit would have seen.
type Changes struct {
	n      atomic.Uint64
	tables map[string]bool
	onJobs atomic.Pointer[func()] // see OnJobsCommitted
}

// OnJobsCommitted has fn called after every commit, on any connection of
// the database, that inserted a River job: River on SQLite otherwise
// hears of new jobs by reading its notifications table every 50 ms (see
// tasks.SQLiteDriver). fn must not block.
func (c *Changes) OnJobsCommitted(fn func()) { c.onJobs.Store(&fn) }

// Version is the count: it moves whenever a watched table changed.
func (c *Changes) Version() uint64 { return c.n.Load() }

// watchedTables are what a task's status reads: the task, its file and
// the folders the file's path comes from.
var watchedTables = map[string]bool{"tasks": true, "files": true, "folders": true}

// ChangesOf returns the change count of a database that Open opened.
func ChangesOf(db *sql.DB) *Changes {
	if d, ok := db.Driver().(countingDriver); ok {
		return d.conn.changes
	}
	return nil
}

// connector opens counted, caching connections to one database.
type connector struct {
	dsn     string
	changes *Changes      // nil for a reader pool
	wl      *writeLock    // the pool's write lock; nil for a reader pool
	cp      *checkpointer // the writer pool's; nil for the others
}

// Close, which database/sql calls when the pool closes, stops the
// checkpointer.
func (c *connector) Close() error {
	if c.cp != nil {
		c.cp.close()
	}
	return nil
}

func (c *connector) Connect(context.Context) (driver.Conn, error) {
	conn, err := cachingDriver{baseDriver}.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	cc := conn.(*cachingConn)
	if c.changes == nil {
		return conn, nil // a reader's: it changes nothing
	}
	cc.changes, cc.wl = c.changes, c.wl
	h, ok := cc.sqliteConn.(msqlite.HookRegisterer)
	if !ok {
		conn.Close()
		return nil, errNoHooks
	}
	h.RegisterPreUpdateHook(func(d msqlite.SQLitePreUpdateData) {
		cc.wrote = true
		if c.changes.tables[d.TableName] {
			cc.touched = true
		}
		if d.TableName == "river_job" && d.Op == sqlite3.SQLITE_INSERT {
			cc.queued = true
		}
	})
	h.RegisterCommitHook(func() int32 {
		if cc.wrote && c.cp != nil {
			c.cp.dirty.Store(true)
		}
		cc.committed = cc.committed || cc.touched
		cc.jobsCommitted = cc.jobsCommitted || cc.queued
		cc.touched, cc.wrote, cc.queued = false, false, false
		return 0 // let it commit
	})
	h.RegisterRollbackHook(func() { cc.touched, cc.wrote, cc.queued = false, false, false })
	return conn, nil
}

func (c *connector) Driver() driver.Driver {
	return countingDriver{cachingDriver{baseDriver}, c}
}

// countingDriver is the driver of a counted database, for ChangesOf.
type countingDriver struct {
	cachingDriver
	conn *connector
}

var errNoHooks = errors.New("sqlite: the driver's connections have no hooks")

// settle moves the count if a commit on this connection changed a
// watched table. Every path that can commit calls it once the commit has
// returned: Exec, a query's rows closing, a transaction's Commit.
func (c *cachingConn) settle() {
	if c.changes == nil {
		return // a reader's: no hooks, nothing committed
	}
	if c.committed {
		c.committed = false
		c.changes.n.Add(1)
	}
	if c.jobsCommitted {
		c.jobsCommitted = false
		if fn := c.changes.onJobs.Load(); fn != nil {
			(*fn)()
		}
	}
}

// BeginTx takes the write lock first: every transaction is a writer's
// (BEGIN IMMEDIATE), and holds the lock until it ends.
func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if _, err := c.lock(ctx); err != nil {
		return nil, err
	}
	tx, err := c.sqliteConn.BeginTx(ctx, opts)
	if err != nil {
		c.settle()
		c.unlock()
		return nil, err
	}
	return settlingTx{tx, c}, nil
}

// settlingTx settles its connection once it ends, and gives back the
// write lock.
type settlingTx struct {
	driver.Tx
	c *cachingConn
}

func (t settlingTx) Commit() error {
	defer t.end()
	return t.Tx.Commit()
}

func (t settlingTx) Rollback() error {
	defer t.end()
	return t.Tx.Rollback()
}

func (t settlingTx) end() {
	t.c.settle()
	t.c.unlock()
}

// PrepareContext returns a statement that settles its connection after
// each use. (Ferry and River run their queries as text, which the cache
// prepares; a statement prepared through database/sql comes here.)
func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	r, ok := st.(stmtRunner)
	if !ok {
		return st, nil // never so with modernc's driver
	}
	return settlingStmt{st, r, c}, nil
}

type settlingStmt struct {
	driver.Stmt
	r stmtRunner
	c *cachingConn
}

func (s settlingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	defer s.c.settle()
	return s.r.ExecContext(ctx, args)
}

func (s settlingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := s.r.QueryContext(ctx, args)
	if err != nil {
		s.c.settle()
		return nil, err
	}
	return &cachedRows{rows: rows, c: s.c}, nil
}

// Prepare is the old interface, for completeness.
func (c *cachingConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}
