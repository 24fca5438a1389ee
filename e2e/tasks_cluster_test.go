package e2e

import (
	"testing"
	"time"
)

// TestTaskTwoInstances runs an import on one instance while a user
// watches, cancels and retries it through another: progress, events and
// the cancel all go through the shared database. The source headers,
// sealed by one instance, are opened by the other (a shared --secret-key).
func TestTaskTwoInstances(t *testing.T) {
	t.Parallel()
	skipUnlessCluster(t)
	o := newOrigin(t)
	body := randBytes(t, 2<<20)
	g := o.gated("/shared.bin", body, 512<<10)
	st := newPostgresS3Storage(t)
	key := []string{"--secret-key", "e2e-shared-secret-key-" + randomHex(t, 8)}
	worker := startServerOn(t, st, append([]string{"--allow-private-networks"}, key...)...)
	api := startServerOn(t, st, append([]string{"--allow-private-networks", "--import-workers", "-1"}, key...)...)
	token := worker.Token // every instance's bootstrap token is in the shared database

	id := ferryImport(t, api, token, map[string]any{"url": o.url("/shared.bin"), "access": "PRIVATE", "folderPath": "/two",
		"sourceHeaders": map[string]any{"Authorization": "Bearer two-instance-secret"}})
	wait(t, g.started, 30*time.Second, "the worker instance to fetch")
	if got := g.headers[0].Get("Authorization"); got != "Bearer two-instance-secret" {
		t.Errorf("origin got Authorization %q from the worker instance, want the header sealed by the API instance", got)
	}
	m := waitTaskView(t, api, token, id, "progress seen on the API instance", func(m map[string]any) bool {
		return jnum(m, "progress", "bytesDone") >= 512<<10
	})
	if jstr(m, "status") != "PROCESSING" || jnum(m, "progress", "bytesTotal") != float64(len(body)) {
		t.Errorf("task on the API instance: %v", m)
	}
	stream := openEvents(t, api, token, id, "")
	if e, ok := stream.next(t); !ok || jnum(e.data, "progress", "bytesDone") < 512<<10 {
		t.Errorf("first event on the API instance: %v, want the progress so far", e)
	}

	resp, b := api.do("POST", ferryTask(id)+"/cancel", nil, token)
	if resp.StatusCode != 200 {
		t.Fatalf("cancel through the API instance: %d %s", resp.StatusCode, b)
	}
	wait(t, g.aborted, 10*time.Second, "the fetch on the worker instance to stop")
	var last sseEvent
	for e, ok := stream.next(t); ok; e, ok = stream.next(t) {
		last = e
	}
	if jstr(last.data, "status") != "CANCELED" {
		t.Errorf("last event on the API instance: %v, want CANCELED", last.data)
	}
	// The worker deletes what it kept once it sees the cancel.
	waitFor(t, 10*time.Second, "the canceled import's blobs to be deleted", func() bool { return len(taskBlobs(t, worker, "1", id)) == 0 })

	resp, b = api.do("POST", ferryTask(id)+"/retry", map[string]any{"sourceHeaders": map[string]any{"Authorization": "Bearer two-instance-secret"}}, token)
	if resp.StatusCode != 202 {
		t.Fatalf("retry through the API instance: %d %s", resp.StatusCode, b)
	}
	newID := jstr(decodeJSON(t, b), "id")
	g.open()
	done := waitTaskView(t, api, token, newID, "the retry to complete on the worker", statusIs("COMPLETE"))
	if jstr(done, "sha256") != sha256Hex(body) {
		t.Errorf("retried task: %v", done)
	}
}

// TestQueueNotifiesOtherInstances: an import accepted by an API-only
// instance starts on the worker instance because PostgreSQL tells the
// worker of its job (River's LISTEN/NOTIFY), not because the worker polls:
// the worker polls once an hour here. The first import may be sent before
// the worker listens; the ones sent after it (one every two seconds until
// something completes) wake it, and its fetch takes every job waiting.
func TestQueueNotifiesOtherInstances(t *testing.T) {
	t.Parallel()
	skipUnlessCluster(t)
	o := newOrigin(t)
	o.serve("/woken.txt", "text/plain", []byte("woken by a notification"))
	st := newPostgresS3Storage(t)
	worker := startServerOn(t, st, "--allow-private-networks", "--queue-poll-interval", "1h")
	api := startServerOn(t, st, "--allow-private-networks", "--import-workers", "-1", "--queue-poll-interval", "1h")
	token := worker.Token // every instance's bootstrap token is in the shared database

	var ids []string
	waitFor(t, 30*time.Second, "an import sent through the API instance to complete on the worker", func() bool {
		ids = append(ids, ferryImport(t, api, token, map[string]any{"url": o.url("/woken.txt"), "access": "PRIVATE", "folderPath": "/woken"}))
		deadline := time.Now().Add(2 * time.Second)
		for time.Now().Before(deadline) {
			if jstr(getTask(t, api, token, ids[len(ids)-1]), "status") == "COMPLETE" {
				return true
			}
			time.Sleep(50 * time.Millisecond)
		}
		return false
	})
	for _, id := range ids {
		waitTaskView(t, api, token, id, "every import sent to complete", statusIs("COMPLETE"))
	}
}
