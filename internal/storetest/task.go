package storetest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"ferry/internal/ferry"
)

// newTask returns a pending import task of portal, requested at requested.
func newTask(id ferry.TaskID, portal ferry.PortalID, requested time.Time) ferry.Task {
	return ferry.Task{ID: id, Portal: portal, Kind: ferry.TaskImport, Status: ferry.TaskPending,
		Request: []byte(`{"url":"https://example.com/cat.png","access":"PRIVATE"}`), JobID: 7, RequestedAt: requested}
}

// finished returns t ended with status at completed.
func finished(t ferry.Task, status ferry.TaskStatus, completed time.Time) ferry.Task {
	t.Status, t.StartedAt, t.CompletedAt = status, t.RequestedAt, completed
	return t
}

func mustCreateTasks(tb testing.TB, st ferry.Store, tasks ...ferry.Task) {
	tb.Helper()
	for _, t := range tasks {
		mustNoErr(tb, st.CreateTask(context.Background(), &t), "CreateTask("+string(t.ID)+")")
	}
}

func testTask(t *testing.T, open func(t *testing.T) ferry.Store) {
	ctx := context.Background()

	t.Run("CreateAndFind", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		want := newTask("task-1", portalA, at(0))
		want.Kind, want.JobID = ferry.TaskFolderUpdate, 1<<40
		mustCreateTasks(t, st, want)
		got, err := st.FindTask(ctx, portalA, want.ID)
		mustNoErr(t, err, "FindTask")
		checkTask(t, got, want)
	})

	t.Run("ForeignOrUnknownIsNotFound", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		mustCreateTasks(t, st, newTask("task-1", portalA, at(0)))
		_, err := st.FindTask(ctx, portalB, "task-1")
		wantKind(t, err, ferry.NotFound)
		_, err = st.FindTask(ctx, portalA, "task-2")
		wantKind(t, err, ferry.NotFound)
	})

	t.Run("FindTaskFile", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		_, f, done := importedFile(t, st)
		gone := finished(newTask("task-2", portalA, at(0)), ferry.TaskComplete, at(time.Second))
		gone.FileID = f.ID + 1000
		mustCreateTasks(t, st, done, gone, newTask("task-3", portalA, at(0)))
		got, gotFile, err := st.FindTaskFile(ctx, portalA, "task-1")
		mustNoErr(t, err, "FindTaskFile")
		checkTask(t, got, done)
		if gotFile == nil {
			t.Fatal("FindTaskFile: no file, want the task's")
		}
		want, err := st.FindFileByID(ctx, portalA, f.ID)
		mustNoErr(t, err, "FindFileByID")
		checkFile(t, *gotFile, want)
		for _, id := range []ferry.TaskID{"task-2", "task-3"} {
			got, gotFile, err := st.FindTaskFile(ctx, portalA, id)
			mustNoErr(t, err, "FindTaskFile "+string(id))
			if got.ID != id || gotFile != nil {
				t.Errorf("FindTaskFile(%s) = %s, %+v; want the task and no file", id, got.ID, gotFile)
			}
		}
		_, _, err = st.FindTaskFile(ctx, portalB, "task-1")
		wantKind(t, err, ferry.NotFound)
	})

	// A finished task's read follows every later change to what it shows
	// (a store may cache finished tasks: see sqlstore.CacheReads).
	t.Run("FindTaskFileFollowsChanges", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		folder, f, done := importedFile(t, st)
		mustCreateTasks(t, st, done)
		read := func(step string) *ferry.File {
			t.Helper()
			for range 2 { // the second read may come from a cache
				_, got, err := st.FindTaskFile(ctx, portalA, "task-1")
				mustNoErr(t, err, "FindTaskFile "+step)
				want, err := st.FindFileByID(ctx, portalA, f.ID)
				if ferry.KindOf(err) == ferry.NotFound {
					if got != nil {
						t.Fatalf("%s: FindTaskFile returned file %+v, gone from the store", step, *got)
					}
					continue
				}
				mustNoErr(t, err, "FindFileByID "+step)
				if got == nil {
					t.Fatalf("%s: FindTaskFile returned no file", step)
				}
				checkFile(t, *got, want)
			}
			_, got, _ := st.FindTaskFile(ctx, portalA, "task-1")
			return got
		}
		read("at first")
		got := read("again")
		got.Name = "changed by the caller" // a caller's copy is its own
		if again := read("after the caller changed its copy"); again.Name != "cat" {
			t.Fatalf("the store's answer changed with the caller's copy: %q", again.Name)
		}
		f.Name = "dog"
		mustNoErr(t, st.UpdateFile(ctx, &f), "UpdateFile")
		if got := read("after a rename"); got.Name != "dog" {
			t.Fatalf("after a rename: name %q, want dog", got.Name)
		}
		if _, err := st.MoveFolder(ctx, portalA, folder.ID, 0, "out"); err != nil {
			t.Fatalf("MoveFolder: %v", err)
		}
		if got := read("after its folder moved"); got.FolderPath != "/out" {
			t.Fatalf("after its folder moved: folder path %q, want /out", got.FolderPath)
		}
		mustNoErr(t, st.DeleteFile(ctx, portalA, f.ID), "DeleteFile")
		if got := read("after the file was deleted"); got != nil {
			t.Fatalf("after the file was deleted: file %+v", *got)
		}
		done.Status, done.Errors = ferry.TaskCanceled, []ferry.TaskError{{SubCategory: "CANCELED_BY_TEST", Message: "canceled"}}
		if err := st.Atomic(ctx, func(tx ferry.Store) error { return tx.UpdateTask(ctx, &done) }); err != nil {
			t.Logf("UpdateTask of a finished task: %v (the store may refuse it)", err)
		}
		got2, _, err := st.FindTaskFile(ctx, portalA, "task-1")
		mustNoErr(t, err, "FindTaskFile after UpdateTask")
		want2, err := st.FindTask(ctx, portalA, "task-1")
		mustNoErr(t, err, "FindTask after UpdateTask")
		if got2.Status != want2.Status || len(got2.Errors) != len(want2.Errors) {
			t.Fatalf("after UpdateTask: FindTaskFile says %s with %d errors, FindTask %s with %d", got2.Status, len(got2.Errors), want2.Status, len(want2.Errors))
		}
	})

	// An unfinished task's read follows each save of it, whatever other
	// tasks do meanwhile, and none that rolled back.
	t.Run("FindTaskFileFollowsAnUnfinishedTask", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		task, other := newTask("task-1", portalA, at(0)), newTask("task-2", portalA, at(0))
		mustCreateTasks(t, st, task, other)
		check := func(step string) {
			t.Helper()
			want, err := st.FindTask(ctx, portalA, task.ID)
			mustNoErr(t, err, "FindTask "+step)
			for range 2 { // the second read may come from a cache
				got, f, err := st.FindTaskFile(ctx, portalA, task.ID)
				mustNoErr(t, err, "FindTaskFile "+step)
				checkTask(t, got, want)
				if f != nil {
					t.Fatalf("%s: file %+v for an unfinished task", step, *f)
				}
			}
		}
		check("at first")
		other.Status, other.Attempts, other.StartedAt = ferry.TaskProcessing, 1, at(time.Second)
		mustNoErr(t, st.UpdateTask(ctx, &other), "UpdateTask (the other task)")
		check("after another task changed")
		task.Status, task.Attempts, task.StartedAt = ferry.TaskProcessing, 1, at(time.Second)
		mustNoErr(t, st.UpdateTask(ctx, &task), "UpdateTask (PROCESSING)")
		check("once PROCESSING")
		task.Progress = ferry.Progress{BytesDone: 10, BytesTotal: 100, BytesPerSecond: 5}
		mustNoErr(t, st.SaveProgress(ctx, &task), "SaveProgress")
		check("after its progress")
		if got, _, _ := st.FindTaskFile(ctx, portalA, task.ID); got.Progress.BytesDone != 10 {
			t.Fatalf("after its progress: bytesDone %d, want 10", got.Progress.BytesDone)
		}
		errRollBack := errors.New("roll back")
		err := st.Atomic(ctx, func(tx ferry.Store) error {
			task.Progress.BytesDone = 20
			if err := tx.SaveProgress(ctx, &task); err != nil {
				return err
			}
			return errRollBack
		})
		if !errors.Is(err, errRollBack) {
			t.Fatalf("Atomic: %v, want the rollback's error", err)
		}
		task.Progress.BytesDone, task.Version = 10, task.Version-1
		check("after a save rolled back")
		done := finished(task, ferry.TaskCanceled, at(2*time.Second))
		done.Errors = []ferry.TaskError{{SubCategory: "CANCELED_BY_TEST", Message: "canceled"}}
		mustNoErr(t, st.UpdateTask(ctx, &done), "UpdateTask (CANCELED)")
		check("once CANCELED")
	})

	t.Run("TaskWaitingElsewhere", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		waiting := func(portal ferry.PortalID, kind ferry.TaskKind) bool {
			t.Helper()
			got, err := st.TaskWaitingElsewhere(ctx, portal, kind)
			mustNoErr(t, err, "TaskWaitingElsewhere")
			return got
		}
		running := newTask("task-1", portalA, at(0))
		running.Status = ferry.TaskProcessing
		mustCreateTasks(t, st, running, finished(newTask("task-2", portalA, at(0)), ferry.TaskComplete, at(time.Second)))
		if waiting(portalB, ferry.TaskImport) {
			t.Error("another portal's running and finished tasks count as waiting")
		}
		mustCreateTasks(t, st, newTask("task-3", portalA, at(0)))
		if !waiting(portalB, ferry.TaskImport) || waiting(portalA, ferry.TaskImport) || waiting(portalB, ferry.TaskFolderUpdate) {
			t.Error("a pending import is waiting only for other portals' imports")
		}
		mustCreateTasks(t, st, newTask("task-4", portalB, at(0)))
		if !waiting(portalA, ferry.TaskImport) {
			t.Error("a pending import of a portal numbered above is not waiting")
		}
	})

	t.Run("UpdateRoundTrip", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		orig := newTask("task-1", portalA, at(0))
		orig.JobID = 4242
		mustCreateTasks(t, st, orig)

		upd := orig
		upd.Status, upd.Attempts = ferry.TaskCanceled, 3
		upd.FileID, upd.FolderID = 77, 88
		upd.SourceURL = "https://cdn.example.com/final/cat.png"
		upd.StartedAt = at(1500*time.Millisecond + 123456*time.Nanosecond)
		upd.CompletedAt = at(9*time.Second + 999999*time.Nanosecond)
		upd.Errors = []ferry.TaskError{
			{Kind: ferry.Invalid, SubCategory: "URL_NOT_ALLOWED", Message: "no",
				Context: map[string][]string{"url": {"https://10.0.0.1/"}, "attempts": {"1", "2"}}},
			{Kind: ferry.OriginTimeout, Message: "slow"},
		}
		mustNoErr(t, st.UpdateTask(ctx, &upd), "UpdateTask")

		got, err := st.FindTask(ctx, portalA, "task-1")
		mustNoErr(t, err, "FindTask")
		want := upd
		want.StartedAt, want.CompletedAt = at(1500*time.Millisecond), at(9*time.Second)
		checkTask(t, got, want)
		if got.StartedAt.Nanosecond()%int(time.Millisecond) != 0 {
			t.Errorf("StartedAt=%v, want millisecond precision", got.StartedAt)
		}
	})

	t.Run("RequestedAtMillisecondPrecision", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		mustCreateTasks(t, st, newTask("task-1", portalA, at(123*time.Millisecond+456789*time.Nanosecond)))
		got, err := st.FindTask(ctx, portalA, "task-1")
		mustNoErr(t, err, "FindTask")
		if want := at(123 * time.Millisecond); !got.RequestedAt.Equal(want) {
			t.Errorf("RequestedAt=%v, want %v", got.RequestedAt, want)
		}
	})

	t.Run("UpdateCanClearFields", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		done := finished(newTask("task-1", portalA, at(0)), ferry.TaskCanceled, at(time.Second))
		done.Errors = []ferry.TaskError{{Kind: ferry.Internal, Message: "x"}}
		done.FileID = 5
		mustCreateTasks(t, st, done)
		retry := done
		retry.Status, retry.Errors, retry.FileID, retry.CompletedAt = ferry.TaskProcessing, nil, 0, time.Time{}
		mustNoErr(t, st.UpdateTask(ctx, &retry), "UpdateTask")
		got, err := st.FindTask(ctx, portalA, "task-1")
		mustNoErr(t, err, "FindTask")
		if len(got.Errors) != 0 || got.FileID != 0 || !got.CompletedAt.IsZero() || got.Status != ferry.TaskProcessing {
			t.Errorf("FindTask=%+v, want PROCESSING without errors, file or completion time", got)
		}
	})

	t.Run("UpdateUnknownIsNotFound", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		orig := newTask("task-1", portalA, at(0))
		mustCreateTasks(t, st, orig)
		unknown := newTask("task-2", portalA, at(0))
		wantKind(t, st.UpdateTask(ctx, &unknown), ferry.NotFound)
		foreign := orig
		foreign.Portal, foreign.Status = portalB, ferry.TaskComplete
		wantKind(t, st.UpdateTask(ctx, &foreign), ferry.NotFound)
		got, err := st.FindTask(ctx, portalA, "task-1")
		mustNoErr(t, err, "FindTask")
		if got.Status != ferry.TaskPending {
			t.Errorf("after a foreign update: Status=%v, want %v", got.Status, ferry.TaskPending)
		}
	})
}

