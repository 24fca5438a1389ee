package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// mountTmpfs mounts a tmpfs of size bytes on a new directory and unmounts
// it when the test ends. It skips the test, saying why, where that cannot
// be done: not Linux, or not root.
func mountTmpfs(t *testing.T, size int) string {
	t.Helper()
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("a full disk is simulated with a tmpfs mount: needs Linux and root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d", size), "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("mount tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

// TestHardenFullDisk: with the blob storage full, an upload answers 507
// with HubSpot's body and leaves no partial file, an import waits and
// completes once there is room again, and the server stays ready.
func TestHardenFullDisk(t *testing.T) {
	t.Parallel()
	skipShort(t)
	dir := mountTmpfs(t, 4<<20)
	blobs := filepath.Join(dir, "blobs")
	s := startServer(t, "--blobs", "file://"+blobs+"?create_dir=1&no_tmp_dir=1", "--allow-private-networks")
	filler := filepath.Join(dir, "filler")
	// Leave half a MiB: less than the 1 MiB file, whatever else storage
	// writes beside it.
	if err := os.WriteFile(filler, make([]byte, 3<<20+512<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	content := textBody("full", 1<<20)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(content)
	}))
	defer origin.Close()

	resp, b := sendForm(t, s, "POST", filesPath, s.Token, filePart("big.txt", "text/plain", content),
		fieldPart("folderPath", "/full"), optionsPart(accessOpts("PRIVATE")))
	m := checkHubSpotError(t, "upload to a full disk", resp, b, http.StatusInsufficientStorage)
	if m != nil && m["category"] != "STORAGE_FULL" {
		t.Errorf("upload to a full disk: category=%v, want STORAGE_FULL", m["category"])
	}
	id, _ := startImport(t, s, map[string]any{"url": origin.URL + "/big.txt", "access": "PRIVATE", "folderPath": "/full"})
	// The import retries while the disk is full: it never ends CANCELED.
	waitFor(t, 30*time.Second, "the import to fail an attempt", func() bool { return strings.Contains(s.log.String(), "import waits for storage") })
	if st := jstr(waitTask(t, s, id, time.Second, "PENDING", "PROCESSING"), "status"); st == "CANCELED" {
		t.Fatalf("import on a full disk ended %s", st)
	}
	resp, b = s.do("GET", "/readyz", nil, "")
	wantStatus(t, "GET /readyz on a full disk", resp, b, http.StatusOK)

	os.Remove(filler)
	task := waitTask(t, s, id, 90*time.Second, "COMPLETE")
	if task["status"] != "COMPLETE" {
		t.Fatalf("import after the disk was freed: %v", task)
	}
	uploadFile(t, s, "/full", "after.txt", content, accessOpts("PRIVATE"))
	entries, _ := os.ReadDir(blobs)
	var tmp []string
	filepath.WalkDir(blobs, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".tmp") {
			tmp = append(tmp, p)
		}
		return nil
	})
	if len(tmp) > 0 {
		t.Errorf("partial files left on the full disk: %v (dir has %d entries)", tmp, len(entries))
	}
	if strings.Contains(s.log.String(), "level=ERROR") {
		t.Errorf("a full disk was logged as an internal error:\n%s", s.log.String())
	}
}

// TestHardenDependencyDown: while the blob store is gone, /healthz still
// answers 200 (the process lives), /readyz answers 503 naming the blob
// store, a request that needs it answers 503 with Retry-After and
// HubSpot's body rather than 500, and an import waits; when the store
// comes back, everything works again and the import completes.
func TestHardenDependencyDown(t *testing.T) {
	t.Parallel()
	skipShort(t)
	blobs := filepath.Join(t.TempDir(), "blobs")
	s := startServer(t, "--blobs", "file://"+blobs+"?create_dir=1&no_tmp_dir=1", "--allow-private-networks")
	content := textBody("down", 1000)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(content)
	}))
	defer origin.Close()
	f := uploadFile(t, s, "/down", "before.txt", content, accessOpts("PRIVATE"))

	// The blob directory disappears: a plain file takes its place.
	if err := os.Rename(blobs, blobs+".away"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(blobs, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // readiness checks are reused for a second
	resp, b := s.do("GET", "/healthz", nil, "")
	wantStatus(t, "GET /healthz", resp, b, http.StatusOK)
	resp, b = s.do("GET", "/readyz", nil, "")
	wantStatus(t, "GET /readyz", resp, b, http.StatusServiceUnavailable)
	if m := decodeJSON(t, b); fmt.Sprint(m["dependencies"]) != "map[blob store:unavailable database:ok]" {
		t.Errorf("GET /readyz: %s, want the blob store named as unavailable and the database ok", b)
	}
	if resp.Header.Get("Retry-After") == "" {
		t.Errorf("GET /readyz: no Retry-After")
	}
	resp, b = sendForm(t, s, "POST", filesPath, s.Token, filePart("a.txt", "text/plain", []byte("a")),
		fieldPart("folderPath", "/down"), optionsPart(accessOpts("PRIVATE")))
	m := checkHubSpotError(t, "upload while the blob store is down", resp, b, http.StatusServiceUnavailable)
	if m != nil && !strings.Contains(fmt.Sprint(m["message"]), "blob store") {
		t.Errorf("upload while the blob store is down: message %q does not name the blob store", m["message"])
	}
	if resp.Header.Get("Retry-After") == "" {
		t.Errorf("upload while the blob store is down: no Retry-After")
	}
	getFile(t, s, jstr(f, "id")) // metadata needs only the database
	id, _ := startImport(t, s, map[string]any{"url": origin.URL + "/a.txt", "access": "PRIVATE", "folderPath": "/down"})
	waitFor(t, 30*time.Second, "the import to fail an attempt", func() bool { return strings.Contains(s.log.String(), "import waits for storage") })
	if st := jstr(waitTask(t, s, id, time.Second, "PENDING", "PROCESSING"), "status"); st == "CANCELED" {
		t.Fatalf("import while the blob store is down ended %s", st)
	}

	// It comes back.
	os.Remove(blobs)
	if err := os.Rename(blobs+".away", blobs); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "GET /readyz to answer 200", func() bool {
		resp, _ := s.do("GET", "/readyz", nil, "")
		return resp.StatusCode == http.StatusOK
	})
	waitTask(t, s, id, 90*time.Second, "COMPLETE")
	uploadFile(t, s, "/down", "after.txt", content, accessOpts("PRIVATE"))
}

