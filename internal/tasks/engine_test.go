package tasks

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertest"
	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"

	"ferry/internal/ferry"
	"ferry/internal/fetch"
	"ferry/internal/files"
	"ferry/internal/seal"
	"ferry/internal/sqlite"
	"ferry/internal/sqlstore"
)

const testPortal ferry.PortalID = 7

// testBundle is one engine on its own SQLite store and memblob bucket,
// an httptest origin whose answer each test sets, and River's test
// worker on a queue database of its own (River's test transaction holds
// that database's write lock while the worker writes to the store).
type testBundle struct {
	engine  *Engine
	store   *sqlstore.Store
	bucket  *blob.Bucket
	origin  *httptest.Server
	handler http.HandlerFunc // the origin's answer
	queue   *sql.DB
	driver  *riversqlite.Driver
	now     time.Time
	folder  ferry.Folder
}

func setup(t *testing.T, cfg Config) *testBundle {
	t.Helper()
	ctx := context.Background()
	b := &testBundle{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	db := mustOpen(t, filepath.Join(t.TempDir(), "ferry.db"))
	b.store = sqlite.NewStore(db)
	b.queue = mustOpen(t, filepath.Join(t.TempDir(), "queue.db"))
	b.driver = riversqlite.New(b.queue)
	if err := Migrate(ctx, b.driver); err != nil {
		t.Fatal(err)
	}
	b.bucket = memblob.OpenBucket(nil)
	t.Cleanup(func() { b.bucket.Close() })
	b.origin = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { b.handler(w, r) }))
	t.Cleanup(b.origin.Close)
	fetcher, err := fetch.New(fetch.Config{AllowPrivateNetworks: true, TotalTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg.Clock = ferry.ClockFunc(func() time.Time { return b.now })
	b.engine, err = newEngine(b.store, files.New(b.store, b.bucket, log, cfg.Clock), fetcher, log, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// An insert-only client: maintenance asks it about jobs.
	if b.engine.client, err = river.NewClient(b.driver, &river.Config{}); err != nil {
		t.Fatal(err)
	}
	if b.folder, err = b.store.EnsureFolder(ctx, testPortal, "/imports"); err != nil {
		t.Fatal(err)
	}
	return b
}

func mustOpen(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// createTask records a PENDING task of kind with request req, as the
// engine's Start methods do.
func (b *testBundle) createTask(t *testing.T, kind ferry.TaskKind, req any) ferry.Task {
	t.Helper()
	task := ferry.Task{ID: ferry.NewTaskID(), Portal: testPortal, Kind: kind, Status: ferry.TaskPending, RequestedAt: b.now}
	var err error
	if task.Request, err = json.Marshal(req); err != nil {
		t.Fatal(err)
	}
	if err := b.store.CreateTask(context.Background(), &task); err != nil {
		t.Fatal(err)
	}
	return task
}

func (b *testBundle) importTask(t *testing.T) ferry.Task {
	t.Helper()
	return b.createTask(t, ferry.TaskImport, ferry.ImportRequest{URL: b.origin.URL + "/cat.txt", Access: ferry.AccessPublicIndexable, FolderID: b.folder.ID})
}

// work runs the task's job once through River's test worker, in a
// transaction rolled back afterwards, and returns what River did with it.
func work[T river.JobArgs](t *testing.T, b *testBundle, ctx context.Context, w river.Worker[T], args T) river.EventKind {
	t.Helper()
	tx, err := b.queue.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	res, err := rivertest.NewWorker(t, b.driver, &river.Config{}, w).Work(ctx, t, tx, args, nil)
	if err != nil {
		t.Fatalf("Work: %v", err)
	}
	return res.EventKind
}

func (b *testBundle) find(t *testing.T, id ferry.TaskID) ferry.Task {
	t.Helper()
	task, err := b.store.FindTask(context.Background(), testPortal, id)
	if err != nil {
		t.Fatal(err)
	}
	return task
}

func importArgs(task ferry.Task) ImportArgs {
	return ImportArgs{TaskRef{TaskID: string(task.ID), Portal: int64(task.Portal)}}
}

func checkState(t *testing.T, got ferry.Task, status ferry.TaskStatus, attempts int) {
	t.Helper()
	if got.Status != status || got.Attempts != attempts {
		t.Errorf("task=%s after %d attempts, want %s after %d", got.Status, got.Attempts, status, attempts)
	}
}

// checkStates compares the statuses of a task's state events, oldest
// first, with want.
func checkStates(t *testing.T, b *testBundle, id ferry.TaskID, want ...ferry.TaskStatus) {
	t.Helper()
	events, err := b.store.ListTaskEvents(context.Background(), testPortal, id, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []ferry.TaskStatus
	for _, ev := range events {
		if ev.Type == ferry.EventState {
			got = append(got, ev.Task.Status)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("state events %v, want %v", got, want)
	}
}

func checkError(t *testing.T, got ferry.Task, kind ferry.Kind, sub string) {
	t.Helper()
	if len(got.Errors) != 1 || got.Errors[0].Kind != kind || got.Errors[0].SubCategory != sub {
		t.Fatalf("Errors=%+v, want one %v/%s", got.Errors, kind, sub)
	}
}

func TestImportWorker(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	// On the embedded database (Exclusive) an import saves PROCESSING only
	// after quietStart, or with its completion, or as it fails: whichever
	// comes first. Its events tell the same story either way.
	for _, exclusive := range []bool{false, true} {
		t.Run(fmt.Sprintf("Completes/exclusive=%v", exclusive), func(t *testing.T) {
			t.Parallel()
			b := setup(t, Config{Exclusive: exclusive})
			b.handler = func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "purr") }
			task := b.importTask(t)
			if got := work(t, b, ctx, &importWorker{e: b.engine}, importArgs(task)); got != river.EventKindJobCompleted {
				t.Fatalf("event=%s, want completed", got)
			}
			got := b.find(t, task.ID)
			checkState(t, got, ferry.TaskComplete, 1)
			if !got.StartedAt.Equal(b.now) || !got.CompletedAt.Equal(b.now) || got.SourceURL != b.origin.URL+"/cat.txt" {
				t.Errorf("task=%+v, want started and completed now from %s", got, b.origin.URL)
			}
			f, err := b.store.FindFileByID(ctx, testPortal, got.FileID)
			if err != nil {
				t.Fatal(err)
			}
			if f.Name != "cat" || f.FolderID != b.folder.ID || f.Size != 4 {
				t.Errorf("file=%s in %d, %d bytes, want cat in %d, 4 bytes", f.Name, f.FolderID, f.Size, b.folder.ID)
			}
			checkStates(t, b, task.ID, ferry.TaskProcessing, ferry.TaskComplete)
		})
	}

	t.Run("QuietStartShowsProcessingWhileItRuns", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{Exclusive: true})
		release := make(chan struct{})
		b.handler = func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "4")
			io.WriteString(w, "pu")
			w.(http.Flusher).Flush()
			<-release
			io.WriteString(w, "rr")
		}
		task := b.importTask(t)
		done := make(chan river.EventKind, 1)
		go func() { done <- work(t, b, ctx, &importWorker{e: b.engine}, importArgs(task)) }()
		for deadline := time.Now().Add(20 * time.Second); b.find(t, task.ID).Status != ferry.TaskProcessing; {
			if time.Now().After(deadline) {
				close(release)
				t.Fatalf("task still %s while its import runs", b.find(t, task.ID).Status)
			}
			time.Sleep(10 * time.Millisecond)
		}
		close(release)
		if got := <-done; got != river.EventKindJobCompleted {
			t.Fatalf("event=%s, want completed", got)
		}
		checkState(t, b.find(t, task.ID), ferry.TaskComplete, 1)
		checkStates(t, b, task.ID, ferry.TaskProcessing, ferry.TaskComplete)
	})

	t.Run("QuietStartCanceledByAUser", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{Exclusive: true})
		task := b.importTask(t)
		// The user cancels while the origin answers: before or after
		// the start was saved, the import stores nothing.
		b.handler = func(w http.ResponseWriter, r *http.Request) {
			if _, err := b.engine.CancelTask(ctx, testPortal, task.ID); err != nil {
				t.Errorf("CancelTask: %v", err)
			}
			io.WriteString(w, "purr")
		}
		if got := work(t, b, ctx, &importWorker{e: b.engine}, importArgs(task)); got != river.EventKindJobCancelled {
			t.Fatalf("event=%s, want cancelled", got)
		}
		got := b.find(t, task.ID)
		checkState(t, got, ferry.TaskCanceled, got.Attempts)
		checkError(t, got, ferry.CanceledByUser, ferry.CanceledByUser.SubCategory())
		if got.FileID != 0 {
			t.Errorf("file %d stored for a canceled import", got.FileID)
		}
		if it, _ := b.bucket.List(nil).Next(ctx); it != nil {
			t.Errorf("blob %s left by a canceled import", it.Key)
		}
	})

	// Exclusive: the attempts start quietly (quietStart), and a failed
	// one saves its start on its way out; the events are the same.
	for _, exclusive := range []bool{false, true} {
		t.Run(fmt.Sprintf("RetriesTransientFailure/exclusive=%v", exclusive), func(t *testing.T) {
			t.Parallel()
			b := setup(t, Config{MaxAttempts: 2, Exclusive: exclusive})
			b.handler = func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }
			task := b.importTask(t)
			w := &importWorker{e: b.engine}
			if got := work(t, b, ctx, w, importArgs(task)); got != river.EventKindJobSnoozed {
				t.Fatalf("first attempt: event=%s, want snoozed for a retry", got)
			}
			checkState(t, b.find(t, task.ID), ferry.TaskProcessing, 1)
			if got := work(t, b, ctx, w, importArgs(task)); got != river.EventKindJobCancelled {
				t.Fatalf("last attempt: event=%s, want cancelled", got)
			}
			got := b.find(t, task.ID)
			checkState(t, got, ferry.TaskCanceled, 2)
			checkError(t, got, ferry.OriginFailed, string(fetch.CodeOriginServerError))
			if got.Errors[0].Context["attempts"][0] != "2" {
				t.Errorf("context=%v, want attempts 2", got.Errors[0].Context)
			}
			// Each attempt's start, the first one's wait to retry, the end.
			checkStates(t, b, task.ID, ferry.TaskProcessing, ferry.TaskProcessing, ferry.TaskProcessing, ferry.TaskCanceled)
		})
	}

	// An attempt that fails before anything saved its quiet start saves
	// it on its way out: its source headers do not open, or the file
	// cannot be stored (its folder is gone). The events are the same
	// either way.
	for _, exclusive := range []bool{false, true} {
		t.Run(fmt.Sprintf("CancelsUnreadableHeaders/exclusive=%v", exclusive), func(t *testing.T) {
			t.Parallel()
			ours, err := seal.New([]byte("this server's key, long enough"))
			if err != nil {
				t.Fatal(err)
			}
			theirs, err := seal.New([]byte("another server's key, long enough"))
			if err != nil {
				t.Fatal(err)
			}
			b := setup(t, Config{Exclusive: exclusive, Sealer: ours})
			task := ferry.Task{ID: ferry.NewTaskID(), Portal: testPortal, Kind: ferry.TaskImport, Status: ferry.TaskPending, RequestedAt: b.now,
				Request: []byte(`{"url":"` + b.origin.URL + `/cat.txt","access":"PRIVATE"}`)}
			task.Sealed = theirs.Seal([]byte(`{"Authorization":"Bearer x"}`), string(task.ID))
			if err := b.store.CreateTask(ctx, &task); err != nil {
				t.Fatal(err)
			}
			if got := work(t, b, ctx, &importWorker{e: b.engine}, importArgs(task)); got != river.EventKindJobCancelled {
				t.Fatalf("event=%s, want cancelled", got)
			}
			checkError(t, b.find(t, task.ID), ferry.Invalid, "SOURCE_HEADERS_UNREADABLE")
			checkStates(t, b, task.ID, ferry.TaskProcessing, ferry.TaskCanceled)
		})
		t.Run(fmt.Sprintf("CancelsWhenTheFolderWentAway/exclusive=%v", exclusive), func(t *testing.T) {
			t.Parallel()
			b := setup(t, Config{Exclusive: exclusive})
			b.handler = func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "purr") }
			task := b.createTask(t, ferry.TaskImport, ferry.ImportRequest{URL: b.origin.URL + "/cat.txt", Access: ferry.AccessPrivate, FolderID: b.folder.ID + 100})
			if got := work(t, b, ctx, &importWorker{e: b.engine}, importArgs(task)); got != river.EventKindJobCancelled {
				t.Fatalf("event=%s, want cancelled", got)
			}
			got := b.find(t, task.ID)
			checkState(t, got, ferry.TaskCanceled, 1)
			if got.FileID != 0 {
				t.Errorf("file %d stored in a folder that is gone", got.FileID)
			}
			checkStates(t, b, task.ID, ferry.TaskProcessing, ferry.TaskCanceled)
		})
	}

	t.Run("SmallAndLargeBodiesLeaveOnlyTheFile", func(t *testing.T) {
		t.Parallel()
		for _, size := range []int{directMax, directMax + 1, partMax + 1} {
			b := setup(t, Config{})
			body := strings.Repeat("m", size)
			b.handler = func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body) }
			task := b.importTask(t)
			if got := work(t, b, ctx, &importWorker{e: b.engine}, importArgs(task)); got != river.EventKindJobCompleted {
				t.Fatalf("%d bytes: event=%s, want completed", size, got)
			}
			got := b.find(t, task.ID)
			sum := sha256.Sum256([]byte(body))
			if got.SHA256 != hex.EncodeToString(sum[:]) || got.Resume != nil {
				t.Errorf("%d bytes: sha256 %s, resume %s; want the body's and no parts", size, got.SHA256, got.Resume)
			}
			var keys []string
			for it := b.bucket.List(nil); ; {
				obj, err := it.Next(ctx)
				if err != nil {
					break
				}
				keys = append(keys, obj.Key)
			}
			if want := fmt.Sprintf("imports/%d/%s", testPortal, task.ID); len(keys) != 1 || keys[0] != want {
				t.Errorf("%d bytes: blobs %q, want only %s", size, keys, want)
			}
		}
	})

	t.Run("SnoozesWhilePortalBusyAndAnotherWaits", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{Workers: 2, WorkersPerPortal: 1})
		task := b.importTask(t)
		other := ferry.Task{ID: ferry.NewTaskID(), Portal: testPortal + 1, Kind: ferry.TaskImport, Status: ferry.TaskPending, RequestedAt: b.now, Request: []byte(`{}`)}
		if err := b.store.CreateTask(ctx, &other); err != nil {
			t.Fatal(err)
		}
		if !b.engine.slots.acquire(int64(testPortal)) {
			t.Fatal("no slot free")
		}
		if got := work(t, b, ctx, &importWorker{e: b.engine}, importArgs(task)); got != river.EventKindJobSnoozed {
			t.Fatalf("event=%s, want snoozed", got)
		}
		checkState(t, b.find(t, task.ID), ferry.TaskPending, 0)
	})

	t.Run("SnoozesWhilePortalBusyAndWaitingUnknown", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{Workers: 2, WorkersPerPortal: 1})
		b.handler = func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "purr") }
		task := b.importTask(t)
		b.engine.store = blindToWaiting{b.store}
		if !b.engine.slots.acquire(int64(testPortal)) {
			t.Fatal("no slot free")
		}
		if got := work(t, b, ctx, &importWorker{e: b.engine}, importArgs(task)); got != river.EventKindJobSnoozed {
			t.Fatalf("event=%s, want snoozed: a store that cannot say whether others wait keeps the share", got)
		}
		checkState(t, b.find(t, task.ID), ferry.TaskPending, 0)
	})

	t.Run("RunsBeyondShareWhenNoOtherPortalWaits", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{Workers: 2, WorkersPerPortal: 1})
		b.handler = func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "purr") }
		task := b.importTask(t)
		if !b.engine.slots.acquire(int64(testPortal)) {
			t.Fatal("no slot free")
		}
		if got := work(t, b, ctx, &importWorker{e: b.engine}, importArgs(task)); got != river.EventKindJobCompleted {
			t.Fatalf("event=%s, want completed", got)
		}
		checkState(t, b.find(t, task.ID), ferry.TaskComplete, 1)

		// The answer stands for waitingMemo: another portal's import
		// that arrives meanwhile is seen only once it is that old.
		other := ferry.Task{ID: ferry.NewTaskID(), Portal: testPortal + 1, Kind: ferry.TaskImport, Status: ferry.TaskPending, RequestedAt: b.now, Request: []byte(`{}`)}
		if err := b.store.CreateTask(ctx, &other); err != nil {
			t.Fatal(err)
		}
		second := b.importTask(t)
		if got := work(t, b, ctx, &importWorker{e: b.engine}, importArgs(second)); got != river.EventKindJobCompleted {
			t.Fatalf("within waitingMemo: event=%s, want completed on the remembered answer", got)
		}
		b.now = b.now.Add(waitingMemo)
		third := b.importTask(t)
		if got := work(t, b, ctx, &importWorker{e: b.engine}, importArgs(third)); got != river.EventKindJobSnoozed {
			t.Fatalf("after waitingMemo: event=%s, want snoozed for the other portal's import", got)
		}
		checkState(t, b.find(t, third.ID), ferry.TaskPending, 0)
	})

	t.Run("CancelsPermanentFailure", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		b.handler = func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
		task := b.importTask(t)
		if got := work(t, b, ctx, &importWorker{e: b.engine}, importArgs(task)); got != river.EventKindJobCancelled {
			t.Fatalf("event=%s, want cancelled", got)
		}
		got := b.find(t, task.ID)
		checkState(t, got, ferry.TaskCanceled, 1)
		checkError(t, got, ferry.OriginFailed, string(fetch.CodeOriginClientError))
	})

	t.Run("CancelsUndecodableRequest", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		task := b.createTask(t, ferry.TaskImport, []int{1})
		if got := work(t, b, ctx, &importWorker{e: b.engine}, importArgs(task)); got != river.EventKindJobCancelled {
			t.Fatalf("event=%s, want cancelled", got)
		}
		checkError(t, b.find(t, task.ID), ferry.Internal, "INTERNAL_ERROR")
	})

	t.Run("ShutdownHandsTheJobBack", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		wctx, stop := context.WithCancel(ctx)
		b.handler = func(w http.ResponseWriter, r *http.Request) {
			stop() // the server shuts down while the origin answers
			<-r.Context().Done()
		}
		task := b.importTask(t)
		if got := work(t, b, wctx, &importWorker{e: b.engine}, importArgs(task)); got != river.EventKindJobSnoozed {
			t.Fatalf("event=%s, want snoozed to resume at the next start", got)
		}
		got := b.find(t, task.ID)
		checkState(t, got, ferry.TaskProcessing, 1)
		if len(got.Errors) != 0 {
			t.Errorf("Errors=%v, want none", got.Errors)
		}
	})

	t.Run("RescuedJobResumes", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		task := b.importTask(t)
		// A crashed instance started the task and never finished it; River's
		// rescuer hands its job to another worker, which starts over.
		started := b.now
		task.Status, task.Attempts, task.StartedAt = ferry.TaskProcessing, 1, started
		if err := b.store.UpdateTask(ctx, &task); err != nil {
			t.Fatal(err)
		}
		b.now = b.now.Add(time.Hour)
		b.handler = func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "purr") }
		if got := work(t, b, ctx, &importWorker{e: b.engine}, importArgs(task)); got != river.EventKindJobCompleted {
			t.Fatalf("event=%s, want completed", got)
		}
		got := b.find(t, task.ID)
		checkState(t, got, ferry.TaskComplete, 2)
		if !got.StartedAt.Equal(started) {
			t.Errorf("StartedAt=%v, want the first start %v", got.StartedAt, started)
		}
	})

	t.Run("FinishedOrDeletedTaskIsLeftAlone", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		task := b.importTask(t)
		task.Status, task.CompletedAt = ferry.TaskCanceled, b.now
		if err := b.store.UpdateTask(ctx, &task); err != nil {
			t.Fatal(err)
		}
		w := &importWorker{e: b.engine}
		for _, args := range []ImportArgs{importArgs(task), {TaskRef{TaskID: "gone", Portal: int64(testPortal)}}} {
			if got := work(t, b, ctx, w, args); got != river.EventKindJobCompleted {
				t.Errorf("task %s: event=%s, want completed with nothing done", args.TaskID, got)
			}
		}
		checkState(t, b.find(t, task.ID), ferry.TaskCanceled, 0)
	})
}

