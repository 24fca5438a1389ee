// Package tasks is the task engine. It runs Ferry's asynchronous tasks on
// River: imports from URLs (imports.go), folder updates (folders.go) and
// the periodic maintenance that expires tasks and files (maintenance.go).
// Each task is recorded together with its job in one transaction, and
// every worker starts the same way (start) and ends a failed task the same
// way (cancel).
package tasks

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivermigrate"

	"ferry/internal/ferry"
	"ferry/internal/fetch"
	"ferry/internal/seal"
)

// Store is the engine's database: Ferry's store, plus transactions that
// hand River the raw transaction to enqueue in and a Store bound to it.
type Store interface {
	ferry.Store
	InTx(ctx context.Context, fn func(tx *sql.Tx, st ferry.Store) error) error
}

// Config tunes the tasks. Zero values take the documented defaults.
type Config struct {
	// MaxAttempts is how many times a transient failure is tried before
	// the task is canceled. Defaults to 4.
	MaxAttempts int
	// MaxBytes is the largest file an import may store. Defaults to the
	// fetcher's limit.
	MaxBytes int64
	// RescueAfter is how long a job may run before another worker treats
	// it as abandoned by a crashed instance. Defaults to JobTimeout + 1m.
	RescueAfter time.Duration
	// TaskRetention is how long finished tasks stay readable. Defaults to
	// 7 days.
	TaskRetention time.Duration
	// Workers is how many imports run at once on this instance. Defaults
	// to 10; zero workers is not possible, use -1 for an API-only instance.
	Workers int
	// TaskFinished, if set, is told of every task that ends, with its
	// kind, status and error category ("" when it completed).
	TaskFinished func(kind, status, category string)
	// WorkersPerPortal is how many of those one portal may use at once.
	// Defaults to half of Workers (at least one).
	WorkersPerPortal int
	// ArchiveRetention is how long archived and overwritten files keep
	// their content before maintenance deletes them. Defaults to 30 days.
	ArchiveRetention time.Duration
	// Ready, if set, tells an import that failed internally whether a
	// dependency is down, in which case it waits and retries instead of
	// failing for good.
	Ready *ferry.Readiness
	// Clock is what task timestamps, retention and file expiry read.
	// Defaults to ferry.SystemClock.
	Clock ferry.Clock
	// Sealer encrypts imports' source headers at rest. Without one,
	// imports with source headers are refused.
	Sealer *seal.Sealer
	// Exclusive says that no other process can be working this queue's
	// jobs (the embedded database, under the data-dir lock): Start then
	// requeues at once the jobs a stopped process left running, instead
	// of waiting RescueAfter for River's rescuer.
	Exclusive bool
	// PollInterval is how often a working instance asks the database for
	// new jobs besides being told of them: River's notifications (an
	// insert on this instance, or PostgreSQL's NOTIFY from any instance)
	// wake it at once, and the poll catches what a lost notification
	// missed. Defaults to PollIntervalDefault.
	PollInterval time.Duration
	// TakeoverAfter is, where instances share the database (not
	// Exclusive), how long a running task's heartbeat may be silent
	// before another instance takes the task over. Defaults to 30s.
	TakeoverAfter time.Duration
	// Gate, if set, decides each import attempt first: the emulator's
	// import faults.
	Gate Gate

	// RenderEvent encodes an event as webhook deliveries send it. The
	// server passes the event feed's encoder; the default is the plain
	// JSON of ferry.Event, for tests.
	RenderEvent func(ferry.Event) ([]byte, error)
	// WebhookRetryBase is the wait after a delivery's first failed
	// attempt; each further failure doubles it, up to an hour. Defaults
	// to 5 seconds.
	WebhookRetryBase time.Duration
	// WebhookDisableAfter is how long a subscription may fail without a
	// success before it is disabled, and how long each delivery is
	// retried. Defaults to 72 hours.
	WebhookDisableAfter time.Duration
	// DeliveryAttempted, if set, is told of every delivery attempt: its
	// outcome ("success" or "failure") and how long after its event it
	// was made.
	DeliveryAttempted func(outcome string, lag time.Duration)
	// Observer, if set, is told what the engine does, for metrics.
	Observer Observer
}

// Observer is told what the engine does, for metrics. Its methods must be
// cheap and safe for concurrent use.
type Observer interface {
	ImportStarted() (done func())                      // an import attempt runs until done
	BytesFetched(n int64)                              // body bytes one attempt read
	FetchFailed(code string)                           // an attempt failed with this fetch error code
	TaskDuration(kind, status string, d time.Duration) // a task ended, d after its request
}

type noObserver struct{}

func (noObserver) ImportStarted() func()                      { return func() {} }
func (noObserver) BytesFetched(int64)                         {}
func (noObserver) FetchFailed(string)                         {}
func (noObserver) TaskDuration(string, string, time.Duration) {}

// obs returns the configured Observer, or one that ignores everything.
func (e *Engine) obs() Observer {
	if e.cfg.Observer == nil {
		return noObserver{}
	}
	return e.cfg.Observer
}

