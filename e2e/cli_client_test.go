package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The client commands through the real binary: every command, its --json
// output and its exit code, with flags before and after the arguments.

// cliJSON runs a command with --json, wants exit code 0, and decodes its
// standard output.
func cliJSON(t *testing.T, s *server, out any, args ...string) {
	t.Helper()
	stdout, stderr, code := ferryCLI(t, s, append(args, "--json")...)
	if code != 0 {
		t.Fatalf("ferry %v: exit=%d, stderr=%s", args, code, stderr)
	}
	if err := json.Unmarshal([]byte(stdout), out); err != nil {
		t.Fatalf("ferry %v --json printed %q: %v", args, stdout, err)
	}
}

// wantExit runs a command and checks its exit code and that stderr holds
// each of the wanted strings.
func wantExit(t *testing.T, s *server, code int, want []string, args ...string) {
	t.Helper()
	_, stderr, got := ferryCLI(t, s, args...)
	if got != code {
		t.Errorf("ferry %v: exit=%d, want %d (stderr=%s)", args, got, code, stderr)
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("ferry %v: stderr=%q, want it to contain %q", args, stderr, w)
		}
	}
}

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

type cliFile struct {
	ID, Path, Access, URL string
	Size                  int64
}

func TestCLIFileCommands(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	root := writeTree(t, map[string]string{
		"site/index.txt":      "the index\n",
		"site/img/logo.txt":   strings.Repeat("logo ", 1000),
		"site/img/deep/x.txt": "deep\n",
	})

	// upload -r: the tree under --folder-path/<dir name>; flags after the argument.
	var up []cliFile
	cliJSON(t, s, &up, "upload", filepath.Join(root, "site"), "-r", "--folder-path", "/web", "--concurrency", "2")
	paths := map[string]cliFile{}
	for _, f := range up {
		paths[f.Path] = f
	}
	for _, p := range []string{"/web/site/index.txt", "/web/site/img/logo.txt", "/web/site/img/deep/x.txt"} {
		if _, ok := paths[p]; !ok {
			t.Errorf("upload -r: %s missing from %+v", p, up)
		}
	}
	idx := paths["/web/site/index.txt"]
	if idx.Access != "PRIVATE" {
		t.Errorf("upload access=%q, want PRIVATE by default", idx.Access)
	}
	// The text output of a private upload points at ferry url, not at a URL that answers 404.
	out, errOut, code := ferryCLI(t, s, "upload", "--folder-path", "/text", filepath.Join(root, "site", "index.txt"))
	if code != 0 || !strings.Contains(out, "ferry url ") || strings.Contains(out, "/hubfs/") {
		t.Errorf("upload (text): exit=%d out=%q stderr=%s, want a pointer to ferry url and no dead link", code, out, errOut)
	}

	// ls: folders, then files; text and JSON.
	var ls struct {
		Path    string
		Folders []struct{ Name, Path string }
		Files   []cliFile
	}
	cliJSON(t, s, &ls, "ls", "/web/site")
	if len(ls.Folders) != 1 || ls.Folders[0].Path != "/web/site/img" || len(ls.Files) != 1 || ls.Files[0].Path != "/web/site/index.txt" {
		t.Errorf("ls /web/site --json = %+v, want folder img and file index.txt", ls)
	}
	out, _, code = ferryCLI(t, s, "ls", "/web/site/img")
	if code != 0 || !strings.Contains(out, "deep/") || !strings.Contains(out, "logo.txt") || !strings.Contains(out, "4.9 KiB") {
		t.Errorf("ls /web/site/img: exit=%d out=%q, want deep/ and logo.txt with its size", code, out)
	}
	out, _, _ = ferryCLI(t, s, "ls")
	if !strings.Contains(out, "web/") || !strings.Contains(out, "text/") {
		t.Errorf("ls (root) = %q, want web/ and text/", out)
	}

	// get: by path into a directory, by id to stdout, and -o FILE.
	dir := t.TempDir()
	var got struct {
		SavedTo string
		Bytes   int64
	}
	cliJSON(t, s, &got, "get", "/web/site/img/logo.txt", "-o", dir)
	if b, err := os.ReadFile(filepath.Join(dir, "logo.txt")); err != nil || string(b) != strings.Repeat("logo ", 1000) || got.Bytes != 5000 {
		t.Errorf("get -o DIR: saved %+v, content err=%v", got, err)
	}
	out, _, code = ferryCLI(t, s, "get", idx.ID, "-o", "-")
	if code != 0 || out != "the index\n" {
		t.Errorf("get ID -o -: exit=%d out=%q", code, out)
	}

	// url: a private file gets a signed URL that works without a token.
	var link struct {
		URL    string
		Signed bool
	}
	cliJSON(t, s, &link, "url", idx.ID, "--expires", "10m")
	if !link.Signed {
		t.Errorf("url of a private file: %+v, want a signed URL", link)
	}
	if resp, err := http.Get(link.URL); err != nil || resp.StatusCode != 200 {
		t.Errorf("GET signed URL %s: %v %v", link.URL, resp, err)
	} else {
		resp.Body.Close()
	}

	// mv: into a new folder (created), then a rename; a changed extension is refused.
	var moved cliFile
	cliJSON(t, s, &moved, "mv", "/web/site/index.txt", "/moved/here/")
	if moved.Path != "/moved/here/index.txt" {
		t.Errorf("mv into folder: path=%q", moved.Path)
	}
	cliJSON(t, s, &moved, "mv", moved.ID, "/moved/renamed.txt")
	if moved.Path != "/moved/renamed.txt" {
		t.Errorf("mv rename: path=%q", moved.Path)
	}
	wantExit(t, s, 2, []string{"extension"}, "mv", "/moved/renamed.txt", "/moved/renamed.md")

	// rm: a folder needs -r; then it and its files are gone.
	wantExit(t, s, 2, []string{"-r"}, "rm", "/web/site")
	var rm []struct{ Kind, ID, Path string }
	cliJSON(t, s, &rm, "rm", "-r", "/web/site", moved.ID)
	if len(rm) != 2 || rm[0].Kind != "folder" || rm[1].Kind != "file" {
		t.Errorf("rm -r --json = %+v", rm)
	}
	wantExit(t, s, 4, []string{"OBJECT_NOT_FOUND"}, "ls", "/web/site")
	wantExit(t, s, 4, []string{"OBJECT_NOT_FOUND"}, "get", moved.ID)

	// Exit codes for the common failures, each with its hint.
	wantExit(t, s, 2, []string{"Usage: ferry get"}, "get")
	wantExit(t, s, 2, []string{"flag provided but not defined"}, "ls", "--no-such-flag")
	wantExit(t, s, 2, []string{"-r"}, "upload", root)
	cmd := exec.Command(ferryBin, "ls", "/")
	cmd.Env = append(ferryFreeEnv(), "FERRY_SERVER="+s.BaseURL)
	b, _ := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != 3 || !strings.Contains(string(b), "FERRY_TOKEN") {
		t.Errorf("no token: exit=%d out=%s, want 3 and a hint naming FERRY_TOKEN", cmd.ProcessState.ExitCode(), b)
	}
	cmd = exec.Command(ferryBin, "ls", "/", "--server", "http://127.0.0.1:1", "--token", "x")
	cmd.Env = ferryFreeEnv()
	b, _ = cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != 7 || !strings.Contains(string(b), "FERRY_SERVER") {
		t.Errorf("no server: exit=%d out=%s, want 7 and a hint naming FERRY_SERVER", cmd.ProcessState.ExitCode(), b)
	}
}

