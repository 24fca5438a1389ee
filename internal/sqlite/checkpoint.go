package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"time"
)

// checkpointEvery is how often the checkpointer copies the WAL back into
// the database file.
const checkpointEvery = 100 * time.Millisecond

// checkpointer copies the write-ahead log back into the database file from
// a connection of its own, so that no writer does it. SQLite's automatic
// checkpoint runs in the connection whose commit filled the log, before
// that commit returns: with the write lock (writeLock) held until then,
// every writer waited out its two fsyncs. A PASSIVE checkpoint never waits
// for writers or readers, and a writer never waits for it.
type checkpointer struct {
	db   *sql.DB
	stop chan struct{}
	done sync.WaitGroup
	// dirty says a commit of the pool changed rows since the last complete
	// checkpoint: an idle database is left alone. runs counts checkpoints.
	dirty atomic.Bool
	runs  atomic.Int64
}

// startCheckpointer starts checkpointing the database at path.
func startCheckpointer(path string) *checkpointer {
	db := sql.OpenDB(&connector{dsn: dsn(path, nil)})
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	c := &checkpointer{db: db, stop: make(chan struct{})}
	c.done.Go(c.run)
	return c
}

func (c *checkpointer) run() {
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			if c.dirty.Swap(false) && !c.checkpoint() {
				c.dirty.Store(true) // try again at the next tick
			}
		}
	}
}

// checkpoint copies what it can of the log back and reports whether that
// was all of it. A checkpoint that fails, or that a reader holds back,
// leaves the rest in the log, which is still the data.
func (c *checkpointer) checkpoint() bool {
	c.runs.Add(1)
	var busy, log, copied int
	err := c.db.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &log, &copied)
	return err == nil && busy == 0 && copied >= log
}

// close stops the checkpointer. (The last connection to close checkpoints
// what is left, as SQLite always does.)
func (c *checkpointer) close() {
	close(c.stop)
	c.done.Wait()
	c.db.Close()
}
