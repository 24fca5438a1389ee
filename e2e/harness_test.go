// Package e2e boots the real ferry binary and drives it over HTTP, the way
// a HubSpot client would. The whole package is skipped under -short.
package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// ferryBin is the binary that TestMain builds once for every test.
var ferryBin string

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		reportSkippedTiers() // see tiers_test.go
		os.Exit(m.Run())     // every test skips itself
	}
	if !setUpOpenAPI() { // see openapi_test.go
		os.Exit(1)
	}
	if err := checkBackendEnv(); err != nil { // see backend_test.go
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	reportSkippedTiers()
	dir, err := os.MkdirTemp("", "ferry-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	ferryBin = filepath.Join(dir, "ferry")
	build := exec.Command("go", "build", "-o", ferryBin, "./cmd/ferry")
	build.Dir = ".." // the repository root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build ./cmd/ferry: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	if testing.Verbose() {
		fmt.Println(openAPISummary())
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// skipShort skips an e2e test under -short: they build and boot the binary.
func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("e2e: skipped with -short (boots the real binary)")
	}
}

// server is one ferry serve on its own data dir. Restarts keep the data
// dir, the storage and the bootstrap token; the address changes.
type server struct {
	t       *testing.T
	BaseURL string
	Token   string // bootstrap token: portal 1, every scope
	DataDir string
	Cmd     *exec.Cmd

	store  storage // database and blob storage, if not in the data dir
	flags  []string
	log    *syncBuffer // stderr of every run, in order
	run    *run        // the current run
	nruns  int
	client *http.Client
}

// run is one process of the server.
type run struct {
	cmd  *exec.Cmd
	addr chan string   // the listening address, once logged
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, valid after done
}

// startServer starts ferry serve on a fresh data dir and fresh storage of
// the backend that FERRY_E2E_BACKEND selects (backend_test.go) with the
// given extra flags, waits until it is healthy, and stops it (SIGTERM,
// then SIGKILL after 10 s) when the test ends. Its stderr is logged if the
// test fails.
func startServer(t *testing.T, flags ...string) *server {
	t.Helper()
	skipShort(t)
	return startServerOn(t, newStorage(t), flags...)
}

// startServerOn is startServer on the given storage, which other servers
// may share. The storage must have been made before, so that its cleanup
// runs after the server has stopped.
func startServerOn(t *testing.T, st storage, flags ...string) *server {
	t.Helper()
	skipShort(t)
	s := &server{
		t:       t,
		Token:   "ferry-e2e-" + randomHex(t, 16),
		DataDir: t.TempDir(),
		store:   st,
		flags:   flags,
		log:     &syncBuffer{},
	}
	// Every Files API response a test receives through this client is
	// checked against HubSpot's OpenAPI document (openapi_test.go).
	s.client = &http.Client{Timeout: 30 * time.Second, Transport: &validatingTransport{
		base:   http.DefaultTransport,
		report: t.Errorf,
	}}
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("server stderr (%s):\n%s", s.DataDir, s.log.String())
		}
	})
	s.start()
	return s
}

// start launches a new process on the data dir and waits for /healthz.
func (s *server) start() {
	t := s.t
	t.Helper()
	s.nruns++
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", s.DataDir}, s.store.flags()...)
	args = append(args, s.flags...)
	fmt.Fprintf(s.log, "----- run %d: ferry %s -----\n", s.nruns, strings.Join(args, " "))
	cmd := exec.Command(ferryBin, args...)
	cmd.Env = append(ferryFreeEnv(), "FERRY_BOOTSTRAP_TOKEN="+s.Token, "FERRY_BOOTSTRAP_PORTAL=1")
	r := &run{cmd: cmd, addr: make(chan string, 1), done: make(chan struct{})}
	cmd.Stderr = &lineWriter{out: s.log, onLine: func(line string) {
		if m := listeningRE.FindStringSubmatch(line); m != nil {
			select {
			case r.addr <- m[1]:
			default:
			}
		}
	}}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", ferryBin, err)
	}
	go func() {
		r.err = cmd.Wait()
		close(r.done)
	}()
	s.run, s.Cmd = r, cmd
	select {
	case addr := <-r.addr:
		s.BaseURL = "http://" + addr
	case <-r.done:
		t.Fatalf("ferry serve exited before listening: %v\n%s", r.err, s.log.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("ferry serve did not log its address within 30s\n%s", s.log.String())
	}
	s.waitHealthy()
}

