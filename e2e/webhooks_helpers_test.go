package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// receiver is a webhook endpoint that verifies every delivery with the
// official Standard Webhooks library, as a user's handler would, and
// keeps each verified event once by webhook-id, counting duplicates.
type receiver struct {
	t   *testing.T
	srv *httptest.Server

	mu         sync.Mutex
	verifiers  []*standardwebhooks.Webhook // a delivery must verify under each
	status     func(n int) int             // the status to answer the n-th request with (1-based)
	requests   int
	events     map[string]map[string]any // by webhook-id
	order      []string                  // webhook-ids in arrival order
	duplicates int
	bad        []string // deliveries that failed verification
	signatures []string // webhook-signature of each request
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	rc := &receiver{t: t, events: map[string]map[string]any{}, status: func(int) int { return http.StatusOK }}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

// URL is the endpoint to subscribe.
func (rc *receiver) URL() string { return rc.srv.URL + "/hook" }

// setSecrets makes the receiver verify each delivery under every one of
// secrets, as "whsec_..." strings.
func (rc *receiver) setSecrets(secrets ...string) {
	rc.t.Helper()
	var vs []*standardwebhooks.Webhook
	for _, s := range secrets {
		v, err := standardwebhooks.NewWebhook(s)
		if err != nil {
			rc.t.Fatalf("standardwebhooks.NewWebhook(%q): %v", s, err)
		}
		vs = append(vs, v)
	}
	rc.mu.Lock()
	rc.verifiers = vs
	rc.mu.Unlock()
}

// answer sets how the receiver answers from now on.
func (rc *receiver) answer(status func(n int) int) {
	rc.mu.Lock()
	rc.status = status
	rc.mu.Unlock()
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.requests++
	rc.signatures = append(rc.signatures, r.Header.Get("webhook-signature"))
	code := rc.status(rc.requests)
	if code < 200 || code > 299 {
		w.WriteHeader(code)
		io.WriteString(w, "not now: "+strconv.Itoa(code))
		return
	}
	for _, v := range rc.verifiers {
		if err := v.Verify(body, r.Header); err != nil {
			rc.bad = append(rc.bad, r.Header.Get("webhook-id")+": "+err.Error())
			w.WriteHeader(http.StatusBadRequest)
			return
		}
	}
	var ev map[string]any
	if err := json.Unmarshal(body, &ev); err != nil {
		rc.bad = append(rc.bad, "body is not JSON: "+err.Error())
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	id := r.Header.Get("webhook-id")
	if ev["id"] != id {
		rc.bad = append(rc.bad, "webhook-id "+id+" is not the event's id")
	}
	if _, seen := rc.events[id]; seen {
		rc.duplicates++
	} else {
		rc.events[id] = ev
		rc.order = append(rc.order, id)
	}
	io.WriteString(w, "thanks")
}

// snapshot returns the events received so far, in arrival order, with the
// duplicate count and the failed verifications.
func (rc *receiver) snapshot() (events []map[string]any, duplicates, requests int, bad []string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, id := range rc.order {
		events = append(events, rc.events[id])
	}
	return events, rc.duplicates, rc.requests, append([]string(nil), rc.bad...)
}

// waitFor waits until the receiver holds every event id in want, and
// fails the test if any delivery failed verification.
func (rc *receiver) waitFor(want []string, timeout time.Duration) {
	rc.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		rc.mu.Lock()
		missing := 0
		for _, id := range want {
			if _, ok := rc.events[id]; !ok {
				missing++
			}
		}
		bad := append([]string(nil), rc.bad...)
		rc.mu.Unlock()
		if len(bad) > 0 {
			rc.t.Fatalf("deliveries failed verification: %q", bad)
		}
		if missing == 0 {
			return
		}
		if time.Now().After(deadline) {
			rc.t.Fatalf("after %s the receiver still misses %d of %d events", timeout, missing, len(want))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// feed reads a portal's whole event feed through paging, limit at a
// time, and returns the events.
func feed(t *testing.T, s *server, token string, limit int, query string) []map[string]any {
	t.Helper()
	var out []map[string]any
	path := "/ferry/v1/events?limit=" + strconv.Itoa(limit) + query
	for {
		resp, b := s.do("GET", path, nil, token)
		if !wantStatus(t, "GET "+path, resp, b, http.StatusOK) {
			t.FailNow()
		}
		var page struct {
			Results []map[string]any `json:"results"`
			Paging  *struct {
				Next struct {
					After string `json:"after"`
					Link  string `json:"link"`
				} `json:"next"`
			} `json:"paging"`
		}
		if err := json.Unmarshal(b, &page); err != nil {
			t.Fatalf("feed page: %v\n%s", err, b)
		}
		out = append(out, page.Results...)
		if page.Paging == nil {
			return out
		}
		path = page.Paging.Next.Link
	}
}

// eventIDs returns the ids of events.
func eventIDs(evs []map[string]any) []string {
	ids := []string{}
	for _, e := range evs {
		ids = append(ids, jstr(e, "id"))
	}
	return ids
}

// subscribe creates a subscription and returns its id and secret.
func subscribe(t *testing.T, s *server, token string, body map[string]any) (id, secret string) {
	t.Helper()
	resp, b := s.do("POST", "/ferry/v1/webhooks", body, token)
	if !wantStatus(t, "POST /ferry/v1/webhooks", resp, b, http.StatusCreated) {
		t.FailNow()
	}
	m := decodeJSON(t, b)
	return jstr(m, "id"), jstr(m, "secret")
}

// settledDeliveries waits until none of a subscription's deliveries is
// PENDING (the receiver may have an event before its delivery is marked)
// and returns them, newest first.
func settledDeliveries(t *testing.T, s *server, id string) []any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, b := s.do("GET", "/ferry/v1/webhooks/"+id+"/deliveries?limit=100", nil, s.Token)
		if !wantStatus(t, "deliveries", resp, b, http.StatusOK) {
			t.FailNow()
		}
		ds, _ := jget(decodeJSON(t, b), "results").([]any)
		pending := slices.ContainsFunc(ds, func(d any) bool { return jstr(d, "state") == "PENDING" })
		if !pending {
			return ds
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries still pending after 30s: %s", b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
