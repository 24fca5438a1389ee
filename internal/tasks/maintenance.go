package tasks

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"ferry/internal/ferry"
)

// MaintenanceArgs are the arguments of the periodic job that deletes
// expired tasks and files and ends tasks whose work was lost. River runs
// periodic jobs on its elected leader only, so it runs once per cluster.
type MaintenanceArgs struct{}

// Kind implements river.JobArgs.
func (MaintenanceArgs) Kind() string { return "ferry_maintenance" }

// maintenanceJob runs maintenance at start and every minute after.
func maintenanceJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
		func() (river.JobArgs, *river.InsertOpts) { return MaintenanceArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true})
}

// RunMaintenance queues the maintenance job to run at once, as the
// emulator does after it moves its clock, so that expiry and retention
// catch up without waiting for the next periodic run.
func (e *Engine) RunMaintenance(ctx context.Context) error {
	if _, err := e.client.Insert(ctx, MaintenanceArgs{}, nil); err != nil {
		return fmt.Errorf("queue maintenance: %w", err)
	}
	return nil
}

type maintenanceWorker struct {
	river.WorkerDefaults[MaintenanceArgs]
	e *Engine
}

// Work implements river.Worker.
func (w *maintenanceWorker) Work(ctx context.Context, _ *river.Job[MaintenanceArgs]) error {
	e := w.e
	n, err := e.store.DeleteTasksFinishedBefore(ctx, e.cfg.Clock.Now().Add(-e.cfg.TaskRetention))
	if err != nil {
		return err
	}
	if n > 0 {
		e.log.Info("deleted finished tasks past retention", "count", n)
	}
	if n, err = e.store.DeleteEventsBefore(ctx, e.cfg.Clock.Now().Add(-e.cfg.TaskRetention)); err != nil {
		return err
	}
	if n > 0 {
		e.log.Info("deleted events past retention", "count", n)
	}
	if n, err = e.content.ExpireFiles(ctx, e.cfg.Clock.Now()); err != nil {
		return err
	}
	if n > 0 {
		e.log.Info("deleted expired files", "count", n)
	}
	if n, err = e.content.PurgeArchived(ctx, e.cfg.Clock.Now().Add(-e.cfg.ArchiveRetention)); err != nil {
		return err
	}
	if n > 0 {
		e.log.Info("deleted archived files past retention", "count", n)
	}
	return e.reconcile(ctx)
}

// reconcile ends, as CANCELED, tasks whose job is gone or finished without
// finishing the task: work that a crash lost after its last attempt.
func (e *Engine) reconcile(ctx context.Context) error {
	tasks, err := e.store.ListUnfinishedTasks(ctx, e.cfg.Clock.Now().Add(-time.Minute), 100)
	if err != nil {
		return err
	}
	for _, t := range tasks {
		job, err := e.client.JobGet(ctx, t.JobID)
		switch {
		case errors.Is(err, river.ErrNotFound):
		case err != nil:
			return err
		case job.State != rivertype.JobStateCancelled && job.State != rivertype.JobStateCompleted && job.State != rivertype.JobStateDiscarded:
			continue
		}
		te := ferry.TaskError{Kind: ferry.Interrupted, SubCategory: ferry.Interrupted.SubCategory(),
			Message: "The import was interrupted too many times (for example by server crashes) and was given up.",
			Context: map[string][]string{"attempts": {fmt.Sprint(t.Attempts)}}}
		if err := e.endCanceled(ctx, &t, te, e.store.UpdateTask); err != nil {
			return err
		}
		e.log.Warn("task given up after its work was lost", "task", t.ID, "correlationId", t.CorrelationID)
	}
	return nil
}
