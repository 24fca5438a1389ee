package e2e

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Ferry's own API paths.
const (
	ferryImports = "/ferry/v1/imports"
	ferryTasks   = "/ferry/v1/tasks"
)

func ferryTask(id string) string { return ferryTasks + "/" + url.PathEscape(id) }

// gate serves a body in two parts: the first part at once, the rest only
// once released. Until then the transfer hangs mid-way, so a test can
// look at a running import without depending on speed.
type gate struct {
	mu       sync.Mutex
	released bool
	release  chan struct{}
	started  chan struct{} // one value per request that has sent its first part
	aborted  chan struct{} // one value per request the client gave up on
	headers  []http.Header // request headers, in order
}

// gated serves body on path with Content-Length, holding back all but the
// first first bytes until g.open is called.
func (o *origin) gated(path string, body []byte, first int) *gate {
	g := &gate{release: make(chan struct{}), started: make(chan struct{}, 16), aborted: make(chan struct{}, 16)}
	o.handle(path, func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		g.headers = append(g.headers, r.Header.Clone())
		g.mu.Unlock()
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body[:first])
		http.NewResponseController(w).Flush()
		g.started <- struct{}{}
		select {
		case <-g.release:
			w.Write(body[first:])
		case <-r.Context().Done():
			g.aborted <- struct{}{}
		}
	})
	return g
}

// open lets every transfer, current and future, finish.
func (g *gate) open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.released {
		g.released = true
		close(g.release)
	}
}

// wait waits for a value on c, failing the test after timeout.
func wait(t *testing.T, c <-chan struct{}, timeout time.Duration, what string) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(timeout):
		t.Fatalf("timed out after %s waiting for %s", timeout, what)
	}
}

// ferryImport posts to /ferry/v1/imports and returns the task id, checking
// the 202 locator.
func ferryImport(t *testing.T, s *server, token string, body map[string]any) string {
	t.Helper()
	resp, b := s.do("POST", ferryImports, body, token)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST %s: %d, want 202\n%s", ferryImports, resp.StatusCode, b)
	}
	m := decodeJSON(t, b)
	id := jstr(m, "id")
	if id == "" || jstr(m, "links", "status") != s.BaseURL+taskPath(id) || jstr(m, "links", "self") != s.BaseURL+ferryTask(id) {
		t.Fatalf("POST %s: locator %s lacks the id or the status and self links", ferryImports, b)
	}
	return id
}

// getTask returns GET /ferry/v1/tasks/{id} as seen with token.
func getTask(t *testing.T, s *server, token, id string) map[string]any {
	t.Helper()
	resp, b := s.do("GET", ferryTask(id), nil, token)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d, want 200\n%s", ferryTask(id), resp.StatusCode, b)
	}
	return decodeJSON(t, b)
}

// waitTaskView polls the task until cond holds, and returns it.
func waitTaskView(t *testing.T, s *server, token, id, what string, cond func(m map[string]any) bool) map[string]any {
	t.Helper()
	var m map[string]any
	waitFor(t, 60*time.Second, what, func() bool {
		m = getTask(t, s, token, id)
		return cond(m)
	})
	return m
}

func statusIs(want string) func(map[string]any) bool {
	return func(m map[string]any) bool { return jstr(m, "status") == want }
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// sseEvent is one Server-Sent Event.
type sseEvent struct {
	id, typ string
	data    map[string]any
}

// sseStream reads events from GET .../events.
type sseStream struct {
	resp *http.Response
	rd   *bufio.Reader
}

// openEvents opens the event stream of a task, resuming after lastID if
// it is not empty.
func openEvents(t *testing.T, s *server, token, id, lastID string) *sseStream {
	t.Helper()
	req, _ := http.NewRequest("GET", s.BaseURL+ferryTask(id)+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET events: %v", err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return &sseStream{resp: resp, rd: bufio.NewReader(resp.Body)}
}

// next returns the next event, or ok=false at the end of the stream.
func (st *sseStream) next(t *testing.T) (sseEvent, bool) {
	t.Helper()
	var e sseEvent
	for {
		line, err := st.rd.ReadString('\n')
		if err == io.EOF && line == "" {
			return e, false
		}
		if err != nil && err != io.EOF {
			t.Fatalf("read event stream: %v", err)
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "" && e.id != "":
			return e, true
		case strings.HasPrefix(line, "id: "):
			e.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			e.typ = line[7:]
		case strings.HasPrefix(line, "data: "):
			e.data = decodeJSON(t, []byte(line[6:]))
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
