package httpapi

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"ferry/internal/ferry"
)

// handleImportFromURL serves POST /files/v3/files/import-from-url/async.
func (s *server) handleImportFromURL(w http.ResponseWriter, r *http.Request) {
	if t, ok := s.startImport(w, r, nil); ok {
		encode(w, http.StatusAccepted, taskLocator{ID: string(t.ID), Links: map[string]string{"status": s.importStatusLink(r, t.ID)}})
	}
}

// startImport decodes HubSpot's ImportFromUrlInput, validates it (URLs
// against the fetch policy), lets more read Ferry's own fields, and starts
// the import; on failure it writes the error and reports false.
func (s *server) startImport(w http.ResponseWriter, r *http.Request, more func(*jsonObject, *ferry.ImportRequest)) (ferry.Task, bool) {
	obj, err := decodeObject(w, r, s.opts.MaxJSONBytes)
	if err != nil {
		writeError(w, r, s.log, err)
		return ferry.Task{}, false
	}
	s.strictImport(obj)
	req, err := importInput(obj).Validate(s.opts.Clock.Now(), s.imports.CheckURL)
	if more != nil {
		more(obj, &req)
	}
	var t ferry.Task
	if err = obj.merge(err); err == nil {
		t, err = s.imports.StartImport(r.Context(), portal(r), req)
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return ferry.Task{}, false
	}
	return t, true
}

// importInput reads HubSpot's ImportFromUrlInput fields.
func importInput(obj *jsonObject) ferry.ImportInput {
	return ferry.ImportInput{
		URL: obj.str("url"), Access: obj.str("access"), FolderID: obj.id("folderId"), FolderPath: obj.str("folderPath"),
		Name: obj.str("name"), DuplicateStrategy: obj.str("duplicateValidationStrategy"),
		DuplicateScope: obj.str("duplicateValidationScope"), Overwrite: obj.boolean("overwrite"),
		TTL: obj.str("ttl"), ExpiresAt: obj.str("expiresAt"),
	}
}

// handleCheckImport serves GET .../import-from-url/async/tasks/{taskId}/status.
func (s *server) handleCheckImport(w http.ResponseWriter, r *http.Request) {
	id, err := taskID(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	t, f, err := s.imports.ImportStatus(r.Context(), portal(r), id)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	resp := s.newFileActionResponse(&t, f, s.importStatusLink(r, t.ID))
	if t.SourceURL != "" {
		resp.Links["source"] = t.SourceURL // where the bytes came from, after redirects
	}
	encode(w, http.StatusOK, resp)
}

// taskID reads the {taskId} path parameter. Ferry's ids are short and
// URL-safe, so anything else (too long, not UTF-8, a NUL byte) names no
// task: 404 without asking the database.
func taskID(r *http.Request) (ferry.TaskID, error) {
	v := r.PathValue("taskId")
	if len(v) > 128 || !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
		return "", ferry.Errorf(ferry.NotFound, "task not found")
	}
	return ferry.TaskID(v), nil
}

func (s *server) importStatusLink(r *http.Request, id ferry.TaskID) string {
	return s.link(apiBase(r) + "/files/import-from-url/async/tasks/" + url.PathEscape(string(id)) + "/status")
}