// TestCLIImportHints imports from a loopback origin through a server that
// refuses private addresses: the CLI names the flag that allows it.
func TestCLIImportHints(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	o := newOrigin(t)
	o.serve("/a.txt", "text/plain", []byte("a"))
	out, errOut, code := ferryCLI(t, s, "import", o.url("/a.txt"), "--wait")
	if code == 0 || !strings.Contains(out+errOut, "--allow-private-networks") {
		t.Errorf("import from loopback: exit=%d out=%s stderr=%s, want a hint naming --allow-private-networks", code, out, errOut)
	}
	if code != 5 && code != 6 {
		t.Errorf("import from loopback: exit=%d, want 5 (refused) or 6 (task canceled)", code)
	}
}

// TestCLIHelpAndVersion checks that help shows arguments and every
// FERRY_* variable, never a secret, and that version reports the build.
func TestCLIHelpAndVersion(t *testing.T) {
	t.Parallel()
	skipShort(t)
	run := func(env []string, args ...string) (string, int) {
		cmd := exec.Command(ferryBin, args...)
		cmd.Env = append(ferryFreeEnv(), env...)
		b, _ := cmd.CombinedOutput()
		return string(b), cmd.ProcessState.ExitCode()
	}
	secrets := []string{"FERRY_TOKEN=tok-s3cret", "FERRY_BOOTSTRAP_TOKEN=boot-s3cret", "FERRY_DATABASE=postgres://u:pw-s3cret@127.0.0.1/db"}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"import", "-h"}, {"upload", "-h"}, {"status", "-h"}, {"ls", "-h"}, {"get", "-h"},
		{"rm", "-h"}, {"mv", "-h"}, {"url", "-h"}, {"serve", "-h"}, {"migrate", "-h"}, {"migrate-data", "-h"},
		{"token", "create", "-h"}, {"token", "list", "-h"}, {"token", "-h"}, {"version", "-h"}, {"help"}} {
		out, code := run(secrets, args...)
		if code != 0 {
			t.Errorf("ferry %v: exit=%d, want 0\n%s", args, code, out)
		}
		if strings.Contains(out, "s3cret") {
			t.Errorf("ferry %v printed a secret:\n%s", args, out)
		}
		for _, v := range envVarRE.FindAllString(out, -1) {
			if !bytes.Contains(readme, []byte("`"+v+"`")) {
				t.Errorf("ferry %v -h names %s, which README.md does not list: add it to the table of environment variables under Configuration", args, v)
			}
		}
	}
	for args, want := range map[string][]string{
		"upload": {"FILE|DIR...", "FERRY_TOKEN", "FERRY_SERVER"},
		"status": {"TASK_ID"},
		"get":    {"ID|PATH"},
		"serve":  {"FERRY_BOOTSTRAP_TOKEN", "FERRY_BOOTSTRAP_PORTAL", "FERRY_DATA_DIR", "FERRY_MAX_FILE_SIZE"},
	} {
		out, _ := run(nil, args, "-h")
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("ferry %s -h does not mention %s:\n%s", args, w, out)
			}
		}
	}
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, code := run(nil, args...)
		if code != 0 || !strings.Contains(out, "go1.") || !strings.Contains(out, "commit") {
			t.Errorf("ferry %v: exit=%d out=%q, want the version, commit and Go version", args, code, out)
		}
	}
	out, _ := run(nil, "version", "--json")
	var v struct{ Version, GoVersion string }
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.Version == "" || !strings.HasPrefix(v.GoVersion, "go1.") {
		t.Errorf("version --json = %q (%v)", out, err)
	}
	if out, code := run(nil, "no-such-command"); code != 2 || !strings.Contains(out, "Usage") {
		t.Errorf("unknown command: exit=%d out=%q, want 2 and the usage", code, out)
	}
	// Sizes take units.
	if out, code := run(nil, "serve", "--max-file-size", "lots"); code != 2 || !strings.Contains(out, "10MB") {
		t.Errorf("serve --max-file-size lots: exit=%d out=%q, want 2 and an example size", code, out)
	}
}

