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
	skipShort(t)
	if ok, missing := haveCluster(); !ok {
		t.Skipf("set FERRY_TEST_POSTGRES_URL and FERRY_TEST_S3_URL to run the two-instance test (%s is not set)", missing)
	}
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
