package tasks

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"time"

	"github.com/riverqueue/river"

	"ferry/internal/ferry"
	"ferry/internal/fetch"
)

// portalWait is how long an import waits when its portal has every slot
// it may use on this instance busy.
const portalWait = 500 * time.Millisecond

// StartImport implements ferry.ImportService.
func (e *Engine) StartImport(ctx context.Context, portal ferry.PortalID, req ferry.ImportRequest) (ferry.Task, error) {
	if err := e.fetcher.CheckURL(req.URL); err != nil {
		return ferry.Task{}, urlProblem(err)
	}
	t := e.newTask(portal, ferry.TaskImport)
	err := e.enqueue(ctx, &t, &req, func(st ferry.Store) error {
		folder, err := ferry.ResolveFolder(ctx, st, portal, req.FolderID, req.FolderPath)
		req.FolderID = folder.ID
		return err
	})
	if err != nil {
		return ferry.Task{}, err
	}
	return t, nil
}

// urlProblem reports a URL the fetch policy refuses as a validation error
// on the url field.
func urlProblem(err error) error {
	var fe *fetch.Error
	if !errors.As(err, &fe) {
		return err
	}
	return &ferry.Error{Kind: ferry.Invalid, Message: fe.Message, Details: []ferry.Detail{{
		Message: fe.Message, In: "url", Code: string(fe.Code), Context: stringsContext(fe.Context),
	}}}
}

// ImportStatus implements ferry.ImportService.
func (e *Engine) ImportStatus(ctx context.Context, portal ferry.PortalID, id ferry.TaskID) (ferry.Task, *ferry.File, error) {
	t, done, err := e.findTask(ctx, portal, id, ferry.TaskImport)
	if err != nil || !done {
		return t, nil, err
	}
	f, err := e.store.FindFileByID(ctx, portal, t.FileID)
	switch {
	case ferry.KindOf(err) == ferry.NotFound:
		return t, nil, nil // deleted for good since: the task still happened
	case err != nil:
		return ferry.Task{}, nil, err
	}
	return t, &f, nil
}

// importWorker fetches one import's URL and stores the file.
type importWorker struct {
	river.WorkerDefaults[ImportArgs]
	e *Engine
}

// Timeout overrides River's one-minute default: an import may take as
// long as the fetcher's total timeout allows, plus time to store it.
func (w *importWorker) Timeout(*river.Job[ImportArgs]) time.Duration { return w.e.timeout }

// Work implements river.Worker.
func (w *importWorker) Work(ctx context.Context, job *river.Job[ImportArgs]) error {
	e := w.e
	if !e.slots.acquire(job.Args.Portal) {
		// The portal has its share of workers busy: wait without using
		// up an attempt.
		return river.JobSnooze(portalWait)
	}
	defer e.slots.release(job.Args.Portal)
	var req ferry.ImportRequest
	t, err := e.start(ctx, job.Args.TaskRef, &req)
	if t == nil {
		return err
	}
	err = e.runImport(ctx, t, req)
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled):
		// Shutting down: hand the job back untouched for the next start.
		e.log.Info("import interrupted by shutdown; it resumes at the next start", "task", t.ID)
		return river.JobSnooze(0)
	}
	if delay, retry := e.retryDelay(err, t.Attempts); retry {
		e.log.Warn("import attempt failed; retrying", "task", t.ID, "attempt", t.Attempts, "in", delay, "err", err)
		return river.JobSnooze(delay)
	}
	return e.cancel(ctx, t, err)
}

// runImport fetches the URL and stores the file; the task completes in the
// same transaction that records the file.
func (e *Engine) runImport(ctx context.Context, t *ferry.Task, req ferry.ImportRequest) error {
	resp, err := e.fetcher.Fetch(ctx, req.URL)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	name := resp.FileName
	if name == "" {
		name = nameFromURL(resp.FinalURL)
	}
	c := ferry.Content{
		Key:          fmt.Sprintf("imports/%d/%s", t.Portal, t.ID),
		Body:         resp.Body,
		MaxBytes:     e.cfg.MaxBytes,
		FileName:     name,
		DeclaredType: resp.ContentType,
	}
	staged, err := e.content.Stage(ctx, c)
	if err != nil {
		return err
	}
	p := ferry.Placement{Portal: t.Portal, FolderID: req.FolderID, Name: req.Name, Access: req.Access,
		DuplicateStrategy: req.DuplicateStrategy, DuplicateScope: req.DuplicateScope, Overwrite: req.Overwrite, ExpiresAt: req.ExpiresAt}
	complete := func(st ferry.Store, f ferry.File) error {
		t.FileID, t.SourceURL = f.ID, fetch.Redact(resp.FinalURL)
		return e.complete(ctx, st, t)
	}
	if _, err := e.content.Commit(ctx, staged, p, complete); err != nil {
		t.Status, t.FileID, t.CompletedAt = ferry.TaskProcessing, 0, time.Time{}
		return err
	}
	e.log.Info("import complete", "task", t.ID, "portal", t.Portal, "file", t.FileID)
	e.finished(t)
	return nil
}

// retryDelay says whether err is worth another attempt, and when.
func (e *Engine) retryDelay(err error, attempts int) (time.Duration, bool) {
	var fe *fetch.Error
	if !errors.As(err, &fe) || !fe.Transient || attempts >= e.cfg.MaxAttempts {
		return 0, false
	}
	if fe.RetryAfter > 0 {
		return min(fe.RetryAfter, 5*time.Minute), true
	}
	return min(time.Second<<(2*(attempts-1)), 2*time.Minute), true // 1s, 4s, 16s, 64s, ...
}

// nameFromURL takes the last path segment of a URL as a file name.
func nameFromURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	base := path.Base(u.Path)
	if base == "/" || base == "." {
		return ""
	}
	return base
}
