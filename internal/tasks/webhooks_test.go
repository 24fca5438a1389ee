package tasks

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"ferry/internal/ferry"
	"ferry/internal/seal"
)

func TestWebhookSecretsSealedAtRest(t *testing.T) {
	t.Parallel()
	sealer, err := seal.New([]byte("a test key of enough length"))
	if err != nil {
		t.Fatal(err)
	}
	b := setup(t, Config{Sealer: sealer})
	ctx := context.Background()
	url := b.origin.URL + "/hook"
	w, err := b.engine.CreateWebhook(ctx, testPortal, ferry.WebhookInput{URL: &url})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := b.store.FindWebhook(ctx, testPortal, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw.Secret, w.Secret) || len(raw.Secret) <= len(w.Secret) {
		t.Errorf("the stored secret holds the plain secret: %x", raw.Secret)
	}
	rotated, err := b.engine.RotateSecret(ctx, testPortal, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	back, err := b.engine.findWebhook(ctx, b.store, testPortal, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back.Secret, rotated.Secret) || !bytes.Equal(back.OldSecret, w.Secret) {
		t.Errorf("opened secrets=%x/%x, want the new %x and the old %x", back.Secret, back.OldSecret, rotated.Secret, w.Secret)
	}
	other, _ := seal.New([]byte("another key of enough length"))
	b.engine.cfg.Sealer = other
	if _, err := b.engine.findWebhook(ctx, b.store, testPortal, w.ID); err == nil {
		t.Error("a secret sealed under one key opened under another")
	}
}

// The official Standard Webhooks verifier accepts Ferry's signatures, under
// the new secret and, until the overlap ends, under the old one.
func TestSignaturesVerify(t *testing.T) {
	t.Parallel()
	now := time.Now()
	hook := &ferry.Webhook{Secret: ferry.NewWebhookSecret(), OldSecret: ferry.NewWebhookSecret(), OldSecretUntil: now.Add(time.Hour)}
	body := []byte(`{"id":"evt_1","type":"file.created"}`)
	ts := strconv.FormatInt(now.Unix(), 10)
	h := http.Header{"Webhook-Id": {"evt_1"}, "Webhook-Timestamp": {ts}, "Webhook-Signature": {Signatures(hook, now, "evt_1", ts, body)}}
	for _, secret := range [][]byte{hook.Secret, hook.OldSecret} {
		v, err := standardwebhooks.NewWebhook(ferry.FormatSecret(secret))
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Verify(body, h); err != nil {
			t.Errorf("verify: %v", err)
		}
		if err := v.Verify(append(body, ' '), h); err == nil {
			t.Error("a changed body verified")
		}
	}
	h.Set("Webhook-Signature", Signatures(hook, now.Add(2*time.Hour), "evt_1", ts, body))
	old, _ := standardwebhooks.NewWebhook(ferry.FormatSecret(hook.OldSecret))
	if err := old.Verify(body, h); err == nil {
		t.Error("the old secret still signs after its overlap ended")
	}
}

func TestRetryDelay(t *testing.T) {
	t.Parallel()
	base := 5 * time.Second
	for n := 1; n <= 40; n++ {
		want := min(base<<min(n-1, 30), webhookRetryMax)
		if n > 30 {
			want = webhookRetryMax
		}
		for range 20 {
			d := retryDelay(base, n)
			if d < want*4/5 || d > want*6/5 {
				t.Fatalf("retryDelay(%s, %d)=%s, want %s ± 20%%", base, n, d, want)
			}
		}
	}
	// Retries at these delays go on for at least 24 hours within the
	// default 72 hours.
	var total time.Duration
	n := 0
	for total < 24*time.Hour {
		n++
		total += min(base<<min(n-1, 30), webhookRetryMax) * 4 / 5
	}
	if total > WebhookDisableAfterDefault {
		t.Errorf("24h of retries take %s, past the %s a delivery is retried", total, WebhookDisableAfterDefault)
	}
}
