package e2e

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func randBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestTaskProgressCancelRetry follows an import as a user would: its
// progress mid-transfer, the list, a cancel that stops the fetch and
// leaves nothing behind, and a retry that completes with the SHA-256.
func TestTaskProgressCancelRetry(t *testing.T) {
	t.Parallel()
	o := newOrigin(t)
	s := startServer(t, "--allow-private-networks")
	body := randBytes(t, 2<<20)
	const first = 256 << 10
	g := o.gated("/big.bin", body, first)
	id := ferryImport(t, s, s.Token, map[string]any{"url": o.url("/big.bin"), "access": "PRIVATE", "folderPath": "/tasks"})
	wait(t, g.started, 30*time.Second, "the origin to send the first part")

	m := waitTaskView(t, s, s.Token, id, "progress of the first part", func(m map[string]any) bool {
		return jnum(m, "progress", "bytesDone") >= first
	})
	if jstr(m, "status") != "PROCESSING" || jnum(m, "progress", "bytesTotal") != float64(len(body)) ||
		jnum(m, "attempts") != 1 || jnum(m, "maxAttempts") < 1 || jstr(m, "type") != "IMPORT" {
		t.Errorf("task mid-transfer: %v, want PROCESSING, bytesTotal %d, attempt 1 of at least 1", m, len(body))
	}
	if jstr(m, "source", "url") != o.url("/big.bin") || jget(m, "source", "finalUrl") != nil || jget(m, "completedAt") != nil {
		t.Errorf("task mid-transfer: source %v and completedAt %v", jget(m, "source"), jget(m, "completedAt"))
	}
	resp, b := s.do("GET", ferryTasks+"?status=PROCESSING&status=PENDING&type=IMPORT", nil, s.Token)
	if resp.StatusCode != 200 || jstr(decodeJSON(t, b), "results", 0, "id") != id {
		t.Errorf("GET %s?status=PROCESSING: %d %s, want the task", ferryTasks, resp.StatusCode, b)
	}

	resp, b = s.do("POST", ferryTask(id)+"/cancel", nil, s.Token)
	c := decodeJSON(t, b)
	if resp.StatusCode != 200 || jstr(c, "status") != "CANCELED" || jstr(c, "errors", 0, "category") != "CANCELED_BY_USER" {
		t.Fatalf("POST cancel: %d %s, want 200 CANCELED with CANCELED_BY_USER", resp.StatusCode, b)
	}
	wait(t, g.aborted, 10*time.Second, "the fetch to stop after the cancel")
	hs := waitTask(t, s, id, 10*time.Second, terminal...)
	if jstr(hs, "status") != "CANCELED" {
		t.Errorf("HubSpot status of the canceled task: %v", hs)
	}
	resp, b = s.do("POST", ferryTask(id)+"/cancel", nil, s.Token)
	checkError(t, "cancel of a finished task", resp, b, http.StatusConflict, "CONFLICT")

	resp, b = s.do("POST", ferryTask(id)+"/retry", nil, s.Token)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST retry: %d %s, want 202", resp.StatusCode, b)
	}
	newID := jstr(decodeJSON(t, b), "id")
	if newID == "" || newID == id || jstr(decodeJSON(t, b), "links", "status") != s.BaseURL+taskPath(newID) {
		t.Fatalf("POST retry: %s, want a new task with its status link", b)
	}
	g.open()
	done := waitTaskView(t, s, s.Token, newID, "the retry to complete", func(m map[string]any) bool {
		return jstr(m, "status") == "COMPLETE" || jstr(m, "status") == "CANCELED"
	})
	want := sha256Hex(body)
	if jstr(done, "status") != "COMPLETE" || jstr(done, "sha256") != want || jstr(done, "result", "sha256") != want ||
		jnum(done, "progress", "bytesDone") != float64(len(body)) || jstr(done, "source", "finalUrl") != o.url("/big.bin") {
		t.Fatalf("retried task: %v, want COMPLETE with sha256 %s", done, want)
	}
	checkNoBlob(t, s, "1", id)
	fileID := jstr(done, "result", "id")
	resp, b = s.do("GET", "/ferry/v1/files/"+fileID, nil, s.Token)
	f := decodeJSON(t, b)
	if resp.StatusCode != 200 || jstr(f, "sha256") != want || jstr(f, "md5") != contentMD5(body) || jstr(f, "fileMd5") != contentMD5(body) {
		t.Errorf("GET /ferry/v1/files/%s: %d %s, want sha256 %s", fileID, resp.StatusCode, b, want)
	}
	if old := getTask(t, s, s.Token, id); jstr(old, "status") != "CANCELED" || jstr(old, "errors", 0, "category") != "CANCELED_BY_USER" {
		t.Errorf("the canceled task after its retry: %v, want it unchanged", old)
	}
	resp, b = s.do("POST", ferryTask(newID)+"/retry", nil, s.Token)
	checkError(t, "retry of a complete task", resp, b, http.StatusConflict, "CONFLICT")
	if n := o.hitCount("/big.bin"); n != 2 {
		t.Errorf("origin saw %d requests, want 2 (the canceled attempt and the retry)", n)
	}
}

