package tasks

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"ferry/internal/ferry"
	"ferry/internal/fetch"
	"ferry/internal/seal"
)

// portalWait is how long an import waits when its portal has every slot
// it may use on this instance busy and another portal has imports
// waiting.
const portalWait = 500 * time.Millisecond

// quietStart is how long an import on the embedded database runs before
// its PROCESSING status is saved. Most imports of small files end sooner:
// they are then saved PROCESSING and COMPLETE in the one transaction that
// stores the file (the task's events still show both), and SQLite's one
// write lock serves one transaction fewer per import. Pollers see such an
// import go from PENDING to COMPLETE. Only where no other process works
// the queue (Config.Exclusive): there a restart requeues every job that
// was running, whatever its task's status, while on a shared database
// other instances find a stopped instance's imports by their PROCESSING
// status and heartbeat.
const quietStart = 100 * time.Millisecond

// StartImport implements ferry.ImportService. The request's URL passed
// CheckURL when it was validated; the fetcher checks it, and every
// redirect, again at fetch time.
func (e *Engine) StartImport(ctx context.Context, portal ferry.PortalID, req ferry.ImportRequest) (ferry.Task, error) {
	t := e.newTask(ctx, portal, ferry.TaskImport)
	if err := e.sealHeaders(&t, &req); err != nil {
		return ferry.Task{}, err
	}
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

// CheckURL implements ferry.ImportService with the fetch policy: a
// refused URL is a problem with the url field, named by the fetcher's code.
func (e *Engine) CheckURL(raw string) *ferry.Detail {
	var fe *fetch.Error
	if !errors.As(e.fetcher.CheckURL(raw), &fe) {
		return nil
	}
	return &ferry.Detail{Message: fe.Message, In: "url", Code: string(fe.Code), Context: stringsContext(fe.Context)}
}

// ImportStatus implements ferry.ImportService.
func (e *Engine) ImportStatus(ctx context.Context, portal ferry.PortalID, id ferry.TaskID) (ferry.Task, *ferry.File, error) {
	// One read: the status of a finished import is what pollers ask for
	// most. A file deleted for good since is nil: the task still happened.
	t, f, err := e.store.FindTaskFile(ctx, portal, id)
	if err == nil && t.Kind != ferry.TaskImport {
		err = ferry.Errorf(ferry.NotFound, "task not found")
	}
	if err != nil {
		return ferry.Task{}, nil, err
	}
	if t.Status != ferry.TaskComplete {
		f = nil
	}
	return t, f, nil
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
		// The portal has its share of workers busy. The share keeps
		// workers for other portals' imports: if one waits, this one waits
		// without using up an attempt; if none does, it runs.
		waiting, err := e.waitingElsewhere(ctx, job.Args.Portal)
		if err != nil || waiting {
			return river.JobSnooze(portalWait)
		}
		e.slots.take(job.Args.Portal)
	}
	defer e.slots.release(job.Args.Portal)
	verdict := e.admit(job.Args.TaskRef)
	if verdict.Hold == ferry.TaskPending {
		if err := e.hold(ctx, ferry.TaskID(job.Args.TaskID)); err != nil {
			return err
		}
	}
	var req ferry.ImportRequest
	quiet := e.cfg.Exclusive && verdict.Hold == "" && verdict.Cancel == nil
	t, err := e.start(ctx, job.Args.TaskRef, &req, quiet)
	if t == nil {
		return err
	}
	actx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	defer e.heartbeat(actx, t, stop)()
	if verdict.Hold == ferry.TaskProcessing {
		if err := e.hold(ctx, t.ID); err != nil {
			return err
		}
	}
	if verdict.Cancel != nil {
		return e.cancel(ctx, t, verdict.Cancel)
	}
	header, err := openHeaders(e.cfg.Sealer, t)
	if err != nil {
		if quiet {
			e.saveStart(ctx, t)
		}
		return e.cancel(ctx, t, err)
	}
	done := e.obs().ImportStarted()
	err = e.runImport(actx, stop, t, req, header, quiet)
	done()
	if fe := (*fetch.Error)(nil); errors.As(err, &fe) {
		e.obs().FetchFailed(string(fe.Code))
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(context.Cause(actx), errCanceledByUser) || e.changed(context.WithoutCancel(ctx), t):
		e.dropParts(ctx, t)
		return e.lost(t, errCanceledByUser)
	case errors.Is(context.Cause(actx), errHeartbeatLost):
		// Stopped before anyone may take it over: the parts stay for the
		// next attempt, here or on another instance.
		return river.JobSnooze(time.Second)
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled):
		// Shutting down: hand the job back for the next start.
		e.log.Info("import interrupted by shutdown; it resumes at the next start", "task", t.ID, "correlationId", t.CorrelationID)
		return river.JobSnooze(0)
	}
	if delay, retry := e.retryDelay(err, t.Attempts); retry {
		te := taskError(err, t.Attempts)
		t.NextAttemptAt, t.LastError = e.cfg.Clock.Now().Add(delay).UTC().Truncate(time.Millisecond), &te
		t.Progress.BytesPerSecond = 0
		if uerr := e.store.UpdateTask(ctx, t); uerr != nil {
			return e.lost(t, uerr)
		}
		e.log.Warn("import attempt failed; retrying", "task", t.ID, "correlationId", t.CorrelationID, "attempt", t.Attempts, "in", delay, "err", err)
		return river.JobSnooze(delay)
	}
	if delay, wait := e.outageDelay(ctx, err, t.Attempts); wait {
		e.log.Warn("import waits for storage or a dependency; retrying", "task", t.ID, "correlationId", t.CorrelationID, "attempt", t.Attempts, "in", delay, "err", err)
		return river.JobSnooze(delay)
	}
	return e.cancel(ctx, t, err)
}

