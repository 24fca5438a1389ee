// Package browser drives the web console of the real ferry binary with
// headless Chromium through chromedp. It skips, saying why, when no
// Chromium is installed, unless FERRY_REQUIRE_BROWSER=1 (as in CI) makes
// that a failure. Screenshots of each page go to $FERRY_SCREENSHOTS
// (default: .cache/screenshots at the repository root).
package browser

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
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
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

var (
	ferryBin   string // built once by TestMain
	chromePath string // the browser, found by TestMain
	skipReason string // why every test skips, if it does
)

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		skipReason = "browser tests: skipped with -short (they boot the binary and a browser)"
		os.Exit(m.Run())
	}
	if code := setUp(m); code >= 0 {
		os.Exit(code)
	}
	dir, err := os.MkdirTemp("", "ferry-browser-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "browser:", err)
		os.Exit(1)
	}
	ferryBin = filepath.Join(dir, "ferry")
	build := exec.Command("go", "build", "-o", ferryBin, "./cmd/ferry")
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "browser: go build ./cmd/ferry: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// setUp finds Chromium. It returns -1 to go on, or an exit code when the
// tests cannot run: a failure if Chromium is required, else the result of
// running them all to skip, each saying why.
func setUp(m *testing.M) int {
	for _, name := range []string{os.Getenv("FERRY_CHROMIUM"), "chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			chromePath = p
			return -1
		}
	}
	if os.Getenv("FERRY_REQUIRE_BROWSER") == "1" {
		fmt.Fprintln(os.Stderr, "browser: FERRY_REQUIRE_BROWSER=1 but no chromium on PATH (apt-get install chromium)")
		return 1
	}
	skipReason = "browser tests: no chromium on PATH (apt-get install chromium, or set FERRY_CHROMIUM)"
	fmt.Println("browser: skipping:", skipReason)
	return m.Run()
}

// server is one ferry serve on a fresh data dir, with a bootstrap token
// for portal 1.
type server struct {
	URL     string
	Token   string
	DataDir string
}

func startServer(t *testing.T, flags ...string) *server {
	t.Helper()
	if skipReason != "" {
		t.Skip(skipReason)
	}
	s := &server{Token: "ferry-browser-" + randomHex(16), DataDir: t.TempDir()}
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", s.DataDir}, flags...)
	cmd := exec.Command(ferryBin, args...)
	cmd.Env = append(ferryFreeEnv(), "FERRY_BOOTSTRAP_TOKEN="+s.Token)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start ferry: %v", err)
	}
	var log syncBuffer
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n")
			if m := listeningRE.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("ferry serve log:\n%s", log.String())
		}
	})
	select {
	case a := <-addr:
		s.URL = "http://" + a
	case <-time.After(30 * time.Second):
		t.Fatalf("ferry serve did not start:\n%s", log.String())
	}
	return s
}

var listeningRE = regexp.MustCompile(`msg=listening addr=(\S+)`)

// createToken makes another token for the server's database.
func (s *server) createToken(t *testing.T, portal int, scopes string) string {
	t.Helper()
	cmd := exec.Command(ferryBin, "token", "create", "--portal", fmt.Sprint(portal), "--scopes", scopes, "--data-dir", s.DataDir)
	cmd.Env = ferryFreeEnv()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ferry token create: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// get fetches a URL without a browser and returns its status and body.
func get(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// newBrowser starts headless Chromium for one test. Any JavaScript
// dialog (an alert a stored file managed to run) fails the test.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append([]chromedp.ExecAllocatorOption{}, chromedp.DefaultExecAllocatorOptions[:]...)
	opts = append(opts, chromedp.ExecPath(chromePath), chromedp.NoSandbox, chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			t.Errorf("a JavaScript dialog opened: %q (on %s)", ev.Message, ev.URL)
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	return ctx
}

// do runs browser steps and fails the test on error.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		failPage(t, ctx, what)
		t.Fatalf("%s: %v", what, err)
	}
}

// stepTimeout bounds one step, so that a wait for something that never
// comes fails that step alone.
const stepTimeout = 30 * time.Second

// failPage saves a screenshot of the page a failed step left, and logs
// its text.
func failPage(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + '\n' + document.body.innerText.slice(0, 2000)`))
	t.Logf("the page after %q failed: %v\n%s", what, err, text)
}

// run runs one browser action that returns a value.
func run[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// screenshot saves the page as NAME.png in the screenshot folder. It
// first checks that every visible control on the page has a label.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	unlabelled := run(t, ctx, "labels", chromedp.Evaluate[[]string](`[...document.querySelectorAll('input, select, textarea, button')]
		.filter(el => el.type !== 'hidden' && !el.hidden && el.offsetParent !== null)
		.filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !(el.tagName === 'BUTTON' && el.textContent.trim()))
		.map(el => el.outerHTML)`))
	for _, el := range unlabelled {
		t.Errorf("%s: a control without a label: %s", name, el)
	}
	dir := os.Getenv("FERRY_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join("..", "..", ".cache", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshot folder: %v", err)
	}
	png := run(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatalf("save screenshot: %v", err)
	}
}

func ferryFreeEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FERRY_") {
			env = append(env, kv)
		}
	}
	return env
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) WriteString(v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.WriteString(v)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
