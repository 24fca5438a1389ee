package console

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"ferry/internal/ferry"
)

// taskState is a task as the task pages show it and their script polls it.
type taskState struct {
	ID             string      `json:"id"`
	Type           string      `json:"type"` // IMPORT or FOLDER_UPDATE
	Status         string      `json:"status"`
	Terminal       bool        `json:"terminal"`
	Attempts       int         `json:"attempts"`
	MaxAttempts    int         `json:"maxAttempts"`
	Source         string      `json:"source,omitempty"`
	RequestedAt    string      `json:"requestedAt"`
	StartedAt      string      `json:"startedAt"`
	CompletedAt    string      `json:"completedAt"`
	NextAttemptAt  string      `json:"nextAttemptAt,omitempty"`
	BytesDone      int64       `json:"bytesDone"`
	BytesTotal     int64       `json:"bytesTotal"` // -1: unknown
	BytesPerSecond int64       `json:"bytesPerSecond"`
	Progress       string      `json:"progress"` // "1.2 MiB of 3.0 MiB (40%)"
	Rate           string      `json:"rate"`
	LastError      *taskError  `json:"lastError,omitempty"`
	Errors         []taskError `json:"errors,omitempty"`
	Result         *taskResult `json:"result,omitempty"`
	CanRetry       bool        `json:"canRetry"`
}

type taskError struct {
	Category    string `json:"category"`
	SubCategory string `json:"subCategory,omitempty"`
	Message     string `json:"message"`
}

type taskResult struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

func newTaskError(e ferry.TaskError) taskError {
	return taskError{Category: e.Kind.Category(), SubCategory: e.SubCategory, Message: e.Message}
}

// newTaskState describes t; file is the result of a complete import.
func newTaskState(t *ferry.Task, file *ferry.File) *taskState {
	s := &taskState{ID: string(t.ID), Type: "IMPORT", Status: string(t.Status), Terminal: t.Status.Terminal(),
		Attempts: t.Attempts, MaxAttempts: t.MaxAttempts, Source: t.SourceURL,
		RequestedAt: formatTime(t.RequestedAt), StartedAt: formatTime(t.StartedAt), CompletedAt: formatTime(t.CompletedAt),
		BytesDone: t.Progress.BytesDone, BytesTotal: t.Progress.BytesTotal, BytesPerSecond: t.Progress.BytesPerSecond,
		CanRetry: t.Kind == ferry.TaskImport && t.Status == ferry.TaskCanceled}
	if t.Kind == ferry.TaskFolderUpdate {
		s.Type = "FOLDER_UPDATE"
	}
	if s.Source == "" && t.Kind == ferry.TaskImport {
		var req struct{ URL string }
		if json.Unmarshal(t.Request, &req) == nil {
			s.Source = ferry.RedactURL(req.URL) // as requested, until the fetch names the final URL
		}
	}
	if !t.NextAttemptAt.IsZero() && !s.Terminal {
		s.NextAttemptAt = formatTime(t.NextAttemptAt)
	}
	s.Progress, s.Rate = describeProgress(t.Progress)
	if t.LastError != nil && !s.Terminal {
		e := newTaskError(*t.LastError)
		s.LastError = &e
	}
	for _, e := range t.Errors {
		s.Errors = append(s.Errors, newTaskError(e))
	}
	if file != nil {
		s.Result = &taskResult{Name: file.Path(), URL: "/console/files/" + file.ID.String()}
	}
	return s
}

// describeProgress says how far a transfer has come, in words.
func describeProgress(p ferry.Progress) (string, string) {
	if p.BytesDone == 0 && p.BytesTotal <= 0 {
		return "—", "—"
	}
	done := ferry.HumanSize(p.BytesDone)
	if p.BytesTotal > 0 {
		done += " of " + ferry.HumanSize(p.BytesTotal) + " (" + strconv.FormatInt(p.BytesDone*100/p.BytesTotal, 10) + "%)"
	}
	rate := "—"
	if p.BytesPerSecond > 0 {
		rate = ferry.HumanSize(p.BytesPerSecond) + "/s"
	}
	return done, rate
}