func testListUnfinishedTasks(t *testing.T, open func(t *testing.T) ferry.Store) {
	ctx := context.Background()
	setup := func(t *testing.T) ferry.Store {
		t.Helper()
		st := open(t)
		processing := newTask("p2", portalB, at(2*time.Second))
		processing.Status, processing.StartedAt, processing.Attempts = ferry.TaskProcessing, at(5*time.Second), 1
		// Created out of order, so that the order of the result is the
		// store's doing.
		mustCreateTasks(t, st,
			newTask("p4", portalA, at(4*time.Second)),
			finished(newTask("done0", portalA, at(0)), ferry.TaskComplete, at(time.Second)),
			newTask("p1", portalA, at(time.Second)),
			processing,
			finished(newTask("canceled3", portalB, at(3*time.Second)), ferry.TaskCanceled, at(6*time.Second)),
			newTask("p10", portalA, at(10*time.Second)),
		)
		return st
	}

	tests := []struct {
		name   string
		before time.Time
		limit  int
		want   []ferry.TaskID
	}{
		{"OldestFirstAcrossPortals", at(time.Hour), 10, []ferry.TaskID{"p1", "p2", "p4", "p10"}},
		{"Limit", at(time.Hour), 2, []ferry.TaskID{"p1", "p2"}},
		{"BeforeIsExclusive", at(4 * time.Second), 10, []ferry.TaskID{"p1", "p2"}},
		{"NoneBefore", at(time.Second), 10, []ferry.TaskID{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := setup(t)
			got, err := st.ListUnfinishedTasks(ctx, tc.before, tc.limit)
			mustNoErr(t, err, "ListUnfinishedTasks")
			if ids := taskIDs(got); !reflect.DeepEqual(ids, tc.want) {
				t.Errorf("ListUnfinishedTasks(%v, %d)=%v, want %v", tc.before, tc.limit, ids, tc.want)
			}
		})
	}

	t.Run("ReturnsWholeTasks", func(t *testing.T) {
		t.Parallel()
		st := setup(t)
		got, err := st.ListUnfinishedTasks(ctx, at(3*time.Second), 10)
		mustNoErr(t, err, "ListUnfinishedTasks")
		if len(got) != 2 {
			t.Fatalf("len=%d, want 2", len(got))
		}
		want := newTask("p2", portalB, at(2*time.Second))
		want.Status, want.StartedAt, want.Attempts = ferry.TaskProcessing, at(5*time.Second), 1
		checkTask(t, got[1], want)
	})
}

