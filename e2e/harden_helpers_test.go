package e2e

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// rawExchange sends raw bytes on a new connection to the server and reads
// one response, for requests that Go's client refuses to send.
func rawExchange(t *testing.T, s *server, request string, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(s.BaseURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(c, request); err != nil {
		t.Fatalf("write request: %v", err)
	}
	if body != nil {
		io.Copy(c, body) // the server may stop reading; the answer still comes
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("read response to %q: %v", firstLine(request), err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body of the response to %q: %v", firstLine(request), err)
	}
	return resp, b
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\r\n")
	return line
}

// checkHubSpotError checks that a response is HubSpot's JSON error body
// with the status wanted and a correlation id that matches its header,
// and returns the body.
func checkHubSpotError(t *testing.T, what string, resp *http.Response, b []byte, status int) map[string]any {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("%s: status=%d, want %d; body %s", what, resp.StatusCode, status, b)
	}
	if loc := resp.Header.Get("Location"); loc != "" {
		t.Errorf("%s: Location=%q, want no redirect", what, loc)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s: Content-Type=%q, want JSON", what, ct)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Errorf("%s: body is not JSON: %v: %q", what, err, b)
		return nil
	}
	cid := resp.Header.Get("X-Hubspot-Correlation-Id")
	if cid == "" || m["correlationId"] != cid {
		t.Errorf("%s: correlationId=%v, header %q; want the same, non-empty", what, m["correlationId"], cid)
	}
	if m["status"] != "error" || m["message"] == "" || m["category"] == "" {
		t.Errorf("%s: body %s is not HubSpot's error body", what, b)
	}
	return m
}

// dialServer opens a raw connection to the server.
func dialServer(t *testing.T, s *server) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(s.BaseURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(60 * time.Second))
	return c
}

// readAnswer reads one response from a raw connection, with its body.
func readAnswer(t *testing.T, c net.Conn, what string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Errorf("%s: read response: %v", what, err)
		return &http.Response{Header: http.Header{}}, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// ferryOnStore runs a ferry command that opens the server's database
// directly (token, keys), with the server's --data-dir and --database.
func ferryOnStore(t *testing.T, s *server, args ...string) string {
	t.Helper()
	args = append(args, "--data-dir", s.DataDir)
	if s.store.database != "" {
		args = append(args, "--database", s.store.database)
	}
	cmd := exec.Command(ferryBin, args...)
	cmd.Env = ferryFreeEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ferry %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// switchProxy forwards TCP connections to target while up; set down, it
// cuts every connection it carries and refuses new ones, as a database
// host that disappears would.
type switchProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  []net.Conn
}

func newSwitchProxy(t *testing.T, target string) *switchProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &switchProxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close(); p.setDown(true) })
	go p.serve()
	return p
}

func (p *switchProxy) addr() string { return p.ln.Addr().String() }

func (p *switchProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.down {
			p.mu.Unlock()
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		go func() { io.Copy(up, c); up.Close() }()
		go func() { io.Copy(c, up); c.Close() }()
	}
}

// setDown cuts or restores the path to the target.
func (p *switchProxy) setDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for _, c := range p.conns {
			c.Close()
		}
		p.conns = nil
	}
}
