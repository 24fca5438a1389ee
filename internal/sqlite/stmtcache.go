package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"reflect"
)

// driverName is modernc's SQLite driver with a statement cache on each
// connection. modernc compiles every query from its text unless it is
// prepared, and compiling dominated the cost of Ferry's and River's small
// queries; database/sql keeps no such cache, and River runs its queries
// as text, so the cache sits at the driver, under both.
const driverName = "ferry-sqlite"

// stmtCacheMax bounds the statements kept per connection: searches build
// their text from the filters given, while the statements on hot paths
// are few.
const stmtCacheMax = 512

// baseDriver is modernc's driver.
var baseDriver driver.Driver

func init() {
	db, err := sql.Open("sqlite", "") // connects to nothing: only to reach the driver
	if err != nil {
		panic(err)
	}
	baseDriver = db.Driver()
	sql.Register(driverName, cachingDriver{baseDriver})
	db.Close()
}

type cachingDriver struct{ d driver.Driver }

func (d cachingDriver) Open(name string) (driver.Conn, error) {
	c, err := d.d.Open(name)
	if err != nil {
		return nil, err
	}
	return &cachingConn{sqliteConn: c.(sqliteConn), stmts: map[string]*cachedStmt{}}, nil
}

// sqliteConn is what modernc's connection implements.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// cachingConn is a connection that keeps one prepared statement per query
// text. database/sql uses a connection from one goroutine at a time.
type cachingConn struct {
	sqliteConn
	stmts map[string]*cachedStmt
	// changes, on a connection of Open's, counts the commits that
	// changed a watched table (see Changes); touched says the open
	// transaction changed one, committed that a commit did and the count
	// has yet to move; wrote that the open transaction changed any row
	// (the checkpointer then has work).
	changes                   *Changes
	touched, committed, wrote bool
	// queued says the open transaction inserted a River job, and
	// jobsCommitted that a commit did and Changes has yet to be told.
	queued, jobsCommitted bool
	// wl, on a connection of Open's, is the database's write lock, which
	// the connection holds (holding) through a transaction or a write.
	wl      *writeLock
	holding bool
}

// cachedStmt is a prepared statement and whether rows of it are open: a
// statement is one cursor, so a query that runs while the same text's
// rows are still being read gets a statement of its own.
type cachedStmt struct {
	st   driver.Stmt
	busy bool
}

type stmtRunner interface {
	driver.StmtExecContext
	driver.StmtQueryContext
}

// stmt returns the free cached statement for query, preparing it if need
// be, or nil if the query is not cached: its statement is busy, the cache
// is full, or it does not prepare (the uncached path reports why).
func (c *cachingConn) stmt(ctx context.Context, query string) *cachedStmt {
	if cs := c.stmts[query]; cs != nil {
		if cs.busy {
			return nil
		}
		return cs
	}
	if len(c.stmts) >= stmtCacheMax {
		return nil
	}
	st, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	if _, ok := st.(stmtRunner); !ok {
		st.Close()
		return nil
	}
	cs := &cachedStmt{st: st}
	c.stmts[query] = cs
	return cs
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	var took bool
	if mayWrite(query) {
		var err error
		if took, err = c.lock(ctx); err != nil {
			return nil, err
		}
	}
	defer func() {
		c.settle()
		if took {
			c.unlock()
		}
	}()
	cs := c.stmt(ctx, query)
	if cs == nil {
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	return cs.st.(stmtRunner).ExecContext(ctx, args)
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	var took bool
	if mayWrite(query) {
		var err error
		if took, err = c.lock(ctx); err != nil {
			return nil, err
		}
	}
	cs := c.stmt(ctx, query)
	var (
		rows driver.Rows
		err  error
	)
	if cs == nil {
		rows, err = c.sqliteConn.QueryContext(ctx, query, args)
	} else {
		rows, err = cs.st.(stmtRunner).QueryContext(ctx, args)
	}
	if err != nil {
		c.settle()
		if took {
			c.unlock()
		}
		return nil, err
	}
	if cs != nil {
		cs.busy = true
	}
	return &cachedRows{rows: rows, cs: cs, c: c, locked: took}, nil
}

func (c *cachingConn) Close() error {
	c.unlock() // database/sql may close a connection it gave up on
	for q, cs := range c.stmts {
		cs.st.Close()
		delete(c.stmts, q)
	}
	return c.sqliteConn.Close()
}

// cachedRows frees its statement (if cached) for the next query when
// closed, and settles its connection: a statement that writes (INSERT ...
// RETURNING outside a transaction) commits when its rows end.
type cachedRows struct {
	rows   driver.Rows
	cs     *cachedStmt
	c      *cachingConn
	locked bool // the query took the write lock, which closing gives back
}

func (r *cachedRows) Columns() []string              { return r.rows.Columns() }
func (r *cachedRows) Next(dest []driver.Value) error { return r.rows.Next(dest) }

func (r *cachedRows) Close() error {
	err := r.rows.Close()
	if r.cs != nil {
		r.cs.busy = false
	}
	r.c.settle()
	if r.locked {
		r.locked = false
		r.c.unlock()
	}
	return err
}

// The column type methods pass modernc's answers through, for
// sql.Rows.ColumnTypes.

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r *cachedRows) ColumnTypeNullable(i int) (bool, bool) {
	if t, ok := r.rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *cachedRows) ColumnTypeLength(i int) (int64, bool) {
	if t, ok := r.rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *cachedRows) ColumnTypePrecisionScale(i int) (int64, int64, bool) {
	if t, ok := r.rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}
