package e2e

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// hostileIP is where hostile origins listen. Linux routes all of 127/8 to
// the loopback interface, so 127.0.0.2 is a loopback address that the
// server can reach only through an explicit --fetch-allow entry; every
// other loopback address stays refused by the private-network guard.
const hostileIP = "127.0.0.2"

// hostileOrigin is a web server on a loopback address that counts the
// requests on each path and when they arrived.
type hostileOrigin struct {
	t     *testing.T
	srv   *httptest.Server
	mux   *http.ServeMux
	mu    sync.Mutex
	hits  map[string][]time.Time
	conns int // connections accepted, requests or not
}

// newHostileOriginOn starts an origin on ln, which it owns from now on.
func newHostileOriginOn(t *testing.T, ln net.Listener) *hostileOrigin {
	t.Helper()
	o := &hostileOrigin{t: t, mux: http.NewServeMux(), hits: map[string][]time.Time{}}
	o.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		o.hits[r.URL.Path] = append(o.hits[r.URL.Path], time.Now())
		o.mu.Unlock()
		o.mux.ServeHTTP(w, r)
	}))
	o.srv.Listener.Close()
	o.srv.Listener = ln
	o.srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			o.mu.Lock()
			o.conns++
			o.mu.Unlock()
		}
	}
	o.srv.Start()
	t.Cleanup(func() {
		// Hijacked or dripping handlers must not hold Close up forever.
		o.srv.CloseClientConnections()
		o.srv.Close()
	})
	return o
}

// listenPair listens on 127.0.0.2 and on 127.0.0.1 at the same port, so a
// test can offer the server an allowed origin and, on the very same port
// of a refused address, a victim that must never be reached.
func listenPair(t *testing.T) (allowed, victim net.Listener) {
	t.Helper()
	for range 50 {
		a, err := net.Listen("tcp", hostileIP+":0")
		if err != nil {
			t.Fatalf("listen on %s (Linux routes 127/8 to lo): %v", hostileIP, err)
		}
		_, port, _ := net.SplitHostPort(a.Addr().String())
		v, err := net.Listen("tcp", "127.0.0.1:"+port)
		if err == nil {
			return a, v
		}
		a.Close()
	}
	t.Fatal("found no port free on both 127.0.0.2 and 127.0.0.1")
	return nil, nil
}

// listenOn listens on a free port of ip.
func listenOn(t *testing.T, ip string) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatalf("listen on %s: %v", ip, err)
	}
	return ln
}

// url returns the absolute URL of path on the origin.
func (o *hostileOrigin) url(path string) string { return o.srv.URL + path }

// port returns the origin's port.
func (o *hostileOrigin) port() string {
	_, p, _ := net.SplitHostPort(o.srv.Listener.Addr().String())
	return p
}

// hitCount returns how many requests path has received.
func (o *hostileOrigin) hitCount(path string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.hits[path])
}

// hitTimes returns when path was requested.
func (o *hostileOrigin) hitTimes(path string) []time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.hits[path])
}

// totalHits returns the number of requests on every path, and the number
// of connections accepted.
func (o *hostileOrigin) totalHits() (requests, conns int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, h := range o.hits {
		requests += len(h)
	}
	return requests, o.conns
}

// handle registers h for path.
func (o *hostileOrigin) handle(path string, h http.HandlerFunc) { o.mux.HandleFunc(path, h) }

// serve answers path with body and an honest Content-Length.
func (o *hostileOrigin) serve(path, contentType string, body []byte) {
	o.handle(path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	})
}

// serveChunked answers path with body in chunked transfer encoding, so
// no Content-Length announces its size.
func (o *hostileOrigin) serveChunked(path, contentType string, body []byte) {
	o.handle(path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		rc := http.NewResponseController(w)
		for off := 0; off < len(body); off += 1000 {
			if _, err := w.Write(body[off:min(off+1000, len(body))]); err != nil {
				return
			}
			rc.Flush() // the first flush commits to chunked encoding
		}
	})
}

// redirect answers path with a 302 to location.
func (o *hostileOrigin) redirect(path, location string) {
	o.handle(path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", location)
		w.WriteHeader(http.StatusFound)
	})
}

// statusThen answers path with code for the first n requests, then with
// body.
func (o *hostileOrigin) statusThen(path string, n int, code int, header http.Header, body []byte) {
	var mu sync.Mutex
	seen := 0
	o.handle(path, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen++
		fail := seen <= n
		mu.Unlock()
		if fail {
			for k, vs := range header {
				w.Header()[k] = vs
			}
			http.Error(w, http.StatusText(code), code)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	})
}

// raw answers path by hijacking the connection and handing it to fn,
// which writes whatever it likes; the connection is closed afterwards
// unless fn closed it already.
func (o *hostileOrigin) raw(path string, fn func(c net.Conn, w *bufio.ReadWriter)) {
	o.handle(path, func(w http.ResponseWriter, r *http.Request) {
		c, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			o.t.Errorf("hijack %s: %v", path, err)
			return
		}
		defer c.Close()
		fn(c, buf)
	})
}

