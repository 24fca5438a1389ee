package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"

	"ferry/internal/ferry"
)

// ferryBase is the prefix of Ferry's own API.
const ferryBase = "/ferry/v1"

// addTaskRoutes registers Ferry's task API. It answers 404 on a server
// without a task service.
func (s *server) addTaskRoutes(mux *http.ServeMux) {
	read, write := ferry.ReadScopes, ferry.WriteScopes
	api := func(method, path string, scopes []ferry.Scope, h http.HandlerFunc) {
		mux.Handle(method+" "+ferryBase+path, s.requireScopes(scopes, s.needTasks(h)))
	}
	api("GET", "/tasks", read, s.handleListTasks)
	api("GET", "/tasks/{taskId}", read, s.handleGetTask)
	api("GET", "/tasks/{taskId}/events", read, s.handleTaskEvents)
	api("POST", "/tasks/{taskId}/cancel", write, s.handleCancelTask)
	api("POST", "/tasks/{taskId}/retry", write, s.handleRetryTask)
	api("POST", "/imports", write, s.handleFerryImport)
	api("GET", "/files/{fileId}", read, s.handleFerryFile)
}

func (s *server) needTasks(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.opts.Tasks == nil {
			writeError(w, r, s.log, ferry.Errorf(ferry.NotFound, "No route for %s %s.", r.Method, r.URL.Path))
			return
		}
		h(w, r)
	}
}

// handleListTasks serves GET /ferry/v1/tasks.
func (s *server) handleListTasks(w http.ResponseWriter, r *http.Request) {
	f, err := taskFilter(newQuery(r.URL.Query()))
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	list, more, err := s.opts.Tasks.ListTasks(r.Context(), portal(r), f)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	results := make([]any, 0, len(list))
	for i := range list {
		results = append(results, s.newTaskView(r, &list[i], nil))
	}
	var after string
	if more {
		after = list[len(list)-1].Cursor().String()
	}
	encode(w, http.StatusOK, s.newCursorCollection(r, results, after))
}

// taskFilter reads the list's query parameters.
func taskFilter(q *query) (ferry.TaskFilter, error) {
	in := ferry.TaskFilterInput{Statuses: q.list("status"), Type: q.str("type"),
		Limit: q.limit(ferry.TaskLimitDefault, ferry.TaskLimitMax), After: q.str("after")}
	if t := q.timep("createdAfter"); t != nil {
		in.CreatedAfter = *t
	}
	if t := q.timep("createdBefore"); t != nil {
		in.CreatedBefore = *t
	}
	f := in.Validate(&q.problems)
	return f, q.err()
}

