package fetch_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"ferry/internal/fetch"
)

// Loopback addresses used by the tests. Linux routes all of 127/8 to lo,
// so origins on .2 and .3 are reachable while the default policy still
// refuses them unless a test allows them.
const (
	originIP = "127.0.0.2"
	otherIP  = "127.0.0.3"
)

// newOrigin starts an HTTP server for h listening on ip.
func newOrigin(tb testing.TB, ip string, h http.Handler) *httptest.Server {
	tb.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		tb.Fatalf("listen on %s: %v", ip, err)
	}
	s := httptest.NewUnstartedServer(h)
	s.Listener.Close()
	s.Listener = l
	s.Start()
	tb.Cleanup(s.Close)
	return s
}

// portOf returns the port a test server listens on.
func portOf(tb testing.TB, s *httptest.Server) int {
	tb.Helper()
	ap, err := netip.ParseAddrPort(s.Listener.Addr().String())
	if err != nil {
		tb.Fatalf("parse listener address: %v", err)
	}
	return int(ap.Port())
}

// hostPort returns "ip:port" of a test server, for Allow entries.
func hostPort(tb testing.TB, s *httptest.Server) string {
	tb.Helper()
	return s.Listener.Addr().String()
}

// testConfig is a fast configuration that allows the given servers
// (address and port) and nothing else beyond the defaults.
func testConfig(tb testing.TB, servers ...*httptest.Server) fetch.Config {
	tb.Helper()
	cfg := fetch.Config{
		ConnectTimeout:   2 * time.Second,
		FirstByteTimeout: 2 * time.Second,
		IdleTimeout:      2 * time.Second,
		TotalTimeout:     5 * time.Second,
	}
	for _, s := range servers {
		cfg.Allow = append(cfg.Allow, hostPort(tb, s))
	}
	return cfg
}

// mustNew builds a Fetcher or fails the test.
func mustNew(tb testing.TB, cfg fetch.Config) *fetch.Fetcher {
	tb.Helper()
	f, err := fetch.New(cfg)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return f
}

// asError requires err to be a *fetch.Error with the wanted code.
func asError(tb testing.TB, err error, want fetch.Code) *fetch.Error {
	tb.Helper()
	var fe *fetch.Error
	if !errors.As(err, &fe) {
		tb.Fatalf("error=%v (%T), want *fetch.Error with code %s", err, err, want)
	}
	if fe.Code != want {
		tb.Fatalf("Code=%s, want %s (error: %v, context: %v)", fe.Code, want, fe, fe.Context)
	}
	return fe
}

// wantContext checks one context value.
func wantContext(tb testing.TB, e *fetch.Error, key, want string) {
	tb.Helper()
	if got := e.Context[key]; got != want {
		tb.Fatalf("Context[%q]=%q, want %q (context: %v)", key, got, want, e.Context)
	}
}

// fetchAll fetches raw and reads the whole body, returning the first
// error from either step.
func fetchAll(tb testing.TB, f *fetch.Fetcher, raw string) ([]byte, *fetch.Response, error) {
	tb.Helper()
	resp, err := f.Fetch(context.Background(), raw)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return b, resp, err
}

// hijack takes over the connection of a test handler.
func hijack(tb testing.TB, w http.ResponseWriter) (net.Conn, *bufio.ReadWriter) {
	tb.Helper()
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		tb.Errorf("hijack: %v", err)
		panic(http.ErrAbortHandler)
	}
	return conn, rw
}

// staticResolver answers every lookup from a fixed table.
func staticResolver(table map[string][]netip.Addr) func(context.Context, string) ([]netip.Addr, error) {
	return func(_ context.Context, host string) ([]netip.Addr, error) {
		if addrs, ok := table[host]; ok {
			return addrs, nil
		}
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
}

// addrs parses IP literals.
func addrs(ips ...string) []netip.Addr {
	out := make([]netip.Addr, len(ips))
	for i, ip := range ips {
		out[i] = netip.MustParseAddr(ip)
	}
	return out
}

// hitCounter is a handler that counts requests and answers "ok".
type hitCounter struct {
	mu   sync.Mutex
	hits int
}

func (c *hitCounter) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	c.mu.Lock()
	c.hits++
	c.mu.Unlock()
	io.WriteString(w, "ok")
}

func (c *hitCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits
}

// urlOf builds "http://host:port/path" for a test server.
func urlOf(tb testing.TB, host string, s *httptest.Server, path string) string {
	tb.Helper()
	return "http://" + net.JoinHostPort(host, strconv.Itoa(portOf(tb, s))) + path
}

// waitDone blocks until the request's context ends or d passes, so
// stalling handlers never outlive the test.
func waitDone(r *http.Request, d time.Duration) {
	select {
	case <-r.Context().Done():
	case <-time.After(d):
	}
}

// codeOf returns the Code of the first *fetch.Error in err's chain, or "".
func codeOf(err error) fetch.Code {
	var fe *fetch.Error
	if errors.As(err, &fe) {
		return fe.Code
	}
	return ""
}
