package tasks

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riversqlite"
)

// SQLiteDriver is River's SQLite driver whose listener this process can
// wake. River on SQLite hears of a new job by reading a table of
// notifications every 50 ms, so an import accepted by an idle server
// waited 25 ms on average (up to 50) before a worker claimed it. On the
// embedded database this process is the only one that inserts jobs: the
// database's commit hook wakes the listener (Wake) once each transaction
// that inserted a job has committed (sqlite.Changes.OnJobsCommitted), and
// the listener hands River the notification of an insert at once. River's
// own notifications and its polls still come as before; a wake that finds
// River between two waits is kept for the next.
type SQLiteDriver struct {
	*riversqlite.Driver
	wake wakeSignal
}

// NewSQLiteDriver returns River's SQLite driver on db, with a listener
// that Wake wakes.
func NewSQLiteDriver(db *sql.DB) *SQLiteDriver {
	return &SQLiteDriver{Driver: riversqlite.New(db), wake: make(wakeSignal, 1)}
}

// Wake tells the listener that a job was inserted and committed.
func (d *SQLiteDriver) Wake() { d.wake.send() }

// GetListener implements riverdriver.Driver.
func (d *SQLiteDriver) GetListener(params *riverdriver.GetListenenerParams) riverdriver.Listener {
	return &wakingListener{Listener: d.Driver.GetListener(params), wake: d.wake}
}

// wakeSignal holds at most one pending wake: one is enough, since River
// fetches every job waiting.
type wakeSignal chan struct{}

func (w wakeSignal) send() {
	select {
	case w <- struct{}{}:
	default:
	}
}

// insertTopic is the suffix of the topic River listens on for inserts
// (prefixed with the schema where it has one), and insertPayload the
// notification it sends for the default queue.
const insertTopic = "river_insert"

var insertPayload = fmt.Sprintf(`{"queue": %q}`, river.QueueDefault) // Ferry's one queue

// wakingListener is River's SQLite listener that also returns an insert
// notification when woken.
type wakingListener struct {
	riverdriver.Listener
	wake wakeSignal // the driver's

	mu    sync.Mutex
	topic string // River's insert topic, once it listens on it
}

func (l *wakingListener) Listen(ctx context.Context, topic string) error {
	if err := l.Listener.Listen(ctx, topic); err != nil {
		return err
	}
	if strings.HasSuffix(topic, insertTopic) {
		l.mu.Lock()
		l.topic = topic
		l.mu.Unlock()
	}
	return nil
}

func (l *wakingListener) Unlisten(ctx context.Context, topic string) error {
	l.mu.Lock()
	if l.topic == topic {
		l.topic = ""
	}
	l.mu.Unlock()
	return l.Listener.Unlisten(ctx, topic)
}

// WaitForNotification waits for River's next notification or a wake,
// whichever comes first. A wake stops River's wait (a notification that
// comes in that instant stays in River's table for its next read).
func (l *wakingListener) WaitForNotification(ctx context.Context) (*riverdriver.Notification, error) {
	l.mu.Lock()
	topic := l.topic
	l.mu.Unlock()
	if topic == "" {
		return l.Listener.WaitForNotification(ctx)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type answer struct {
		n   *riverdriver.Notification
		err error
	}
	inner := make(chan answer, 1)
	go func() {
		n, err := l.Listener.WaitForNotification(wctx)
		inner <- answer{n, err}
	}()
	select {
	case a := <-inner:
		return a.n, a.err
	case <-l.wake:
		cancel()
		if a := <-inner; a.err == nil {
			// River's own came first after all: hand it over, and keep
			// the wake for the next wait.
			l.wake.send()
			return a.n, nil
		}
		return &riverdriver.Notification{Topic: topic, Payload: insertPayload}, nil
	}
}
