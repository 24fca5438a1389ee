package tasks

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"ferry/internal/ferry"
	"ferry/internal/fetch"
)

// Migrate brings River's own tables up to date.
func Migrate[TTx any](ctx context.Context, driver riverdriver.Driver[TTx]) error {
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		return fmt.Errorf("river migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrate: %w", err)
	}
	return nil
}

// New returns an Importer whose River client works imports (unless
// cfg.Workers is negative) and runs the periodic maintenance job.
func New[TTx any](driver riverdriver.Driver[TTx], tx TxRunner[TTx], store ferry.Store, content ferry.ContentStore,
	fetcher *fetch.Fetcher, log *slog.Logger, cfg Config) (*Importer[TTx], error) {
	cfg.MaxAttempts = cmp.Or(cfg.MaxAttempts, MaxAttemptsDefault)
	cfg.MaxBytes = cmp.Or(cfg.MaxBytes, fetcher.Config().MaxBytes)
	cfg.TaskRetention = cmp.Or(cfg.TaskRetention, TaskRetentionDefault)
	cfg.Clock = ferry.OrSystem(cfg.Clock)
	cfg.Workers = cmp.Or(cfg.Workers, WorkersDefault)
	cfg.WorkersPerPortal = cmp.Or(cfg.WorkersPerPortal, max(1, cfg.Workers/2))
	timeout := fetcher.Config().TotalTimeout + max(5*time.Second, fetcher.Config().TotalTimeout/10)
	cfg.RescueAfter = cmp.Or(cfg.RescueAfter, timeout+time.Minute)
	if cfg.RescueAfter <= timeout {
		return nil, fmt.Errorf("rescue-after (%s) must be longer than the longest import (%s)", cfg.RescueAfter, timeout)
	}
	im := &Importer[TTx]{tx: tx, store: store, content: content, fetcher: fetcher, log: log, cfg: cfg, clock: cfg.Clock}
	workers := river.NewWorkers()
	river.AddWorker(workers, &importWorker{store: store, content: content, fetcher: fetcher, log: log, cfg: cfg, timeout: timeout, slots: newPortalSlots(cfg.WorkersPerPortal), clock: cfg.Clock})
	river.AddWorker(workers, &folderWorker{store: store, cfg: cfg, clock: cfg.Clock})
	river.AddWorker(workers, &maintenanceWorker[TTx]{im: im})
	rc := &river.Config{
		Logger:                      log.With("component", "river"),
		Workers:                     workers,
		JobTimeout:                  timeout,
		RescueStuckJobsAfter:        cfg.RescueAfter,
		MaxAttempts:                 cfg.MaxAttempts + 2, // crashes mid-attempt count here too
		CompletedJobRetentionPeriod: cfg.TaskRetention,
		CancelledJobRetentionPeriod: cfg.TaskRetention,
		DiscardedJobRetentionPeriod: cfg.TaskRetention,
		FetchCooldown:               20 * time.Millisecond,
		FetchPollInterval:           200 * time.Millisecond,
		PeriodicJobs: []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return MaintenanceArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true})},
	}
	if cfg.Workers > 0 {
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}}
	}
	client, err := river.NewClient(driver, rc)
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	im.client = client
	return im, nil
}

// Start starts working jobs. An API-only instance (Workers < 0) works
// none: it only enqueues, and other instances do the work.
func (im *Importer[TTx]) Start(ctx context.Context) error {
	if im.cfg.Workers < 0 {
		return nil
	}
	return im.client.Start(ctx)
}

// Stop stops working jobs. Running imports are interrupted and handed back
// to the queue, so that the next start (or another instance) resumes them.
func (im *Importer[TTx]) Stop(ctx context.Context) error {
	if im.cfg.Workers < 0 {
		return nil
	}
	return im.client.StopAndCancel(ctx)
}

// MaintenanceArgs are the arguments of the periodic job that deletes
// expired tasks and files and ends tasks whose work was lost. River runs
// periodic jobs on its elected leader only, so it runs once per cluster.
type MaintenanceArgs struct{}

// Kind implements river.JobArgs.
func (MaintenanceArgs) Kind() string { return "ferry_maintenance" }

type maintenanceWorker[TTx any] struct {
	river.WorkerDefaults[MaintenanceArgs]
	im *Importer[TTx]
}

// Work implements river.Worker.
func (w *maintenanceWorker[TTx]) Work(ctx context.Context, _ *river.Job[MaintenanceArgs]) error {
	im := w.im
	n, err := im.store.DeleteTasksFinishedBefore(ctx, im.clock.Now().Add(-im.cfg.TaskRetention))
	if err != nil {
		return err
	}
	if n > 0 {
		im.log.Info("deleted finished tasks past retention", "count", n)
	}
	if n, err = im.content.ExpireFiles(ctx, im.clock.Now()); err != nil {
		return err
	}
	if n > 0 {
		im.log.Info("deleted expired files", "count", n)
	}
	return im.reconcile(ctx)
}

// reconcile ends, as CANCELED, tasks whose job is gone or finished without
// finishing the task: work that a crash lost after its last attempt.
func (im *Importer[TTx]) reconcile(ctx context.Context) error {
	tasks, err := im.store.ListUnfinishedTasks(ctx, im.clock.Now().Add(-time.Minute), 100)
	if err != nil {
		return err
	}
	for _, t := range tasks {
		job, err := im.client.JobGet(ctx, t.JobID)
		switch {
		case errors.Is(err, river.ErrNotFound):
		case err != nil:
			return err
		case job.State != rivertype.JobStateCancelled && job.State != rivertype.JobStateCompleted && job.State != rivertype.JobStateDiscarded:
			continue
		}
		t.Status, t.CompletedAt = ferry.TaskCanceled, im.clock.Now().UTC().Truncate(time.Millisecond)
		t.Errors = []ferry.TaskError{{Kind: ferry.Interrupted, SubCategory: ferry.Interrupted.SubCategory(),
			Message: "The import was interrupted too many times (for example by server crashes) and was given up.",
			Context: map[string][]string{"attempts": {fmt.Sprint(t.Attempts)}}}}
		if err := im.store.UpdateTask(ctx, &t); err != nil {
			return err
		}
		im.log.Warn("task given up after its work was lost", "task", t.ID)
		im.cfg.finished(&t)
	}
	return nil
}
