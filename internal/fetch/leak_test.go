package fetch_test

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"ferry/internal/fetch"
)

// TestNoGoroutineLeak runs every kind of outcome and then checks that the
// goroutine count returns to where it started. It deliberately does not
// call t.Parallel: top-level tests without it run before any parallel
// test resumes, so nothing else is running while it counts.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	runOutcomes(t)
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before {
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		t.Fatalf("goroutines=%d, want at most %d\n%s", after, before, buf[:n])
	}
}

// runOutcomes fetches from a throwaway origin once per kind of outcome,
// closing every body, and shuts the origin down.
func runOutcomes(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/ok", sizedHandler(100, false))
	mux.Handle("/big", sizedHandler(5000, true))
	mux.Handle("/stall", dripHandler(2, 0, 5*time.Second))
	mux.Handle("/late", stallHandler(5*time.Second))
	mux.Handle("/redirect", redirectTo("/ok"))
	mux.Handle("/internal", redirectTo("http://127.0.0.1/"))
	mux.Handle("/missing", http.NotFoundHandler())
	mux.Handle("/reset", rawHandler(t, "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort"))
	origin := newOrigin(t, originIP, mux)
	defer origin.Close()

	cfg := testConfig(t, origin)
	cfg.MaxBytes = 1000
	cfg.IdleTimeout = 50 * time.Millisecond
	cfg.FirstByteTimeout = 50 * time.Millisecond
	f := mustNew(t, cfg)

	for _, path := range []string{"/ok", "/big", "/stall", "/late", "/redirect", "/internal", "/missing", "/reset"} {
		resp, err := f.Fetch(context.Background(), urlOf(t, originIP, origin, path))
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	// A body abandoned half-read, and one never read at all.
	for _, n := range []int{10, 0} {
		resp, err := f.Fetch(context.Background(), urlOf(t, originIP, origin, "/big"))
		if err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		io.CopyN(io.Discard, resp.Body, int64(n))
		resp.Body.Close()
	}
	_, err := f.Fetch(context.Background(), strings.Replace(urlOf(t, originIP, origin, "/"), "http:", "https:", 1))
	if codeOf(err) != fetch.CodeTLSFailure {
		t.Fatalf("CodeOf(%v)=%s, want TLS_FAILURE", err, codeOf(err))
	}
}
