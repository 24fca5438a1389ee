package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"ferry/internal/ferry"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// correlationPlaceholder replaces the random correlation id in goldens.
const correlationPlaceholder = "00000000-0000-4000-8000-000000000000"

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// checkGolden compares a JSON body, indented, with testdata/name.json, or
// rewrites that file under -update.
func checkGolden(tb testing.TB, name string, body []byte) {
	tb.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, body, "", "  "); err != nil {
		tb.Fatalf("body is not JSON: %v\n%s", err, body)
	}
	got := buf.Bytes()
	path := filepath.Join("testdata", name+".json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatalf("write golden: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("read golden (run go test ./internal/httpapi -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		tb.Errorf("body differs from %s (run with -update if the change is intended)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// encodeBody returns what encode writes for v.
func encodeBody(tb testing.TB, v any) []byte {
	tb.Helper()
	w := httptest.NewRecorder()
	encode(w, http.StatusOK, v)
	if got, want := w.Header().Get("Content-Type"), "application/json;charset=utf-8"; got != want {
		tb.Errorf("Content-Type=%q, want %q", got, want)
	}
	return w.Body.Bytes()
}

func TestGoldenFileResponse(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	f := sampleFile()
	checkGolden(t, "file", encodeBody(t, s.newFileResponse(&f)))
}

func TestGoldenFileResponseArchivedInRoot(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	f := sampleFile()
	f.FolderID, f.FolderPath, f.Name, f.Extension = 0, "/", "Q3 report (final)", "pdf"
	f.Type, f.Encoding, f.Width, f.Height, f.Access = "DOCUMENT", "pdf", 0, 0, ferry.AccessPrivate
	f.Archived, f.ArchivedAt, f.ExpiresAt = true, testNow.Add(time.Hour), time.Time{}
	checkGolden(t, "file_archived_root", encodeBody(t, s.newFileResponse(&f)))
}

func TestGoldenTaskLocator(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	id := ferry.TaskID("AAAAEZ6whGI")
	r := newRequest("POST", "/files/v3/files/import-from-url/async", "", "")
	checkGolden(t, "task_locator", encodeBody(t, taskLocator{ID: string(id), Links: map[string]string{"status": s.importStatusLink(r, id)}}))
}

func TestGoldenFileActionResponse(t *testing.T) {
	t.Parallel()
	requested := testNow
	started := testNow.Add(1500 * time.Millisecond)
	completed := testNow.Add(4*time.Second + 7*time.Millisecond)
	file := sampleFile()
	tests := []struct {
		name string
		task ferry.Task
		file *ferry.File
	}{
		{"task_pending", ferry.Task{Status: ferry.TaskPending, RequestedAt: requested}, nil},
		{"task_processing", ferry.Task{Status: ferry.TaskProcessing, Attempts: 1, RequestedAt: requested, StartedAt: started}, nil},
		{"task_complete", ferry.Task{Status: ferry.TaskComplete, Attempts: 1, FileID: file.ID,
			RequestedAt: requested, StartedAt: started, CompletedAt: completed}, &file},
		{"task_canceled", ferry.Task{Status: ferry.TaskCanceled, Attempts: 4, RequestedAt: requested, StartedAt: started, CompletedAt: completed,
			Errors: []ferry.TaskError{{Kind: ferry.Invalid, SubCategory: "HTTP_STATUS",
				Message: "The URL answered with HTTP status 404.",
				Context: map[string][]string{"status": {"404"}, "attempts": {"4"}}}}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t)
			tc.task.ID, tc.task.Portal, tc.task.Kind = "AAAAEZ6whGI", testPortal, ferry.TaskImport
			r := newRequest("GET", "/files/v3/files/import-from-url/async/tasks/AAAAEZ6whGI/status", "", "")
			body := s.newFileActionResponse(&tc.task, tc.file, s.importStatusLink(r, tc.task.ID))
			checkGolden(t, tc.name, encodeBody(t, body))
		})
	}
}

func sampleFolder() ferry.Folder {
	return ferry.Folder{ID: 122692044084, Portal: testPortal, ParentID: 122692044083, Name: "cat_archive",
		Path: "/library/cat_archive", CreatedAt: testNow, UpdatedAt: testNow.Add(time.Second)}
}

func TestGoldenFolder(t *testing.T) {
	t.Parallel()
	f := sampleFolder()
	checkGolden(t, "folder", encodeBody(t, newFolderResponse(&f)))
	root := ferry.Folder{ID: 5, Portal: testPortal, Name: "old", Path: "/old", Archived: true,
		CreatedAt: testNow, UpdatedAt: testNow.Add(time.Hour), ArchivedAt: testNow.Add(time.Hour)}
	checkGolden(t, "folder_archived_root", encodeBody(t, newFolderResponse(&root)))
}

func TestGoldenFolderActionResponse(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	f := sampleFolder()
	task := ferry.Task{ID: "AAAAEZ6whGI", Portal: testPortal, Kind: ferry.TaskFolderUpdate, Status: ferry.TaskComplete,
		FolderID: f.ID, RequestedAt: testNow, StartedAt: testNow.Add(time.Second), CompletedAt: testNow.Add(2 * time.Second)}
	r := newRequest("GET", "/files/v3/folders/update/async/tasks/AAAAEZ6whGI/status", "", "")
	checkGolden(t, "folder_task_complete", encodeBody(t, newFolderActionResponse(&task, &f, s.folderStatusLink(r, task.ID))))
}

func TestGoldenCollection(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	f := sampleFolder()
	r := newRequest("GET", "/files/v3/folders/search?name=cat&limit=1", "", "")
	more := s.newCollection(r, []any{newFolderResponse(&f)}, ferry.Page{Limit: 1}, true)
	checkGolden(t, "collection_more", encodeBody(t, more))
	last := s.newCollection(r, []any{}, ferry.Page{Offset: 1, Limit: 1}, false)
	checkGolden(t, "collection_last", encodeBody(t, last))
}

func TestGoldenErrors(t *testing.T) {
	t.Parallel()
	var twoProblems ferry.Problems
	twoProblems.Add("url", "REQUIRED", "url is required")
	twoProblems.Add("access", "INVALID_ENUM", "access %q is not one of PRIVATE, PUBLIC_INDEXABLE", "OPEN")
	cause := errors.New("disk on fire at /var/lib/ferry/blobs")
	tests := []struct {
		name       string
		err        error
		wantStatus int
	}{
		{"error_400", twoProblems.Err(), http.StatusBadRequest},
		{"error_401", ferry.Errorf(ferry.Unauthenticated, "Authentication credentials not found. Send an access token as \"Authorization: Bearer <token>\"."), http.StatusUnauthorized},
		{"error_403", ferry.MissingScopes(ferry.ReadScopes), http.StatusForbidden},
		{"error_404", &ferry.Error{Kind: ferry.NotFound, Message: "file 122692044085 not found",
			Err: errors.New("sql: no rows in result set")}, http.StatusNotFound},
		{"error_409", &ferry.Error{Kind: ferry.Conflict, SubCategory: "DUPLICATE_FILE",
			Message: "a file with the same content exists already: /library/cat.png (id 7)",
			Context: map[string][]string{"duplicateFileId": {"7"}, "duplicatePath": {"/library/cat.png"}}}, http.StatusConflict},
		{"error_413", &ferry.Error{Kind: ferry.TooLarge, SubCategory: "TOO_LARGE",
			Message: "the file is larger than the limit of 1024 bytes", Context: map[string][]string{"limit": {"1024"}}}, http.StatusRequestEntityTooLarge},
		{"error_500", ferry.Wrap(fmt.Errorf("write blob: %w", cause), "store file"), http.StatusInternalServerError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := withCorrelation(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				writeError(w, r, discardLog, tc.err)
			}))
			w := serve(h, newRequest("GET", "/files/v3/files/1", "", ""))
			if w.Code != tc.wantStatus {
				t.Errorf("status=%d, want %d", w.Code, tc.wantStatus)
			}
			body := normaliseCorrelation(t, w)
			if tc.wantStatus == http.StatusInternalServerError {
				for _, secret := range []string{"disk on fire", "/var/lib", "write blob", "store file"} {
					if strings.Contains(string(body), secret) {
						t.Errorf("500 body shows %q from the cause: %s", secret, body)
					}
				}
			}
			checkGolden(t, tc.name, body)
		})
	}
}