// task returns the task an id names. Folder updates need a write scope
// to be read, as their status route in the Files API does.
func (c *Console) task(ctx context.Context, id ferry.TaskID) (*taskState, error) {
	v := visitorFrom(ctx)
	if c.svc.Tasks == nil {
		return nil, ferry.Errorf(ferry.NotFound, "This server keeps no tasks.")
	}
	t, file, err := c.svc.Tasks.GetTask(ctx, v.Portal(), id)
	if err != nil {
		return nil, err
	}
	if t.Kind == ferry.TaskFolderUpdate && !v.CanWrite() {
		return nil, ferry.Errorf(ferry.Forbidden, "Reading a folder update needs one of %s.", scopeList(ferry.WriteScopes))
	}
	s := newTaskState(&t, file)
	if t.Kind == ferry.TaskFolderUpdate && t.Status == ferry.TaskComplete {
		if f, err := c.svc.Files.FindFolder(ctx, v.Portal(), t.FolderID); err == nil {
			s.Result = &taskResult{Name: f.Path, URL: "/console/folders/" + f.ID.String()}
		}
	}
	return s, nil
}

// handleTask serves GET /console/tasks/{id}: a task's live status page.
func (c *Console) handleTask(w http.ResponseWriter, r *http.Request) {
	s, err := c.task(r.Context(), ferry.TaskID(r.PathValue("id")))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "task", s)
}

// handleTaskStatus serves GET /console/tasks/{id}/status, the JSON the
// task pages poll.
func (c *Console) handleTaskStatus(w http.ResponseWriter, r *http.Request) {
	s, err := c.task(r.Context(), ferry.TaskID(r.PathValue("id")))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, s)
}

// handleCancelTask serves POST /console/tasks/{id}/cancel.
func (c *Console) handleCancelTask(w http.ResponseWriter, r *http.Request) {
	if _, err := c.svc.Tasks.CancelTask(r.Context(), visitorFrom(r.Context()).Portal(), ferry.TaskID(r.PathValue("id"))); err != nil {
		c.fail(w, r, err)
		return
	}
	redirectDone(w, r, "/console/tasks/"+urlPathEscape(r.PathValue("id")), "canceled")
}

// handleRetryTask serves POST /console/tasks/{id}/retry: the import
// starts again as a new task, which the browser goes on to watch.
func (c *Console) handleRetryTask(w http.ResponseWriter, r *http.Request) {
	t, err := c.svc.Tasks.RetryTask(r.Context(), visitorFrom(r.Context()).Portal(), ferry.TaskID(r.PathValue("id")), nil)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/tasks/"+urlPathEscape(string(t.ID)), http.StatusSeeOther)
}

// taskList is the tasks page's data.
type taskList struct {
	Q        url.Values
	Statuses []string
	Tasks    []*taskState
	Next     string
}

// handleTasks serves GET /console/tasks: the portal's tasks, newest
// first, with the task API's filters.
func (c *Console) handleTasks(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, err := taskFilter(q)
	if err == nil && c.svc.Tasks == nil {
		err = ferry.Errorf(ferry.NotFound, "This server keeps no tasks.")
	}
	var list []ferry.Task
	var more bool
	if err == nil {
		list, more, err = c.svc.Tasks.ListTasks(r.Context(), visitorFrom(r.Context()).Portal(), f)
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	tl := &taskList{Q: q, Statuses: []string{"PENDING", "PROCESSING", "COMPLETE", "CANCELED"}}
	for i := range list {
		tl.Tasks = append(tl.Tasks, newTaskState(&list[i], nil))
	}
	if more && len(list) > 0 {
		tl.Next = nextPageURL("/console/tasks", q, "after", list[len(list)-1].Cursor().String())
	}
	c.render(w, r, http.StatusOK, "tasks", tl)
}

// taskFilter reads the tasks page's filter form: its dates are whole days.
func taskFilter(q url.Values) (ferry.TaskFilter, error) {
	var p ferry.Problems
	in := ferry.TaskFilterInput{Statuses: q["status"], Type: q.Get("type"), Limit: 50, After: q.Get("after")}
	if t := dateField(q, "createdAfter", &p); t != nil {
		in.CreatedAfter = *t
	}
	if t := dateField(q, "createdBefore", &p); t != nil {
		in.CreatedBefore = t.Add(24*time.Hour - time.Millisecond)
	}
	f := in.Validate(&p)
	return f, p.Err()
}
