package httpapi

import (
	"encoding/json"
	"net/http"

	"ferry/internal/ferry"
)

// taskView is Ferry's full view of a task (the Task schema of
// openapi/ext/tasks.json).
type taskView struct {
	ID            string            `json:"id"`
	Type          string            `json:"type"`
	Status        string            `json:"status"`
	RequestedAt   string            `json:"requestedAt"`
	StartedAt     *string           `json:"startedAt"`
	CompletedAt   *string           `json:"completedAt"`
	NextAttemptAt *string           `json:"nextAttemptAt"`
	Attempts      int               `json:"attempts"`
	MaxAttempts   int               `json:"maxAttempts"`
	LastError     *standardError    `json:"lastError"`
	Source        *taskSource       `json:"source,omitempty"`
	Expected      *expectedView     `json:"expected,omitempty"`
	Progress      *progressView     `json:"progress,omitempty"`
	SHA256        string            `json:"sha256,omitempty"`
	Errors        []standardError   `json:"errors"`
	Result        *fileView         `json:"result,omitempty"`
	Links         map[string]string `json:"links"`
}

type taskSource struct {
	URL         string   `json:"url"`
	FinalURL    *string  `json:"finalUrl"`
	HeaderNames []string `json:"headerNames,omitempty"`
}

type expectedView struct {
	Size   *int64 `json:"size,omitempty"`
	MD5    string `json:"md5,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
}

type progressView struct {
	BytesDone      int64  `json:"bytesDone"`
	BytesTotal     *int64 `json:"bytesTotal"`
	BytesPerSecond int64  `json:"bytesPerSecond"`
}

// taskTypes names the kinds of task on the wire.
var taskTypes = map[ferry.TaskKind]string{ferry.TaskImport: "IMPORT", ferry.TaskFolderUpdate: "FOLDER_UPDATE"}

func optTime(t interface{ IsZero() bool }, s string) *string {
	if t.IsZero() {
		return nil
	}
	return &s
}

func (s *server) newTaskView(r *http.Request, t *ferry.Task, f *ferry.File) taskView {
	v := taskView{ID: string(t.ID), Type: taskTypes[t.Kind], Status: string(t.Status), RequestedAt: wireTime(t.RequestedAt),
		StartedAt: optTime(t.StartedAt, wireTime(t.StartedAt)), CompletedAt: optTime(t.CompletedAt, wireTime(t.CompletedAt)),
		NextAttemptAt: optTime(t.NextAttemptAt, wireTime(t.NextAttemptAt)),
		Attempts:      t.Attempts, MaxAttempts: t.MaxAttempts, SHA256: t.SHA256, Errors: []standardError{}, Links: s.taskLinks(r, t)}
	if t.LastError != nil && !t.Status.Terminal() {
		e := newStandardError(*t.LastError)
		v.LastError = &e
	}
	for _, e := range t.Errors {
		v.Errors = append(v.Errors, newStandardError(e))
	}
	if f != nil {
		fv := s.newFileView(f)
		v.Result = &fv
	}
	if t.Kind != ferry.TaskImport {
		return v
	}
	var req ferry.ImportRequest
	if json.Unmarshal(t.Request, &req) == nil {
		v.Source = &taskSource{URL: redactURL(req.URL), FinalURL: optTime(stringTime(t.SourceURL), t.SourceURL), HeaderNames: req.SourceHeaderNames}
		if e := req.Expected; e.Size != nil || e.MD5 != "" || e.SHA256 != "" {
			v.Expected = &expectedView{Size: e.Size, MD5: e.MD5, SHA256: e.SHA256}
		}
	}
	p := progressView{BytesDone: t.Progress.BytesDone, BytesPerSecond: t.Progress.BytesPerSecond}
	if t.Progress.BytesTotal >= 0 {
		p.BytesTotal = &t.Progress.BytesTotal
	}
	if t.Status.Terminal() {
		p.BytesPerSecond = 0
	}
	v.Progress = &p
	return v
}

// stringTime lets optTime test a string for emptiness.
type stringTime string

func (s stringTime) IsZero() bool { return s == "" }

// redactURL hides a URL's userinfo (user:password@).
func redactURL(raw string) string { return ferry.RedactURL(raw) }