// handleGetTask serves GET /ferry/v1/tasks/{taskId}.
func (s *server) handleGetTask(w http.ResponseWriter, r *http.Request) {
	t, f, err := s.getTask(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	encode(w, http.StatusOK, s.newTaskView(r, &t, f))
}

// getTask loads the task the path names, with its file once an import has
// completed.
func (s *server) getTask(r *http.Request) (ferry.Task, *ferry.File, error) {
	id, err := taskID(r)
	if err != nil {
		return ferry.Task{}, nil, err
	}
	return s.opts.Tasks.GetTask(r.Context(), portal(r), id)
}

// handleCancelTask serves POST /ferry/v1/tasks/{taskId}/cancel.
func (s *server) handleCancelTask(w http.ResponseWriter, r *http.Request) {
	id, err := taskID(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	t, err := s.opts.Tasks.CancelTask(r.Context(), portal(r), id)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	encode(w, http.StatusOK, s.newTaskView(r, &t, nil))
}

// handleRetryTask serves POST /ferry/v1/tasks/{taskId}/retry. The body is
// optional: {"sourceHeaders": {...}} gives the headers again.
func (s *server) handleRetryTask(w http.ResponseWriter, r *http.Request) {
	id, err := taskID(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	headers, err := s.retryHeaders(w, r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	t, err := s.opts.Tasks.RetryTask(r.Context(), portal(r), id, headers)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	s.accepted(w, r, t)
}

// retryHeaders reads the optional body of a retry: nothing, or an object
// with sourceHeaders.
func (s *server) retryHeaders(w http.ResponseWriter, r *http.Request) (map[string]string, error) {
	body, err := readBody(w, r, s.opts.MaxJSONBytes)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	obj, err := parseObject(body)
	if err != nil {
		return nil, err
	}
	var p ferry.Problems
	headers := ferry.ValidateSourceHeaders(obj.stringMap("sourceHeaders"), &p)
	return headers, obj.merge(p.Err())
}

// accepted answers 202 with the new task's id and links, as HubSpot's
// import does, plus Ferry's own links.
func (s *server) accepted(w http.ResponseWriter, r *http.Request, t ferry.Task) {
	encode(w, http.StatusAccepted, taskLocator{ID: string(t.ID), Links: s.taskLinks(r, &t)})
}

// handleFerryImport serves POST /ferry/v1/imports: HubSpot's
// ImportFromUrlInput plus sourceHeaders and expected.
func (s *server) handleFerryImport(w http.ResponseWriter, r *http.Request) {
	t, ok := s.startImport(w, r, func(obj *jsonObject, req *ferry.ImportRequest) {
		headers, expected := obj.stringMap("sourceHeaders"), obj.expected("expected")
		req.SourceHeaders = ferry.ValidateSourceHeaders(headers, &obj.problems)
		req.Expected = ferry.ValidateExpected(expected, &obj.problems)
	})
	if ok {
		s.accepted(w, r, t)
	}
}

// handleFerryFile serves GET /ferry/v1/files/{fileId}: HubSpot's File with
// the content's SHA-256 and MD5.
func (s *server) handleFerryFile(w http.ResponseWriter, r *http.Request) {
	if f, ok := s.findFile(w, r); ok {
		encode(w, http.StatusOK, s.newFileView(&f))
	}
}

// fileView is HubSpot's File with the digests Ferry keeps.
type fileView struct {
	fileResponse
	MD5    string `json:"md5"`
	SHA256 string `json:"sha256,omitempty"`
}

func (s *server) newFileView(f *ferry.File) fileView {
	return fileView{fileResponse: s.newFileResponse(f), MD5: f.MD5, SHA256: f.SHA256}
}

// taskLinks are a task's links: its HubSpot status URL and Ferry's views.
func (s *server) taskLinks(r *http.Request, t *ferry.Task) map[string]string {
	self := s.link(ferryBase + "/tasks/" + url.PathEscape(string(t.ID)))
	links := map[string]string{"self": self, "events": self + "/events"}
	switch t.Kind {
	case ferry.TaskImport:
		links["status"] = s.importStatusLink(r, t.ID)
	case ferry.TaskFolderUpdate:
		links["status"] = s.folderStatusLink(r, t.ID)
	}
	return links
}

// stringMap reads an object of strings; nil if absent or null.
func (o *jsonObject) stringMap(name string) map[string]string {
	v, ok := o.raw(name)
	if !ok {
		return nil
	}
	var m map[string]string
	if err := json.Unmarshal(v, &m); err != nil {
		o.problems.Add(name, "INVALID_TYPE", "%s must be an object of strings", name)
		return nil
	}
	return m
}

// expected reads the expected object of a Ferry import.
func (o *jsonObject) expected(name string) *ferry.ExpectedInput {
	v, ok := o.raw(name)
	if !ok {
		return nil
	}
	var in struct {
		Size   *int64  `json:"size"`
		MD5    *string `json:"md5"`
		SHA256 *string `json:"sha256"`
	}
	if err := json.Unmarshal(v, &in); err != nil {
		o.problems.Add(name, "INVALID_TYPE", "%s must be an object {size: integer, md5: string, sha256: string}", name)
		return nil
	}
	return &ferry.ExpectedInput{Size: in.Size, MD5: in.MD5, SHA256: in.SHA256}
}