func TestFolderWorker(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rename := func(b *testBundle, id ferry.FolderID) folderUpdateRequest {
		name := "renamed"
		return folderUpdateRequest{ID: id, Update: ferry.FolderUpdate{Name: &name}}
	}
	args := func(task ferry.Task) FolderUpdateArgs {
		return FolderUpdateArgs{TaskRef{TaskID: string(task.ID), Portal: int64(task.Portal)}}
	}

	t.Run("Completes", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		task := b.createTask(t, ferry.TaskFolderUpdate, rename(b, b.folder.ID))
		if got := work(t, b, ctx, &folderWorker{e: b.engine}, args(task)); got != river.EventKindJobCompleted {
			t.Fatalf("event=%s, want completed", got)
		}
		checkState(t, b.find(t, task.ID), ferry.TaskComplete, 1)
		f, err := b.store.FindFolderByID(ctx, testPortal, b.folder.ID)
		if err != nil || f.Name != "renamed" {
			t.Errorf("folder=%q, %v, want renamed", f.Name, err)
		}
	})

	t.Run("CancelsWhenTheFolderWentAway", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		task := b.createTask(t, ferry.TaskFolderUpdate, rename(b, b.folder.ID+100))
		if got := work(t, b, ctx, &folderWorker{e: b.engine}, args(task)); got != river.EventKindJobCancelled {
			t.Fatalf("event=%s, want cancelled", got)
		}
		got := b.find(t, task.ID)
		checkState(t, got, ferry.TaskCanceled, 1)
		checkError(t, got, ferry.NotFound, "OBJECT_NOT_FOUND")
	})
}