// Defaults.
const (
	MaxAttemptsDefault   = 4
	TaskRetentionDefault = 7 * 24 * time.Hour
	// ArchiveRetentionDefault is how long archived content is kept.
	ArchiveRetentionDefault = 30 * 24 * time.Hour
	WorkersDefault          = 10
	PollIntervalDefault     = 200 * time.Millisecond
)

// Engine runs tasks on a River client. It implements
// ferry.ImportService and ferry.FolderTaskService.
type Engine struct {
	client  *river.Client[*sql.Tx]
	driver  riverdriver.Driver[*sql.Tx]
	store   Store
	content ferry.ContentStore
	fetcher *fetch.Fetcher
	log     *slog.Logger
	cfg     Config
	timeout time.Duration // the longest a job may run
	slots   *portalSlots
	// stopTakeovers, once Start began looking for the tasks of stopped
	// instances, stops that.
	stopTakeovers func()
}

var (
	_ ferry.ImportService     = (*Engine)(nil)
	_ ferry.FolderTaskService = (*Engine)(nil)
	_ ferry.TaskService       = (*Engine)(nil)
)

// Migrate brings River's own tables up to date.
func Migrate(ctx context.Context, driver riverdriver.Driver[*sql.Tx]) error {
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		return fmt.Errorf("river migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrate: %w", err)
	}
	return nil
}

// New returns an Engine whose River client works tasks (unless
// cfg.Workers is negative) and runs the periodic maintenance job.
func New(driver riverdriver.Driver[*sql.Tx], store Store, content ferry.ContentStore,
	fetcher *fetch.Fetcher, log *slog.Logger, cfg Config) (*Engine, error) {
	e, err := newEngine(store, content, fetcher, log, cfg)
	if err != nil {
		return nil, err
	}
	e.driver = driver
	e.client, err = river.NewClient(driver, e.riverConfig())
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	return e, nil
}

// newEngine applies cfg's defaults and checks them.
func newEngine(store Store, content ferry.ContentStore, fetcher *fetch.Fetcher, log *slog.Logger, cfg Config) (*Engine, error) {
	cfg.MaxAttempts = cmp.Or(cfg.MaxAttempts, MaxAttemptsDefault)
	cfg.MaxBytes = cmp.Or(cfg.MaxBytes, fetcher.Config().MaxBytes)
	cfg.TaskRetention = cmp.Or(cfg.TaskRetention, TaskRetentionDefault)
	cfg.ArchiveRetention = cmp.Or(cfg.ArchiveRetention, ArchiveRetentionDefault)
	cfg.Clock = ferry.OrSystem(cfg.Clock)
	cfg.Workers = cmp.Or(cfg.Workers, WorkersDefault)
	cfg.WorkersPerPortal = cmp.Or(cfg.WorkersPerPortal, max(1, cfg.Workers/2))
	cfg.WebhookRetryBase = cmp.Or(cfg.WebhookRetryBase, WebhookRetryBaseDefault)
	cfg.WebhookDisableAfter = cmp.Or(cfg.WebhookDisableAfter, WebhookDisableAfterDefault)
	if cfg.RenderEvent == nil {
		cfg.RenderEvent = func(ev ferry.Event) ([]byte, error) { return json.Marshal(ev) }
	}
	timeout := fetcher.Config().TotalTimeout + max(5*time.Second, fetcher.Config().TotalTimeout/10)
	cfg.RescueAfter = cmp.Or(cfg.RescueAfter, timeout+time.Minute)
	cfg.TakeoverAfter = cmp.Or(cfg.TakeoverAfter, TakeoverAfterDefault)
	if cfg.TakeoverAfter < 3*time.Second {
		return nil, fmt.Errorf("takeover-after (%s) must be at least 3s: a running task saves its heartbeat every sixth of it", cfg.TakeoverAfter)
	}
	cfg.PollInterval = cmp.Or(cfg.PollInterval, PollIntervalDefault)
	if cfg.PollInterval < time.Millisecond {
		return nil, fmt.Errorf("queue-poll-interval (%s) must be at least 1ms", cfg.PollInterval)
	}
	if cfg.RescueAfter <= timeout {
		return nil, fmt.Errorf("rescue-after (%s) must be longer than the longest import (%s)", cfg.RescueAfter, timeout)
	}
	return &Engine{store: store, content: content, fetcher: fetcher, log: log, cfg: cfg, timeout: timeout,
		slots: newPortalSlots(cfg.WorkersPerPortal)}, nil
}

// workers registers a worker for each kind of job.
func (e *Engine) workers() *river.Workers {
	w := river.NewWorkers()
	river.AddWorker(w, &importWorker{e: e})
	river.AddWorker(w, &folderWorker{e: e})
	river.AddWorker(w, &maintenanceWorker{e: e})
	river.AddWorker(w, &deliveryWorker{e: e})
	return w
}

