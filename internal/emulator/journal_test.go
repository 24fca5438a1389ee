package emulator

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"ferry/internal/httpapi"
)

func TestJournalRingKeepsTheNewest(t *testing.T) {
	t.Parallel()
	j := &journal{size: 3}
	for i := range 5 {
		j.add(&Entry{Path: string(rune('a' + i))})
	}
	got := j.list(func(*Entry) bool { return true }, 10)
	var paths []string
	for _, e := range got {
		paths = append(paths, e.Path)
	}
	if strings.Join(paths, "") != "edc" {
		t.Errorf("ring after 5 adds = %v, want e d c (newest first)", paths)
	}
	if got := j.list(func(*Entry) bool { return true }, 2); len(got) != 2 {
		t.Errorf("limit 2 gave %d", len(got))
	}
}

// TestRecordMultipart runs the journal's wrapper around a handler that
// reads the body as a stream, as uploads do (run with -race).
func TestRecordMultipart(t *testing.T) {
	t.Parallel()
	e := New(Config{Clock: &Clock{}})
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "a.bin")
	fw.Write(bytes.Repeat([]byte("x"), 1<<20))
	mw.WriteField("options", `{"access":"PRIVATE"}`)
	mw.Close()
	h := e.Outer(httpapi.Operation{ID: "uploadFile", HubSpot: "upload"}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusCreated)
	}))
	req := httptest.NewRequest("POST", "/files/v3/files", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer secret")
	req.Header.Set("Cookie", "s=1")
	h.ServeHTTP(httptest.NewRecorder(), req)

	got := e.journal.list(func(*Entry) bool { return true }, 1)
	if len(got) != 1 {
		t.Fatalf("journal = %v", got)
	}
	en := got[0]
	if en.Status != http.StatusCreated || en.Headers["Authorization"][0] != "REDACTED" || en.Headers["Cookie"][0] != "REDACTED" {
		t.Errorf("entry = %+v", en)
	}
	if len(en.Multipart) != 2 || *en.Multipart[0].Size != 1<<20 || en.Multipart[1].Value != `{"access":"PRIVATE"}` {
		t.Errorf("parts = %+v", en.Multipart)
	}
}

// TestRecordHandlerStopsEarly: a handler that gives up on the body must
// not leave the journal's parser, or itself, blocked.
func TestRecordHandlerStopsEarly(t *testing.T) {
	t.Parallel()
	e := New(Config{Clock: &Clock{}})
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "big.bin")
	fw.Write(bytes.Repeat([]byte("y"), 4<<20))
	mw.Close()
	h := e.Outer(httpapi.Operation{ID: "uploadFile"}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body.Read(make([]byte, 100))
		w.WriteHeader(http.StatusBadRequest)
	}))
	req := httptest.NewRequest("POST", "/files/v3/files", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	h.ServeHTTP(httptest.NewRecorder(), req)
	if got := e.journal.list(func(*Entry) bool { return true }, 1); len(got) != 1 || got[0].Status != http.StatusBadRequest {
		t.Errorf("journal = %+v", got)
	}
}