// drip sends the headers with Content-Length total, then chunk bytes of
// body every interval, up to total bytes or until the client goes away.
// stallAfter > 0 stops sending after that many bytes and waits (for the
// client to give up, at most a few seconds).
func (o *hostileOrigin) drip(path string, body []byte, chunk int, interval time.Duration, stallAfter int) {
	o.handle(path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		rc := http.NewResponseController(w)
		for off := 0; off < len(body); off += chunk {
			if stallAfter > 0 && off >= stallAfter {
				select {
				case <-r.Context().Done():
				case <-time.After(10 * time.Second):
				}
				return
			}
			if _, err := w.Write(body[off:min(off+chunk, len(body))]); err != nil {
				return
			}
			if rc.Flush() != nil {
				return
			}
			select {
			case <-r.Context().Done():
				return
			case <-time.After(interval):
			}
		}
	})
}

// gzipBomb returns n zero bytes, gzipped.
func gzipBomb(t *testing.T, n int) []byte {
	t.Helper()
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(make([]byte, n)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func md5Hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

// fetchErrorStatus is the task error status of each fetch code, as
// docs/fetch-errors.md lists it.
var fetchErrorStatus = map[string]string{
	"INVALID_URL": "400", "URL_TOO_LONG": "400", "SCHEME_NOT_ALLOWED": "400", "PORT_NOT_ALLOWED": "400",
	"ADDRESS_NOT_ALLOWED": "400", "DNS_FAILURE": "502", "CONNECTION_REFUSED": "502", "CONNECTION_RESET": "502",
	"TLS_FAILURE": "502", "CONNECT_TIMEOUT": "504", "FIRST_BYTE_TIMEOUT": "504", "IDLE_TIMEOUT": "504",
	"TOTAL_TIMEOUT": "504", "TOO_LARGE": "413", "TOO_MANY_REDIRECTS": "502", "REDIRECT_LOOP": "502",
	"ORIGIN_CLIENT_ERROR": "502", "ORIGIN_RATE_LIMITED": "502", "ORIGIN_SERVER_ERROR": "502",
	"BODY_TRUNCATED": "502", "PROTOCOL_ERROR": "502", "CANCELED": "503",
}

// fetchErrorCategory is the task error category of a fetch code: the
// caller's fault (400, 413) is a validation error, the rest a failed fetch.
func fetchErrorCategory(code string) string {
	switch fetchErrorStatus[code] {
	case "400", "413":
		return "VALIDATION_ERROR"
	}
	return "FETCH_FAILED"
}

// caseFolder turns a test name into a folder path of its own.
func caseFolder(name string) string {
	return "/hostile/" + strings.Trim(folderUnsafeRE.ReplaceAllString(strings.ToLower(name), "-"), "-")
}

var folderUnsafeRE = regexp.MustCompile(`[^a-z0-9]+`)

// filesIn returns the ids of the files that a search by folder path finds.
func filesIn(t *testing.T, s *server, folder string) []string {
	t.Helper()
	resp, b := s.do("GET", "/files/v3/files/search?limit=100&path="+url.QueryEscape(folder), nil, s.Token)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET files/search?path=%s: status = %d, want 200\n%s", folder, resp.StatusCode, b)
	}
	var ids []string
	for _, f := range jget(decodeJSON(t, b), "results").([]any) {
		if p := jstr(f, "path"); !strings.HasPrefix(p, folder+"/") {
			t.Errorf("files/search?path=%s returned a file at %q", folder, p)
		}
		ids = append(ids, jstr(f, "id"))
	}
	return ids
}

// allFileIDs returns the ids of every file search lists, up to 100.
func allFileIDs(t *testing.T, s *server) []string {
	t.Helper()
	resp, b := s.do("GET", "/files/v3/files/search?limit=100", nil, s.Token)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET files/search: status = %d, want 200\n%s", resp.StatusCode, b)
	}
	var ids []string
	res, _ := jget(decodeJSON(t, b), "results").([]any)
	for _, f := range res {
		ids = append(ids, jstr(f, "id"))
	}
	if len(ids) >= 100 {
		t.Fatalf("files/search lists %d files; the suite expects far fewer", len(ids))
	}
	return ids
}

// checkHealthy checks that the server process runs and /healthz says 200.
func checkHealthy(t *testing.T, s *server) {
	t.Helper()
	if !s.running() {
		t.Fatalf("ferry serve is no longer running")
	}
	resp, b := s.do("GET", "/healthz", nil, "")
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz: status = %d, want 200\n%s", resp.StatusCode, b)
	}
}

// contextValue returns the single value of a context key of a task error
// or error detail, and whether there was exactly one.
func contextValue(v any, key string) (string, bool) {
	vals := jstrings(v, "context", key)
	if len(vals) != 1 {
		return "", false
	}
	return vals[0], true
}

// atoi parses a decimal, or returns -1.
func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

// quoteAll renders a list for messages.
func quoteAll(s []string) string { return fmt.Sprintf("%q", s) }
