package storetest

import (
	"context"
	"testing"
	"time"

	"ferry/internal/ferry"
)

// testTaskVersions checks that UpdateTask saves only over the version it
// read, and that every saved change becomes an event, numbered in order.
func testTaskVersions(t *testing.T, open func(t *testing.T) ferry.Store) {
	ctx := context.Background()
	st := open(t)
	mustCreateTasks(t, st, newTask("task-1", portalA, at(0)))
	a, err := st.FindTask(ctx, portalA, "task-1")
	mustNoErr(t, err, "FindTask")
	b := a
	a.Status, a.Attempts = ferry.TaskProcessing, 1
	a.Progress = ferry.Progress{BytesDone: 10, BytesTotal: 100, BytesPerSecond: 5}
	a.LastError = &ferry.TaskError{Kind: ferry.OriginFailed, SubCategory: "ORIGIN_SERVER_ERROR", Message: "busy"}
	a.NextAttemptAt, a.Sealed, a.SHA256, a.MaxAttempts = at(time.Minute), []byte{1, 2, 3}, "abc", 4
	mustNoErr(t, st.UpdateTask(ctx, &a), "UpdateTask")
	a.Progress.BytesDone = 50
	mustNoErr(t, st.SaveProgress(ctx, &a), "SaveProgress")
	if a.Version != 2 {
		t.Errorf("Version=%d after two saves, want 2", a.Version)
	}
	b.Status = ferry.TaskCanceled
	wantKind(t, st.UpdateTask(ctx, &b), ferry.Conflict)
	got, err := st.FindTask(ctx, portalA, "task-1")
	mustNoErr(t, err, "FindTask")
	if got.Status != ferry.TaskProcessing || got.Progress != a.Progress || got.LastError == nil || got.LastError.Message != "busy" ||
		!got.NextAttemptAt.Equal(at(time.Minute)) || string(got.Sealed) != "\x01\x02\x03" || got.SHA256 != "abc" || got.MaxAttempts != 4 {
		t.Errorf("FindTask=%+v, want the saved fields and not the stale update", got)
	}
	events, err := st.ListTaskEvents(ctx, portalA, "task-1", 0, 10)
	mustNoErr(t, err, "ListTaskEvents")
	if len(events) != 2 || events[0].Seq != 1 || events[0].Type != ferry.EventState || events[1].Seq != 2 ||
		events[1].Type != ferry.EventProgress || events[1].Task.Progress.BytesDone != 50 || events[1].Task.Sealed != nil {
		t.Errorf("ListTaskEvents=%+v, want state 1 then progress 2, without secrets", events)
	}
	if events, _ := st.ListTaskEvents(ctx, portalA, "task-1", 1, 10); len(events) != 1 || events[0].Seq != 2 {
		t.Errorf("ListTaskEvents after 1=%+v, want only 2", events)
	}
	if events, _ := st.ListTaskEvents(ctx, portalB, "task-1", 0, 10); len(events) != 0 {
		t.Errorf("ListTaskEvents of another portal=%+v, want none", events)
	}
}

// testListTasks checks the order, filters and cursor of ListTasks.
func testListTasks(t *testing.T, open func(t *testing.T) ferry.Store) {
	ctx := context.Background()
	st := open(t)
	t1, t2, t3 := newTask("t1", portalA, at(time.Second)), newTask("t2", portalA, at(2*time.Second)), newTask("t3", portalA, at(2*time.Second))
	t3.Kind, t3.Status = ferry.TaskFolderUpdate, ferry.TaskComplete
	mustCreateTasks(t, st, t1, t2, t3, newTask("t4", portalB, at(time.Second)))
	ids := func(f ferry.TaskFilter) ([]ferry.TaskID, bool) {
		list, more, err := st.ListTasks(ctx, portalA, f)
		mustNoErr(t, err, "ListTasks")
		var out []ferry.TaskID
		for _, x := range list {
			out = append(out, x.ID)
		}
		return out, more
	}
	for _, tc := range []struct {
		name string
		f    ferry.TaskFilter
		want []ferry.TaskID
		more bool
	}{
		{"All", ferry.TaskFilter{Limit: 10}, []ferry.TaskID{"t3", "t2", "t1"}, false},
		{"Page", ferry.TaskFilter{Limit: 2}, []ferry.TaskID{"t3", "t2"}, true},
		{"After", ferry.TaskFilter{Limit: 2, After: &ferry.TaskCursor{RequestedAt: at(2 * time.Second), ID: "t2"}}, []ferry.TaskID{"t1"}, false},
		{"Status", ferry.TaskFilter{Limit: 10, Statuses: []ferry.TaskStatus{ferry.TaskPending}}, []ferry.TaskID{"t2", "t1"}, false},
		{"Kind", ferry.TaskFilter{Limit: 10, Kind: ferry.TaskFolderUpdate}, []ferry.TaskID{"t3"}, false},
		{"CreatedAfter", ferry.TaskFilter{Limit: 10, CreatedAfter: at(time.Second)}, []ferry.TaskID{"t3", "t2"}, false},
		{"CreatedBefore", ferry.TaskFilter{Limit: 10, CreatedBefore: at(2 * time.Second)}, []ferry.TaskID{"t1"}, false},
	} {
		got, more := ids(tc.f)
		if len(got) != len(tc.want) || more != tc.more {
			t.Errorf("%s: ListTasks=%v (more %v), want %v (more %v)", tc.name, got, more, tc.want, tc.more)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: ListTasks=%v, want %v", tc.name, got, tc.want)
				break
			}
		}
	}
}