func (e *Engine) riverConfig() *river.Config {
	rc := &river.Config{
		Logger:                      riverLogger(e.log),
		Workers:                     e.workers(),
		JobTimeout:                  e.timeout,
		RescueStuckJobsAfter:        e.cfg.RescueAfter,
		MaxAttempts:                 jobAttempts(e.cfg.MaxAttempts),
		CompletedJobRetentionPeriod: e.cfg.TaskRetention,
		CancelledJobRetentionPeriod: e.cfg.TaskRetention,
		DiscardedJobRetentionPeriod: e.cfg.TaskRetention,
		// Once every worker is busy, River claims more jobs only as slots
		// free up, and at most once per cooldown: a slot freed just after a
		// claim waits out the rest of it. With 20 ms, ten workers on small
		// imports (about 6 ms each) spent more time waiting for their next
		// job than running one (406 against 525 imports/s with 2 ms). The
		// cooldown does not add work when idle: claims then come from
		// inserts and the poll.
		FetchCooldown:     2 * time.Millisecond,
		FetchPollInterval: e.cfg.PollInterval,
		PeriodicJobs:      []*river.PeriodicJob{maintenanceJob()},
	}
	if e.cfg.Workers > 0 {
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: e.cfg.Workers}}
	}
	return rc
}

// jobAttempts is how many attempts River gives a job for a task allowed
// taskAttempts: crashes mid-attempt count there too.
func jobAttempts(taskAttempts int) int { return taskAttempts + 2 }

// Start starts working jobs. An API-only instance (Workers < 0) works
// none: it only enqueues, and other instances do the work.
func (e *Engine) Start(ctx context.Context) error {
	if e.cfg.Workers < 0 {
		return nil
	}
	if e.cfg.Exclusive {
		if err := e.requeueInterrupted(ctx); err != nil {
			return err
		}
	}
	if err := e.client.Start(ctx); err != nil {
		return err
	}
	if !e.cfg.Exclusive {
		e.startTakeovers()
	}
	return nil
}

// Stop stops working jobs. Running imports are interrupted and handed back
// to the queue, so that the next start (or another instance) resumes them.
func (e *Engine) Stop(ctx context.Context) error {
	if e.cfg.Workers < 0 {
		return nil
	}
	if e.stopTakeovers != nil {
		e.stopTakeovers()
	}
	return e.client.StopAndCancel(ctx)
}

// now is the time as tasks record it.
func (e *Engine) now() time.Time { return e.cfg.Clock.Now().UTC().Truncate(time.Millisecond) }

// newTask returns a PENDING task of kind, requested now.
func (e *Engine) newTask(ctx context.Context, portal ferry.PortalID, kind ferry.TaskKind) ferry.Task {
	t := ferry.Task{ID: ferry.NewTaskID(), Portal: portal, Kind: kind, Status: ferry.TaskPending, RequestedAt: e.now(),
		CorrelationID: ferry.CorrelationID(ctx)}
	if kind == ferry.TaskImport {
		t.MaxAttempts, t.Progress.BytesTotal = e.cfg.MaxAttempts, -1
	}
	return t
}

// enqueue records t with its request req and the job that works it in one
// transaction, so that neither exists without the other. prepare, if set,
// runs first in the same transaction and may complete req.
func (e *Engine) enqueue(ctx context.Context, t *ferry.Task, req any, prepare func(st ferry.Store) error) error {
	return e.store.InTx(ctx, func(tx *sql.Tx, st ferry.Store) error {
		if prepare != nil {
			if err := prepare(st); err != nil {
				return err
			}
		}
		var err error
		if t.Request, err = json.Marshal(req); err != nil {
			return ferry.Wrap(err, "encode task request")
		}
		args, err := jobArgs(*t)
		if err != nil {
			return err
		}
		res, err := e.client.InsertTx(ctx, tx, args, nil)
		if err != nil {
			return ferry.Wrap(err, "enqueue task")
		}
		t.JobID = res.Job.ID
		return st.CreateTask(ctx, t)
	})
}

// findTask returns a task of kind, and whether it completed.
func (e *Engine) findTask(ctx context.Context, portal ferry.PortalID, id ferry.TaskID, kind ferry.TaskKind) (ferry.Task, bool, error) {
	t, err := e.store.FindTask(ctx, portal, id)
	if err == nil && t.Kind != kind {
		err = ferry.Errorf(ferry.NotFound, "task not found")
	}
	if err != nil {
		return ferry.Task{}, false, err
	}
	return t, t.Status == ferry.TaskComplete, nil
}

// riverLogger is the logger River gets: its own chatter (clients starting
// and stopping, leader elections) only at warn and above, unless Ferry's
// log level is debug.
func riverLogger(log *slog.Logger) *slog.Logger {
	log = log.With("component", "river")
	if log.Enabled(context.Background(), slog.LevelDebug) {
		return log
	}
	return slog.New(minLevel{Handler: log.Handler(), min: slog.LevelWarn})
}

// minLevel drops records below min.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{Handler: h.Handler.WithAttrs(as), min: h.min}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{Handler: h.Handler.WithGroup(name), min: h.min}
}
