package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"

	"github.com/riverqueue/river"

	"ferry/internal/ferry"
)

// sealHeaders moves req's source headers, sealed, into t: only their
// names stay in the request.
func (e *Engine) sealHeaders(t *ferry.Task, req *ferry.ImportRequest) error {
	if len(req.SourceHeaders) == 0 {
		return nil
	}
	if e.cfg.Sealer == nil {
		return ferry.Invalidf("sourceHeaders", "this server has no secret key to keep source headers with")
	}
	plain, err := json.Marshal(req.SourceHeaders)
	if err != nil {
		return ferry.Wrap(err, "encode source headers")
	}
	req.SourceHeaderNames = req.SourceHeaderNames[:0]
	for k := range req.SourceHeaders {
		req.SourceHeaderNames = append(req.SourceHeaderNames, k)
	}
	slices.Sort(req.SourceHeaderNames)
	t.Sealed = e.cfg.Sealer.Seal(plain, string(t.ID))
	return nil
}

// ListTasks implements ferry.TaskService.
func (e *Engine) ListTasks(ctx context.Context, portal ferry.PortalID, f ferry.TaskFilter) ([]ferry.Task, bool, error) {
	return e.store.ListTasks(ctx, portal, f)
}

// GetTask implements ferry.TaskService.
func (e *Engine) GetTask(ctx context.Context, portal ferry.PortalID, id ferry.TaskID) (ferry.Task, *ferry.File, error) {
	t, err := e.store.FindTask(ctx, portal, id)
	if err != nil || t.Status != ferry.TaskComplete || t.Kind != ferry.TaskImport {
		return t, nil, err
	}
	f, err := e.store.FindFileByID(ctx, portal, t.FileID)
	switch {
	case ferry.KindOf(err) == ferry.NotFound:
		return t, nil, nil // deleted for good since
	case err != nil:
		return ferry.Task{}, nil, err
	}
	return t, &f, nil
}

// CancelTask implements ferry.TaskService. The task row changes first:
// the worker running it, on whichever instance, sees that within a
// moment and stops; then the job is canceled, so that no retry runs.
func (e *Engine) CancelTask(ctx context.Context, portal ferry.PortalID, id ferry.TaskID) (ferry.Task, error) {
	for {
		t, err := e.store.FindTask(ctx, portal, id)
		if err != nil {
			return ferry.Task{}, err
		}
		if t.Status.Terminal() {
			return t, &ferry.Error{Kind: ferry.Conflict, SubCategory: "TASK_FINISHED",
				Message: "task " + string(t.ID) + " has finished already (" + string(t.Status) + ")",
				Context: map[string][]string{"status": {string(t.Status)}}}
		}
		te := ferry.TaskError{Kind: ferry.CanceledByUser, SubCategory: ferry.CanceledByUser.SubCategory(),
			Message: "The task was canceled by a user.", Context: map[string][]string{"attempts": {strconv.Itoa(t.Attempts)}}}
		err = e.endCanceled(ctx, &t, te, e.store.UpdateTask) // a running worker deletes the parts it adds
		if ferry.KindOf(err) == ferry.Conflict {
			continue // the worker saved progress meanwhile: read it again
		}
		if err != nil {
			return ferry.Task{}, err
		}
		if _, err := e.client.JobCancel(ctx, t.JobID); err != nil && !errors.Is(err, river.ErrNotFound) {
			e.log.Warn("could not cancel the job of a canceled task; its worker will find the task canceled", "task", t.ID, "correlationId", t.CorrelationID, "err", err)
		}
		e.log.Info("task canceled by user", "task", t.ID, "correlationId", t.CorrelationID)
		return t, nil
	}
}

// RetryTask implements ferry.TaskService.
func (e *Engine) RetryTask(ctx context.Context, portal ferry.PortalID, id ferry.TaskID, headers map[string]string) (ferry.Task, error) {
	old, err := e.store.FindTask(ctx, portal, id)
	if err != nil {
		return ferry.Task{}, err
	}
	if old.Kind != ferry.TaskImport || old.Status != ferry.TaskCanceled {
		return ferry.Task{}, &ferry.Error{Kind: ferry.Conflict, SubCategory: "NOT_RETRYABLE",
			Message: "only a CANCELED import can be retried; task " + string(old.ID) + " is " + string(old.Status),
			Context: map[string][]string{"status": {string(old.Status)}}}
	}
	var req ferry.ImportRequest
	if err := json.Unmarshal(old.Request, &req); err != nil {
		return ferry.Task{}, ferry.Wrap(err, "decode import request")
	}
	if len(req.SourceHeaderNames) > 0 && len(headers) == 0 {
		return ferry.Task{}, ferry.Invalidf("sourceHeaders",
			"task %s was sent with source headers, which Ferry deletes when a task ends; send them again as sourceHeaders", old.ID)
	}
	req.SourceHeaders, req.SourceHeaderNames = headers, nil
	if req.FolderPath != "" {
		req.FolderID = 0
	}
	return e.StartImport(ctx, portal, req)
}

// TaskEvents implements ferry.TaskService.
func (e *Engine) TaskEvents(ctx context.Context, portal ferry.PortalID, id ferry.TaskID, after int64, limit int) ([]ferry.TaskEvent, error) {
	return e.store.ListTaskEvents(ctx, portal, id, after, limit)
}