// An internal failure shows the generic message and nothing else, even when
// its *ferry.Error carries details, and so does an error of a Kind the
// status table does not know (which is answered as a 500).
func TestInternalErrorHidesDetails(t *testing.T) {
	t.Parallel()
	leaky := func(k ferry.Kind) error {
		return &ferry.Error{Kind: k, Message: "query file 7: SELECT secret_hash", SubCategory: "SQL",
			Context: map[string][]string{"query": {"SELECT secret_hash"}},
			Details: []ferry.Detail{{Message: "column secret_hash missing", In: "db"}}}
	}
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"Internal", leaky(ferry.Internal)},
		{"UnknownKind", leaky(ferry.Kind(200))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := withCorrelation(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeError(w, r, discardLog, tc.err) }))
			w := serve(h, newRequest("GET", "/", "", ""))
			if w.Code != http.StatusInternalServerError {
				t.Errorf("status=%d, want 500", w.Code)
			}
			if strings.Contains(w.Body.String(), "secret_hash") {
				t.Errorf("500 body shows the cause: %s", w.Body)
			}
			var body map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatalf("body: %v", err)
			}
			if got, want := body["message"], internalMessage; got != want {
				t.Errorf("message=%q, want %q", got, want)
			}
			for _, field := range []string{"subCategory", "context", "errors"} {
				if v, ok := body[field]; ok {
					t.Errorf("500 body has %s=%v, want it left out", field, v)
				}
			}
		})
	}
}

