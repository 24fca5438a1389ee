package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestMayWrite(t *testing.T) {
	t.Parallel()
	for q, want := range map[string]bool{
		"INSERT INTO t VALUES (1)":                  true,
		"  update t SET v = 1":                      true,
		"-- name: JobDelete :one\nDELETE FROM t":    true,
		"/* a */ REPLACE INTO t VALUES (1)":         true,
		"SELECT 1":                                  false,
		"-- name: JobGetByID :one\nSELECT * FROM t": false,
		"WITH x AS (SELECT 1) SELECT * FROM x":      false,
		"PRAGMA database_list":                      false,
		"-- only a comment":                         false,
		"/* unclosed":                               false,
		"":                                          false,
		"INSERTED":                                  false,
	} {
		if got := mayWrite(q); got != want {
			t.Errorf("mayWrite(%q) = %v, want %v", q, got, want)
		}
	}
}

// A read never waits for the write lock: a goroutine may read on one
// connection while its own transaction holds the lock on another (River's
// test worker does, and so may any code that reads beside a transaction).
func TestReadBesideAnOpenTransaction(t *testing.T) {
	t.Parallel()
	db := open(t)
	tx, err := db.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var n int
	if err := db.QueryRowContext(ctx, "-- name: count :one\nSELECT count(*) FROM folders").Scan(&n); err != nil {
		t.Fatalf("a read beside an open transaction: %v", err)
	}
	if _, err := db.ExecContext(ctx, "PRAGMA user_version"); err != nil {
		t.Fatalf("a PRAGMA beside an open transaction: %v", err)
	}
	// A write does wait, and gives up when its context does.
	short, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	if _, err := db.ExecContext(short, "INSERT INTO settings (key, value) VALUES ('k', x'00')"); err == nil {
		t.Fatal("a write went through while another transaction held the write lock")
	}
}

// Writers from many goroutines all commit, one at a time.
func TestWritersTakeTurns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := open(t)
	if _, err := db.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES ('n', 0)"); err != nil {
		t.Fatal(err)
	}
	const writers, each = 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				tx, err := db.BeginTx(ctx, nil)
				if err != nil {
					errs <- err
					return
				}
				var n int
				if err := tx.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = 'n'").Scan(&n); err != nil {
					tx.Rollback()
					errs <- err
					return
				}
				if _, err := tx.ExecContext(ctx, "UPDATE settings SET value = ? WHERE key = 'n'", n+1); err != nil {
					tx.Rollback()
					errs <- err
					return
				}
				if (w+i)%3 == 0 { // some write outside a transaction too
					if err := tx.Commit(); err != nil {
						errs <- err
						return
					}
					if _, err := db.ExecContext(ctx, "UPDATE settings SET value = value + 0 WHERE key = 'n'"); err != nil {
						errs <- err
						return
					}
					continue
				}
				if err := tx.Commit(); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = 'n'").Scan(&n); err != nil || n != writers*each {
		t.Fatalf("counter = %d, %v; want %d", n, err, writers*each)
	}
}

// The checkpointer works only after a commit changed rows: an idle
// database costs it nothing.
func TestCheckpointerIdlesWithoutWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := open(t)
	c := db.Driver().(countingDriver).conn
	wait := func(what string, done func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !done(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("gave up waiting until %s", what)
			}
		}
	}
	wait("the migrations are checkpointed", func() bool { return !c.cp.dirty.Load() && c.cp.runs.Load() > 0 })
	idle := c.cp.runs.Load()
	var n int
	for range 5 { // reads and a transaction that changes nothing
		db.QueryRowContext(ctx, "SELECT count(*) FROM folders").Scan(&n)
		tx, _ := db.BeginTx(ctx, nil)
		tx.Commit()
	}
	time.Sleep(5 * checkpointEvery)
	if runs := c.cp.runs.Load(); runs != idle {
		t.Fatalf("%d checkpoints without a write", runs-idle)
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES ('k', x'00')"); err != nil {
		t.Fatal(err)
	}
	wait("the write is checkpointed", func() bool { return c.cp.runs.Load() > idle })
}

// open opens a fresh database in t's temp dir, closed when t ends.
func open(t *testing.T) *sql.DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "ferry.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// A writer that cannot get the lock within its wait gives up with
// SQLite's own complaint, and the lock stays with its holder.
func TestWriteLockWaitRunsOut(t *testing.T) {
	t.Parallel()
	l := newWriteLock()
	l.wait = 50 * time.Millisecond // the test's, not the server's 10 s
	if err := l.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := l.acquire(context.Background()); !errors.Is(err, errWriteLockWait) {
		t.Fatalf("a second writer: err=%v, want %v", err, errWriteLockWait)
	}
	l.release()
	if err := l.acquire(context.Background()); err != nil {
		t.Fatalf("after the holder let go: %v", err)
	}
}
