package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// webhookFlags let the server reach the test's receiver on loopback and
// retry failed deliveries quickly.
var webhookFlags = []string{"--allow-private-networks", "--webhook-retry-base", "200ms"}

// runScenario makes one change of every kind through the API and returns
// the event types it should have emitted, in order.
func runScenario(t *testing.T, s *server, o *origin) []string {
	t.Helper()
	folder := createFolder(t, s, map[string]any{"name": "scenario"})
	f := uploadFile(t, s, "/scenario", "notes.txt", []byte("first"), accessOpts("PRIVATE"))
	resp, b := s.do("PATCH", filesPath+"/"+jstr(f, "id"), map[string]any{"name": "renamed"}, s.Token)
	wantStatus(t, "PATCH file", resp, b, http.StatusOK)
	o.serve("/pic.png", "image/png", newPNG(t, 3, 2))
	id, _ := startImport(t, s, map[string]any{"url": o.url("/pic.png"), "access": "PRIVATE", "folderPath": "/scenario"})
	imported := waitTask(t, s, id, 30*time.Second, "COMPLETE")
	resp, b = s.do("POST", foldersPath+"/update/async", map[string]any{"id": jstr(folder, "id"), "name": "scenario2"}, s.Token)
	wantStatus(t, "folder update", resp, b, http.StatusAccepted)
	waitFolderTask(t, s, jstr(decodeJSON(t, b), "id"), s.Token)
	resp, b = s.do("DELETE", filesPath+"/"+jstr(imported, "result", "id"), nil, s.Token)
	wantStatus(t, "archive file", resp, b, http.StatusNoContent)
	resp, b = s.do("DELETE", filesPath+"/"+jstr(f, "id")+"/gdpr-delete", nil, s.Token)
	wantStatus(t, "GDPR delete", resp, b, http.StatusNoContent)
	resp, b = s.do("DELETE", foldersPath+"/"+jstr(folder, "id"), nil, s.Token)
	wantStatus(t, "archive folder", resp, b, http.StatusNoContent)
	return []string{"folder.created", "file.created", "file.updated", "file.created", "import.completed",
		"folder.updated", "folder_update.completed", "file.archived", "file.deleted", "folder.archived"}
}

func types(evs []map[string]any) []string {
	out := []string{}
	for _, e := range evs {
		out = append(out, jstr(e, "type"))
	}
	return out
}

// TestWebhooksDeliverEveryEvent is the user's story: subscribe, change
// things, receive every event signed and exactly once, see each attempt,
// and find the same events, in the same order, in the feed.
func TestWebhooksDeliverEveryEvent(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	o := newOrigin(t)
	s := startServer(t, webhookFlags...)
	id, secret := subscribe(t, s, s.Token, map[string]any{"url": rc.URL(), "description": "everything"})
	if !strings.HasPrefix(secret, "whsec_") || !strings.HasPrefix(id, "wh_") {
		t.Fatalf("subscription id %q secret %q, want wh_... and whsec_...", id, secret)
	}
	rc.setSecrets(secret)
	want := runScenario(t, s, o)

	evs := feed(t, s, s.Token, 3, "")
	if got := types(evs); !slices.Equal(got, want) {
		t.Fatalf("feed types=%v\nwant %v", got, want)
	}
	for i, e := range evs {
		if got := jstr(e, "cursor"); got != strconv.Itoa(i+1) {
			t.Errorf("event %d: cursor=%q, want %d", i, got, i+1)
		}
		if e["portalId"] != float64(1) || jstr(e, "occurredAt") == "" || jget(e, "data") == nil {
			t.Errorf("event %d lacks portalId 1, occurredAt or data: %v", i, e)
		}
	}
	if got := jstr(evs[4], "data", "result", "id"); got == "" || jstr(evs[4], "data", "status") != "COMPLETE" {
		t.Errorf("import.completed data=%v, want the task status with its file", evs[4]["data"])
	}
	if got := jstr(evs[1], "data", "path"); got != "/scenario/notes.txt" {
		t.Errorf("file.created data.path=%q, want /scenario/notes.txt", got)
	}
	rc.waitFor(eventIDs(evs), 30*time.Second)
	got, dups, _, _ := rc.snapshot()
	if dups != 0 || len(got) != len(evs) {
		t.Errorf("receiver got %d events and %d duplicates, want %d and none", len(got), dups, len(evs))
	}
	sort.Strings(want)
	gotTypes := types(got)
	sort.Strings(gotTypes)
	if !slices.Equal(gotTypes, want) {
		t.Errorf("delivered types=%v, want %v", gotTypes, want)
	}
	for _, e := range got {
		if !jsonEqual(e, evs[slices.Index(eventIDs(evs), jstr(e, "id"))]) {
			t.Errorf("delivered %v\nbut the feed has %v", e, evs[slices.Index(eventIDs(evs), jstr(e, "id"))])
		}
	}

	// Each delivery is on record with its attempt.
	ds := settledDeliveries(t, s, id)
	if len(ds) != len(evs) {
		t.Fatalf("deliveries=%d, want %d", len(ds), len(evs))
	}
	for _, d := range ds {
		if jstr(d, "state") != "SUCCEEDED" || jget(d, "attempts", 0, "statusCode") != float64(200) || jstr(d, "attempts", 0, "response") != "thanks" {
			t.Errorf("delivery=%v, want SUCCEEDED after one 200 attempt that answered thanks", d)
		}
	}

	// Only the types asked for.
	onlyTypes := feed(t, s, s.Token, 100, "&type=file.created,import.completed")
	if got := types(onlyTypes); !slices.Equal(got, []string{"file.created", "file.created", "import.completed"}) {
		t.Errorf("feed filtered by type=%v", got)
	}
}

