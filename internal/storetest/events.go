package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"ferry/internal/ferry"
)

// allEvents returns every event of portal, in feed order, paging through
// the feed in small pages.
func allEvents(tb testing.TB, st ferry.Store, portal ferry.PortalID, types ...ferry.EventType) []ferry.Event {
	tb.Helper()
	var out []ferry.Event
	after := int64(0)
	for {
		page, more, err := st.ListEvents(context.Background(), portal, ferry.EventFilter{After: after, Limit: 3, Types: types})
		mustNoErr(tb, err, "ListEvents")
		out = append(out, page...)
		if len(page) > 0 {
			after = page[len(page)-1].Seq
		}
		if !more {
			return out
		}
	}
}

func eventTypes(evs []ferry.Event) []ferry.EventType {
	out := []ferry.EventType{}
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return out
}

func testEvents(t *testing.T, open func(t *testing.T) ferry.Store) {
	ctx := context.Background()

	t.Run("EveryChangeOfState", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		folder := mustEnsureFolder(t, st, portalA, "/docs")
		f, _ := mustInsertFile(t, st, newFile(portalA, folder.ID, "cat", "png", "m1", 10), false)
		_, replaced := mustInsertFile(t, st, newFile(portalA, folder.ID, "cat", "png", "m2", 11), true)
		if replaced == nil || replaced.ID != f.ID {
			t.Fatalf("overwrite replaced %v, want file %d", replaced, f.ID)
		}
		g, _ := mustInsertFile(t, st, newFile(portalA, 0, "dog", "png", "m3", 12), false)
		g.Access = ferry.AccessPrivate
		mustNoErr(t, st.UpdateFile(ctx, &g), "UpdateFile")
		g.BlobKey = "files/new-content"
		mustNoErr(t, st.UpdateFile(ctx, &g), "UpdateFile (replace)")
		g.Archived, g.ArchivedAt = true, at(time.Hour)
		mustNoErr(t, st.UpdateFile(ctx, &g), "UpdateFile (archive)")
		mustNoErr(t, st.DeleteFile(ctx, portalA, g.ID), "DeleteFile")
		_, err := st.MoveFolder(ctx, portalA, folder.ID, 0, "papers")
		mustNoErr(t, err, "MoveFolder")
		_, err = st.ArchiveFolder(ctx, portalA, folder.ID, at(2*time.Hour))
		mustNoErr(t, err, "ArchiveFolder")

		got := allEvents(t, st, portalA)
		want := []ferry.EventType{ferry.EventFolderCreated, ferry.EventFileCreated, ferry.EventFileArchived, ferry.EventFileCreated,
			ferry.EventFileCreated, ferry.EventFileUpdated, ferry.EventFileCreated, ferry.EventFileArchived, ferry.EventFileDeleted,
			ferry.EventFolderUpdated, ferry.EventFileArchived, ferry.EventFolderArchived}
		if !slices.Equal(eventTypes(got), want) {
			t.Fatalf("events=%v\nwant %v", eventTypes(got), want)
		}
		ids := map[ferry.EventID]bool{}
		for i, e := range got {
			if e.Seq != int64(i+1) || e.Portal != portalA || !e.OccurredAt.Equal(Now()) || ids[e.ID] || e.ID == "" {
				t.Errorf("event %d: seq=%d portal=%d occurredAt=%v id=%q, want seq %d, portal %d, %v, a fresh id",
					i, e.Seq, e.Portal, e.OccurredAt, e.ID, i+1, portalA, Now())
			}
			ids[e.ID] = true
		}
		if e := got[0]; e.Folder == nil || e.Folder.Path != "/docs" || e.Folder.ID != folder.ID {
			t.Errorf("folder.created data=%+v, want /docs", e.Folder)
		}
		if e := got[2]; e.File == nil || e.File.ID != f.ID || !e.File.Archived {
			t.Errorf("file.archived (overwrite) data=%+v, want file %d archived", e.File, f.ID)
		}
		if e := got[5]; e.File == nil || e.File.Access != ferry.AccessPrivate || e.File.FolderPath != "/" {
			t.Errorf("file.updated data=%+v, want the updated file", e.File)
		}
		if e := got[8]; e.File == nil || e.File.ID != g.ID || !e.File.Archived {
			t.Errorf("file.deleted data=%+v, want file %d as it was", e.File, g.ID)
		}
		if e := got[9]; e.Folder == nil || e.Folder.Path != "/papers" {
			t.Errorf("folder.updated data=%+v, want /papers", e.Folder)
		}
		if e := got[10]; e.File == nil || !e.File.Archived || e.File.FolderPath != "/papers" {
			t.Errorf("file.archived (folder) data=%+v, want an archived file in /papers", e.File)
		}
		if e := got[11]; e.Folder == nil || !e.Folder.Archived || !e.Folder.ArchivedAt.Equal(at(2*time.Hour)) {
			t.Errorf("folder.archived data=%+v, want archived at %v", e.Folder, at(2*time.Hour))
		}
		if evs := allEvents(t, st, portalB); len(evs) != 0 {
			t.Errorf("portal B sees %d events of portal A", len(evs))
		}
	})

	t.Run("TasksThatEnd", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		f, _ := mustInsertFile(t, st, newFile(portalA, 0, "cat", "png", "m1", 10), false)
		done := newTask("task-1", portalA, at(0))
		mustCreateTasks(t, st, done, newTask("task-2", portalA, at(0)))
		done.Status, done.StartedAt = ferry.TaskProcessing, at(time.Second)
		mustNoErr(t, st.UpdateTask(ctx, &done), "UpdateTask (processing)")
		done.Status, done.CompletedAt, done.FileID = ferry.TaskComplete, at(2*time.Second), f.ID
		mustNoErr(t, st.UpdateTask(ctx, &done), "UpdateTask (complete)")
		mustNoErr(t, st.UpdateTask(ctx, &done), "UpdateTask (again)")
		canceled := finished(newTask("task-2", portalA, at(0)), ferry.TaskCanceled, at(3*time.Second))
		mustNoErr(t, st.UpdateTask(ctx, &canceled), "UpdateTask (canceled)")
		folder := mustEnsureFolder(t, st, portalA, "/moved")
		fu := newTask("task-3", portalA, at(0))
		fu.Kind = ferry.TaskFolderUpdate
		mustCreateTasks(t, st, fu)
		fu.Status, fu.CompletedAt, fu.FolderID = ferry.TaskComplete, at(4*time.Second), folder.ID
		mustNoErr(t, st.UpdateTask(ctx, &fu), "UpdateTask (folder update)")

		got := allEvents(t, st, portalA, ferry.EventImportCompleted, ferry.EventImportCanceled, ferry.EventFolderUpdateCompleted)
		want := []ferry.EventType{ferry.EventImportCompleted, ferry.EventImportCanceled, ferry.EventFolderUpdateCompleted}
		if !slices.Equal(eventTypes(got), want) {
			t.Fatalf("events=%v, want %v", eventTypes(got), want)
		}
		if e := got[0]; e.Task == nil || e.Task.ID != "task-1" || e.File == nil || e.File.ID != f.ID {
			t.Errorf("import.completed task=%+v file=%+v, want task-1 with file %d", e.Task, e.File, f.ID)
		}
		if e := got[2]; e.Task == nil || e.Folder == nil || e.Folder.ID != folder.ID {
			t.Errorf("folder_update.completed task=%+v folder=%+v, want folder %d", e.Task, e.Folder, folder.ID)
		}
	})

	t.Run("ImportCompletedInOneTransaction", func(t *testing.T) {
		// An import stores its file and ends its task in one
		// transaction; the event shows the file as a read returns it.
		t.Parallel()
		st := open(t)
		folder := mustEnsureFolder(t, st, portalA, "/in")
		for i, folderID := range []ferry.FolderID{folder.ID, 0} {
			task := newTask(ferry.TaskID(fmt.Sprintf("task-%d", i)), portalA, at(0))
			mustCreateTasks(t, st, task)
			f := newFile(portalA, folderID, "cat", "png", "m1", 10)
			f.CreatedAt = f.CreatedAt.Add(123456 * time.Nanosecond) // finer than the store keeps
			err := st.Atomic(ctx, func(tx ferry.Store) error {
				if _, err := tx.InsertFile(ctx, &f, false); err != nil {
					return err
				}
				task.Status, task.CompletedAt, task.FileID = ferry.TaskComplete, at(time.Second), f.ID
				return tx.UpdateTask(ctx, &task)
			})
			mustNoErr(t, err, "insert and complete")
			stored, err := st.FindFileByID(ctx, portalA, f.ID)
			mustNoErr(t, err, "FindFileByID")
			evs := allEvents(t, st, portalA, ferry.EventImportCompleted)
			if len(evs) != i+1 || evs[i].File == nil {
				t.Fatalf("import.completed events=%+v, want %d, the last with a file", evs, i+1)
			}
			checkFile(t, *evs[i].File, stored)
		}
	})

	t.Run("RolledBackChangeHasNoEvent", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		err := st.Atomic(ctx, func(tx ferry.Store) error {
			if _, err := tx.CreateFolder(ctx, portalA, 0, "gone"); err != nil {
				return err
			}
			return errTest
		})
		if err != errTest {
			t.Fatalf("Atomic: %v, want the deliberate failure", err)
		}
		mustEnsureFolder(t, st, portalA, "/kept")
		got := allEvents(t, st, portalA)
		if len(got) != 1 || got[0].Seq != 1 || got[0].Folder.Path != "/kept" {
			t.Fatalf("events=%+v, want only /kept's, numbered 1", got)
		}
	})

	t.Run("Filters", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		for i := range 5 {
			mustEnsureFolder(t, st, portalA, fmt.Sprintf("/f%d", i))
			mustInsertFile(t, st, newFile(portalA, 0, fmt.Sprintf("n%d", i), "txt", "m", 1), false)
		}
		files := allEvents(t, st, portalA, ferry.EventFileCreated)
		if len(files) != 5 || files[0].Seq != 2 || files[4].Seq != 10 {
			t.Errorf("file.created events=%d (first %d, last %d), want 5 from 2 to 10", len(files), files[0].Seq, files[len(files)-1].Seq)
		}
		page, more, err := st.ListEvents(ctx, portalA, ferry.EventFilter{After: 8, Limit: 2})
		mustNoErr(t, err, "ListEvents")
		if len(page) != 2 || more || page[0].Seq != 9 {
			t.Errorf("after 8: %d events (more %v), want 9 and 10 and no more", len(page), more)
		}
		n, err := st.DeleteEventsBefore(ctx, at(time.Second))
		mustNoErr(t, err, "DeleteEventsBefore")
		if n != 10 || len(allEvents(t, st, portalA)) != 0 {
			t.Errorf("DeleteEventsBefore deleted %d, want all 10", n)
		}
		mustEnsureFolder(t, st, portalA, "/after")
		if got := allEvents(t, st, portalA); len(got) != 1 || got[0].Seq != 11 {
			t.Errorf("after deleting, the next event is %+v, want seq 11: numbers are never reused", got)
		}
	})

	t.Run("FindBeforeTheFeedIsRead", func(t *testing.T) {
		// Where events are numbered when first read, a delivery's or an
		// event's own lookup may be that first read.
		t.Parallel()
		st := open(t)
		hook := ferry.Webhook{ID: "wh-1", Portal: portalA, URL: "https://example.com/h", Enabled: true,
			Secret: []byte("s"), CreatedAt: at(0), UpdatedAt: at(0)}
		mustNoErr(t, st.CreateWebhook(ctx, &hook), "CreateWebhook")
		mustEnsureFolder(t, st, portalA, "/one")
		mustEnsureFolder(t, st, portalA, "/two")
		ev, err := st.FindEvent(ctx, portalA, 1)
		mustNoErr(t, err, "FindEvent(1) before any read")
		if ev.Folder == nil || ev.Folder.Path != "/one" {
			t.Errorf("event 1=%+v, want /one's", ev)
		}
		_, err = st.FindEvent(ctx, portalA, 3)
		wantKind(t, err, ferry.NotFound)
		mustEnsureFolder(t, st, portalA, "/three")
		ds, _, err := st.ListDeliveries(ctx, portalA, hook.ID, ferry.DeliveryFilter{Limit: 10})
		mustNoErr(t, err, "ListDeliveries")
		if len(ds) != 3 {
			t.Fatalf("%d deliveries, want 3", len(ds))
		}
		mustEnsureFolder(t, st, portalA, "/four")
		for _, want := range ds {
			d, err := st.FindDelivery(ctx, portalA, want.ID)
			mustNoErr(t, err, "FindDelivery")
			if d.EventSeq != want.EventSeq || d.EventSeq == 0 {
				t.Errorf("delivery %d: event %d, want %d", d.ID, d.EventSeq, want.EventSeq)
			}
		}
		// /four's delivery, the next one written, is read before its
		// event's number is known anywhere.
		d, err := st.FindDelivery(ctx, portalA, ds[0].ID+1)
		mustNoErr(t, err, "FindDelivery of /four's event")
		if d.EventSeq != 4 {
			t.Errorf("delivery %d: event %d, want 4", d.ID, d.EventSeq)
		}
		if got := allEvents(t, st, portalA); len(got) != 4 || got[3].Seq != 4 || got[3].Folder.Path != "/four" {
			t.Errorf("events=%+v, want 4, /four's last", got)
		}
	})

	t.Run("CursorUnderConcurrentWriters", func(t *testing.T) { t.Parallel(); testEventCursor(t, open) })
}