// waitingElsewhere says whether other portals have imports waiting, as
// the store said less than waitingMemo ago or says now. A store that
// cannot say is asked again next time.
func (e *Engine) waitingElsewhere(ctx context.Context, portal int64) (bool, error) {
	now := e.cfg.Clock.Now()
	if waiting, ok := e.slots.recall(portal, now); ok {
		return waiting, nil
	}
	waiting, err := e.store.TaskWaitingElsewhere(ctx, ferry.PortalID(portal), ferry.TaskImport)
	if err == nil {
		e.slots.remember(portal, waiting, now)
	}
	return waiting, err
}

// outageDelay says whether err comes from full storage or a dependency
// that is down, which an import waits out however long it lasts rather
// than failing for good, and how long to wait before the next attempt.
func (e *Engine) outageDelay(ctx context.Context, err error, attempts int) (time.Duration, bool) {
	switch ferry.KindOf(err) {
	case ferry.StorageFull, ferry.Unavailable:
	case ferry.Internal:
		if e.cfg.Ready.Down(ctx) == nil {
			return 0, false
		}
	default:
		return 0, false
	}
	return min(time.Second<<min(max(attempts-1, 0), 6), time.Minute), true // 1s, 2s, 4s, ... 1m
}

// runImport fetches the URL and stores the file; the task completes in the
// same transaction that records the file. While the bytes flow, a watcher
// saves the progress and ends the attempt (stop) if the task is canceled.
// With quiet, start has not saved t PROCESSING: the watcher saves it after
// quietStart, the transaction that completes the import if that comes
// first, and an attempt that fails before either saves it on its way out.
func (e *Engine) runImport(ctx context.Context, stop context.CancelCauseFunc, t *ferry.Task, req ferry.ImportRequest, header http.Header, quiet bool) (err error) {
	kept := decodeResume(t.Resume)
	m := newMeter()
	m.base.Store(kept.done())
	t.Progress = ferry.Progress{BytesDone: m.base.Load(), BytesTotal: -1}
	wt := watch(ctx, e.store, e.log, t, m, stop, quiet)
	staged, resp, err := e.fetchAndStage(ctx, t, kept, req, header, m)
	if quiet = wt.stop(); quiet {
		defer func() {
			if err != nil {
				e.saveStart(context.WithoutCancel(ctx), t)
			}
		}()
	}
	e.obs().BytesFetched(m.n.Load())
	if b, ok := m.latest(); ok {
		t.Resume = b
	}
	if err != nil {
		return err // the parts stay until the task is saved without them
	}
	if err := checkExpected(req.Expected, staged); err != nil {
		e.content.Discard(staged)
		return err
	}
	p := ferry.Placement{Portal: t.Portal, FolderID: req.FolderID, Name: req.Name, Access: req.Access,
		DuplicateStrategy: req.DuplicateStrategy, DuplicateScope: req.DuplicateScope, Overwrite: req.Overwrite, ExpiresAt: req.ExpiresAt}
	prev := *t
	t.Resume = nil // the file holds the parts' bytes now
	complete := func(st ferry.Store, f ferry.File) error {
		if quiet { // PROCESSING first, as its own event
			if err := st.UpdateTask(ctx, t); err != nil {
				return err
			}
		}
		t.FileID, t.SourceURL, t.SHA256 = f.ID, fetch.Redact(resp.FinalURL), staged.SHA256
		t.Progress.BytesDone, t.Progress.BytesTotal = staged.Size, staged.Size
		return e.complete(ctx, st, t)
	}
	if _, err := e.content.Commit(ctx, staged, p, complete); err != nil {
		*t = prev
		return err
	}
	e.deleteParts(&prev) // only now that the task no longer lists them
	e.log.Info("import complete", "task", t.ID, "correlationId", t.CorrelationID, "portal", t.Portal, "file", t.FileID)
	e.finished(t)
	return nil
}

