package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"testing"
	"time"
)

// The wire constants every test relies on.
const (
	importPath = "/files/v3/files/import-from-url/async"
	jsonType   = "application/json;charset=utf-8"
)

var (
	wireTimeRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
	uuidRE     = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	decimalRE  = regexp.MustCompile(`^[1-9][0-9]*$`)
)

// taskPath is the status path of an import task.
func taskPath(id string) string {
	return importPath + "/tasks/" + url.PathEscape(id) + "/status"
}

// hosted is the hosting path of a portal-1 file at a full file path.
func hosted(filePath string) string { return "/hubfs/1" + filePath }

// decodeJSON decodes a JSON object body.
func decodeJSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, b)
	}
	return m
}

// jget walks a decoded JSON value by object keys (string) and array
// indexes (int); it returns nil when the path does not exist.
func jget(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k < 0 || k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

// jstr is jget for a string; "" if absent or not a string.
func jstr(v any, path ...any) string {
	s, _ := jget(v, path...).(string)
	return s
}

// jnum is jget for a number; -1 if absent or not a number.
func jnum(v any, path ...any) float64 {
	n, ok := jget(v, path...).(float64)
	if !ok {
		return -1
	}
	return n
}

// jstrings is jget for an array of strings; nil if it is not one.
func jstrings(v any, path ...any) []string {
	a, ok := jget(v, path...).([]any)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(a))
	for _, e := range a {
		s, ok := e.(string)
		if !ok {
			return nil
		}
		out = append(out, s)
	}
	return out
}

// startImport posts an import and checks the 202 ImportFromUrlTaskLocator;
// it returns the task id and links.status.
func startImport(t *testing.T, s *server, body any) (id, statusLink string) {
	t.Helper()
	resp, b := s.do("POST", importPath, body, s.Token)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST %s: status = %d, want 202\n%s", importPath, resp.StatusCode, b)
	}
	if got := resp.Header.Get("Content-Type"); got != jsonType {
		t.Errorf("POST %s: Content-Type = %q, want %q", importPath, got, jsonType)
	}
	var loc struct {
		ID    string            `json:"id"`
		Links map[string]string `json:"links"`
	}
	if err := json.Unmarshal(b, &loc); err != nil {
		t.Fatalf("POST %s: body is not an ImportFromUrlTaskLocator: %v\n%s", importPath, err, b)
	}
	if loc.ID == "" {
		t.Fatalf("POST %s: id is empty\n%s", importPath, b)
	}
	if want := s.BaseURL + taskPath(loc.ID); loc.Links["status"] != want {
		t.Errorf("links.status = %q, want %q", loc.Links["status"], want)
	}
	return loc.ID, loc.Links["status"]
}

// terminal is the set of statuses a task ends in.
var terminal = []string{"COMPLETE", "CANCELED"}

// waitTask polls a task's status with the bootstrap token until its status
// is one of want, and returns that FileActionResponse. It fails the test
// on any non-200 answer, on a status outside HubSpot's four, and on
// timeout.
func waitTask(t *testing.T, s *server, id string, timeout time.Duration, want ...string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		resp, b := s.do("GET", taskPath(id), nil, s.Token)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET status of task %s: status = %d, want 200\n%s", id, resp.StatusCode, b)
		}
		m := decodeJSON(t, b)
		st := jstr(m, "status")
		if !slices.Contains([]string{"PENDING", "PROCESSING", "COMPLETE", "CANCELED"}, st) {
			t.Fatalf("task %s: status = %q, want one of PENDING, PROCESSING, COMPLETE, CANCELED\n%s", id, st, b)
		}
		if slices.Contains(want, st) {
			return m
		}
		if slices.Contains(terminal, st) {
			t.Fatalf("task %s ended %s, want %v\n%s", id, st, want, b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("task %s still %s after %s, want %v\n%s", id, st, timeout, want, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkError checks a HubSpot error response: the status code, the JSON
// content type, "status":"error", a message, a UUID correlationId equal to
// the X-HubSpot-Correlation-Id header, and the category. It returns the
// decoded body.
func checkError(t *testing.T, what string, resp *http.Response, b []byte, wantCode int, wantCategory string) map[string]any {
	t.Helper()
	if resp.StatusCode != wantCode {
		t.Errorf("%s: status = %d, want %d\n%s", what, resp.StatusCode, wantCode, b)
	}
	if got := resp.Header.Get("Content-Type"); got != jsonType {
		t.Errorf("%s: Content-Type = %q, want %q", what, got, jsonType)
	}
	m := decodeJSON(t, b)
	if got := jstr(m, "status"); got != "error" {
		t.Errorf("%s: body status = %q, want \"error\"", what, got)
	}
	if jstr(m, "message") == "" {
		t.Errorf("%s: message is empty\n%s", what, b)
	}
	cid := jstr(m, "correlationId")
	if !uuidRE.MatchString(cid) {
		t.Errorf("%s: correlationId = %q, want a UUID", what, cid)
	}
	if h := resp.Header.Get("X-HubSpot-Correlation-Id"); h != cid {
		t.Errorf("%s: X-HubSpot-Correlation-Id = %q, want the body's correlationId %q", what, h, cid)
	}
	if got := jstr(m, "category"); got != wantCategory {
		t.Errorf("%s: category = %q, want %q\n%s", what, got, wantCategory, b)
	}
	return m
}

// errorFields returns the "in" of every entry of an error body's errors[].
func errorFields(m map[string]any) []string {
	var in []string
	errs, _ := m["errors"].([]any)
	for _, e := range errs {
		in = append(in, jstr(e, "in"))
	}
	return in
}

// checkHostedMissing checks that a hosting path answers 404.
func checkHostedMissing(t *testing.T, s *server, filePath string) {
	t.Helper()
	resp, b := s.do("GET", hosted(filePath), nil, "")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET %s: status = %d, want 404 (no file there)\n%.200s", hosted(filePath), resp.StatusCode, b)
	}
}

// taskBlobs lists the keys that blob storage holds for an import task:
// imports write to the key imports/<portal>/<taskId>, and fileblob writes
// a temporary file named after it (<key>.<random>.tmp) on the way.
func taskBlobs(t *testing.T, s *server, portal, taskID string) []string {
	t.Helper()
	return listBlobs(t, s, "imports/"+portal+"/"+taskID)
}

// checkNoBlob checks that blob storage holds nothing for an import task
// that has ended. The worker deletes an import's parts just after it saves
// the task that no longer lists them (never before: a save that fails must
// leave the parts it lists), so this waits a little for that.
// TestImportFromURL checks the converse, so that this cannot pass just
// because the layout changed.
func checkNoBlob(t *testing.T, s *server, portal, taskID string) {
	t.Helper()
	var names []string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if names = taskBlobs(t, s, portal, taskID); len(names) == 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(names) > 0 {
		t.Errorf("blob storage holds %q for task %s, want nothing", names, taskID)
	}
}

// waitFor polls cond until it holds, failing the test after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
