package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"ferry/internal/ferry"
)

// TaskRef names the task that a job works.
type TaskRef struct {
	TaskID string `json:"task_id"`
	Portal int64  `json:"portal"`
}

// ImportArgs are the arguments of the River job that works an import.
type ImportArgs struct{ TaskRef }

// Kind implements river.JobArgs.
func (ImportArgs) Kind() string { return "ferry_import_from_url" }

// FolderUpdateArgs are the arguments of the River job that applies a
// folder update.
type FolderUpdateArgs struct{ TaskRef }

// Kind implements river.JobArgs.
func (FolderUpdateArgs) Kind() string { return "ferry_folder_update" }

// jobArgs returns the arguments of the job that works t.
func jobArgs(t ferry.Task) (river.JobArgs, error) {
	ref := TaskRef{TaskID: string(t.ID), Portal: int64(t.Portal)}
	switch t.Kind {
	case ferry.TaskImport:
		return ImportArgs{ref}, nil
	case ferry.TaskFolderUpdate:
		return FolderUpdateArgs{ref}, nil
	}
	return nil, fmt.Errorf("task %s: unknown kind %q", t.ID, t.Kind)
}

// start is how every task's job begins: it loads the task, stops if there
// is nothing left to do (the task was deleted or has finished: t is nil),
// decodes its request into req and marks it PROCESSING. A request that
// does not decode cancels the task. With quiet, the PROCESSING task is
// not saved yet: the attempt saves it later (see quietStart).
func (e *Engine) start(ctx context.Context, ref TaskRef, req any, quiet bool) (*ferry.Task, error) {
	t, err := e.store.FindTask(ctx, ferry.PortalID(ref.Portal), ferry.TaskID(ref.TaskID))
	if ferry.KindOf(err) == ferry.NotFound {
		return nil, nil // expired and deleted: nothing left to do
	}
	if err != nil || t.Status.Terminal() {
		return nil, err
	}
	if err := json.Unmarshal(t.Request, req); err != nil {
		return nil, e.cancel(ctx, &t, ferry.Wrap(err, "decode task request"))
	}
	t.Status, t.Attempts, t.NextAttemptAt = ferry.TaskProcessing, t.Attempts+1, time.Time{}
	if t.StartedAt.IsZero() {
		t.StartedAt = e.now()
	}
	if quiet {
		return &t, nil
	}
	if err := e.store.UpdateTask(ctx, &t); err != nil {
		return nil, e.lost(&t, err)
	}
	return &t, nil
}

// saveStart saves the PROCESSING task of an attempt that start left
// unsaved, so that what the attempt saves next follows it as in any
// other attempt. A save that fails is only logged: a task canceled
// meanwhile is found by the save that follows, which fails the same way.
func (e *Engine) saveStart(ctx context.Context, t *ferry.Task) {
	if err := e.store.UpdateTask(ctx, t); err != nil && !stale(err) && ctx.Err() == nil {
		e.log.Warn("could not save a task's start", "task", t.ID, "correlationId", t.CorrelationID, "err", err)
	}
}

// complete ends t COMPLETE in st, the transaction that stores its result.
func (e *Engine) complete(ctx context.Context, st ferry.Store, t *ferry.Task) error {
	t.Status, t.CompletedAt = ferry.TaskComplete, e.now()
	t.Sealed, t.NextAttemptAt, t.LastError = nil, time.Time{}, nil
	return st.UpdateTask(ctx, t)
}

// cancel ends t CANCELED with one error saying why, and tells River not
// to try the job again.
func (e *Engine) cancel(ctx context.Context, t *ferry.Task, cause error) error {
	te := taskError(cause, t.Attempts)
	if te.Kind == ferry.Internal {
		e.log.Error("task failed", "task", t.ID, "correlationId", t.CorrelationID, "kind", t.Kind, "err", cause)
	} else {
		e.log.Info("task canceled", "task", t.ID, "correlationId", t.CorrelationID, "kind", t.Kind, "category", te.Kind.Category(), "subCategory", te.SubCategory)
	}
	if err := e.endCanceled(ctx, t, te, e.store.UpdateTask); err != nil {
		if stale(err) {
			e.dropParts(ctx, t) // changed meanwhile: keep only what the task lists
		}
		return e.lost(t, err)
	}
	return river.JobCancel(fmt.Errorf("task canceled: %s", te.SubCategory))
}

// endCanceled saves t CANCELED with te as its one error, through save
// (the store's UpdateTask, or a stricter one), and only then deletes the
// parts it kept: a save that fails leaves the task listing parts that
// still exist, for the next attempt to continue from. Every path that
// cancels a task (a worker, a user, maintenance, a takeover) ends it
// here. On an error t is left as it was.
func (e *Engine) endCanceled(ctx context.Context, t *ferry.Task, te ferry.TaskError, save func(context.Context, *ferry.Task) error) error {
	ended := *t
	ended.Status, ended.Errors, ended.CompletedAt = ferry.TaskCanceled, []ferry.TaskError{te}, e.now()
	ended.Sealed, ended.NextAttemptAt, ended.Resume = nil, time.Time{}, nil
	if err := save(ctx, &ended); err != nil {
		return err
	}
	e.deleteParts(t)
	*t = ended
	e.finished(t)
	return nil
}

// lost ends an attempt whose task someone else changed (a user canceled
// it) or deleted meanwhile: there is nothing left to do, and nothing to
// retry. Any other error goes back to River, which retries the job.
func (e *Engine) lost(t *ferry.Task, err error) error {
	if !stale(err) {
		return err
	}
	e.log.Info("task stopped: it was canceled or taken over", "task", t.ID, "correlationId", t.CorrelationID)
	return river.JobCancel(errCanceledByUser)
}

// stale reports whether err says that someone else changed or deleted
// the task an attempt works on.
func stale(err error) bool {
	switch ferry.KindOf(err) {
	case ferry.Conflict, ferry.NotFound:
		return true
	}
	return errors.Is(err, errCanceledByUser)
}

// changed reports whether the stored task is no longer the one an attempt
// works on: canceled, deleted or otherwise changed by someone else. A
// store that cannot say counts as unchanged.
func (e *Engine) changed(ctx context.Context, t *ferry.Task) bool {
	ch, _ := changedSince(ctx, e.store, t)
	return ch
}

// changedSince reports whether the task in st is no longer t: deleted,
// finished, or saved by someone else since t was read; or the error that
// kept it from knowing.
func changedSince(ctx context.Context, st ferry.Store, t *ferry.Task) (bool, error) {
	cur, err := st.FindTask(ctx, t.Portal, t.ID)
	switch {
	case ferry.KindOf(err) == ferry.NotFound:
		return true, nil
	case err != nil:
		return false, err
	}
	return cur.Version != t.Version || cur.Status.Terminal(), nil
}

// finished reports a terminal task to the configured hook.
func (e *Engine) finished(t *ferry.Task) {
	if !t.CompletedAt.IsZero() {
		e.obs().TaskDuration(string(t.Kind), string(t.Status), t.CompletedAt.Sub(t.RequestedAt))
	}
	if e.cfg.TaskFinished == nil {
		return
	}
	category := ""
	if len(t.Errors) > 0 {
		category = t.Errors[0].Kind.Category()
	}
	e.cfg.TaskFinished(string(t.Kind), string(t.Status), category)
}
