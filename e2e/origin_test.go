package e2e

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// origin is the web server that imports fetch from, on 127.0.0.1.
type origin struct {
	srv  *httptest.Server
	mux  *http.ServeMux
	mu   sync.Mutex
	hits map[string]int // requests per path
}

func newOrigin(t *testing.T) *origin {
	t.Helper()
	o := &origin{mux: http.NewServeMux(), hits: map[string]int{}}
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		o.hits[r.URL.Path]++
		o.mu.Unlock()
		o.mux.ServeHTTP(w, r)
	}))
	t.Cleanup(o.srv.Close)
	return o
}

// url returns the absolute URL of path on the origin.
func (o *origin) url(path string) string { return o.srv.URL + path }

// port returns the origin's port.
func (o *origin) port() string {
	_, p, _ := net.SplitHostPort(o.srv.Listener.Addr().String())
	return p
}

// hitCount returns how many requests path has received.
func (o *origin) hitCount(path string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.hits[path]
}

// handle registers h for path.
func (o *origin) handle(path string, h http.HandlerFunc) { o.mux.HandleFunc(path, h) }

// serve answers path with body and contentType.
func (o *origin) serve(path, contentType string, body []byte) {
	o.handle(path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	})
}

// notFound answers path with 404.
func (o *origin) notFound(path string) {
	o.handle(path, func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
}

// truncated announces 1000 bytes on path, sends 10 and closes the
// connection.
func (o *origin) truncated(path string) {
	o.handle(path, func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		defer conn.Close()
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 1000\r\n\r\n")
		buf.WriteString("0123456789")
		buf.Flush()
	})
}

// slowOnce serves body on path, slowly the first time (chunk bytes every
// interval) and at once afterwards. The slow answer stops when the client
// goes away.
func (o *origin) slowOnce(path, contentType string, body []byte, chunk int, interval time.Duration) {
	o.gatedOnce(path, contentType, body, chunk, interval, nil)
}

// gatedOnce serves body; the first time, it drips all but the last chunk
// (one chunk per interval) and holds the last one back until release is
// closed, so that a test can keep a fetch in flight for as long as it
// needs, whatever the machine's speed. A nil release holds nothing back:
// the whole body drips.
func (o *origin) gatedOnce(path, contentType string, body []byte, chunk int, interval time.Duration, release <-chan struct{}) {
	var mu sync.Mutex
	first := true
	o.handle(path, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		gated := first
		first = false
		mu.Unlock()
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		if !gated {
			w.Write(body)
			return
		}
		rc := http.NewResponseController(w)
		last := len(body)
		if release != nil {
			last = max(0, len(body)-chunk)
		}
		for off := 0; off < last; off += chunk {
			if _, err := w.Write(body[off:min(off+chunk, last)]); err != nil {
				return
			}
			rc.Flush()
			select {
			case <-r.Context().Done():
				return
			case <-release: // a nil release never fires
			case <-time.After(interval):
			}
		}
		if release == nil {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-release:
		}
		w.Write(body[last:])
	})
}

// closedPortAddr returns a 127.0.0.1 address on which nothing listens, so
// that connecting to it is refused.
func closedPortAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// newPNG returns a real w×h PNG.
func newPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{R: uint8(40 * x), G: uint8(50 * y), B: 200, A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// textBody returns n bytes of plain text that start with a tag, so that
// each test's content (and md5) is its own.
func textBody(tag string, n int) []byte {
	line := []byte(tag + ": the quick brown fox jumps over the lazy dog\n")
	b := bytes.Repeat(line, n/len(line)+1)
	return b[:n]
}