func testDeleteTasksFinishedBefore(t *testing.T, open func(t *testing.T) ferry.Store) {
	ctx := context.Background()
	st := open(t)
	mustCreateTasks(t, st,
		finished(newTask("complete-old", portalA, at(0)), ferry.TaskComplete, at(time.Second)),
		finished(newTask("canceled-old", portalB, at(0)), ferry.TaskCanceled, at(2*time.Second)),
		finished(newTask("complete-at-cutoff", portalA, at(0)), ferry.TaskComplete, at(10*time.Second)),
		finished(newTask("complete-new", portalA, at(0)), ferry.TaskComplete, at(20*time.Second)),
		newTask("pending-old", portalA, at(0)),
	)
	processing := newTask("processing-old", portalA, at(0))
	processing.Status, processing.StartedAt = ferry.TaskProcessing, at(time.Second)
	mustCreateTasks(t, st, processing)

	n, err := st.DeleteTasksFinishedBefore(ctx, at(10*time.Second))
	mustNoErr(t, err, "DeleteTasksFinishedBefore")
	if n != 2 {
		t.Errorf("DeleteTasksFinishedBefore=%d, want 2", n)
	}
	for _, tc := range []struct {
		id     ferry.TaskID
		portal ferry.PortalID
		kept   bool
	}{
		{"complete-old", portalA, false},
		{"canceled-old", portalB, false},
		{"complete-at-cutoff", portalA, true},
		{"complete-new", portalA, true},
		{"pending-old", portalA, true},
		{"processing-old", portalA, true},
	} {
		_, err := st.FindTask(ctx, tc.portal, tc.id)
		switch {
		case tc.kept && err != nil:
			t.Errorf("FindTask(%s): %v, want it kept", tc.id, err)
		case !tc.kept && ferry.KindOf(err) != ferry.NotFound:
			t.Errorf("FindTask(%s): err=%v, want kind %v", tc.id, err, ferry.NotFound)
		}
	}
	n, err = st.DeleteTasksFinishedBefore(ctx, at(10*time.Second))
	mustNoErr(t, err, "DeleteTasksFinishedBefore again")
	if n != 0 {
		t.Errorf("DeleteTasksFinishedBefore again=%d, want 0", n)
	}
}

