package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// writeLock passes SQLite's one write lock from writer to writer inside
// the process. Without it, connections that find the lock taken sleep in
// SQLite's busy handler for 1, 2, 5, 10 ms and more before they try
// again, so under a stream of small writes the lock often sat free while
// every writer slept: with ten imports at a time, workers spent most of
// their waiting in BEGIN (execution trace) and the CPU was a quarter
// idle. Waiting on a channel instead, the next writer starts the moment
// the last one commits, in the order they came. SQLite's busy handler
// still covers writers in other processes (ferry token commands).
type writeLock struct {
	c    chan struct{} // holds a value while a writer has the lock
	wait time.Duration // how long a writer waits before it gives up
}

// writeLockWait is how long a writer waits for the lock before it gives
// up, as long as the busy timeout SQLite would have waited.
const writeLockWait = 10 * time.Second

// errWriteLockWait is a writer that waited its time in vain; it is what
// SQLite says when its busy timeout runs out.
var errWriteLockWait = errors.New("sqlite: database is locked: no write lock in time")

func newWriteLock() *writeLock { return &writeLock{c: make(chan struct{}, 1), wait: writeLockWait} }

func (l *writeLock) acquire(ctx context.Context) error {
	select {
	case l.c <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(l.wait)
	defer t.Stop()
	select {
	case l.c <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return fmt.Errorf("%w (waited %s)", errWriteLockWait, l.wait)
	}
}

func (l *writeLock) release() { <-l.c }

// lock takes the write lock for the connection, unless it holds it
// already (its transaction does) or has none (a reader's).
func (c *cachingConn) lock(ctx context.Context) (took bool, err error) {
	if c.wl == nil || c.holding {
		return false, nil
	}
	if err := c.wl.acquire(ctx); err != nil {
		return false, err
	}
	c.holding = true
	return true, nil
}

func (c *cachingConn) unlock() {
	if c.holding {
		c.holding = false
		c.wl.release()
	}
}

// mayWrite reports whether a statement run outside a transaction takes
// SQLite's write lock, so that it should queue for writeLock: one that
// begins (after comments) with INSERT, UPDATE, DELETE or REPLACE. Any
// other statement runs without it, as before: a read never needs SQLite's
// write lock, and must not wait for it here either (a goroutine may read
// on one connection while its own transaction holds the lock on another);
// a rarer write (a CTE, DDL, a PRAGMA that sets) still waits in SQLite's
// busy handler.
func mayWrite(q string) bool {
	for {
		q = strings.TrimLeft(q, " \t\r\n")
		switch {
		case strings.HasPrefix(q, "--"):
			if i := strings.IndexByte(q, '\n'); i >= 0 {
				q = q[i+1:]
				continue
			}
			return false
		case strings.HasPrefix(q, "/*"):
			if i := strings.Index(q, "*/"); i >= 0 {
				q = q[i+2:]
				continue
			}
			return false
		}
		break
	}
	end := strings.IndexFunc(q, func(r rune) bool { return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') })
	if end < 0 {
		end = len(q)
	}
	switch strings.ToUpper(q[:end]) {
	case "INSERT", "UPDATE", "DELETE", "REPLACE":
		return true
	}
	return false
}
