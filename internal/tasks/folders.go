package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"ferry/internal/ferry"
)

// FolderUpdateArgs are the arguments of the River job that applies a
// folder update.
type FolderUpdateArgs struct {
	TaskID string `json:"task_id"`
	Portal int64  `json:"portal"`
}

// Kind implements river.JobArgs.
func (FolderUpdateArgs) Kind() string { return "ferry_folder_update" }

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
func (im *Importer[TTx]) StartFolderUpdate(ctx context.Context, portal ferry.PortalID, id ferry.FolderID, u ferry.FolderUpdate) (ferry.Task, error) {
	err := im.store.Atomic(ctx, func(st ferry.Store) error {
		if _, err := ferry.ApplyFolderUpdate(ctx, st, portal, id, u); err != nil {
			return err
		}
		return errDryRun
	})
	if !errors.Is(err, errDryRun) {
		return ferry.Task{}, err
	}
	req, err := json.Marshal(folderUpdateRequest{ID: id, Update: u})
	if err != nil {
		return ferry.Task{}, ferry.Wrap(err, "encode folder update")
	}
	t := ferry.Task{ID: ferry.NewTaskID(), Portal: portal, Kind: ferry.TaskFolderUpdate, Status: ferry.TaskPending,
		RequestedAt: im.clock.Now().UTC().Truncate(time.Millisecond), Request: req, FolderID: id}
	err = im.tx.InTx(ctx, func(tx TTx, st ferry.Store) error {
		res, err := im.client.InsertTx(ctx, tx, FolderUpdateArgs{TaskID: string(t.ID), Portal: int64(portal)}, nil)
		if err != nil {
			return ferry.Wrap(err, "enqueue folder update")
		}
		t.JobID = res.Job.ID
		return st.CreateTask(ctx, &t)
	})
	return t, err
}

// FolderUpdateStatus implements ferry.FolderTaskService.
func (im *Importer[TTx]) FolderUpdateStatus(ctx context.Context, portal ferry.PortalID, id ferry.TaskID) (ferry.Task, *ferry.Folder, error) {
	t, err := im.store.FindTask(ctx, portal, id)
	if err == nil && t.Kind != ferry.TaskFolderUpdate {
		err = ferry.Errorf(ferry.NotFound, "task not found")
	}
	if err != nil || t.Status != ferry.TaskComplete {
		return t, nil, err
	}
	f, err := im.store.FindFolderByID(ctx, portal, t.FolderID)
	if ferry.KindOf(err) == ferry.NotFound {
		return t, nil, nil // archived since
	}
	return t, &f, err
}

// folderWorker applies one folder update, subtree and all, in one
// transaction.
type folderWorker struct {
	river.WorkerDefaults[FolderUpdateArgs]
	store ferry.Store
	cfg   Config
	clock ferry.Clock
}

// Work implements river.Worker.
func (w *folderWorker) Work(ctx context.Context, job *river.Job[FolderUpdateArgs]) error {
	t, err := w.store.FindTask(ctx, ferry.PortalID(job.Args.Portal), ferry.TaskID(job.Args.TaskID))
	if ferry.KindOf(err) == ferry.NotFound {
		return nil
	}
	if err != nil || t.Status.Terminal() {
		return err
	}
	var req folderUpdateRequest
	if err := json.Unmarshal(t.Request, &req); err != nil {
		return err
	}
	t.Status, t.Attempts = ferry.TaskProcessing, t.Attempts+1
	t.StartedAt = w.clock.Now().UTC().Truncate(time.Millisecond)
	if err := w.store.UpdateTask(ctx, &t); err != nil {
		return err
	}
	err = w.store.Atomic(ctx, func(st ferry.Store) error {
		if _, err := ferry.ApplyFolderUpdate(ctx, st, t.Portal, req.ID, req.Update); err != nil {
			return err
		}
		t.Status, t.CompletedAt = ferry.TaskComplete, w.clock.Now().UTC().Truncate(time.Millisecond)
		return st.UpdateTask(ctx, &t)
	})
	if err == nil {
		w.cfg.finished(&t)
		return nil
	}
	if ferry.KindOf(err) == ferry.Internal {
		return err // River retries; the rescuer and reconciler bound it
	}
	t.Status, t.CompletedAt = ferry.TaskCanceled, w.clock.Now().UTC().Truncate(time.Millisecond)
	t.Errors = []ferry.TaskError{taskError(err, t.Attempts)}
	if uerr := w.store.UpdateTask(ctx, &t); uerr != nil {
		return uerr
	}
	w.cfg.finished(&t)
	return river.JobCancel(err)
}
