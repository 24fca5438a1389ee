package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"ferry/internal/ferry"
)

// countingTasks is a TaskService that counts the tasks it is asked for
// and knows none.
type countingTasks struct {
	ferry.TaskService
	gets int
}

func (c *countingTasks) GetTask(context.Context, ferry.PortalID, ferry.TaskID) (ferry.Task, *ferry.File, error) {
	c.gets++
	return ferry.Task{}, nil, ferry.Errorf(ferry.NotFound, "task not found")
}

// TestTaskEventsRefusesABadLastEventID checks that a Last-Event-ID the
// stream never sent answers 400, before the task is read.
func TestTaskEventsRefusesABadLastEventID(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"x", "-1"} {
		s := newTestServer(t)
		tasks := &countingTasks{}
		s.opts.Tasks = tasks
		r := httptest.NewRequest("GET", "/ferry/v1/tasks/t1/events", nil)
		r.SetPathValue("taskId", "t1")
		r.Header.Set("Last-Event-ID", v)
		w := httptest.NewRecorder()
		s.handleTaskEvents(w, r)
		if w.Code != http.StatusBadRequest || tasks.gets != 0 {
			t.Errorf("Last-Event-ID %q: status %d after %d task reads, want 400 after none", v, w.Code, tasks.gets)
		}
	}
}
