package e2e

import (
	"database/sql"
	"strings"
	"testing"
	"time"
)

// startPair starts instance a on fresh PostgreSQL + S3 storage, posts an
// import to it and waits until a fetches it; only then does it start b,
// so that the import certainly runs on a.
func startPair(t *testing.T, flags []string, post func(a *server) string, fetching func()) (a, b *server, st storage, id string) {
	t.Helper()
	if ok, missing := haveCluster(); !ok {
		t.Skipf("set FERRY_TEST_POSTGRES_URL and FERRY_TEST_S3_URL to run the two-instance test (%s is not set)", missing)
	}
	st = newPostgresS3Storage(t)
	a = startServerOn(t, st, flags...)
	id = post(a)
	fetching()
	b = startServerOn(t, st, flags...)
	return a, b, st, id
}

// TestTaskTakeoverAfterKill kills, with SIGKILL, the instance that runs
// an import from an origin that honours ranges; the other instance,
// sharing PostgreSQL and S3, finds the task's heartbeat silent and takes
// it over with the default --takeover-after (30s), long before
// --rescue-after (1h here, so River's rescuer cannot be the one), and
// continues it from the parts the dead instance stored.
func TestTaskTakeoverAfterKill(t *testing.T) {
	t.Parallel()
	skipShort(t)
	o := newOrigin(t)
	body := randBytes(t, 8<<20)
	hold := 5 << 20
	ro := newRangeOrigin(o, "/t.bin", body, true, hold)
	flags := []string{"--allow-private-networks", "--rescue-after", "1h"}
	var token string
	a, b, st, id := startPair(t, flags, func(a *server) string {
		token = a.Token // in the shared database: b accepts it too
		return ferryImport(t, a, token, map[string]any{"url": o.url("/t.bin"), "access": "PRIVATE", "folderPath": "/takeover"})
	}, func() { wait(t, ro.held, 30*time.Second, "the first transfer to reach the hold") })
	waitTaskView(t, b, token, id, "progress up to the hold", func(m map[string]any) bool { return jnum(m, "progress", "bytesDone") >= float64(hold) })
	time.Sleep(2 * time.Second) // parts close every second while bytes are pending; let the last one be saved

	a.kill9()
	killedAt := time.Now()
	wait(t, ro.aborted, 10*time.Second, "the origin to see the first transfer end")
	close(ro.release)
	var m map[string]any
	waitFor(t, 2*time.Minute, "the import to end on the other instance", func() bool {
		m = getTask(t, b, token, id)
		return jstr(m, "status") == "COMPLETE" || jstr(m, "status") == "CANCELED"
	})
	t.Logf("the import ended %s after the kill", time.Since(killedAt).Round(time.Second))
	if jstr(m, "status") != "COMPLETE" || jstr(m, "sha256") != sha256Hex(body) || jstr(m, "result", "md5") != contentMD5(body) {
		t.Fatalf("task after the kill: %v, want COMPLETE with the same bytes", m)
	}
	// Taken over through the heartbeat: the task's events show the second
	// attempt waiting with that cause, and the instance that took it over
	// logged it.
	if jnum(m, "attempts") != 2 {
		t.Errorf("task after the kill: %v attempts, want 2", m["attempts"])
	}
	var cause map[string]any
	stream := openEvents(t, b, token, id, "1")
	for e, ok := stream.next(t); ok; e, ok = stream.next(t) {
		if le, _ := e.data["lastError"].(map[string]any); cause == nil && le != nil {
			cause = le
		}
	}
	if jstr(cause, "errors", 0, "subCategory") != "WORK_LOST" || !strings.Contains(jstr(cause, "message"), "heartbeat was silent") {
		t.Errorf("the task's events show lastError %v, want WORK_LOST: the heartbeat was silent", cause)
	}
	if !strings.Contains(b.log.String(), `msg="took over a task whose instance stopped" task=`+id) {
		t.Errorf("instance b did not log that it took task %s over", id)
	}
	// Continued from the parts stored, not fetched again.
	ro.mu.Lock()
	asked := ro.asked
	ro.mu.Unlock()
	twice := ro.sent.Load() - int64(len(body))
	t.Logf("origin sent %d bytes for an %d-byte file (%.1f%% twice); Range headers: %q", ro.sent.Load(), len(body), 100*float64(twice)/float64(len(body)), asked)
	if len(asked) != 2 || asked[1] == "" || twice*10 >= int64(len(body)) {
		t.Errorf("requests' Range headers %q, bytes sent twice %d; want one more request, for the rest only", asked, twice)
	}
	checkNoBlob(t, b, "1", id+".part")
	// The dead instance's job was cancelled when the task moved to a new
	// one, which completed.
	var jobs string
	db := openCluster(t, st.database)
	waitFor(t, 30*time.Second, "the new job to be completed", func() bool {
		jobs = jobStates(t, db, id)
		return jobs != "cancelled,running"
	})
	if jobs != "cancelled,completed" {
		t.Errorf("River jobs of task %s: %s, want the dead instance's cancelled and the new one completed", id, jobs)
	}
}

// TestTaskSlowWorkerKeepsItsTask stalls an import's origin for several
// times --takeover-after while a second instance looks for silent tasks:
// the instance that runs it is alive and keeps its heartbeat, so nobody
// takes it over; it completes on its first attempt, fetched once.
func TestTaskSlowWorkerKeepsItsTask(t *testing.T) {
	t.Parallel()
	skipShort(t)
	o := newOrigin(t)
	body := randBytes(t, 1<<20)
	g := o.gated("/stall.bin", body, 64<<10)
	flags := []string{"--allow-private-networks", "--takeover-after", "5s", "--fetch-idle-timeout", "1m"}
	var token string
	a, b, _, id := startPair(t, flags, func(a *server) string {
		token = a.Token
		return ferryImport(t, a, token, map[string]any{"url": o.url("/stall.bin"), "access": "PRIVATE", "folderPath": "/stall"})
	}, func() { wait(t, g.started, 30*time.Second, "the fetch") })
	time.Sleep(15 * time.Second) // three times --takeover-after without a byte
	if m := getTask(t, b, token, id); jstr(m, "status") != "PROCESSING" || jnum(m, "attempts") != 1 {
		t.Errorf("stalled task: %v, want PROCESSING in its first attempt", m)
	}
	g.open()
	m := waitTaskView(t, b, token, id, "the import to complete", func(m map[string]any) bool {
		return jstr(m, "status") == "COMPLETE" || jstr(m, "status") == "CANCELED"
	})
	if jstr(m, "status") != "COMPLETE" || jnum(m, "attempts") != 1 || jstr(m, "sha256") != sha256Hex(body) {
		t.Errorf("task: %v, want COMPLETE on its first attempt", m)
	}
	if n := o.hitCount("/stall.bin"); n != 1 {
		t.Errorf("the origin served the file %d times, want once", n)
	}
	for k, s := range []*server{a, b} {
		if strings.Contains(s.log.String(), "took over a task") {
			t.Errorf("instance %d took over a task whose instance was alive", k)
		}
	}
}

// jobStates returns the states of the River jobs that worked a task, in
// the order they were created, comma-separated.
func jobStates(t *testing.T, db *sql.DB, taskID string) string {
	t.Helper()
	rows := queryRows(t, db, `SELECT state FROM river_job WHERE args->>'task_id' = $1 ORDER BY id`, taskID)
	defer rows.Close()
	var states []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatalf("scan river_job: %v", err)
		}
		states = append(states, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("river_job: %v", err)
	}
	return strings.Join(states, ",")
}
