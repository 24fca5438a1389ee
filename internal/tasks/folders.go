package tasks

import (
	"context"
	"errors"

	"github.com/riverqueue/river"

	"ferry/internal/ferry"
)

// folderUpdateRequest is what a folder-update task records.
type folderUpdateRequest struct {
	ID     ferry.FolderID     `json:"id"`
	Update ferry.FolderUpdate `json:"update"`
}

// errDryRun rolls back a transaction that only checked an update.
var errDryRun = errors.New("dry run")

// StartFolderUpdate implements ferry.FolderTaskService. It applies the
// update in a transaction that it rolls back, so that an update that
// cannot apply now is refused at once; the job applies it for real.
func (e *Engine) StartFolderUpdate(ctx context.Context, portal ferry.PortalID, id ferry.FolderID, u ferry.FolderUpdate) (ferry.Task, error) {
	err := e.store.Atomic(ctx, func(st ferry.Store) error {
		if _, err := ferry.ApplyFolderUpdate(ctx, st, portal, id, u); err != nil {
			return err
		}
		return errDryRun
	})
	if !errors.Is(err, errDryRun) {
		return ferry.Task{}, err
	}
	t := e.newTask(ctx, portal, ferry.TaskFolderUpdate)
	t.FolderID = id
	err = e.enqueue(ctx, &t, folderUpdateRequest{ID: id, Update: u}, nil)
	return t, err
}

// FolderUpdateStatus implements ferry.FolderTaskService.
func (e *Engine) FolderUpdateStatus(ctx context.Context, portal ferry.PortalID, id ferry.TaskID) (ferry.Task, *ferry.Folder, error) {
	t, done, err := e.findTask(ctx, portal, id, ferry.TaskFolderUpdate)
	if err != nil || !done {
		return t, nil, err
	}
	f, err := e.store.FindFolderByID(ctx, portal, t.FolderID)
	if ferry.KindOf(err) == ferry.NotFound {
		return t, nil, nil // archived since
	}
	return t, &f, err
}

// folderWorker applies one folder update, subtree and all, in one
// transaction.
type folderWorker struct {
	river.WorkerDefaults[FolderUpdateArgs]
	e *Engine
}

// Work implements river.Worker.
func (w *folderWorker) Work(ctx context.Context, job *river.Job[FolderUpdateArgs]) error {
	e := w.e
	var req folderUpdateRequest
	t, err := e.start(ctx, job.Args.TaskRef, &req, false)
	if t == nil {
		return err
	}
	fctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	defer e.heartbeat(fctx, t, stop)()
	err = e.store.Atomic(fctx, func(st ferry.Store) error {
		if _, err := ferry.ApplyFolderUpdate(ctx, st, t.Portal, req.ID, req.Update); err != nil {
			return err
		}
		return e.complete(ctx, st, t)
	})
	switch {
	case err == nil:
		e.finished(t)
		return nil
	case ferry.KindOf(err) == ferry.Internal:
		return err // River retries; the rescuer and reconciler bound it
	}
	return e.cancel(ctx, t, err)
}
