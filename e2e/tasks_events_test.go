package e2e

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

// TestTaskExpected checks each expected value: a mismatch ends the task
// CANCELED naming both values, and nothing is stored.
func TestTaskExpected(t *testing.T) {
	t.Parallel()
	o := newOrigin(t)
	body := randBytes(t, 64<<10)
	o.serve("/e.bin", "application/octet-stream", body)
	o.handle("/nolength.bin", func(w http.ResponseWriter, r *http.Request) {
		w.Write(body[:1000])
		http.NewResponseController(w).Flush() // chunked: no Content-Length
		w.Write(body[1000:])
	})
	s := startServer(t, "--allow-private-networks")
	wrongMD5, wrongSHA := contentMD5([]byte("other")), sha256Hex([]byte("other"))
	cases := []struct {
		name, path string
		expected   map[string]any
		sub        string
		want, got  string
	}{
		{"size, announced", "/e.bin", map[string]any{"size": 100}, "EXPECTED_SIZE_MISMATCH", "100", strconv.Itoa(len(body))},
		{"size, streamed longer", "/nolength.bin", map[string]any{"size": 5000}, "EXPECTED_SIZE_MISMATCH", "5000", "more than 5000"},
		{"size, streamed shorter", "/nolength.bin", map[string]any{"size": len(body) + 1}, "EXPECTED_SIZE_MISMATCH", strconv.Itoa(len(body) + 1), strconv.Itoa(len(body))},
		{"md5", "/e.bin", map[string]any{"md5": wrongMD5}, "EXPECTED_MD5_MISMATCH", wrongMD5, contentMD5(body)},
		{"sha256", "/e.bin", map[string]any{"sha256": wrongSHA, "md5": contentMD5(body)}, "EXPECTED_SHA256_MISMATCH", wrongSHA, sha256Hex(body)},
	}
	for _, c := range cases {
		id := ferryImport(t, s, s.Token, map[string]any{"url": o.url(c.path), "access": "PRIVATE", "folderPath": "/exp", "expected": c.expected})
		m := waitTaskView(t, s, s.Token, id, c.name, func(m map[string]any) bool { return jstr(m, "status") == "CANCELED" || jstr(m, "status") == "COMPLETE" })
		e := jget(m, "errors", 0)
		if jstr(m, "status") != "CANCELED" || jstr(e, "errors", 0, "subCategory") != c.sub || jstr(e, "category") != "VALIDATION_ERROR" ||
			jstr(e, "context", "expected", 0) != c.want || jstr(e, "context", "actual", 0) != c.got {
			t.Errorf("%s: task %v, want CANCELED %s expected %s actual %s", c.name, m, c.sub, c.want, c.got)
		}
		checkNoBlob(t, s, "1", id)
	}
	id := ferryImport(t, s, s.Token, map[string]any{"url": o.url("/nolength.bin"), "access": "PRIVATE", "folderPath": "/exp",
		"expected": map[string]any{"size": len(body), "md5": contentMD5(body), "sha256": sha256Hex(body)}})
	m := waitTaskView(t, s, s.Token, id, "a matching import", func(m map[string]any) bool {
		return jstr(m, "status") != "PENDING" && jstr(m, "status") != "PROCESSING"
	})
	if jstr(m, "status") != "COMPLETE" || jstr(m, "expected", "sha256") != sha256Hex(body) || jget(m, "progress", "bytesTotal") == nil {
		t.Errorf("matching import: %v, want COMPLETE", m)
	}
	resp, b := s.do("GET", "/files/v3/files/search?path=/exp", nil, s.Token)
	if n := len(jget(decodeJSON(t, b), "results").([]any)); resp.StatusCode != 200 || n != 1 {
		t.Errorf("files in /exp: %d, want only the matching one\n%s", n, b)
	}
	for _, bad := range []map[string]any{{"md5": "xyz"}, {"sha256": "00"}, {"size": -1}, {"size": "big"}} {
		resp, b := s.do("POST", ferryImports, map[string]any{"url": o.url("/e.bin"), "access": "PRIVATE", "folderPath": "/x", "expected": bad}, s.Token)
		checkError(t, "import expecting "+string(mustJSON(t, bad)), resp, b, http.StatusBadRequest, "VALIDATION_ERROR")
	}
}

// TestTaskEventsReconnect watches an import over Server-Sent Events,
// drops the connection mid-transfer and resumes with Last-Event-ID: every
// change arrives once, in order, up to the terminal event.
func TestTaskEventsReconnect(t *testing.T) {
	t.Parallel()
	o := newOrigin(t)
	body := randBytes(t, 1<<20)
	g := o.gated("/watched.bin", body, 128<<10)
	s := startServer(t, "--allow-private-networks")
	id := ferryImport(t, s, s.Token, map[string]any{"url": o.url("/watched.bin"), "access": "PRIVATE", "folderPath": "/sse"})
	st := openEvents(t, s, s.Token, id, "")
	if ct := st.resp.Header.Get("Content-Type"); st.resp.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("GET events: %d %q, want 200 text/event-stream", st.resp.StatusCode, ct)
	}
	var ids []int
	var last sseEvent
	for {
		e, ok := st.next(t)
		if !ok {
			t.Fatal("the stream ended before the transfer did")
		}
		n, _ := strconv.Atoi(e.id)
		ids, last = append(ids, n), e
		if jnum(e.data, "progress", "bytesDone") >= 128<<10 {
			break // mid-transfer: the origin holds the rest back
		}
	}
	if last.typ != "progress" || jstr(last.data, "status") != "PROCESSING" {
		t.Errorf("mid-transfer event: %s %v, want a progress event of a PROCESSING task", last.typ, last.data)
	}
	st.resp.Body.Close()
	g.open()
	time.Sleep(300 * time.Millisecond) // let changes happen while no one listens
	st = openEvents(t, s, s.Token, id, last.id)
	for {
		e, ok := st.next(t)
		if !ok {
			break
		}
		n, _ := strconv.Atoi(e.id)
		ids, last = append(ids, n), e
	}
	for i := 1; i < len(ids); i++ {
		if ids[i] != ids[i-1]+1 {
			t.Errorf("event ids %v: not one change after another (a gap or a repeat at %d)", ids, i)
			break
		}
	}
	if last.typ != "state" || jstr(last.data, "status") != "COMPLETE" || jstr(last.data, "result", "sha256") != sha256Hex(body) {
		t.Errorf("last event: %s %v, want the COMPLETE state with the file", last.typ, last.data)
	}
	st = openEvents(t, s, s.Token, id, last.id)
	if st.resp.StatusCode != http.StatusNoContent {
		t.Errorf("reconnect after the terminal event: %d, want 204", st.resp.StatusCode)
	}
	st = openEvents(t, s, s.Token, id, "")
	if e, ok := st.next(t); !ok || jstr(e.data, "status") != "COMPLETE" {
		t.Errorf("a new watcher of a finished task: %v, want one COMPLETE event", e)
	}
	if _, ok := st.next(t); ok {
		t.Error("the stream of a finished task goes on after its one event")
	}
}