// TestHardenDatabaseDown: the PostgreSQL database disappears (a proxy in
// front of it cuts every connection and refuses new ones) and comes back.
// Meanwhile /healthz answers 200, /readyz 503 naming the database, and
// API calls 503 with Retry-After instead of 500; afterwards everything
// works again, including an import started before.
func TestHardenDatabaseDown(t *testing.T) {
	t.Parallel()
	skipShort(t)
	if e2eBackend != backendPostgresS3 {
		t.Skip("the embedded SQLite database cannot disappear under a running server; this runs with FERRY_E2E_BACKEND=postgres-s3")
	}
	st := newStorage(t)
	u, err := url.Parse(st.database)
	if err != nil {
		t.Fatal("database URL does not parse")
	}
	proxy := newSwitchProxy(t, u.Host)
	u.Host = proxy.addr()
	st.database = u.String()
	s := startServerOn(t, st, "--allow-private-networks")
	content := textBody("dbdown", 1000)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(content) }))
	defer origin.Close()
	f := uploadFile(t, s, "/db", "before.txt", content, accessOpts("PRIVATE"))

	proxy.setDown(true)
	waitFor(t, 30*time.Second, "GET /readyz to answer 503", func() bool {
		resp, _ := s.do("GET", "/readyz", nil, "")
		return resp.StatusCode == http.StatusServiceUnavailable
	})
	resp, b := s.do("GET", "/readyz", nil, "")
	if m := decodeJSON(t, b); fmt.Sprint(m["dependencies"]) != "map[blob store:ok database:unavailable]" {
		t.Errorf("GET /readyz: %s, want the database named as unavailable", b)
	}
	resp, b = s.do("GET", "/healthz", nil, "")
	wantStatus(t, "GET /healthz while the database is down", resp, b, http.StatusOK)
	resp, b = s.do("GET", filesPath+"/"+jstr(f, "id"), nil, s.Token)
	m := checkHubSpotError(t, "GET a file while the database is down", resp, b, http.StatusServiceUnavailable)
	if m != nil && !strings.Contains(fmt.Sprint(m["message"]), "database") {
		t.Errorf("GET a file while the database is down: message %q does not name the database", m["message"])
	}
	if resp.Header.Get("Retry-After") == "" {
		t.Errorf("GET a file while the database is down: no Retry-After")
	}

	proxy.setDown(false)
	waitFor(t, 30*time.Second, "GET /readyz to answer 200 again", func() bool {
		resp, _ := s.do("GET", "/readyz", nil, "")
		return resp.StatusCode == http.StatusOK
	})
	getFile(t, s, jstr(f, "id"))
	id, _ := startImport(t, s, map[string]any{"url": origin.URL + "/after.txt", "access": "PRIVATE", "folderPath": "/db"})
	waitTask(t, s, id, 90*time.Second, "COMPLETE")
	if strings.Contains(s.log.String(), "level=ERROR msg=\"internal error\"") {
		t.Errorf("the outage was answered as an internal error:\n%s", s.log.String())
	}
}

// TestHardenFullDatabase: when the disk under the SQLite database is full,
// a write answers 507 STORAGE_FULL with HubSpot's body, as a full blob
// store does, not a 500; reads still work, and writes work again once
// there is room.
func TestHardenFullDatabase(t *testing.T) {
	t.Parallel()
	skipShort(t)
	if e2eBackend == backendPostgresS3 {
		t.Skip("fills the disk under a SQLite database")
	}
	dir := mountTmpfs(t, 16<<20)
	s := startServer(t, "--database", "sqlite:"+filepath.Join(dir, "ferry.db"))
	kept := createFolder(t, s, map[string]any{"name": "kept"})

	filler, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	for {
		if _, err := filler.Write(chunk); err != nil {
			break // ENOSPC: the disk is full
		}
	}
	filler.Close()

	// SQLite may still have room in its WAL for a few writes; a few
	// hundred folders with long names need more than any WAL keeps.
	name := strings.Repeat("n", 200)
	var full map[string]any
	for i := range 500 {
		resp, b := s.do("POST", foldersPath, map[string]any{"name": fmt.Sprintf("%s-%d", name, i)}, s.Token)
		if resp.StatusCode == http.StatusCreated {
			continue
		}
		full = checkHubSpotError(t, "create a folder on a full database disk", resp, b, http.StatusInsufficientStorage)
		break
	}
	if full == nil {
		t.Fatal("500 folders were created on a full disk; want a 507 once SQLite has no room")
	}
	if full["category"] != "STORAGE_FULL" {
		t.Errorf("full database: category=%v, want STORAGE_FULL", full["category"])
	}
	if got := jstr(getFolder(t, s, jstr(kept, "id")), "name"); got != "kept" {
		t.Errorf("read on a full database disk: name=%q, want kept", got)
	}

	os.Remove(filepath.Join(dir, "filler"))
	createFolder(t, s, map[string]any{"name": "after"})
	resp, b := s.do("GET", "/readyz", nil, "")
	wantStatus(t, "GET /readyz after the disk was freed", resp, b, http.StatusOK)
}