// TestWebhookRetriesUntilTheEndpointRecovers: an endpoint that fails its
// first requests still gets every event, and the failures are on record.
func TestWebhookRetriesUntilTheEndpointRecovers(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	rc.answer(func(n int) int {
		if n <= 6 {
			return []int{500, 503, 404, 429, 302, 400}[n-1]
		}
		return 200
	})
	s := startServer(t, webhookFlags...)
	id, secret := subscribe(t, s, s.Token, map[string]any{"url": rc.URL(), "events": []string{"folder.created"}})
	rc.setSecrets(secret)
	for i := range 4 {
		createFolder(t, s, map[string]any{"name": fmt.Sprintf("f%d", i)})
	}
	uploadFile(t, s, "/f0", "x.txt", []byte("x"), accessOpts("PRIVATE")) // not subscribed
	evs := feed(t, s, s.Token, 100, "&type=folder.created")
	rc.waitFor(eventIDs(evs), 60*time.Second)
	got, dups, requests, _ := rc.snapshot()
	if len(got) != 4 || dups != 0 || requests < 10 {
		t.Errorf("received %d events, %d duplicates in %d requests; want 4, none, after 6 failures", len(got), dups, requests)
	}
	failed := 0
	for _, d := range settledDeliveries(t, s, id) {
		attempts := jget(d, "attempts").([]any)
		failed += len(attempts) - 1
		if jstr(d, "state") != "SUCCEEDED" || jget(attempts[len(attempts)-1], "statusCode") != float64(200) {
			t.Errorf("delivery=%v, want SUCCEEDED with a last attempt of 200", d)
		}
		for _, a := range attempts[:len(attempts)-1] {
			if jstr(a, "error") == "" || jstr(a, "response") == "" {
				t.Errorf("failed attempt=%v, want its error and the response's start", a)
			}
		}
	}
	if failed != 6 {
		t.Errorf("failed attempts on record=%d, want 6", failed)
	}
}