// Maintenance ends tasks whose job is gone, and deletes finished tasks
// past retention.
func TestMaintenance(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, Config{TaskRetention: time.Hour})
	lost := b.importTask(t)
	lost.JobID = 424242 // no such job: a crash lost it
	old := b.importTask(t)
	old.Status, old.CompletedAt = ferry.TaskComplete, b.now
	for _, task := range []*ferry.Task{&lost, &old} {
		if err := b.store.UpdateTask(ctx, task); err != nil {
			t.Fatal(err)
		}
	}
	b.now = b.now.Add(2 * time.Hour)
	var finished []string
	b.engine.cfg.TaskFinished = func(kind, status, category string) { finished = append(finished, status+" "+category) }
	if got := work(t, b, ctx, &maintenanceWorker{e: b.engine}, MaintenanceArgs{}); got != river.EventKindJobCompleted {
		t.Fatalf("event=%s, want completed", got)
	}
	got := b.find(t, lost.ID)
	checkState(t, got, ferry.TaskCanceled, 0)
	checkError(t, got, ferry.Interrupted, "WORK_LOST")
	if _, err := b.store.FindTask(ctx, testPortal, old.ID); ferry.KindOf(err) != ferry.NotFound {
		t.Errorf("task past retention: FindTask err=%v, want not found", err)
	}
	if len(finished) != 1 || finished[0] != "CANCELED INTERRUPTED" {
		t.Errorf("TaskFinished calls=%v, want one CANCELED INTERRUPTED", finished)
	}
}

