package e2e

import (
	"bytes"
	"database/sql"
	"net/http"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// TestMigrateData moves an embedded install with "ferry migrate-data" to
// another SQLite file and a file:// bucket: the variant that runs
// everywhere.
func TestMigrateData(t *testing.T) {
	skipShort(t)
	t.Parallel()
	dir := t.TempDir()
	testMigrateData(t, storage{
		database: filepath.Join(dir, "db", "ferry.db"),
		blobs:    "file://" + filepath.ToSlash(filepath.Join(dir, "blobs")) + "?create_dir=1",
	})
}

// TestMigrateDataPostgresS3 moves an embedded install to PostgreSQL (a
// fresh schema) and S3 (a fresh prefix of the test bucket).
func TestMigrateDataPostgresS3(t *testing.T) {
	skipShort(t)
	if ok, missing := haveCluster(); !ok {
		t.Skipf("%s is not set: the destination needs PostgreSQL and S3 (.ci/run starts both)", missing)
	}
	t.Parallel()
	testMigrateData(t, newPostgresS3Storage(t))
}

// TestMigrateDataRerun fails a move after the blobs were copied (a
// trigger on the destination refuses the signing key) and runs it again
// into the same destination: nothing of the failed run was committed to
// the database, and the blobs already copied are not copied twice.
func TestMigrateDataRerun(t *testing.T) {
	skipShort(t)
	t.Parallel()
	src := startServerOn(t, storage{})
	a := uploadFile(t, src, "/a", "a.txt", textBody("a", 100), accessOpts("PUBLIC_NOT_INDEXABLE"))
	b := uploadFile(t, src, "/b", "b.txt", textBody("b", 100), accessOpts("PRIVATE"))
	signed := jstr(signedURL(t, src, jstr(b, "id"), ""), "url")
	src.stop()

	dir := t.TempDir()
	dst := storage{database: filepath.Join(dir, "ferry.db"), blobs: "file://" + filepath.ToSlash(filepath.Join(dir, "blobs")) + "?create_dir=1"}
	migrate := exec.Command(ferryBin, "migrate", "--database", dst.database)
	migrate.Env = ferryFreeEnv()
	if out, err := migrate.CombinedOutput(); err != nil {
		t.Fatalf("ferry migrate: %v\n%s", err, out)
	}
	db, err := sql.Open("sqlite", dst.database)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TRIGGER fail_once BEFORE INSERT ON settings BEGIN SELECT RAISE(ABORT, 'injected failure'); END`); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := migrateData(t, src.DataDir, dst)
	if code == 0 || !strings.Contains(errOut, "injected failure") || !strings.Contains(errOut, "nothing was committed") {
		t.Fatalf("migrate-data with a failing destination: exit %d, want a failure saying nothing was committed\n%s%s", code, out, errOut)
	}
	var n int
	if err := db.QueryRow(`SELECT (SELECT count(*) FROM tokens) + (SELECT count(*) FROM files) + (SELECT count(*) FROM folders)`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("after the failed run the destination holds %d rows (%v), want none", n, err)
	}
	if _, err := db.Exec(`DROP TRIGGER fail_once`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	out, errOut, code = migrateData(t, src.DataDir, dst)
	if code != 0 {
		t.Fatalf("migrate-data again: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "blobs     2 (200 B), of which 2 were already there") {
		t.Errorf("the second run's summary does not say both blobs were there already:\n%s", out)
	}
	d := startServerOn(t, dst)
	d.Token = src.Token
	checkServed(t, d, "a.txt", d.BaseURL+hosted("/a/a.txt"), textBody("a", 100))
	checkServed(t, d, "signed URL of b.txt", onServer(t, d, signed), textBody("b", 100))
	if got := jstr(getFile(t, d, jstr(a, "id")), "path"); got != "/a/a.txt" {
		t.Errorf("a.txt's path after the move = %q", got)
	}
}

// migrateData runs "ferry migrate-data" from a data dir to dst and returns
// its stdout, stderr and exit code.
func migrateData(t *testing.T, dataDir string, dst storage) (string, string, int) {
	t.Helper()
	cmd := exec.Command(ferryBin, "migrate-data", "--from-data-dir", dataDir, "--to-database", dst.database, "--to-blobs", dst.blobs)
	cmd.Env = ferryFreeEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("ferry migrate-data: %v", err)
	}
	return stdout.String(), stderr.String(), code
}

// migratedFile is a file made on the source, and how to read it.
type migratedFile struct {
	what    string
	token   string
	id      string
	content []byte
	public  bool
	before  map[string]any // GET by id on the source, links made relative
}

// testMigrateData fills an embedded install (two portals, folders, files
// of every access level, a signed URL, a finished import, and an import
// and a folder update left unfinished), moves it to dst, and checks that a
// server on dst serves the same data to the same tokens and URLs.
func testMigrateData(t *testing.T, dst storage) {
	o := newOrigin(t)
	png := newPNG(t, 4, 3)
	later := textBody("imported after the move", 3000)
	o.serve("/pic.png", "image/png", png)
	o.serve("/later.txt", "text/plain", later)

	src := startServerOn(t, storage{}, "--allow-private-networks")
	tok2 := src.createToken(2, "files")

	createFolder(t, src, map[string]any{"name": "docs"})
	createFolder(t, src, map[string]any{"name": "Ünïcode ✓", "parentPath": "/docs"})
	renameMe := createFolder(t, src, map[string]any{"name": "rename-me"})
	resp, b := src.do("POST", foldersPath, map[string]any{"name": "p2"}, tok2)
	wantStatus(t, "create portal 2's folder", resp, b, http.StatusCreated)

	var files []*migratedFile
	add := func(what, token string, f map[string]any, content []byte, public bool) *migratedFile {
		m := &migratedFile{what: what, token: token, id: jstr(f, "id"), content: content, public: public}
		files = append(files, m)
		return m
	}
	for _, c := range []struct {
		folder, name, access string
	}{
		{"/docs", "index.html", "PUBLIC_INDEXABLE"},
		{"/docs/Ünïcode ✓", "notes.txt", "PUBLIC_NOT_INDEXABLE"},
		{"/docs", "secret.txt", "PRIVATE"},
	} {
		content := textBody(c.name, 2000)
		add(c.folder+"/"+c.name, src.Token, uploadFile(t, src, c.folder, c.name, content, accessOpts(c.access)), content, c.access != "PRIVATE")
	}
	private := files[2]
	p2content := textBody("portal 2", 500)
	resp, b = sendForm(t, src, "POST", filesPath, tok2, filePart("p2.txt", "text/plain", p2content),
		fieldPart("folderPath", "/p2"), optionsPart(accessOpts("PUBLIC_NOT_INDEXABLE")))
	add("portal 2's file", tok2, checkCreatedFile(t, src, "upload as portal 2", resp, b), p2content, true)
	archived := uploadFile(t, src, "/docs", "old.txt", []byte("archived"), accessOpts("PUBLIC_NOT_INDEXABLE"))
	resp, b = src.do("DELETE", filesPath+"/"+jstr(archived, "id"), nil, src.Token)
	wantStatus(t, "archive old.txt", resp, b, http.StatusNoContent)
	add("archived file", src.Token, archived, nil, false)

	signed := jstr(signedURL(t, src, private.id, "expirationSeconds=3600"), "url")
	checkServed(t, src, "signed URL on the source", signed, private.content)

	importID, _ := startImport(t, src, map[string]any{"url": o.url("/pic.png"), "access": "PUBLIC_INDEXABLE", "folderPath": "/imports"})
	done := waitTask(t, src, importID, 30*time.Second, "COMPLETE")
	add("imported file", src.Token, getFile(t, src, jstr(done, "result", "id")), png, true)

	// The highest file id, deleted for good: the destination must not
	// hand it out again.
	gone := uploadFile(t, src, "/docs", "gone.txt", []byte("gone"), accessOpts("PUBLIC_NOT_INDEXABLE"))
	resp, b = src.do("DELETE", filesPath+"/"+jstr(gone, "id")+"/gdpr-delete", nil, src.Token)
	wantStatus(t, "GDPR-delete gone.txt", resp, b, http.StatusNoContent)

	// An API-only instance leaves these two tasks unfinished.
	src.flags = append(src.flags, "--import-workers", "-1")
	src.restart()
	pendingImport, _ := startImport(t, src, map[string]any{"url": o.url("/later.txt"), "access": "PUBLIC_NOT_INDEXABLE", "folderPath": "/later"})
	pendingFolder := startFolderUpdate(t, src, map[string]any{"id": jstr(renameMe, "id"), "name": "renamed"})

	maxID := numID(t, jstr(gone, "id"))
	for _, f := range files {
		f.before = relativeLinks(getFileAs(t, src, f.id, f.token))
		maxID = max(maxID, numID(t, f.id))
	}
	folders := searchAll(t, src, folderSrch, nil)
	var maxFolder int64
	for _, id := range folders {
		maxFolder = max(maxFolder, numID(t, id))
	}

	// Refused while the source server runs.
	_, errOut, code := migrateData(t, src.DataDir, dst)
	if code == 0 || !strings.Contains(errOut, "in use") {
		t.Fatalf("migrate-data while ferry serve runs: exit %d, want a refusal saying the data dir is in use\n%s", code, errOut)
	}

	src.stop()
	out, errOut, code := migrateData(t, src.DataDir, dst)
	if code != 0 {
		t.Fatalf("migrate-data: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	t.Logf("migrate-data:\n%s%s", errOut, out)
	if !strings.Contains(out, "2 unfinished") {
		t.Errorf("migrate-data's summary does not mention the 2 unfinished tasks:\n%s", out)
	}
	srcKeys, err := bucketKeys(src.blobURL(), "")
	if err != nil {
		t.Fatal(err)
	}
	dstKeys, err := bucketKeys(dst.blobs, "")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(srcKeys, dstKeys) {
		t.Errorf("destination blobs %q, want the source's %q", dstKeys, srcKeys)
	}

	checkRequeued(t, dst, 2)

	d := startServerOn(t, dst, "--allow-private-networks")
	d.Token = src.Token // the helpers below use the migrated bootstrap token

	for _, f := range files {
		if got := relativeLinks(getFileAs(t, d, f.id, f.token)); !reflect.DeepEqual(got, f.before) {
			t.Errorf("%s: after the move\n%v\nwant\n%v", f.what, got, f.before)
		}
		if f.public {
			checkServed(t, d, f.what, d.BaseURL+jstr(f.before, "url"), f.content)
		}
	}
	checkServed(t, d, "signed URL made before the move", onServer(t, d, signed), private.content)
	if got := searchAll(t, d, folderSrch, nil); !reflect.DeepEqual(got, folders) {
		t.Errorf("folder search after the move: %v, want %v", got, folders)
	}

	resp, b = d.do("GET", taskPath(importID), nil, src.Token)
	if wantStatus(t, "finished import's status", resp, b, http.StatusOK) {
		if m := decodeJSON(t, b); jstr(m, "status") != "COMPLETE" || jstr(m, "result", "id") != jstr(done, "result", "id") {
			t.Errorf("finished import's status after the move: %s", b)
		}
	}
	st := waitTask(t, d, pendingImport, 30*time.Second, "COMPLETE")
	checkServed(t, d, "import queued again", onServer(t, d, jstr(st, "result", "url")), later)
	if id := numID(t, jstr(st, "result", "id")); id <= maxID {
		t.Errorf("the requeued import's file got id %d, want one above %d", id, maxID)
	}
	if m := waitFolderTask(t, d, pendingFolder, src.Token); jstr(m, "status") != "COMPLETE" {
		t.Errorf("folder update queued again: %v, want COMPLETE", m)
	}
	if got := jstr(getFolder(t, d, jstr(renameMe, "id")), "name"); got != "renamed" {
		t.Errorf("renamed folder's name = %q, want %q", got, "renamed")
	}

	nf := uploadFile(t, d, "/after", "new.txt", []byte("new"), accessOpts("PUBLIC_NOT_INDEXABLE"))
	if id := numID(t, jstr(nf, "id")); id <= maxID {
		t.Errorf("a file uploaded after the move got id %d, want one above %d", id, maxID)
	}
	if id := numID(t, jstr(createFolder(t, d, map[string]any{"name": "after2"}), "id")); id <= maxFolder {
		t.Errorf("a folder created after the move got id %d, want one above %d", id, maxFolder)
	}

	// The destination is in use now: a second move into it is refused.
	_, errOut, code = migrateData(t, src.DataDir, dst)
	if code == 0 || !strings.Contains(errOut, "already holds Ferry data") {
		t.Errorf("migrate-data into a used database: exit %d, want a refusal saying it already holds Ferry data\n%s", code, errOut)
	}
}

// checkRequeued checks that want unfinished tasks in dst's database each
// name, as their job, a waiting River job for that task: the maintenance
// job would otherwise end them as lost once they are a minute old.
func checkRequeued(t *testing.T, dst storage, want int) {
	t.Helper()
	driver, taskArg := "sqlite", "json_extract(j.args, '$.task_id')"
	if strings.HasPrefix(dst.database, "postgres") {
		driver, taskArg = "pgx", "j.args->>'task_id'"
	}
	db, err := sql.Open(driver, dst.database)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var unfinished, queued int
	err = db.QueryRow(`SELECT (SELECT count(*) FROM tasks WHERE completed_at = 0),
		(SELECT count(*) FROM tasks t JOIN river_job j ON j.id = t.job_id
		 WHERE t.completed_at = 0 AND j.state = 'available' AND `+taskArg+` = t.id)`).Scan(&unfinished, &queued)
	if err != nil {
		t.Fatalf("read the destination's tasks and jobs: %v", err)
	}
	if unfinished != want || queued != want {
		t.Errorf("destination: %d unfinished tasks, %d of them with a waiting job of their own; want %d and %d", unfinished, queued, want, want)
	}
}

// getFileAs reads a file by id with token and wants 200.
func getFileAs(t *testing.T, s *server, id, token string) map[string]any {
	t.Helper()
	resp, b := s.do("GET", filesPath+"/"+id, nil, token)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET file %s: status = %d, want 200\n%s", id, resp.StatusCode, b)
	}
	return decodeJSON(t, b)
}

// relativeLinks returns m with every absolute http:// URL among its string
// fields cut to its path and query: servers differ only in host and port.
func relativeLinks(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if s, ok := v.(string); ok && strings.HasPrefix(s, "http://") {
			if i := strings.Index(s[len("http://"):], "/"); i >= 0 {
				v = s[len("http://")+i:]
			}
		}
		out[k] = v
	}
	return out
}