// TestWebhookSecretRotation: after a rotation, deliveries verify under the
// new secret and, during the overlap, under the old one too.
func TestWebhookSecretRotation(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	s := startServer(t, webhookFlags...)
	id, old := subscribe(t, s, s.Token, map[string]any{"url": rc.URL()})
	rc.setSecrets(old)
	createFolder(t, s, map[string]any{"name": "before"})
	rc.waitFor(eventIDs(feed(t, s, s.Token, 100, "")), 30*time.Second)

	resp, b := s.do("POST", "/ferry/v1/webhooks/"+id+"/rotate-secret", nil, s.Token)
	wantStatus(t, "rotate", resp, b, http.StatusOK)
	m := decodeJSON(t, b)
	fresh := jstr(m, "secret")
	if fresh == old || !strings.HasPrefix(fresh, "whsec_") || jstr(m, "oldSecretExpiresAt") == "" {
		t.Fatalf("rotate answered %s, want a new whsec_ secret and when the old one expires", b)
	}
	resp, b = s.do("GET", "/ferry/v1/webhooks/"+id, nil, s.Token)
	if wantStatus(t, "get", resp, b, http.StatusOK) && strings.Contains(string(b), "whsec_") {
		t.Errorf("GET shows a secret: %s", b)
	}
	rc.setSecrets(old, fresh) // each delivery must verify under both
	createFolder(t, s, map[string]any{"name": "after"})
	rc.waitFor(eventIDs(feed(t, s, s.Token, 100, "")), 30*time.Second)
	rc.setSecrets(fresh)
	createFolder(t, s, map[string]any{"name": "later"})
	rc.waitFor(eventIDs(feed(t, s, s.Token, 100, "")), 30*time.Second)
	_, _, _, _ = rc.snapshot()
	rc.mu.Lock()
	last := rc.signatures[len(rc.signatures)-1]
	rc.mu.Unlock()
	if n := len(strings.Fields(last)); n != 2 {
		t.Errorf("webhook-signature=%q, want two v1 signatures during the overlap", last)
	}
}

// TestWebhookRefusedAddress: without --allow-private-networks, a
// subscription to a loopback or private address is refused, as an import
// of one is.
func TestWebhookRefusedAddress(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	for _, u := range []string{"http://127.0.0.1:9/hook", "http://10.1.2.3/hook", "http://169.254.169.254/latest", "ftp://example.com/x", "not a url"} {
		resp, b := s.do("POST", "/ferry/v1/webhooks", map[string]any{"url": u}, s.Token)
		checkInvalid(t, "subscribe "+u, resp, b, "url")
	}
	id, _ := subscribe(t, s, s.Token, map[string]any{"url": "https://example.com/hook", "events": []string{"file.created"}})
	resp, b := s.do("PATCH", "/ferry/v1/webhooks/"+id, map[string]any{"url": "http://[::1]:8080/"}, s.Token)
	checkInvalid(t, "PATCH to loopback", resp, b, "url")
	resp, b = s.do("POST", "/ferry/v1/webhooks", map[string]any{"url": "https://example.com/x", "events": []string{"file.exploded"}}, s.Token)
	checkInvalid(t, "unknown event type", resp, b, "events")
	resp, b = s.do("GET", "/ferry/v1/events?limit=1001", nil, s.Token)
	checkInvalid(t, "limit past the maximum", resp, b, "limit")
	resp, b = s.do("GET", "/ferry/v1/events?limit=1000", nil, s.Token)
	wantStatus(t, "limit at the maximum", resp, b, http.StatusOK)
}

// TestWebhookLimitPerPortal: the 26th subscription of a portal is refused.
func TestWebhookLimitPerPortal(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	for i := range 25 {
		subscribe(t, s, s.Token, map[string]any{"url": fmt.Sprintf("https://example.com/%d", i)})
	}
	resp, b := s.do("POST", "/ferry/v1/webhooks", map[string]any{"url": "https://example.com/26"}, s.Token)
	wantStatus(t, "26th subscription", resp, b, http.StatusConflict)
}

// TestEventsAndWebhooksPortalIsolation: another portal sees none of the
// first portal's events, subscriptions or deliveries.
func TestEventsAndWebhooksPortalIsolation(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	other := s.createToken(2, "files")
	id, _ := subscribe(t, s, s.Token, map[string]any{"url": "https://example.com/hook"})
	createFolder(t, s, map[string]any{"name": "mine"})
	if evs := feed(t, s, other, 100, ""); len(evs) != 0 {
		t.Errorf("portal 2 sees %d of portal 1's events", len(evs))
	}
	resp, b := s.do("GET", "/ferry/v1/webhooks", nil, other)
	if wantStatus(t, "list", resp, b, http.StatusOK) && len(jget(decodeJSON(t, b), "results").([]any)) != 0 {
		t.Errorf("portal 2 lists portal 1's subscriptions: %s", b)
	}
	for _, req := range [][2]string{{"GET", ""}, {"PATCH", ""}, {"DELETE", ""}, {"POST", "/rotate-secret"}, {"GET", "/deliveries"}, {"POST", "/deliveries/1/redeliver"}} {
		var body any
		if req[0] == "PATCH" {
			body = map[string]any{"enabled": false}
		}
		resp, b := s.do(req[0], "/ferry/v1/webhooks/"+id+req[1], body, other)
		wantStatus(t, req[0]+" another portal's subscription"+req[1], resp, b, http.StatusNotFound)
	}
	noHidden := s.createToken(1, "files.read")
	resp, b = s.do("GET", "/ferry/v1/events", nil, noHidden)
	wantStatus(t, "feed without the hidden-read scope", resp, b, http.StatusForbidden)
}