// listeningRE finds the address in the slog text line "msg=listening addr=...".
var listeningRE = regexp.MustCompile(`msg=listening addr=(\S+)`)

func (s *server) waitHealthy() {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := s.client.Get(s.BaseURL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("GET /healthz never answered 200 (last: %v)", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// running reports whether the current process is still alive.
func (s *server) running() bool {
	if s.run == nil {
		return false
	}
	select {
	case <-s.run.done:
		return false
	default:
		return true
	}
}

// stop sends SIGTERM and waits; after 10 s it kills the process.
func (s *server) stop() {
	if !s.running() {
		return
	}
	s.run.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.run.done:
	case <-time.After(10 * time.Second):
		s.t.Errorf("ferry serve did not exit within 10s of SIGTERM; killing it")
		s.run.cmd.Process.Kill()
		<-s.run.done
	}
}

// terminate sends SIGTERM and returns how the process exited and how long
// it took, failing the test if it takes longer than limit.
func (s *server) terminate(limit time.Duration) (exitCode int, took time.Duration) {
	s.t.Helper()
	start := time.Now()
	if err := s.run.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-s.run.done:
	case <-time.After(limit):
		s.t.Errorf("ferry serve did not exit within %s of SIGTERM; killing it", limit)
		s.run.cmd.Process.Kill()
		<-s.run.done
	}
	return s.run.cmd.ProcessState.ExitCode(), time.Since(start)
}

// kill9 kills the server with SIGKILL, as a crash would, and waits for it.
func (s *server) kill9() {
	s.t.Helper()
	if err := s.run.cmd.Process.Kill(); err != nil {
		s.t.Fatalf("SIGKILL: %v", err)
	}
	<-s.run.done
}

// restart stops the server if it still runs, then starts it again on the
// same data dir and storage with the same token and flags. BaseURL changes.
func (s *server) restart() {
	s.t.Helper()
	s.stop()
	s.start()
}

// createToken runs "ferry token create" against the server's database,
// while the server runs, and returns the new secret.
func (s *server) createToken(portal int, scopes string) string {
	s.t.Helper()
	args := []string{"token", "create", "--portal", fmt.Sprint(portal), "--scopes", scopes, "--name", "e2e", "--data-dir", s.DataDir}
	if s.store.database != "" {
		args = append(args, "--database", s.store.database)
	}
	cmd := exec.Command(ferryBin, args...)
	cmd.Env = ferryFreeEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		s.t.Fatalf("ferry token create --portal %d --scopes %s: %v\n%s", portal, scopes, err, stderr.String())
	}
	tok := strings.TrimSpace(stdout.String())
	if tok == "" || strings.ContainsAny(tok, " \n") {
		s.t.Fatalf("ferry token create printed %q, want one token", stdout.String())
	}
	return tok
}

// do sends a request to the server and returns the response with its body
// read (resp.Body can be read again). path is a path on the server or an
// absolute URL. body is sent as is when it is a string or []byte, else as
// JSON; nil sends no body. An empty token sends no Authorization header.
// Every Files API response is validated against HubSpot's OpenAPI
// document on the way, by s.client's transport (openapi_test.go).
func (s *server) do(method, path string, body any, token string) (*http.Response, []byte) {
	s.t.Helper()
	return s.doHeader(method, path, body, token, nil)
}

// doHeader is do with extra request headers.
func (s *server) doHeader(method, path string, body any, token string, header http.Header) (*http.Response, []byte) {
	s.t.Helper()
	u := path
	if !strings.HasPrefix(path, "http://") && !strings.HasPrefix(path, "https://") {
		u = s.BaseURL + path
	}
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			s.t.Fatalf("encode request body: %v", err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		s.t.Fatalf("new request %s %s: %v", method, u, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatalf("%s %s: read body: %v", method, u, err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, b
}

// ferryFreeEnv is the test's environment without FERRY_* variables, so a
// developer's settings cannot leak into the server under test.
func ferryFreeEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FERRY_") {
			env = append(env, kv)
		}
	}
	return env
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// lineWriter copies everything to out and calls onLine for each complete
// line. os/exec calls Write from a single goroutine.
type lineWriter struct {
	out     io.Writer
	onLine  func(string)
	partial []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.out.Write(p)
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		w.onLine(string(w.partial[:i]))
		w.partial = w.partial[i+1:]
	}
	return len(p), nil
}
