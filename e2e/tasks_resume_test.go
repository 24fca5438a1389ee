package e2e

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestTaskResumeAtStartAfterKill kills the server mid-import: on the
// embedded database the restarted server takes the task up again at
// once (the data-dir lock proves the old process gone), not after
// --rescue-after.
func TestTaskResumeAtStartAfterKill(t *testing.T) {
	t.Parallel()
	if e2eBackend == backendPostgresS3 {
		t.Skip("start-up resume is for the embedded database; PostgreSQL relies on the rescuer")
	}
	o := newOrigin(t)
	body := randBytes(t, 1<<20)
	g := o.gated("/crash.bin", body, 256<<10)
	s := startServer(t, "--allow-private-networks", "--rescue-after", "1h")
	id := ferryImport(t, s, s.Token, map[string]any{"url": o.url("/crash.bin"), "access": "PRIVATE", "folderPath": "/crash"})
	wait(t, g.started, 30*time.Second, "the first request")
	waitTaskView(t, s, s.Token, id, "progress", func(m map[string]any) bool { return jnum(m, "progress", "bytesDone") >= 256<<10 })
	s.kill9()
	g.open()
	s.start()
	m := waitTaskView(t, s, s.Token, id, "the import to complete after the restart", func(m map[string]any) bool {
		return jstr(m, "status") == "COMPLETE" || jstr(m, "status") == "CANCELED"
	})
	if jstr(m, "status") != "COMPLETE" || jstr(m, "sha256") != sha256Hex(body) || jnum(m, "attempts") != 2 {
		t.Errorf("task after kill -9 and restart: %v, want COMPLETE on its second attempt", m)
	}
}

// rangeOrigin serves one file, with or without range support, holding
// every transfer back at hold bytes until released, and counts the bytes
// it sends.
type rangeOrigin struct {
	body    []byte
	ranges  bool
	hold    int
	release chan struct{}
	held    chan struct{}
	aborted chan struct{} // one value per transfer the client gave up on
	sent    atomic.Int64
	mu      sync.Mutex
	asked   []string // the Range header of each request
}

const resumeETag = `"v1-resume"`

func newRangeOrigin(o *origin, path string, body []byte, ranges bool, hold int) *rangeOrigin {
	ro := &rangeOrigin{body: body, ranges: ranges, hold: hold, release: make(chan struct{}), held: make(chan struct{}, 8), aborted: make(chan struct{}, 8)}
	o.handle(path, func(w http.ResponseWriter, r *http.Request) {
		ro.mu.Lock()
		ro.asked = append(ro.asked, r.Header.Get("Range"))
		ro.mu.Unlock()
		start := 0
		w.Header().Set("ETag", resumeETag)
		if rg := r.Header.Get("Range"); ro.ranges && rg != "" && r.Header.Get("If-Range") == resumeETag {
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(rg, "bytes="), "-"))
			if err == nil && n < len(body) {
				start = n
				w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", n, len(body)-1, len(body)))
			}
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)-start))
		if start > 0 {
			w.WriteHeader(http.StatusPartialContent)
		}
		write := func(b []byte) {
			n, _ := w.Write(b)
			ro.sent.Add(int64(n))
			http.NewResponseController(w).Flush()
		}
		if start < ro.hold {
			write(body[start:ro.hold])
			start = ro.hold
		}
		ro.held <- struct{}{}
		select {
		case <-ro.release:
			write(body[start:])
		case <-r.Context().Done():
			ro.aborted <- struct{}{}
		}
	})
	return ro
}

// TestTaskResumeRanges interrupts imports mid-transfer (kill -9 and
// SIGTERM) from an origin that honours ranges, which then sends only the
// rest, and from one that does not, which sends it all again; the stored
// file is the same bytes either way.
func TestTaskResumeRanges(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		ranges bool
		kill   bool
	}{
		{"KillRanges", true, true}, {"TermRanges", true, false}, {"KillNoRanges", false, true}, {"TermNoRanges", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := newOrigin(t)
			body := randBytes(t, 8<<20)
			hold := 5 << 20
			ro := newRangeOrigin(o, "/r.bin", body, tc.ranges, hold)
			s := startServer(t, "--allow-private-networks", "--fetch-total-timeout", "10s", "--rescue-after", "20s")
			id := ferryImport(t, s, s.Token, map[string]any{"url": o.url("/r.bin"), "access": "PRIVATE", "folderPath": "/resume"})
			wait(t, ro.held, 30*time.Second, "the first transfer to reach the hold")
			waitTaskView(t, s, s.Token, id, "progress up to the hold", func(m map[string]any) bool { return jnum(m, "progress", "bytesDone") >= float64(hold) })
			time.Sleep(2 * time.Second) // parts close every second while bytes are pending; let the last one be saved
			if tc.kill {
				s.kill9()
			} else {
				s.terminate(15 * time.Second)
			}
			wait(t, ro.aborted, 10*time.Second, "the origin to see the first transfer end")
			close(ro.release)
			s.start()
			m := waitTaskView(t, s, s.Token, id, "the import to end after the restart", func(m map[string]any) bool {
				return jstr(m, "status") == "COMPLETE" || jstr(m, "status") == "CANCELED"
			})
			if jstr(m, "status") != "COMPLETE" || jstr(m, "sha256") != sha256Hex(body) || jstr(m, "result", "md5") != contentMD5(body) {
				t.Fatalf("task after the restart: %v, want COMPLETE with the same bytes", m)
			}
			twice := ro.sent.Load() - int64(len(body))
			ro.mu.Lock()
			asked := ro.asked
			ro.mu.Unlock()
			t.Logf("origin sent %d bytes for an %d-byte file (%.1f%% twice); Range headers: %q", ro.sent.Load(), len(body), 100*float64(twice)/float64(len(body)), asked)
			if len(asked) < 2 || asked[1] == "" {
				t.Errorf("second request asked Range %q, want the rest of the file", asked)
			}
			if tc.ranges && twice*10 >= int64(len(body)) {
				t.Errorf("bytes fetched twice: %d of %d, want under 10%%", twice, len(body))
			}
			if !tc.ranges && twice < int64(hold) {
				t.Errorf("an origin without ranges sent %d bytes twice, want the whole first part again", twice)
			}
			checkNoBlob(t, s, "1", id+".part")
		})
	}
}