// TestEventFeedPagingUnderConcurrentWriters polls the feed while several
// clients upload at once: every page continues where the last one ended,
// so a client that resumes from its last cursor misses nothing.
func TestEventFeedPagingUnderConcurrentWriters(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	const writers, each = 4, 10
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				uploadFile(t, s, "/w", fmt.Sprintf("w%d-%d.txt", w, i), []byte("x"), accessOpts("PRIVATE"))
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	last, seen := 0, 0
	for finished := false; !finished; {
		select {
		case <-done:
			finished = true
		default:
		}
		resp, b := s.do("GET", "/ferry/v1/events?limit=5&after="+strconv.Itoa(last), nil, s.Token)
		if !wantStatus(t, "feed", resp, b, http.StatusOK) {
			return
		}
		page, _ := jget(decodeJSON(t, b), "results").([]any)
		for _, e := range page {
			c, _ := strconv.Atoi(jstr(e, "cursor"))
			if c != last+1 {
				t.Fatalf("after cursor %d the feed showed %d", last, c)
			}
			last = c
			seen++
		}
		if finished && len(page) == 5 {
			finished = false
		}
	}
	// one folder.created (/w) and one file.created per upload
	if seen != writers*each+1 {
		t.Errorf("saw %d events, want %d", seen, writers*each+1)
	}
}

// TestEmulatorResetClearsEvents: a reset of the emulator empties the feed
// (of one portal or of all) and keeps the subscriptions.
func TestEmulatorResetClearsEvents(t *testing.T) {
	t.Parallel()
	s := startEmulator(t)
	other := s.createToken(2, "files")
	subscribe(t, s, s.Token, map[string]any{"url": "https://example.com/hook"})
	createFolder(t, s, map[string]any{"name": "one"})
	resp, b := s.do("POST", foldersPath, map[string]any{"name": "two"}, other)
	wantStatus(t, "portal 2's folder", resp, b, http.StatusCreated)

	control(t, s, "POST", "/_ferry/reset?portal=2", nil, http.StatusNoContent)
	if n, m := len(feed(t, s, other, 100, "")), len(feed(t, s, s.Token, 100, "")); n != 0 || m != 1 {
		t.Errorf("after portal 2's reset: portal 2 has %d events, portal 1 %d; want 0 and 1", n, m)
	}
	control(t, s, "POST", "/_ferry/reset", nil, http.StatusNoContent)
	if n := len(feed(t, s, s.Token, 100, "")); n != 0 {
		t.Errorf("after a full reset portal 1 has %d events, want none", n)
	}
	createFolder(t, s, map[string]any{"name": "again"})
	if evs := feed(t, s, s.Token, 100, ""); len(evs) != 1 || jstr(evs[0], "cursor") != "1" {
		t.Errorf("after a reset the feed starts again at cursor 1, got %v", evs)
	}
	resp, b = s.do("GET", "/ferry/v1/webhooks", nil, s.Token)
	if wantStatus(t, "subscriptions after reset", resp, b, http.StatusOK) && len(jget(decodeJSON(t, b), "results").([]any)) != 1 {
		t.Errorf("a reset removed the subscription: %s", b)
	}
}