// An import is validated with the fetch policy's codes, and StartImport
// records the task and its job together or not at all.
func TestStartImport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, Config{})
	// The engine enqueues in the store's own database.
	db := mustOpen(t, filepath.Join(t.TempDir(), "one.db"))
	driver := riversqlite.New(db)
	if err := Migrate(ctx, driver); err != nil {
		t.Fatal(err)
	}
	store := sqlite.NewStore(db)
	e, err := New(driver, store, files.New(store, b.bucket, b.engine.log, nil), b.engine.fetcher, b.engine.log, Config{Workers: -1})
	if err != nil {
		t.Fatal(err)
	}
	in := ferry.ImportInput{URL: ptr("ftp://example.com/cat.png"), Access: ptr("PRIVATE"), FolderPath: ptr("/x")}
	_, err = in.Validate(b.now, e.CheckURL)
	var fe *ferry.Error
	if !errors.As(err, &fe) || len(fe.Details) != 1 || fe.Details[0].Code != string(fetch.CodeSchemeNotAllowed) {
		t.Fatalf("Validate(ftp)=%v, want one %s problem", err, fetch.CodeSchemeNotAllowed)
	}
	_, err = e.StartImport(ctx, testPortal, ferry.ImportRequest{URL: "https://example.com/cat.png", FolderID: 999})
	if ferry.KindOf(err) != ferry.Invalid {
		t.Fatalf("StartImport(no such folder)=%v, want Invalid", err)
	}
	rivertest.RequireNotInserted(ctx, t, driver, &ImportArgs{}, nil)

	in.URL = ptr("https://example.com/cat.png")
	req, err := in.Validate(b.now, e.CheckURL)
	if err != nil {
		t.Fatal(err)
	}
	task, err := e.StartImport(ctx, testPortal, req)
	if err != nil {
		t.Fatal(err)
	}
	job := rivertest.RequireInserted(ctx, t, driver, &ImportArgs{}, nil)
	if job.Args.TaskID != string(task.ID) || job.ID != task.JobID {
		t.Errorf("job %d for task %s, want job %d for task %s", job.ID, job.Args.TaskID, task.JobID, task.ID)
	}
	got, err := store.FindTask(ctx, testPortal, task.ID)
	if err != nil || got.Status != ferry.TaskPending {
		t.Errorf("task=%+v, %v, want PENDING", got, err)
	}
}

func ptr[T any](v T) *T { return &v }

// blindToWaiting is a store that cannot say whether other portals' tasks
// wait.
type blindToWaiting struct{ Store }

func (blindToWaiting) TaskWaitingElsewhere(context.Context, ferry.PortalID, ferry.TaskKind) (bool, error) {
	return false, ferry.Errorf(ferry.Unavailable, "database unreachable")
}