var envVarRE = regexp.MustCompile(`FERRY_[A-Z0-9_]+`)

// TestCLITokenCreateNeedsDatabase: token create never creates a database;
// it says where it looked and how to point at the server's.
func TestCLITokenCreateNeedsDatabase(t *testing.T) {
	t.Parallel()
	skipShort(t)
	dir := filepath.Join(t.TempDir(), "not-the-data-dir")
	for _, args := range [][]string{{"token", "create", "--data-dir", dir}, {"token", "list", "--data-dir", dir}} {
		cmd := exec.Command(ferryBin, args...)
		cmd.Env = ferryFreeEnv()
		b, _ := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); code != 4 {
			t.Errorf("ferry %v: exit=%d, want 4\n%s", args, code, b)
		}
		for _, w := range []string{filepath.Join(dir, "ferry.db"), "--data-dir", "FERRY_DATA_DIR", "--database"} {
			if !strings.Contains(string(b), w) {
				t.Errorf("ferry %v: output does not mention %q:\n%s", args, w, b)
			}
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("ferry %v created %s (err=%v)", args, dir, err)
		}
	}
}

// TestServeWithoutTokenSaysHow: a server whose database has no token logs
// the command that creates one.
func TestServeWithoutTokenSaysHow(t *testing.T) {
	t.Parallel()
	skipShort(t)
	dir := t.TempDir()
	cmd := exec.Command(ferryBin, "serve", "--addr", "127.0.0.1:0", "--data-dir", dir)
	cmd.Env = ferryFreeEnv()
	var log syncBuffer
	cmd.Stderr = &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(log.String(), "msg=listening") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	want := "ferry token create --data-dir " + dir
	if !strings.Contains(log.String(), want) || !strings.Contains(log.String(), "FERRY_BOOTSTRAP_TOKEN") {
		t.Errorf("serve without a token: log does not say %q and mention FERRY_BOOTSTRAP_TOKEN:\n%s", want, log.String())
	}
}