// fetchAndStage fetches the URL, continuing from the parts kept, and
// streams the body into blob storage, counting the bytes through m.
func (e *Engine) fetchAndStage(ctx context.Context, t *ferry.Task, kept resumeState, req ferry.ImportRequest, header http.Header, m *meter) (ferry.Staged, *fetch.Response, error) {
	check := func(total int64) error { return checkExpectedTotal(req.Expected, total) }
	resp, rs, err := e.fetchParts(ctx, t, kept, req.URL, fetch.Options{Header: withCorrelation(header, t.CorrelationID)}, m, check)
	if resp != nil {
		defer resp.Body.Close()
	}
	if err != nil {
		return ferry.Staged{}, nil, err
	}
	limit := e.cfg.MaxBytes
	if s := req.Expected.Size; s != nil {
		limit = min(limit, *s)
	}
	name := resp.FileName
	if name == "" {
		name = nameFromURL(resp.FinalURL)
	}
	key := fmt.Sprintf("imports/%d/%s", t.Portal, t.ID)
	var staged ferry.Staged
	if direct(rs, resp) {
		staged, err = e.content.Stage(ctx, ferry.Content{Key: key, Body: m, MaxBytes: limit, FileName: name, DeclaredType: resp.ContentType})
	} else if md5h, shah, ok := rs.hashes(); ok {
		staged, err = e.content.StageParts(ctx, ferry.PartsContent{Key: key, Parts: rs.parts(), MaxBytes: limit, FileName: name,
			MD5: hex.EncodeToString(md5h.Sum(nil)), SHA256: hex.EncodeToString(shah.Sum(nil))})
	} else { // parts kept by a version that did not hash them: read them again
		body := e.partsReader(ctx, rs)
		defer body.Close()
		staged, err = e.content.Stage(ctx, ferry.Content{Key: key, Body: body, MaxBytes: limit, FileName: name, DeclaredType: resp.ContentType})
	}
	if err != nil && req.Expected.Size != nil && limit < e.cfg.MaxBytes && ferry.KindOf(err) == ferry.TooLarge {
		err = mismatch("size", fmt.Sprint(*req.Expected.Size), fmt.Sprintf("more than %d", limit))
	}
	return staged, resp, err
}

// checkExpectedTotal refuses, before any byte is read, a file whose
// announced length is not the expected size.
func checkExpectedTotal(e ferry.Expected, total int64) error {
	if e.Size != nil && total >= 0 && total != *e.Size {
		return mismatch("size", fmt.Sprint(*e.Size), fmt.Sprint(total))
	}
	return nil
}

// checkExpected compares what was stored with what the caller expected.
func checkExpected(e ferry.Expected, st ferry.Staged) error {
	switch {
	case e.Size != nil && *e.Size != st.Size:
		return mismatch("size", fmt.Sprint(*e.Size), fmt.Sprint(st.Size))
	case e.MD5 != "" && e.MD5 != st.MD5:
		return mismatch("md5", e.MD5, st.MD5)
	case e.SHA256 != "" && e.SHA256 != st.SHA256:
		return mismatch("sha256", e.SHA256, st.SHA256)
	}
	return nil
}

// mismatch is the error of bytes that are not what the caller expected.
func mismatch(what, expected, actual string) error {
	return &ferry.Error{Kind: ferry.Invalid, SubCategory: "EXPECTED_" + strings.ToUpper(what) + "_MISMATCH",
		Message: fmt.Sprintf("the imported bytes do not have the expected %s: expected %s, got %s; nothing was stored", what, expected, actual),
		Context: map[string][]string{"field": {"expected." + what}, "expected": {expected}, "actual": {actual}}}
}

// openHeaders unseals an import's source headers.
func openHeaders(s *seal.Sealer, t *ferry.Task) (http.Header, error) {
	if len(t.Sealed) == 0 {
		return nil, nil
	}
	if s == nil {
		return nil, ferry.Errorf(ferry.Internal, "no secret key to open source headers")
	}
	plain, err := s.Open(t.Sealed, string(t.ID))
	if err != nil {
		return nil, &ferry.Error{Kind: ferry.Invalid, SubCategory: "SOURCE_HEADERS_UNREADABLE",
			Message: "the source headers cannot be decrypted with this server's secret key; every instance must share one (--secret-key)"}
	}
	var m map[string]string
	if err := json.Unmarshal(plain, &m); err != nil {
		return nil, ferry.Wrap(err, "decode source headers")
	}
	h := http.Header{}
	for k, v := range m {
		h.Set(k, v)
	}
	return h, nil
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

// CorrelationHeader carries, to the origin of an import, the correlation
// id of the request that created it, so that its logs can be joined with
// Ferry's.
const CorrelationHeader = "X-Ferry-Correlation-Id"

// withCorrelation returns header (a copy) with CorrelationHeader set.
func withCorrelation(header http.Header, id string) http.Header {
	if id == "" {
		return header
	}
	h := header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if h.Get(CorrelationHeader) == "" { // a source header of the caller's own wins
		h.Set(CorrelationHeader, id)
	}
	return h
}
