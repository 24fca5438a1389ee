package sqlite

import (
	"context"
	"database/sql"
	"net/url"
	"sync"
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
}

// startCheckpointer starts checkpointing the database at path.
func startCheckpointer(path string) *checkpointer {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	db := sql.OpenDB(&connector{dsn: "file:" + path + "?" + q.Encode()})
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
			// Errors are left for the next tick: a checkpoint that fails
			// leaves the log as it was, and the log is still the data.
			c.db.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)")
		}
	}
}

// close stops the checkpointer. (The last connection to close checkpoints
// what is left, as SQLite always does.)
func (c *checkpointer) close() {
	close(c.stop)
	c.done.Wait()
	c.db.Close()
}