// TestTaskCancelPendingAndWaiting cancels a task no worker has started
// and one waiting to retry: both end CANCELED and no attempt runs again.
func TestTaskCancelPendingAndWaiting(t *testing.T) {
	t.Parallel()
	o := newOrigin(t)
	o.serve("/ok.txt", "text/plain", []byte("fine"))
	api := startServer(t, "--allow-private-networks", "--import-workers", "-1") // no worker: tasks stay PENDING
	id := ferryImport(t, api, api.Token, map[string]any{"url": o.url("/ok.txt"), "access": "PRIVATE", "folderPath": "/p"})
	if m := getTask(t, api, api.Token, id); jstr(m, "status") != "PENDING" || jget(m, "startedAt") != nil {
		t.Fatalf("task on an API-only instance: %v, want PENDING", m)
	}
	resp, b := api.do("POST", ferryTask(id)+"/cancel", nil, api.Token)
	if resp.StatusCode != 200 || jstr(decodeJSON(t, b), "status") != "CANCELED" {
		t.Fatalf("cancel a PENDING task: %d %s", resp.StatusCode, b)
	}
	resp, b = api.do("GET", ferryTasks+"?status=CANCELED", nil, api.Token)
	if jstr(decodeJSON(t, b), "results", 0, "id") != id {
		t.Errorf("GET tasks?status=CANCELED: %s, want the canceled task", b)
	}

	s := startServer(t, "--allow-private-networks")
	o.handle("/busy", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "2")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	id = ferryImport(t, s, s.Token, map[string]any{"url": o.url("/busy"), "access": "PRIVATE", "folderPath": "/p"})
	m := waitTaskView(t, s, s.Token, id, "the task to wait for a retry", func(m map[string]any) bool {
		return jget(m, "nextAttemptAt") != nil
	})
	if jstr(m, "status") != "PROCESSING" || jstr(m, "lastError", "category") != "FETCH_FAILED" || jnum(m, "attempts") != 1 {
		t.Errorf("task waiting to retry: %v, want PROCESSING with lastError FETCH_FAILED", m)
	}
	resp, b = s.do("POST", ferryTask(id)+"/cancel", nil, s.Token)
	if resp.StatusCode != 200 || jstr(decodeJSON(t, b), "status") != "CANCELED" || jget(decodeJSON(t, b), "nextAttemptAt") != nil {
		t.Fatalf("cancel a task waiting to retry: %d %s", resp.StatusCode, b)
	}
	time.Sleep(3 * time.Second) // past the Retry-After: no attempt may follow
	if n := o.hitCount("/busy"); n != 1 {
		t.Errorf("origin saw %d requests after the cancel, want 1", n)
	}
	if m := getTask(t, s, s.Token, id); jstr(m, "status") != "CANCELED" || len(jget(m, "errors").([]any)) != 1 {
		t.Errorf("canceled task later: %v", m)
	}
}

