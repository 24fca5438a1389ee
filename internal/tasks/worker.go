package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
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

// importWorker fetches one import's URL and stores the file.
type importWorker struct {
	river.WorkerDefaults[ImportArgs]
	store   ferry.Store
	content ferry.ContentStore
	fetcher *fetch.Fetcher
	log     *slog.Logger
	cfg     Config
	timeout time.Duration
	slots   *portalSlots
	clock   ferry.Clock
}

// Timeout overrides River's one-minute default: an import may take as
// long as the fetcher's total timeout allows, plus time to store it.
func (w *importWorker) Timeout(*river.Job[ImportArgs]) time.Duration { return w.timeout }

// Work implements river.Worker.
func (w *importWorker) Work(ctx context.Context, job *river.Job[ImportArgs]) error {
	portal, id := ferry.PortalID(job.Args.Portal), ferry.TaskID(job.Args.TaskID)
	if !w.slots.acquire(job.Args.Portal) {
		// The portal has its share of workers busy: wait without using
		// up an attempt.
		return river.JobSnooze(portalWait)
	}
	defer w.slots.release(job.Args.Portal)
	t, err := w.store.FindTask(ctx, portal, id)
	if ferry.KindOf(err) == ferry.NotFound {
		return nil // expired and deleted: nothing left to do
	}
	if err != nil || t.Status.Terminal() {
		return err
	}
	var req ferry.ImportRequest
	if err := json.Unmarshal(t.Request, &req); err != nil {
		return w.cancel(ctx, &t, ferry.Wrap(err, "decode import request"))
	}
	t.Status, t.Attempts = ferry.TaskProcessing, t.Attempts+1
	if t.StartedAt.IsZero() {
		t.StartedAt = w.clock.Now().UTC().Truncate(time.Millisecond)
	}
	if err := w.store.UpdateTask(ctx, &t); err != nil {
		return err
	}
	err = w.run(ctx, &t, req)
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled):
		// Shutting down: hand the job back untouched for the next start.
		w.log.Info("import interrupted by shutdown; it resumes at the next start", "task", t.ID)
		return river.JobSnooze(0)
	}
	if delay, retry := w.retryDelay(err, t.Attempts); retry {
		w.log.Warn("import attempt failed; retrying", "task", t.ID, "attempt", t.Attempts, "in", delay, "err", err)
		return river.JobSnooze(delay)
	}
	return w.cancel(ctx, &t, err)
}

// run fetches the URL and stores the file; the task completes in the same
// transaction that records the file.
func (w *importWorker) run(ctx context.Context, t *ferry.Task, req ferry.ImportRequest) error {
	resp, err := w.fetcher.Fetch(ctx, req.URL)
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
		MaxBytes:     w.cfg.MaxBytes,
		FileName:     name,
		DeclaredType: resp.ContentType,
	}
	staged, err := w.content.Stage(ctx, c)
	if err != nil {
		return err
	}
	p := ferry.Placement{Portal: t.Portal, FolderID: req.FolderID, Name: req.Name, Access: req.Access,
		DuplicateStrategy: req.DuplicateStrategy, DuplicateScope: req.DuplicateScope, Overwrite: req.Overwrite, ExpiresAt: req.ExpiresAt}
	complete := func(st ferry.Store, f ferry.File) error {
		t.Status, t.FileID, t.SourceURL = ferry.TaskComplete, f.ID, fetch.Redact(resp.FinalURL)
		t.CompletedAt = w.clock.Now().UTC().Truncate(time.Millisecond)
		return st.UpdateTask(ctx, t)
	}
	if _, err := w.content.Commit(ctx, staged, p, complete); err != nil {
		t.Status, t.FileID, t.CompletedAt = ferry.TaskProcessing, 0, time.Time{}
		return err
	}
	w.log.Info("import complete", "task", t.ID, "portal", t.Portal, "file", t.FileID)
	w.cfg.finished(t)
	return nil
}

// retryDelay says whether err is worth another attempt, and when.
func (w *importWorker) retryDelay(err error, attempts int) (time.Duration, bool) {
	var fe *fetch.Error
	if !errors.As(err, &fe) || !fe.Transient || attempts >= w.cfg.MaxAttempts {
		return 0, false
	}
	if fe.RetryAfter > 0 {
		return min(fe.RetryAfter, 5*time.Minute), true
	}
	return min(time.Second<<(2*(attempts-1)), 2*time.Minute), true // 1s, 4s, 16s, 64s, ...
}

// cancel ends the task CANCELED with one error saying why.
func (w *importWorker) cancel(ctx context.Context, t *ferry.Task, cause error) error {
	te := taskError(cause, t.Attempts)
	if te.Kind == ferry.Internal {
		w.log.Error("import failed", "task", t.ID, "err", cause)
	} else {
		w.log.Info("import canceled", "task", t.ID, "category", te.Kind.Category(), "subCategory", te.SubCategory)
	}
	t.Status, t.Errors = ferry.TaskCanceled, []ferry.TaskError{te}
	t.CompletedAt = w.clock.Now().UTC().Truncate(time.Millisecond)
	if err := w.store.UpdateTask(ctx, t); err != nil {
		return err
	}
	w.cfg.finished(t)
	return river.JobCancel(fmt.Errorf("import canceled: %s", te.SubCategory))
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
