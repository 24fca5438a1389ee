package console

import (
	"context"
	"net/http"

	"ferry/internal/ferry"
)

// taskState is a task as the task page shows it and its script polls it.
type taskState struct {
	ID          string      `json:"id"`
	Kind        string      `json:"kind"` // "import" or "folder update"
	Status      string      `json:"status"`
	Terminal    bool        `json:"terminal"`
	Attempts    int         `json:"attempts"`
	Source      string      `json:"source,omitempty"`
	RequestedAt string      `json:"requestedAt"`
	StartedAt   string      `json:"startedAt"`
	CompletedAt string      `json:"completedAt"`
	Errors      []taskError `json:"errors,omitempty"`
	Result      *taskResult `json:"result,omitempty"`
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

// task finds a task of either kind. Folder updates need a write scope to
// be read, as their status route in the API does.
func (c *Console) task(ctx context.Context, id ferry.TaskID) (*taskState, error) {
	v := visitorFrom(ctx)
	t, file, err := c.svc.Imports.ImportStatus(ctx, v.Portal(), id)
	if err == nil {
		s := newTaskState(&t, "import")
		if file != nil {
			s.Result = &taskResult{Name: file.Path(), URL: "/console/files/" + file.ID.String()}
		}
		return s, nil
	}
	if ferry.KindOf(err) != ferry.NotFound {
		return nil, err
	}
	t, folder, err := c.svc.Folders.FolderUpdateStatus(ctx, v.Portal(), id)
	switch {
	case err != nil:
		return nil, err
	case !v.CanWrite():
		return nil, ferry.Errorf(ferry.Forbidden, "Reading a folder update needs one of %s.", scopeList(ferry.WriteScopes))
	}
	s := newTaskState(&t, "folder update")
	if folder != nil {
		s.Result = &taskResult{Name: folder.Path, URL: "/console/folders/" + folder.ID.String()}
	}
	return s, nil
}

func newTaskState(t *ferry.Task, kind string) *taskState {
	s := &taskState{ID: string(t.ID), Kind: kind, Status: string(t.Status), Terminal: t.Status.Terminal(), Attempts: t.Attempts,
		Source: t.SourceURL, RequestedAt: formatTime(t.RequestedAt), StartedAt: formatTime(t.StartedAt), CompletedAt: formatTime(t.CompletedAt)}
	for _, e := range t.Errors {
		s.Errors = append(s.Errors, taskError{Category: e.Kind.Category(), SubCategory: e.SubCategory, Message: e.Message})
	}
	return s
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
// task page polls.
func (c *Console) handleTaskStatus(w http.ResponseWriter, r *http.Request) {
	s, err := c.task(r.Context(), ferry.TaskID(r.PathValue("id")))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	writeJSON(w, s)
}
