package e2e

import (
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestCLIImportProgress runs "ferry import --wait" under a pseudo-terminal
// (script(1)) and checks the live bar mid-transfer, the task id first and
// the one-line result last; then the task commands.
func TestCLIImportProgress(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("script(1) is needed to run the CLI under a pseudo-terminal")
	}
	o := newOrigin(t)
	body := randBytes(t, 4<<20)
	g := o.gated("/movie.bin", body, 1<<20)
	s := startServer(t, "--allow-private-networks")
	cmd := exec.Command("script", "-qfec", ferryBin+" import --wait --folder-path /cli-tasks "+o.url("/movie.bin"), "/dev/null")
	cmd.Env = append(ferryFreeEnv(), "FERRY_SERVER="+s.BaseURL, "FERRY_TOKEN="+s.Token, "TERM=dumb")
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	bar := regexp.MustCompile(`\[=+ *\] +\d+%  [\d.]+ [KM]iB / 4\.0 MiB  [\d.]+ [KM]?i?B/s  ETA `)
	waitFor(t, 60*time.Second, "a progress bar mid-transfer", func() bool { return bar.MatchString(out.String()) })
	if !strings.Contains(out.String(), "\r") {
		t.Errorf("on a terminal the bar should redraw in place (\\r):\n%q", out.String())
	}
	id := regexp.MustCompile(`^task (\S+)\r?\n`).FindStringSubmatch(out.String())
	if id == nil {
		t.Fatalf("the output does not start with the task id:\n%q", out.String())
	}
	list, _, code := ferryCLI(t, s, "tasks", "--status", "PROCESSING")
	if code != 0 || !strings.Contains(list, id[1]) || !strings.Contains(list, "PROCESSING") {
		t.Errorf("ferry tasks --status PROCESSING: exit %d\n%s", code, list)
	}
	g.open()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("ferry import --wait: %v\n%q", err, out.String())
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("ferry import --wait did not end\n%q", out.String())
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\r\n"), "\n")
	last := lines[len(lines)-1]
	if i := strings.LastIndex(last, "\r\x1b[K"); i >= 0 {
		last = last[i+len("\r\x1b[K"):] // the bar's line, cleared before the result
	}
	if !strings.HasPrefix(last, "COMPLETE /cli-tasks/movie.bin (4.0 MiB, sha256 "+sha256Hex(body)) {
		t.Errorf("last line %q, want the one-line result", last)
	}
}

// TestCLITaskCommands follows a failing import without a terminal (plain
// lines with the retry countdown and its reason), retries it and cancels
// the retry.
func TestCLITaskCommands(t *testing.T) {
	t.Parallel()
	o := newOrigin(t)
	o.handle("/busy", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	s := startServer(t, "--allow-private-networks", "--import-attempts", "2")
	out, errOut, code := ferryCLI(t, s, "import", "--wait", o.url("/busy"))
	if code != 6 {
		t.Errorf("import --wait of a failing origin: exit %d, want 6\n%s\n%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "task ") || !strings.HasPrefix(lines[1], "CANCELED: ") || !strings.Contains(lines[1], "ORIGIN_SERVER_ERROR") {
		t.Fatalf("stdout %q, want the task id, then one line with the result", out)
	}
	if !strings.Contains(errOut, "retrying in") || !strings.Contains(errOut, "503") || strings.Contains(errOut, "\r") {
		t.Errorf("stderr without a terminal: %q, want plain lines with the retry countdown and its reason", errOut)
	}
	id := strings.TrimPrefix(lines[0], "task ")
	out, errOut, code = ferryCLI(t, s, "tasks", "retry", id)
	m := regexp.MustCompile(`^retrying as task (\S+)\n$`).FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("ferry tasks retry: exit %d %q %s", code, out, errOut)
	}
	out, errOut, code = ferryCLI(t, s, "tasks", "cancel", m[1])
	if code != 0 || out != "task "+m[1]+" CANCELED\n" {
		t.Errorf("ferry tasks cancel: exit %d %q %s", code, out, errOut)
	}
	_, errOut, code = ferryCLI(t, s, "tasks", "cancel", m[1])
	if code != 5 || !strings.Contains(errOut, "finished already") {
		t.Errorf("cancel a canceled task: exit %d %s, want 5 and the reason", code, errOut)
	}
	out, _, code = ferryCLI(t, s, "tasks", "--json")
	if code != 0 || !strings.Contains(out, `"CANCELED_BY_USER"`) || !strings.Contains(out, id) {
		t.Errorf("ferry tasks --json: exit %d\n%s", code, out)
	}
}
