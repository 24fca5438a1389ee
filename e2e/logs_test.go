package e2e

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestAccessLogAndCorrelation checks what an operator reads: one access-log
// line per request at the default level, with its route pattern, status,
// bytes, duration, portal and correlation id; the task's log lines with
// the correlation id of the request that created it; the same id at the
// origin in X-Ferry-Correlation-Id; and none of River's start-up chatter.
func TestAccessLogAndCorrelation(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--allow-private-networks")
	o := newOrigin(t)
	var mu sync.Mutex
	var seen string
	o.handle("/logo.txt", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = r.Header.Get("X-Ferry-Correlation-Id")
		mu.Unlock()
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("logo"))
	})

	resp, b := s.do("POST", importPath, map[string]any{"url": o.url("/logo.txt"), "access": "PRIVATE", "folderPath": "/logs"}, s.Token)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST import: %d %s", resp.StatusCode, b)
	}
	cid := resp.Header.Get("X-HubSpot-Correlation-Id")
	id := jstr(decodeJSON(t, b), "id")
	waitTask(t, s, id, 30*time.Second, "COMPLETE")
	resp, _ = s.do("GET", "/files/v3/files/999999", nil, s.Token)
	missCID := resp.Header.Get("X-HubSpot-Correlation-Id")

	mu.Lock()
	if seen != cid {
		t.Errorf("origin saw X-Ferry-Correlation-Id %q, want the request's %q", seen, cid)
	}
	mu.Unlock()

	waitLog(t, s, "import complete")
	logs := waitLog(t, s, "correlationId="+missCID) // the line is written once the answer is sent
	access := logLine(logs, "msg=request", "correlationId="+cid)
	for _, want := range []string{"method=POST", `route="POST /files/v3/files/import-from-url/async"`, "status=202", "bytes=", "duration=", "portal=1", "level=INFO"} {
		if !strings.Contains(access, want) {
			t.Errorf("access log line %q lacks %s", access, want)
		}
	}
	miss := logLine(logs, "msg=request", "correlationId="+missCID)
	if !strings.Contains(miss, "status=404") || !strings.Contains(miss, `route="GET /files/v3/files/{fileId}"`) {
		t.Errorf("access log line of a 404 = %q", miss)
	}
	if done := logLine(logs, "import complete", "task="+id); !strings.Contains(done, "correlationId="+cid) {
		t.Errorf("task log line %q lacks correlationId=%s", done, cid)
	}
	if strings.Contains(logs, "River client started") {
		t.Errorf("River's info logs are shown at the default level:\n%s", logs)
	}
}

// waitLog waits until the server's log holds want and returns the log.
func waitLog(t *testing.T, s *server, want string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(s.log.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("the server never logged %q:\n%s", want, s.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return s.log.String()
}

// logLine returns the first line of logs that holds every one of parts.
func logLine(logs string, parts ...string) string {
	for _, line := range strings.Split(logs, "\n") {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(line, p)
		}
		if ok {
			return line
		}
	}
	return ""
}
