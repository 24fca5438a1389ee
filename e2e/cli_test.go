package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// ferryCLI runs a client subcommand of the real binary against s and
// returns its stdout, stderr and exit code.
func ferryCLI(t *testing.T, s *server, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(ferryBin, args...)
	cmd.Env = append(ferryFreeEnv(), "FERRY_SERVER="+s.BaseURL, "FERRY_TOKEN="+s.Token)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("ferry %v: %v", args, err)
	}
	return stdout.String(), stderr.String(), code
}

// TestCLIClient drives the client subcommands the way a user at a shell
// would: import with --wait, status, upload, and the failures.
func TestCLIClient(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--allow-private-networks")
	o := newOrigin(t)
	png := newPNG(t, 4, 3)
	o.serve("/pic.png", "image/png", png)
	o.notFound("/gone")

	out, errOut, code := ferryCLI(t, s, "import", "--wait", "--json", "--access", "PUBLIC_INDEXABLE", "--folder-path", "/cli", o.url("/pic.png"))
	if code != 0 {
		t.Fatalf("import --wait exit=%d, stderr=%s", code, errOut)
	}
	var st map[string]any
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("import --wait printed %q: %v", out, err)
	}
	if got, want := jstr(st, "status"), "COMPLETE"; got != want {
		t.Fatalf("status=%q, want %q", got, want)
	}
	if got, want := jstr(st, "result", "path"), "/cli/pic.png"; got != want {
		t.Errorf("result.path=%q, want %q", got, want)
	}

	out, _, code = ferryCLI(t, s, "status", jstr(st, "id"))
	if code != 0 || !strings.Contains(out, `"COMPLETE"`) {
		t.Errorf("status exit=%d out=%s, want COMPLETE", code, out)
	}

	out, errOut, code = ferryCLI(t, s, "import", "--wait", o.url("/gone"))
	if code == 0 || !strings.Contains(out, "ORIGIN_CLIENT_ERROR") || !strings.Contains(errOut, "canceled") {
		t.Errorf("import of a 404: exit=%d out=%s stderr=%s, want a non-zero exit and the error", code, out, errOut)
	}

	_, errOut, code = ferryCLI(t, s, "status", "no-such-task")
	if code == 0 || !strings.Contains(errOut, "OBJECT_NOT_FOUND") {
		t.Errorf("status of an unknown task: exit=%d stderr=%s, want OBJECT_NOT_FOUND", code, errOut)
	}

	file := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(file, []byte("uploaded from the CLI\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = ferryCLI(t, s, "upload", "--folder-path", "/cli/docs", file, "--json")
	if code != 0 || !strings.Contains(out, `"/cli/docs/notes.txt"`) {
		t.Errorf("upload exit=%d out=%s stderr=%s, want the new file", code, out, errOut)
	}

	cmd := exec.Command(ferryBin, "status", "x")
	cmd.Env = append(ferryFreeEnv(), "FERRY_SERVER="+s.BaseURL, "FERRY_TOKEN=wrong")
	if b, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(b), "INVALID_AUTHENTICATION") {
		t.Errorf("a wrong token: err=%v out=%s, want INVALID_AUTHENTICATION", err, b)
	}
}
