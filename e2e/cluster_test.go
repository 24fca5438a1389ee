package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestClusterTwoInstances runs two "ferry serve" processes on one
// PostgreSQL schema and one bucket prefix, as a scaled-out deployment
// does. 50 imports go to both instances in turn and each is followed on
// the other instance; every file is then served by both. Then one
// instance is killed with SIGKILL while it runs imports of slow bodies:
// the other one takes them over once their heartbeat is silent for
// --takeover-after (30 s; River's rescuer, after --rescue-after, is the
// backstop), and each task still completes, once, with its whole file.
func TestClusterTwoInstances(t *testing.T) {
	t.Parallel()
	skipUnlessCluster(t)
	clusterStart := time.Now()
	o := newOrigin(t)
	st := newPostgresS3Storage(t)
	// An import may run for 30s + max(5s, 10%) = 35s, so --rescue-after must
	// be longer: 40s. 5 workers on each instance, all of which one portal
	// may use: an instance then never claims an import it has no slot for.
	// (With more workers than portal slots, an instance claims jobs only to
	// snooze them, and the other one can lose every race to claim them
	// again, which made phase 2's "six PROCESSING at once" a coin toss.)
	flags := []string{"--allow-private-networks", "--fetch-total-timeout", "30s", "--rescue-after", "40s",
		"--import-workers", "5", "--import-workers-per-portal", "5"}
	a := startServerOn(t, st, flags...)
	b := startServerOn(t, st, flags...)
	inst := []*server{a, b}
	token := a.Token // created by a's bootstrap, in the shared database

	// Phase 1: 50 imports, posted to a and b in turn, each followed on the
	// other instance until it ends.
	const n1 = 50
	const folder1 = "/cluster/batch"
	bodies := make([][]byte, n1)
	for i := range n1 {
		bodies[i] = textBody(fmt.Sprintf("cluster file %02d", i), 1500+97*i)
		o.serve(fmt.Sprintf("/batch/f%02d.txt", i), "text/plain; charset=utf-8", bodies[i])
	}
	ids := make([]string, n1)
	runPool(n1, 10, func(i int) {
		id, err := postImportTo(inst[i%2], token, map[string]any{
			"url": o.url(fmt.Sprintf("/batch/f%02d.txt", i)), "access": "PUBLIC_NOT_INDEXABLE", "folderPath": folder1,
		})
		if err != nil {
			t.Errorf("import %d via instance %d: %v", i, i%2, err)
		}
		ids[i] = id
	})
	if t.Failed() {
		t.FailNow()
	}
	results := make([]map[string]any, n1)
	runPool(n1, 10, func(i int) {
		other := inst[(i+1)%2]
		m, err := pollTerminal(other, token, ids[i], 60*time.Second)
		if err != nil {
			t.Errorf("import %d (task %s) read on instance %d: %v", i, ids[i], (i+1)%2, err)
			return
		}
		results[i] = m
	})
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("phase 1: %d imports ended %s after the first start", n1, time.Since(clusterStart).Round(time.Millisecond))
	fileIDs := make([]string, n1)
	for i, m := range results {
		if got := jstr(m, "status"); got != "COMPLETE" {
			t.Errorf("import %d (task %s): status = %s, want COMPLETE\n%v", i, ids[i], got, m["errors"])
			continue
		}
		if got, want := jstr(m, "result", "path"), fmt.Sprintf("%s/f%02d.txt", folder1, i); got != want {
			t.Errorf("import %d: result.path = %q, want %q", i, got, want)
		}
		fileIDs[i] = jstr(m, "result", "id")
	}
	if t.Failed() {
		t.FailNow()
	}
	// Both instances took jobs from the shared queue.
	for k, s := range inst {
		done := 0
		for _, id := range ids {
			if strings.Contains(s.log.String(), `msg="import complete" task=`+id+" ") {
				done++
			}
		}
		t.Logf("instance %d completed %d of the %d imports", k, done, n1)
		if done == 0 {
			t.Errorf("instance %d completed none of the %d imports; want the workers of both instances to share the queue", k, n1)
		}
	}
	// Every file, by id and at its hosting path, on both instances.
	runPool(n1, 8, func(i int) {
		want := contentMD5(bodies[i])
		for k, s := range inst {
			if err := checkFileOn(s, token, fileIDs[i], fmt.Sprintf("%s/f%02d.txt", folder1, i), want); err != nil {
				t.Errorf("file %d on instance %d: %v", i, k, err)
			}
		}
	})
	// Exactly 50 files: in the folder, and in the whole portal.
	for k, s := range inst {
		if got := searchAll(t, s, fileSearch, url.Values{"path": {folder1}}); !sameIDs(got, fileIDs) {
			t.Errorf("search path=%s on instance %d: %d files %v, want the %d imported", folder1, k, len(got), got, n1)
		}
		if got := searchAll(t, s, fileSearch, nil); len(got) != n1 {
			t.Errorf("search on instance %d: %d files, want %d", k, len(got), n1)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	// Phase 2: 10 imports whose body the origin holds back the first time
	// it serves it, until the crash is done (and serves at once
	// afterwards). With 5 workers per portal on each instance, 6 or more of
	// them PROCESSING at once means that a runs at least one.
	const n2 = 10
	const folder2 = "/cluster/slow"
	slow := make([][]byte, n2)
	release := make(chan struct{})
	for i := range n2 {
		slow[i] = textBody(fmt.Sprintf("slow cluster file %d", i), 3000)
		o.gatedOnce(fmt.Sprintf("/slow/s%d.txt", i), "text/plain; charset=utf-8", slow[i], 60, 100*time.Millisecond, release)
	}
	ids2 := make([]string, n2)
	for i := range n2 {
		id, err := postImportTo(inst[i%2], token, map[string]any{
			"url": o.url(fmt.Sprintf("/slow/s%d.txt", i)), "access": "PUBLIC_NOT_INDEXABLE", "folderPath": folder2,
		})
		if err != nil {
			t.Fatalf("slow import %d via instance %d: %v", i, i%2, err)
		}
		ids2[i] = id
	}
	processing := waitProcessing(t, b, token, ids2, 6, 20*time.Second)
	beforeKill := time.Now()
	a.kill9()
	killedAt := time.Now()
	close(release) // b's fetches finish now; a's died with it and are rescued
	t.Logf("phase 2: killed instance 0 with SIGKILL while %d of %d slow imports were PROCESSING (at least %d on it)",
		processing, n2, processing-5)

	// Every task ends, read on b, within the bound: --takeover-after (30 s)
	// and b's 10 s between looks, or at worst River's leader lease (about
	// 15 s, if a led), the rescuer's 30 s interval and --rescue-after (40 s),
	// and the retry's backoff.
	results2 := make([]map[string]any, n2)
	runPool(n2, n2, func(i int) {
		m, err := pollTerminal(b, token, ids2[i], 150*time.Second-time.Since(killedAt))
		if err != nil {
			t.Errorf("slow import %d (task %s) after the kill: %v", i, ids2[i], err)
			return
		}
		results2[i] = m
	})
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("phase 2: every slow import ended %s after the kill", time.Since(killedAt).Round(time.Second))
	fileIDs2 := make([]string, n2)
	for i, m := range results2 {
		if got := jstr(m, "status"); got != "COMPLETE" {
			t.Errorf("slow import %d (task %s): status = %s, want COMPLETE\n%v", i, ids2[i], got, m["errors"])
			continue
		}
		wantPath := fmt.Sprintf("%s/s%d.txt", folder2, i)
		if got := jstr(m, "result", "path"); got != wantPath {
			t.Errorf("slow import %d: result.path = %q, want %q", i, got, wantPath)
		}
		fileIDs2[i] = jstr(m, "result", "id")
		if err := checkFileOn(b, token, fileIDs2[i], wantPath, contentMD5(slow[i])); err != nil {
			t.Errorf("slow import %d: %v", i, err)
		}
		// The parts go just after the task is saved COMPLETE.
		want := []string{"imports/1/" + ids2[i]}
		var got []string
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if got = listBlobs(t, b, "imports/1/"+ids2[i]); slices.Equal(got, want) || time.Now().After(deadline) {
				break
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("slow import %d: blob storage holds %q, want %q", i, got, want)
		}
		if !strings.Contains(b.log.String(), `msg="import complete" task=`+ids2[i]+" ") {
			t.Errorf("slow import %d (task %s): instance 1 did not log its completion", i, ids2[i])
		}
	}
	// The imports that a was running were fetched again, and none more
	// than twice: nothing ran twice at once.
	retried := 0
	for i := range n2 {
		switch h := o.hitCount(fmt.Sprintf("/slow/s%d.txt", i)); {
		case h == 2:
			retried++
		case h != 1:
			t.Errorf("slow import %d: the origin served it %d times, want 1 or 2 (once more after the crash)", i, h)
		}
	}
	t.Logf("phase 2: %d slow imports were fetched again after the crash", retried)
	if retried < processing-5 {
		t.Errorf("%d slow imports were fetched again after the crash, want at least %d (those the killed instance ran)", retried, processing-5)
	}
	// One file per task: the folder holds exactly the ten, under their own
	// names, and no "-1" twin.
	m := searchPage(t, b, fileSearch, url.Values{"path": {folder2}, "limit": {"100"}})
	if !sameIDs(resultIDs(m), fileIDs2) {
		t.Errorf("search path=%s: %v, want exactly the %d imported files %v", folder2, resultIDs(m), n2, fileIDs2)
	}
	rs, _ := m["results"].([]any)
	for _, r := range rs {
		if name := jstr(r, "name"); !strings.HasPrefix(name, "s") || strings.Contains(name, "-") {
			t.Errorf("search path=%s: a file named %q, want s0..s%d only", folder2, name, n2-1)
		}
	}
	if got := searchAll(t, b, fileSearch, nil); len(got) != n1+n2 {
		t.Errorf("search: %d files in all, want %d", len(got), n1+n2)
	}

	checkMaintenance(t, st.database, clusterStart, beforeKill)
}

// openCluster opens the cluster's database; the test's cleanup closes it.
func openCluster(t *testing.T, database string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", database)
	if err != nil {
		t.Fatalf("open the cluster's database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// queryRows runs a query on db, failing the test on an error. The caller
// closes the rows.
func queryRows(t *testing.T, db *sql.DB, q string, args ...any) *sql.Rows {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		t.Fatalf("query the cluster's database: %v", err)
	}
	return rows
}

// postImportTo posts an import to s without failing the test, so that
// it can run on a pool's goroutines, and returns the task id.
func postImportTo(s *server, token string, body map[string]any) (string, error) {
	j, _ := json.Marshal(body)
	code, b, err := tryDo(s, "POST", importPath, token, j)
	if err != nil {
		return "", err
	}
	if code != http.StatusAccepted {
		return "", fmt.Errorf("POST %s: status = %d, want 202\n%s", importPath, code, b)
	}
	id := jstr(decodeAny(b), "id")
	if id == "" {
		return "", fmt.Errorf("POST %s: no id in %s", importPath, b)
	}
	return id, nil
}

// pollTerminal reads a task's status on s until it is COMPLETE or
// CANCELED, and returns it.
func pollTerminal(s *server, token, id string, timeout time.Duration) (map[string]any, error) {
	deadline := time.Now().Add(timeout)
	for {
		code, b, err := tryDo(s, "GET", taskPath(id), token, nil)
		if err != nil {
			return nil, err
		}
		if code != http.StatusOK {
			return nil, fmt.Errorf("GET status: %d, want 200\n%s", code, b)
		}
		m, _ := decodeAny(b).(map[string]any)
		st := jstr(m, "status")
		if slices.Contains(terminal, st) {
			return m, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("still %s after %s", st, timeout.Round(time.Second))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitProcessing waits until all of ids are PROCESSING on s, or at least
// min of them for half a second, and returns how many are.
func waitProcessing(t *testing.T, s *server, token string, ids []string, min int, timeout time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var enough time.Time
	ended := map[string]bool{}
	for {
		n := 0
		for _, id := range ids {
			code, b, err := tryDo(s, "GET", taskPath(id), token, nil)
			if err != nil || code != http.StatusOK {
				t.Fatalf("GET status of task %s: %d %v\n%s", id, code, err, b)
			}
			switch st := jstr(decodeAny(b), "status"); st {
			case "PROCESSING":
				n++
			case "COMPLETE", "CANCELED":
				if ended[id] {
					break
				}
				ended[id] = true
				t.Logf("task %s ended %s before the crash; the origin's slow bodies are not slow enough for this machine", id, st)
			}
		}
		if n == len(ids) {
			return n
		}
		if n >= min && enough.IsZero() {
			enough = time.Now()
		}
		if !enough.IsZero() && time.Since(enough) > 500*time.Millisecond {
			return n
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s only %d of %d slow imports are PROCESSING, want at least %d", timeout, n, len(ids), min)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkFileOn checks on s that a file has the wanted path and md5, and
// that its hosting URL serves content of that md5.
func checkFileOn(s *server, token, id, wantPath, wantMD5 string) error {
	code, b, err := tryDo(s, "GET", filesPath+"/"+id, token, nil)
	if err != nil {
		return err
	}
	if code != http.StatusOK {
		return fmt.Errorf("GET file %s: status = %d\n%s", id, code, b)
	}
	f := decodeAny(b)
	if got := jstr(f, "path"); got != wantPath {
		return fmt.Errorf("file %s: path = %q, want %q", id, got, wantPath)
	}
	if got := jstr(f, "fileMd5"); got != wantMD5 {
		return fmt.Errorf("file %s: fileMd5 = %q, want %q", id, got, wantMD5)
	}
	code, b, err = tryDo(s, "GET", hosted(wantPath), "", nil)
	if err != nil {
		return err
	}
	if code != http.StatusOK || contentMD5(b) != wantMD5 {
		return fmt.Errorf("GET %s: status = %d, %d bytes of md5 %s; want 200 and md5 %s", hosted(wantPath), code, len(b), contentMD5(b), wantMD5)
	}
	return nil
}

// tryDo sends a request through s's validating client and reads the
// body; unlike s.do it returns errors instead of failing the test, so it
// may run on any goroutine.
func tryDo(s *server, method, path, token string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, s.BaseURL+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: read body: %w", method, path, err)
	}
	return resp.StatusCode, b, nil
}

// decodeAny decodes JSON, or returns nil.
func decodeAny(b []byte) any {
	var v any
	json.Unmarshal(b, &v)
	return v
}

// sameIDs reports whether got holds exactly the ids of want, once each.
func sameIDs(got, want []string) bool {
	ok, _ := sameSet(got, want)
	return ok
}

// checkMaintenance checks in the shared database that Ferry's periodic
// maintenance job ran once per cluster, not once per instance: while both
// instances ran (from start to until), the leader enqueued it once at its
// start and then once a minute; no two runs overlapped; and none failed.
func checkMaintenance(t *testing.T, database string, start, until time.Time) {
	t.Helper()
	rows := queryRows(t, openCluster(t, database), `SELECT id, state, created_at, attempted_at, finalized_at FROM river_job
		WHERE kind = 'ferry_maintenance' ORDER BY created_at`)
	defer rows.Close()
	type run struct {
		id         int64
		state      string
		created    time.Time
		start, end sql.NullTime
	}
	var runs []run
	for rows.Next() {
		var r run
		if err := rows.Scan(&r.id, &r.state, &r.created, &r.start, &r.end); err != nil {
			t.Fatalf("scan river_job: %v", err)
		}
		runs = append(runs, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("river_job: %v", err)
	}
	if len(runs) == 0 {
		t.Errorf("no ferry_maintenance job was ever enqueued; want one at the leader's start")
		return
	}
	early := 0
	for i, r := range runs {
		t.Logf("ferry_maintenance job %d: %s, created %s after the first start", r.id, r.state, r.created.Sub(start).Round(time.Millisecond))
		if r.created.Before(until) {
			early++
		}
		switch r.state {
		case "completed", "available", "running", "pending", "scheduled":
		default:
			t.Errorf("ferry_maintenance job %d is %s, want completed", r.id, r.state)
		}
		if i > 0 && r.start.Valid && runs[i-1].end.Valid && r.start.Time.Before(runs[i-1].end.Time) {
			t.Errorf("ferry_maintenance jobs %d and %d ran at the same time", runs[i-1].id, r.id)
		}
	}
	bothRan := until.Sub(start)
	if max := 1 + int(bothRan/time.Minute); early > max {
		t.Errorf("%d ferry_maintenance jobs were enqueued in the %s both instances ran, want at most %d (once at the leader's start, then once a minute)",
			early, bothRan.Round(time.Second), max)
	}
}