// testEventCursor polls the feed from two readers while writers commit
// concurrently, and checks that every page continues exactly where the
// last one ended: a later event that became visible before an earlier one
// would show up as a gap, and a poller that moved past it would never see
// the earlier one. Two readers, because where events are numbered when
// first read (PostgreSQL), both number at once.
func testEventCursor(t *testing.T, open func(t *testing.T) ferry.Store) {
	ctx := context.Background()
	st := open(t)
	const writers, each, readers = 6, 15, 2
	var wg sync.WaitGroup
	errs := make(chan error, writers+readers)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				f := newFile(portalA, 0, fmt.Sprintf("w%d-%d", w, i), "txt", "m", 1)
				if _, err := st.InsertFile(ctx, &f, false); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	var rg sync.WaitGroup
	for r := range readers {
		rg.Go(func() {
			var last int64
			seen := 0
			for finished := false; !finished; {
				select {
				case <-done:
					finished = true
				default:
				}
				page, _, err := st.ListEvents(ctx, portalA, ferry.EventFilter{After: last, Limit: 7})
				if err != nil {
					errs <- fmt.Errorf("reader %d: ListEvents: %w", r, err)
					return
				}
				for _, e := range page {
					if e.Seq != last+1 {
						errs <- fmt.Errorf("reader %d: after %d the feed showed %d: an event became visible before an earlier one", r, last, e.Seq)
						return
					}
					last = e.Seq
					seen++
				}
				if finished && len(page) == 7 {
					finished = false // drain what is left
				}
			}
			if seen != writers*each {
				errs <- fmt.Errorf("reader %d saw %d events, want %d", r, seen, writers*each)
			}
		})
	}
	rg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