// normaliseCorrelation checks that the body's correlationId is the UUID in
// the X-HubSpot-Correlation-Id header and replaces it with a placeholder.
func normaliseCorrelation(tb testing.TB, w *httptest.ResponseRecorder) []byte {
	tb.Helper()
	if got, want := w.Header().Get("Content-Type"), "application/json;charset=utf-8"; got != want {
		tb.Errorf("Content-Type=%q, want %q", got, want)
	}
	id := w.Header().Get("X-HubSpot-Correlation-Id")
	if !uuidRE.MatchString(id) {
		tb.Fatalf("X-HubSpot-Correlation-Id=%q, want a version 4 UUID", id)
	}
	var body struct {
		CorrelationID string `json:"correlationId"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		tb.Fatalf("body is not JSON: %v", err)
	}
	if body.CorrelationID != id {
		tb.Errorf("correlationId=%q, want the header's %q", body.CorrelationID, id)
	}
	return bytes.ReplaceAll(w.Body.Bytes(), []byte(id), []byte(correlationPlaceholder))
}

func TestNewTaskTimes(t *testing.T) {
	t.Parallel()
	requested := time.Date(2026, 3, 1, 12, 0, 0, 5e6, time.UTC)
	started := requested.Add(2*time.Second + 123456789)
	completed := started.Add(time.Minute)
	tests := []struct {
		name                          string
		task                          ferry.Task
		requested, started, completed string
	}{
		{"Pending", ferry.Task{Status: ferry.TaskPending, RequestedAt: requested},
			"2026-03-01T12:00:00.005Z", "2026-03-01T12:00:00.005Z", "2026-03-01T12:00:00.005Z"},
		{"Processing", ferry.Task{Status: ferry.TaskProcessing, RequestedAt: requested, StartedAt: started},
			"2026-03-01T12:00:00.005Z", "2026-03-01T12:00:02.128Z", "2026-03-01T12:00:02.128Z"},
		{"Complete", ferry.Task{Status: ferry.TaskComplete, RequestedAt: requested, StartedAt: started, CompletedAt: completed},
			"2026-03-01T12:00:00.005Z", "2026-03-01T12:00:02.128Z", "2026-03-01T12:01:02.128Z"},
		{"CanceledBeforeStart", ferry.Task{Status: ferry.TaskCanceled, RequestedAt: requested, CompletedAt: completed},
			"2026-03-01T12:00:00.005Z", "2026-03-01T12:00:00.005Z", "2026-03-01T12:01:02.128Z"},
		{"LocalZone", ferry.Task{Status: ferry.TaskPending, RequestedAt: requested.In(time.FixedZone("X", -5*3600))},
			"2026-03-01T12:00:00.005Z", "2026-03-01T12:00:00.005Z", "2026-03-01T12:00:00.005Z"},
	}
	for _, tc := range tests {
		r, s, c := newTaskTimes(&tc.task)
		if r != tc.requested || s != tc.started || c != tc.completed {
			t.Errorf("%s: newTaskTimes=%s, %s, %s, want %s, %s, %s", tc.name, r, s, c, tc.requested, tc.started, tc.completed)
		}
	}
}