// TestTaskRoutesPortalIsolation checks that no new route shows or changes
// another portal's tasks and files, and that tokens and scopes apply.
func TestTaskRoutesPortalIsolation(t *testing.T) {
	t.Parallel()
	o := newOrigin(t)
	o.serve("/a.txt", "text/plain", []byte("portal one's file"))
	s := startServer(t, "--allow-private-networks")
	id := ferryImport(t, s, s.Token, map[string]any{"url": o.url("/a.txt"), "access": "PRIVATE", "folderPath": "/iso"})
	done := waitTaskView(t, s, s.Token, id, "the import", statusIs("COMPLETE"))
	fileID := jstr(done, "result", "id")
	other := s.createToken(2, "files")
	reader := s.createToken(1, "files.read")
	for _, r := range []struct{ method, path string }{
		{"GET", ferryTask(id)}, {"GET", ferryTask(id) + "/events"}, {"POST", ferryTask(id) + "/cancel"},
		{"POST", ferryTask(id) + "/retry"}, {"GET", "/ferry/v1/files/" + fileID},
	} {
		resp, b := s.do(r.method, r.path, nil, other)
		checkError(t, r.method+" "+r.path+" from another portal", resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")
		resp, b = s.do(r.method, r.path, nil, "")
		checkError(t, r.method+" "+r.path+" without a token", resp, b, http.StatusUnauthorized, "INVALID_AUTHENTICATION")
	}
	for _, p := range []string{ferryTask(id) + "/cancel", ferryTask(id) + "/retry", ferryImports} {
		resp, b := s.do("POST", p, map[string]any{}, reader)
		checkError(t, "POST "+p+" with a read-only token", resp, b, http.StatusForbidden, "MISSING_SCOPES")
	}
	resp, b := s.do("GET", ferryTasks, nil, other)
	if resp.StatusCode != 200 || len(jget(decodeJSON(t, b), "results").([]any)) != 0 {
		t.Errorf("GET %s from another portal: %d %s, want no tasks", ferryTasks, resp.StatusCode, b)
	}
	resp, b = s.do("GET", ferryTasks, nil, reader)
	if resp.StatusCode != 200 || jstr(decodeJSON(t, b), "results", 0, "id") != id {
		t.Errorf("GET %s with a read token of the portal: %d %s", ferryTasks, resp.StatusCode, b)
	}
}

// TestTaskListPaging pages through tasks newest first and checks the
// filters and the limits of limit.
func TestTaskListPaging(t *testing.T) {
	t.Parallel()
	o := newOrigin(t)
	o.serve("/f.txt", "text/plain", []byte("x"))
	s := startServer(t, "--allow-private-networks", "--import-workers", "-1")
	var ids []string
	for i := range 5 {
		ids = append(ids, ferryImport(t, s, s.Token, map[string]any{"url": o.url("/f.txt"), "access": "PRIVATE", "folderPath": fmt.Sprint("/p", i)}))
	}
	var got, keys []string
	next := ferryTasks + "?limit=2"
	for next != "" {
		resp, b := s.do("GET", next, nil, s.Token)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", next, resp.StatusCode, b)
		}
		m := decodeJSON(t, b)
		for _, r := range jget(m, "results").([]any) {
			got = append(got, jstr(r, "id"))
			keys = append(keys, jstr(r, "requestedAt"))
		}
		next = jstr(m, "paging", "next", "link")
	}
	// Newest first (tasks requested in the same millisecond come in id
	// order, in the database's collation).
	if !slices.IsSortedFunc(keys, func(a, b string) int { return strings.Compare(b, a) }) {
		t.Errorf("paged list: %v, want newest first", keys)
	}
	slices.Sort(got)
	slices.Sort(ids)
	if !slices.Equal(got, ids) {
		t.Errorf("paged list: %v, want each of %v once", got, ids)
	}
	for _, q := range []string{"limit=0", "limit=101", "status=DONE", "type=UPLOAD", "after=%21%21", "createdAfter=yesterday"} {
		resp, b := s.do("GET", ferryTasks+"?"+q, nil, s.Token)
		checkError(t, "GET tasks?"+q, resp, b, http.StatusBadRequest, "VALIDATION_ERROR")
	}
	resp, b := s.do("GET", ferryTasks+"?limit=100&type=FOLDER_UPDATE", nil, s.Token)
	if resp.StatusCode != 200 || len(jget(decodeJSON(t, b), "results").([]any)) != 0 {
		t.Errorf("GET tasks?type=FOLDER_UPDATE: %d %s, want none", resp.StatusCode, b)
	}
	resp, b = s.do("GET", ferryTasks+"?createdBefore=2000-01-01T00:00:00Z", nil, s.Token)
	if resp.StatusCode != 200 || len(jget(decodeJSON(t, b), "results").([]any)) != 0 {
		t.Errorf("GET tasks?createdBefore=2000: %d %s, want none", resp.StatusCode, b)
	}
}
