package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"ferry/internal/ferry"
)

// How the event stream polls the database: the task may run on another
// instance, so the database, not this process, is the source of events.
const (
	eventPoll      = 250 * time.Millisecond
	eventKeepAlive = 15 * time.Second
	eventBatch     = 100
)

// handleTaskEvents serves GET /ferry/v1/tasks/{taskId}/events: a
// Server-Sent Events stream of the task's changes, each event's data the
// task as GET /ferry/v1/tasks/{taskId} shows it. It ends after the
// terminal event. A client that reconnects with Last-Event-ID gets every
// change after that one; one that reconnects after the terminal event gets
// 204, which tells EventSource to stop.
func (s *server) handleTaskEvents(w http.ResponseWriter, r *http.Request) {
	// The header is checked before the task is read: a bad one costs no
	// query.
	last, resumed, err := lastEventID(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	t, f, err := s.getTask(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if resumed && t.Status.Terminal() && last >= t.Version {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	if !resumed {
		// A new watcher starts from the task as it is now.
		s.writeTaskEvent(w, r, ferry.TaskEvent{Seq: t.Version, Type: ferry.EventState, Task: t}, f)
		rc.Flush()
		if t.Status.Terminal() {
			return
		}
		last = t.Version
	}
	s.streamTaskEvents(w, r, rc, t.ID, last)
}

// streamTaskEvents writes the events after last until the terminal one,
// the client leaving or the server stopping.
func (s *server) streamTaskEvents(w http.ResponseWriter, r *http.Request, rc *http.ResponseController, id ferry.TaskID, last int64) {
	tick := time.NewTicker(eventPoll)
	defer tick.Stop()
	quiet := time.Now()
	for {
		events, err := s.opts.Tasks.TaskEvents(r.Context(), portal(r), id, last, eventBatch)
		if err != nil {
			if r.Context().Err() == nil {
				s.log.Warn("task event stream failed", "task", id, "err", err)
			}
			return
		}
		for _, e := range events {
			var f *ferry.File
			if e.Task.Status == ferry.TaskComplete && e.Task.Kind == ferry.TaskImport {
				_, f, _ = s.opts.Tasks.GetTask(r.Context(), portal(r), id)
			}
			s.writeTaskEvent(w, r, e, f)
			last = e.Seq
			if e.Task.Status.Terminal() {
				rc.Flush()
				return
			}
		}
		if len(events) > 0 {
			rc.Flush()
			quiet = time.Now()
			if len(events) == eventBatch {
				continue
			}
		} else if time.Since(quiet) > eventKeepAlive {
			fmt.Fprint(w, ": keep-alive\n\n")
			rc.Flush()
			quiet = time.Now()
		}
		select {
		case <-r.Context().Done():
			return
		case <-s.opts.Stopping:
			return // the client reconnects, with Last-Event-ID, elsewhere
		case <-tick.C:
		}
	}
}

// writeTaskEvent writes one event: its id (the task's version), its type
// ("state" or "progress") and the task view as data.
func (s *server) writeTaskEvent(w http.ResponseWriter, r *http.Request, e ferry.TaskEvent, f *ferry.File) {
	data, err := json.Marshal(s.newTaskView(r, &e.Task, f))
	if err != nil {
		return
	}
	fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", e.Seq, e.Type, data)
}

// lastEventID reads the Last-Event-ID header (or the lastEventId query
// parameter, for clients that cannot set headers).
func lastEventID(r *http.Request) (int64, bool, error) {
	v := strings.TrimSpace(r.Header.Get("Last-Event-ID"))
	if v == "" {
		v = strings.TrimSpace(r.URL.Query().Get("lastEventId"))
	}
	if v == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, false, ferry.Invalidf("Last-Event-ID", "Last-Event-ID must be an event id this stream sent, got %q", v)
	}
	return n, true, nil
}
