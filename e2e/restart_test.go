package e2e

import (
	"bytes"
	"net/http"
	"testing"
	"time"
)

// startSlowImport starts an import of a body that the origin drips slowly
// the first time (2000 bytes, 20 every 200 ms) and serves at once after
// that, and waits until the server is fetching it.
func startSlowImport(t *testing.T, s *server, o *origin, path, folder string, body []byte) string {
	t.Helper()
	id, _ := startImport(t, s, map[string]any{"url": o.url(path), "access": "PUBLIC_INDEXABLE", "folderPath": folder})
	waitTask(t, s, id, 20*time.Second, "PROCESSING")
	waitFor(t, 10*time.Second, "the origin to be asked for "+path, func() bool { return o.hitCount(path) >= 1 })
	return id
}

// checkImported checks that a COMPLETE task's file is at wantPath and
// serves exactly want, and that no "-1" twin of it exists.
func checkImported(t *testing.T, s *server, st map[string]any, wantPath, twinPath string, want []byte) {
	t.Helper()
	if got := jstr(st, "result", "path"); got != wantPath {
		t.Errorf("result.path = %q, want %q", got, wantPath)
	}
	resp, b := s.do("GET", hosted(wantPath), nil, "")
	if resp.StatusCode != http.StatusOK || !bytes.Equal(b, want) {
		t.Errorf("GET %s: status = %d, %d bytes; want 200 and the %d bytes the origin serves", hosted(wantPath), resp.StatusCode, len(b), len(want))
	}
	checkHostedMissing(t, s, twinPath)
}

// TestImportSurvivesKill9 crashes the server in the middle of a slow
// import. After a restart the import is rescued and retried, and completes
// once, with the whole file; no partial file is ever served.
func TestImportSurvivesKill9(t *testing.T) {
	t.Parallel()
	skipShort(t)
	o := newOrigin(t)
	body := textBody("crash", 2000)
	o.slowOnce("/slow.txt", "text/plain; charset=utf-8", body, 20, 200*time.Millisecond)
	// --rescue-after must exceed the longest import: the total fetch
	// timeout plus max(5s, 10%), here 9s.
	s := startServer(t, "--allow-private-networks", "--fetch-total-timeout", "4s", "--rescue-after", "10s")
	const wantPath, twinPath = "/e2e/crash/slow.txt", "/e2e/crash/slow-1.txt"

	id := startSlowImport(t, s, o, "/slow.txt", "/e2e/crash", body)
	checkHostedMissing(t, s, wantPath)
	s.kill9()
	s.restart()

	start := time.Now()
	var st map[string]any
	for {
		// The file first, then the status: a file served before the
		// status is read must belong to a task that has ended by then.
		// (The other way round, the import may complete between the two
		// reads.)
		hostedNow, _ := s.do("GET", hosted(wantPath), nil, "")
		resp, b := s.do("GET", taskPath(id), nil, s.Token)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET status after restart: status = %d, want 200\n%s", resp.StatusCode, b)
		}
		st = decodeJSON(t, b)
		if status := jstr(st, "status"); status == "COMPLETE" || status == "CANCELED" {
			break
		}
		if hostedNow.StatusCode != http.StatusNotFound { // never a partial file
			t.Errorf("GET %s while the task was %s: status = %d, want 404 (no file there)", hosted(wantPath), jstr(st, "status"), hostedNow.StatusCode)
		}
		if time.Since(start) > 120*time.Second {
			t.Fatalf("task still %s 120s after the restart\n%s", jstr(st, "status"), b)
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("task %s ended %s %s after the restart", id, jstr(st, "status"), time.Since(start).Round(time.Second))
	if got := jstr(st, "status"); got != "COMPLETE" {
		t.Fatalf("task status = %q, want COMPLETE\nerrors: %v", got, st["errors"])
	}
	checkImported(t, s, st, wantPath, twinPath, body)
	if n := o.hitCount("/slow.txt"); n < 2 {
		t.Errorf("origin was asked for /slow.txt %d times, want at least 2 (the crashed try and the retry)", n)
	}
}

// TestImportResumesAfterGracefulShutdown stops the server with SIGTERM in
// the middle of a slow import: it exits 0 promptly, and after a restart
// the import completes.
func TestImportResumesAfterGracefulShutdown(t *testing.T) {
	t.Parallel()
	skipShort(t)
	o := newOrigin(t)
	body := textBody("graceful", 2000)
	o.slowOnce("/drip.txt", "text/plain; charset=utf-8", body, 20, 200*time.Millisecond)
	s := startServer(t, "--allow-private-networks")
	const wantPath, twinPath = "/e2e/graceful/drip.txt", "/e2e/graceful/drip-1.txt"

	id := startSlowImport(t, s, o, "/drip.txt", "/e2e/graceful", body)
	code, took := s.terminate(10 * time.Second)
	if code != 0 {
		t.Errorf("exit code after SIGTERM = %d, want 0", code)
	}
	if took > 5*time.Second {
		t.Errorf("exiting after SIGTERM took %s, want under 5s", took)
	}
	s.restart()
	st := waitTask(t, s, id, 30*time.Second, "COMPLETE")
	checkImported(t, s, st, wantPath, twinPath, body)
	if n := o.hitCount("/drip.txt"); n < 2 {
		t.Errorf("origin was asked for /drip.txt %d times, want at least 2 (the interrupted try and the resumed one)", n)
	}
}