// TestCLIUnderPseudoTerminal runs upload and ls with their output on a
// pseudo-terminal and without one: the progress bar is drawn only on the
// terminal, and the results are the same.
func TestCLIUnderPseudoTerminal(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	root := writeTree(t, map[string]string{"p/a.txt": strings.Repeat("a", 70000), "p/b.txt": "b"})

	// Without a terminal: no progress bar.
	out, errOut, code := ferryCLI(t, s, "upload", "-r", "--folder-path", "/plain", filepath.Join(root, "p"))
	if code != 0 || strings.Contains(errOut, "\r[") || !strings.Contains(out, "/plain/p/a.txt") {
		t.Errorf("upload without a terminal: exit=%d out=%q stderr=%q", code, out, errOut)
	}

	// On a pseudo-terminal: the bar, ending at 100% and 2/2 files.
	ptyOut, code := runOnPTY(t, s, "upload", "-r", "--folder-path", "/tty", filepath.Join(root, "p"))
	if code != 0 || !strings.Contains(ptyOut, "100%") || !strings.Contains(ptyOut, "2/2 files") || !strings.Contains(ptyOut, "/tty/p/b.txt") {
		t.Errorf("upload on a terminal: exit=%d output=%q, want a progress bar at 100%% and the files", code, ptyOut)
	}
	ptyOut, code = runOnPTY(t, s, "ls", "/tty/p")
	if code != 0 || !strings.Contains(ptyOut, "a.txt") || !strings.Contains(ptyOut, "68.4 KiB") {
		t.Errorf("ls on a terminal: exit=%d output=%q", code, ptyOut)
	}
	ptyOut, code = runOnPTY(t, s, "get", "/tty/p/nope.txt")
	if code != 4 {
		t.Errorf("get of a missing file on a terminal: exit=%d output=%q, want 4", code, ptyOut)
	}
}

// runOnPTY runs the binary with stdin, stdout and stderr on a new
// pseudo-terminal and returns everything it wrote and its exit code.
func runOnPTY(t *testing.T, s *server, args ...string) (string, int) {
	t.Helper()
	master, slave := openPTY(t)
	cmd := exec.Command(ferryBin, args...)
	cmd.Env = append(ferryFreeEnv(), "FERRY_SERVER="+s.BaseURL, "FERRY_TOKEN="+s.Token)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	var buf bytes.Buffer
	done := make(chan struct{})
	go func() { io.Copy(&buf, master); close(done) }() // ends with EIO once the child has exited
	cmd.Wait()
	<-done
	master.Close()
	return buf.String(), cmd.ProcessState.ExitCode()
}

// openPTY opens a pseudo-terminal pair through /dev/ptmx.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		t.Fatalf("unlock pty: %v", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		m.Close()
		t.Fatalf("pty number: %v", err)
	}
	sl, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Fatalf("open pty slave: %v", err)
	}
	return m, sl
}

// TestCLIServerCommandsJSON: the commands run on the server's machine
// take --json too, and token create's output is a token the server takes.
func TestCLIServerCommandsJSON(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	run := func(args ...string) []byte {
		t.Helper()
		args = append(args, "--data-dir", s.DataDir, "--json")
		if s.store.database != "" { // PostgreSQL under FERRY_E2E_BACKEND=postgres-s3
			args = append(args, "--database", s.store.database)
		}
		cmd := exec.Command(ferryBin, args...)
		cmd.Env = ferryFreeEnv()
		b, err := cmd.Output()
		if err != nil {
			t.Fatalf("ferry %v --json: %v", args, err)
		}
		return b
	}
	var created struct {
		Token, Hash string
		Portal      int64
	}
	if err := json.Unmarshal(run("token", "create", "--portal", "7", "--scopes", "files.read", "--name", "ci"), &created); err != nil || created.Token == "" || created.Portal != 7 {
		t.Fatalf("token create --json: %+v %v", created, err)
	}
	if resp, _ := s.do("GET", "/files/v3/files/search", nil, created.Token); resp.StatusCode != 200 {
		t.Errorf("the created token: GET search = %d, want 200", resp.StatusCode)
	}
	var list []struct {
		Hash   string
		Portal int64
		Scopes []string
	}
	if err := json.Unmarshal(run("token", "list"), &list); err != nil || len(list) != 2 {
		t.Fatalf("token list --json: %+v %v", list, err)
	}
	var revoked struct{ Revoked string }
	if err := json.Unmarshal(run("token", "revoke", created.Hash), &revoked); err != nil || revoked.Revoked != created.Hash {
		t.Errorf("token revoke --json: %+v %v", revoked, err)
	}
	if s.store.database == "" {
		if resp, _ := s.do("GET", "/files/v3/files/search", nil, created.Token); resp.StatusCode != 401 {
			t.Errorf("a revoked token: GET search = %d, want 401", resp.StatusCode)
		}
	} else {
		waitRefused(t, s, created.Token) // PostgreSQL: a notification after the CLI's commit
	}
	var migrated map[string]string
	if err := json.Unmarshal(run("migrate"), &migrated); err != nil || migrated["database"] != "up to date" {
		t.Errorf("migrate --json: %v %v", migrated, err)
	}
}