func testTaskHeartbeat(t *testing.T, open func(t *testing.T) ferry.Store) {
	ctx := context.Background()
	st := open(t)
	task := newTask("task-1", portalA, at(0))
	mustCreateTasks(t, st, task)
	silent := func(d time.Duration) []ferry.TaskID {
		t.Helper()
		list, err := st.ListSilentTasks(ctx, d, 10)
		mustNoErr(t, err, "ListSilentTasks")
		var ids []ferry.TaskID
		for _, x := range list {
			ids = append(ids, x.ID)
		}
		return ids
	}
	if got := silent(time.Millisecond); got != nil {
		t.Errorf("a pending task without a heartbeat is silent: %v", got)
	}
	task.Status, task.Attempts, task.StartedAt = ferry.TaskProcessing, 1, at(1)
	mustNoErr(t, st.UpdateTask(ctx, &task), "UpdateTask") // a save is a heartbeat
	if got := silent(time.Hour); got != nil {
		t.Errorf("a task saved just now is silent for an hour: %v", got)
	}
	time.Sleep(50 * time.Millisecond)
	if got := silent(10 * time.Millisecond); !reflect.DeepEqual(got, []ferry.TaskID{"task-1"}) {
		t.Errorf("silent for 10ms after 50ms: %v, want task-1", got)
	}
	mustNoErr(t, st.BeatTask(ctx, &task), "BeatTask")
	if got := silent(time.Second); got != nil {
		t.Errorf("a task that beat just now is silent: %v", got)
	}
	other := task
	other.Attempts = 2
	wantKind(t, st.BeatTask(ctx, &other), ferry.Conflict)
	other = task
	other.JobID++
	wantKind(t, st.BeatTask(ctx, &other), ferry.Conflict)
	other.ID = "task-2"
	wantKind(t, st.BeatTask(ctx, &other), ferry.NotFound)

	// Reclaiming needs the heartbeat to be silent still.
	reclaimed := task
	reclaimed.JobID, reclaimed.NextAttemptAt = 99, at(2)
	wantKind(t, st.ReclaimTask(ctx, &reclaimed, time.Hour), ferry.Conflict)
	time.Sleep(50 * time.Millisecond)
	mustNoErr(t, st.ReclaimTask(ctx, &reclaimed, 10*time.Millisecond), "ReclaimTask")
	got, err := st.FindTask(ctx, portalA, "task-1")
	mustNoErr(t, err, "FindTask")
	if got.JobID != 99 || got.Version != task.Version+1 {
		t.Errorf("reclaimed task: job %d version %d, want job 99 version %d", got.JobID, got.Version, task.Version+1)
	}
	if got := silent(time.Nanosecond); got != nil {
		t.Errorf("a task waiting to retry is silent: %v", got)
	}
	// The attempt that lost the task can no longer beat nor save.
	wantKind(t, st.BeatTask(ctx, &task), ferry.Conflict)
	wantKind(t, st.SaveProgress(ctx, &task), ferry.Conflict)

	// Past the limit: the longest silent come first, and no more.
	for _, id := range []ferry.TaskID{"task-2", "task-3", "task-4"} {
		more := newTask(id, portalB, at(0))
		mustCreateTasks(t, st, more)
		more.Status, more.Attempts, more.StartedAt = ferry.TaskProcessing, 1, at(1)
		mustNoErr(t, st.UpdateTask(ctx, &more), "UpdateTask "+string(id))
		time.Sleep(20 * time.Millisecond)
	}
	list, err := st.ListSilentTasks(ctx, 10*time.Millisecond, 2)
	mustNoErr(t, err, "ListSilentTasks")
	var ids []ferry.TaskID
	for _, x := range list {
		ids = append(ids, x.ID)
	}
	if want := []ferry.TaskID{"task-2", "task-3"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("ListSilentTasks(limit 2)=%v, want %v", ids, want)
	}
}

// importedFile stores /in/cat.png in portalA and returns it, its folder,
// and task-1, COMPLETE with it as its result (not yet created).
func importedFile(t *testing.T, st ferry.Store) (ferry.Folder, ferry.File, ferry.Task) {
	t.Helper()
	folder := mustEnsureFolder(t, st, portalA, "/in")
	f, _ := mustInsertFile(t, st, newFile(portalA, folder.ID, "cat", "png", "abc", 42), false)
	done := finished(newTask("task-1", portalA, at(0)), ferry.TaskComplete, at(time.Second))
	done.FileID = f.ID
	return folder, f, done
}