// TestWebhookDeliveriesSurviveKill9: events whose deliveries are still
// pending when Ferry is killed are all delivered after it restarts.
func TestWebhookDeliveriesSurviveKill9(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	rc.answer(func(int) int { return http.StatusServiceUnavailable })
	// A delivery that was running at the kill is rescued after
	// --rescue-after, which must exceed the longest import.
	s := startServer(t, append(webhookFlags, "--fetch-total-timeout", "5s", "--rescue-after", "15s")...)
	_, secret := subscribe(t, s, s.Token, map[string]any{"url": rc.URL()})
	rc.setSecrets(secret)
	for i := range 10 {
		createFolder(t, s, map[string]any{"name": fmt.Sprintf("k%d", i)})
	}
	want := eventIDs(feed(t, s, s.Token, 100, ""))
	time.Sleep(300 * time.Millisecond) // let some attempts fail first
	s.kill9()
	rc.answer(func(int) int { return http.StatusOK })
	s.restart()
	rc.waitFor(want, 90*time.Second)
	if got, _, _, _ := rc.snapshot(); len(got) != len(want) {
		t.Errorf("received %d events, want %d", len(got), len(want))
	}
}

// TestWebhookGoneDisables: an endpoint that answers 410 Gone is disabled
// at once, with a webhook.disabled event; one that keeps failing is
// disabled after --webhook-disable-after. Redelivery sends an event again.
func TestWebhookGoneDisables(t *testing.T) {
	t.Parallel()
	gone := newReceiver(t)
	gone.answer(func(int) int { return http.StatusGone })
	failing := newReceiver(t)
	failing.answer(func(int) int { return http.StatusInternalServerError })
	s := startServer(t, append(webhookFlags, "--webhook-disable-after", "2s")...)
	goneID, _ := subscribe(t, s, s.Token, map[string]any{"url": gone.URL(), "events": []string{"folder.created"}})
	failID, _ := subscribe(t, s, s.Token, map[string]any{"url": failing.URL(), "events": []string{"folder.created"}})
	createFolder(t, s, map[string]any{"name": "first"})

	waitDisabled := func(id string) map[string]any {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			resp, b := s.do("GET", "/ferry/v1/webhooks/"+id, nil, s.Token)
			wantStatus(t, "get", resp, b, http.StatusOK)
			m := decodeJSON(t, b)
			if m["enabled"] == false {
				return m
			}
			if time.Now().After(deadline) {
				t.Fatalf("subscription %s still enabled: %s", id, b)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	if m := waitDisabled(goneID); !strings.Contains(jstr(m, "disabledReason"), "410") {
		t.Errorf("disabledReason=%q, want it to name the 410", jstr(m, "disabledReason"))
	}
	if m := waitDisabled(failID); jstr(m, "disabledReason") == "" || jstr(m, "failingSince") == "" {
		t.Errorf("the failing subscription=%v, want a reason and failingSince", m)
	}
	disabled := feed(t, s, s.Token, 100, "&type=webhook.disabled")
	ids := []string{}
	for _, e := range disabled {
		ids = append(ids, jstr(e, "data", "id"))
		if strings.Contains(fmt.Sprint(e), "whsec_") || jget(e, "data", "secret") != nil {
			t.Errorf("webhook.disabled shows a secret: %v", e)
		}
	}
	sort.Strings(ids)
	want := []string{goneID, failID}
	sort.Strings(want)
	if !slices.Equal(ids, want) {
		t.Errorf("webhook.disabled events for %v, want %v", ids, want)
	}

	// Enabled again and repaired, it gets a redelivery of the event.
	failing.answer(func(int) int { return http.StatusOK })
	resp, b := s.do("PATCH", "/ferry/v1/webhooks/"+failID, map[string]any{"enabled": true}, s.Token)
	if wantStatus(t, "enable", resp, b, http.StatusOK) && (jget(decodeJSON(t, b), "disabledReason") != nil || jget(decodeJSON(t, b), "failingSince") != nil) {
		t.Errorf("enabled again, it still shows its failure: %s", b)
	}
	ds := settledDeliveries(t, s, failID)
	if len(ds) != 1 || jstr(ds[0], "state") != "FAILED" {
		t.Fatalf("deliveries=%v, want one FAILED", ds)
	}
	resp, b = s.do("POST", "/ferry/v1/webhooks/"+failID+"/deliveries/"+jstr(ds[0], "id")+"/redeliver", nil, s.Token)
	wantStatus(t, "redeliver", resp, b, http.StatusAccepted)
	failing.setSecrets() // any signature; the other tests verify them
	failing.waitFor([]string{jstr(ds[0], "eventId")}, 30*time.Second)
	resp, b = s.do("POST", "/ferry/v1/webhooks/"+goneID+"/deliveries/"+jstr(ds[0], "id")+"/redeliver", nil, s.Token)
	wantStatus(t, "redeliver another subscription's delivery", resp, b, http.StatusNotFound)
}

// TestWebhooksTwoInstances: two instances on one database deliver every
// event, and (nearly) each once: the receiver counts duplicates.
func TestWebhooksTwoInstances(t *testing.T) {
	t.Parallel()
	skipUnlessCluster(t)
	rc := newReceiver(t)
	st := newPostgresS3Storage(t)
	// Instances that share a database share the key that seals the
	// signing secrets.
	flags := append([]string{"--secret-key", "e2e-cluster-" + randomHex(t, 16)}, webhookFlags...)
	a := startServerOn(t, st, flags...)
	b := startServerOn(t, st, flags...)
	id, secret := subscribe(t, a, a.Token, map[string]any{"url": rc.URL()})
	rc.setSecrets(secret)
	const n = 100
	var wg sync.WaitGroup
	for i, s := range []*server{a, b} {
		wg.Go(func() {
			for j := range n / 2 {
				resp, body := s.do("POST", foldersPath, map[string]any{"name": fmt.Sprintf("i%d-%d", i, j)}, a.Token)
				wantStatus(t, "create folder", resp, body, http.StatusCreated)
			}
		})
	}
	wg.Wait()
	want := eventIDs(feed(t, b, a.Token, 1000, ""))
	if len(want) != n {
		t.Fatalf("feed holds %d events, want %d", len(want), n)
	}
	t.Cleanup(func() {
		if t.Failed() {
			resp, b := a.do("GET", "/ferry/v1/webhooks/"+id+"/deliveries?limit=100", nil, a.Token)
			t.Logf("deliveries: %d %s", resp.StatusCode, b)
		}
	})
	rc.waitFor(want, 60*time.Second)
	time.Sleep(time.Second) // a late duplicate would arrive now
	got, dups, _, _ := rc.snapshot()
	if len(got) != n || dups*100 >= n {
		t.Errorf("received %d events with %d duplicates, want %d and under 1%%", len(got), dups, n)
	}
	t.Logf("two instances: %d events, %d duplicates", len(got), dups)
}

// TestCLIEventsAndWebhooks drives "ferry webhooks ..." and "ferry events
// tail" through the binary.
func TestCLIEventsAndWebhooks(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	s := startServer(t, webhookFlags...)
	var created struct{ ID, Secret string }
	cliJSON(t, s, &created, "webhooks", "create", rc.URL(), "--events", "folder.created,file.created", "--description", "cli")
	if !strings.HasPrefix(created.Secret, "whsec_") {
		t.Fatalf("webhooks create printed secret %q", created.Secret)
	}
	rc.setSecrets(created.Secret)
	out, stderr, code := ferryCLI(t, s, "webhooks", "list")
	if code != 0 || !strings.Contains(out, created.ID) || !strings.Contains(out, "folder.created,file.created") || strings.Contains(out, "whsec_") {
		t.Errorf("webhooks list: exit=%d out=%q stderr=%q", code, out, stderr)
	}

	// tail from the end prints only what happens after it starts.
	createFolder(t, s, map[string]any{"name": "before"})
	tail := exec.Command(ferryBin, "events", "tail", "--json", "--interval", "100ms")
	tail.Env = append(ferryFreeEnv(), "FERRY_SERVER="+s.BaseURL, "FERRY_TOKEN="+s.Token)
	var tailOut syncBuffer
	tail.Stdout = &tailOut
	if err := tail.Start(); err != nil {
		t.Fatal(err)
	}
	defer tail.Process.Kill()
	time.Sleep(time.Second) // let it reach the end of the feed
	createFolder(t, s, map[string]any{"name": "after"})
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(tailOut.String(), `"/after"`) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	tail.Process.Signal(os.Interrupt)
	tail.Wait()
	lines := strings.Split(strings.TrimSpace(tailOut.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], `"folder.created"`) || !strings.Contains(lines[0], `"/after"`) {
		t.Errorf("events tail printed %q, want only the folder created after it started", lines)
	}
	out, _, code = ferryCLI(t, s, "events", "tail", "--after", "0", "--once", "--type", "folder.created")
	if code != 0 || strings.Count(out, "folder.created") != 2 || !strings.Contains(out, "/before") {
		t.Errorf("events tail --after 0 --once: exit=%d out=%q", code, out)
	}

	rc.waitFor(eventIDs(feed(t, s, s.Token, 100, "")), 30*time.Second)
	settledDeliveries(t, s, created.ID)
	out, _, code = ferryCLI(t, s, "webhooks", "deliveries", created.ID)
	if code != 0 || strings.Count(out, "SUCCEEDED") != 2 {
		t.Errorf("webhooks deliveries: exit=%d out=%q, want two SUCCEEDED", code, out)
	}
	var rotated struct{ Secret string }
	cliJSON(t, s, &rotated, "webhooks", "rotate-secret", created.ID)
	if rotated.Secret == created.Secret || !strings.HasPrefix(rotated.Secret, "whsec_") {
		t.Errorf("rotate-secret printed %q", rotated.Secret)
	}
	out, _, code = ferryCLI(t, s, "webhooks", "update", created.ID, "--disable")
	if code != 0 || !strings.Contains(out, "disabled") {
		t.Errorf("webhooks update --disable: exit=%d out=%q", code, out)
	}
	wantExit(t, s, 5, []string{"scheme"}, "webhooks", "update", created.ID, "--url", "ftp://example.com/")
	wantExit(t, s, 0, nil, "webhooks", "delete", created.ID)
	wantExit(t, s, 4, nil, "webhooks", "delete", created.ID)
	wantExit(t, s, 2, nil, "webhooks", "frobnicate")
}

// TestWebhookMetrics: attempts by outcome and the lag of each attempt are
// exposed on --metrics-addr.
func TestWebhookMetrics(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	rc.answer(func(n int) int {
		if n == 1 {
			return http.StatusBadGateway
		}
		return http.StatusOK
	})
	s := startServer(t, append(webhookFlags, "--metrics-addr", "127.0.0.1:0")...)
	id, secret := subscribe(t, s, s.Token, map[string]any{"url": rc.URL()})
	rc.setSecrets(secret)
	createFolder(t, s, map[string]any{"name": "m"})
	rc.waitFor(eventIDs(feed(t, s, s.Token, 100, "")), 30*time.Second)
	settledDeliveries(t, s, id)
	addr := regexp.MustCompile(`msg="serving metrics" addr=(\S+)`).FindStringSubmatch(s.log.String())
	if addr == nil {
		t.Fatalf("no metrics address in the log")
	}
	resp, err := http.Get("http://" + addr[1] + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`ferry_webhook_delivery_attempts_total{outcome="failure"} 1`,
		`ferry_webhook_delivery_attempts_total{outcome="success"} 1`, `ferry_webhook_delivery_lag_seconds_count 2`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// TestCanceledImportEmitsEvent: canceling an import through the task API
// emits import.canceled, once, with the task status as data.
func TestCanceledImportEmitsEvent(t *testing.T) {
	t.Parallel()
	o := newOrigin(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	o.handle("/stuck.bin", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.Write([]byte("x"))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	s := startServer(t, webhookFlags...)
	id, _ := startImport(t, s, map[string]any{"url": o.url("/stuck.bin"), "access": "PRIVATE", "folderPath": "/c"})
	waitTask(t, s, id, 30*time.Second, "PROCESSING")
	resp, b := s.do("POST", "/ferry/v1/tasks/"+id+"/cancel", nil, s.Token)
	wantStatus(t, "cancel", resp, b, http.StatusOK)
	waitTask(t, s, id, 30*time.Second, "CANCELED")
	deadline := time.Now().Add(10 * time.Second)
	var evs []map[string]any
	for time.Now().Before(deadline) {
		if evs = feed(t, s, s.Token, 100, "&type=import.canceled,import.completed"); len(evs) > 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // a second event would show now
	evs = feed(t, s, s.Token, 100, "&type=import.canceled,import.completed")
	if len(evs) != 1 || jstr(evs[0], "type") != "import.canceled" || jstr(evs[0], "data", "taskId") != id || jstr(evs[0], "data", "status") != "CANCELED" {
		t.Errorf("events=%v, want one import.canceled for task %s", evs, id)
	}
}
