package fetch_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"ferry/internal/fetch"
)

// Post sends the body and headers, keeps at most limit bytes of the
// answer, treats a redirect as an answer, and ends at its timeout.
func TestPost(t *testing.T) {
	t.Parallel()
	var gotBody, gotSig, gotUA string
	s := newOrigin(t, originIP, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/hook":
			b, _ := io.ReadAll(r.Body)
			gotBody, gotSig, gotUA = string(b), r.Header.Get("webhook-signature"), r.UserAgent()
			io.WriteString(w, strings.Repeat("a", 5000))
		case "/moved":
			http.Redirect(w, r, "/hook", http.StatusFound)
		case "/slow":
			select {
			case <-time.After(5 * time.Second):
			case <-r.Context().Done():
			}
		}
	}))
	f := mustNew(t, testConfig(t, s))
	ctx := context.Background()
	h := http.Header{"Webhook-Signature": {"v1,abc"}}
	resp, err := f.Post(ctx, s.URL+"/hook", h, []byte(`{"a":1}`), time.Second, 1024)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || len(resp.Body) != 1024 || gotBody != `{"a":1}` || gotSig != "v1,abc" || gotUA == "" {
		t.Errorf("status=%d body=%d bytes, server saw body %q signature %q UA %q", resp.StatusCode, len(resp.Body), gotBody, gotSig, gotUA)
	}
	gotBody = ""
	resp, err = f.Post(ctx, s.URL+"/moved", h, []byte("x"), time.Second, 1024)
	if err != nil || resp.StatusCode != http.StatusFound || gotBody != "" {
		t.Errorf("redirect: status=%v err=%v, server saw %q at the target; want the 302 itself, not followed", resp, err, gotBody)
	}
	start := time.Now()
	_, err = f.Post(ctx, s.URL+"/slow", h, nil, 200*time.Millisecond, 1024)
	asError(t, err, fetch.CodeTotalTimeout)
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("a 200ms Post took %s", d)
	}
}

// Post refuses what the policy refuses, as Fetch does.
func TestPostPolicy(t *testing.T) {
	t.Parallel()
	s := newOrigin(t, otherIP, http.NotFoundHandler())
	f := mustNew(t, fetch.Config{})
	_, err := f.Post(context.Background(), s.URL+"/hook", nil, nil, time.Second, 10)
	var fe *fetch.Error
	if !errors.As(err, &fe) || (fe.Code != fetch.CodeAddressNotAllowed && fe.Code != fetch.CodePortNotAllowed) {
		t.Errorf("Post to %s: %v, want it refused by the address policy", s.URL, err)
	}
	_, err = f.Post(context.Background(), "http://user:s3cret@[::1]:1/x", nil, nil, time.Second, 10)
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Post to loopback with credentials: %v, want a refusal without the password", err)
	}
}

// An endpoint that echoes what it was sent into a malformed answer makes
// Go's error quote it; Post's error must not show the caller's header
// values (a webhook's signature, an import's source headers).
func TestPostNeverShowsHeaderValues(t *testing.T) {
	t.Parallel()
	const secret = "v1,s3cr3t-signature"
	s := newOrigin(t, originIP, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, rw := hijack(t, w)
		defer conn.Close()
		rw.WriteString(r.Header.Get("Webhook-Signature") + "\r\n\r\n")
		rw.Flush()
	}))
	f := mustNew(t, testConfig(t, s))
	h := http.Header{"Webhook-Signature": {secret}}
	_, err := f.Post(context.Background(), s.URL+"/hook", h, []byte("{}"), time.Second, 10)
	var fe *fetch.Error
	if !errors.As(err, &fe) {
		t.Fatalf("Post to a malformed answer: err=%v, want a *fetch.Error", err)
	}
	texts := []string{err.Error(), fe.Message, fmt.Sprint(fe.Context)}
	if fe.Err != nil {
		texts = append(texts, fe.Err.Error())
	}
	for _, text := range texts {
		if strings.Contains(text, "s3cr3t") {
			t.Errorf("Post error %q shows the header's value", text)
		}
	}
}
