package tasks

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"ferry/internal/ferry"
)

// Delivery defaults and fixed limits.
const (
	// DeliveryTimeout bounds one delivery attempt, connection included.
	DeliveryTimeout = 10 * time.Second
	// WebhookRetryBaseDefault is the wait after a delivery's first
	// failure; each further failure doubles it, up to webhookRetryMax.
	WebhookRetryBaseDefault = 5 * time.Second
	// WebhookDisableAfterDefault is how long a subscription may fail
	// without a single success before Ferry disables it. Deliveries are
	// retried for as long.
	WebhookDisableAfterDefault = 72 * time.Hour

	webhookRetryMax = time.Hour
	// deliveryJobAttempts bounds the retries River itself makes when a
	// delivery job fails for a reason of Ferry's own (its database was
	// unreachable); failed attempts at the endpoint snooze instead.
	deliveryJobAttempts = 25
)

// deliveryWorker posts one event to one subscription, signed as the
// Standard Webhooks specification says.
type deliveryWorker struct {
	river.WorkerDefaults[DeliveryArgs]
	e *Engine
}

// Timeout leaves room for the attempt and the bookkeeping around it.
func (w *deliveryWorker) Timeout(*river.Job[DeliveryArgs]) time.Duration {
	return DeliveryTimeout + 20*time.Second
}

// Work implements river.Worker.
func (w *deliveryWorker) Work(ctx context.Context, job *river.Job[DeliveryArgs]) error {
	portal := ferry.PortalID(job.Args.Portal)
	d, err := w.e.store.FindDelivery(ctx, portal, ferry.DeliveryID(job.Args.Delivery))
	if ferry.KindOf(err) == ferry.NotFound {
		return nil // its subscription was deleted, or it expired
	}
	if err != nil || d.State != ferry.DeliveryPending {
		return err
	}
	hook, err := w.e.findWebhook(ctx, w.e.store, portal, d.Webhook)
	if ferry.KindOf(err) == ferry.NotFound {
		return nil
	} else if err != nil {
		// Most likely an instance whose --secret-key differs from the
		// one that sealed the secret: say so, and let the queue retry
		// (perhaps on an instance that has the key).
		w.e.log.Error("webhook delivery cannot be signed here; instances that share a database must share --secret-key",
			"webhook", d.Webhook, "delivery", d.ID, "err", err)
		return err
	}
	if !hook.Enabled {
		return w.finish(ctx, &d, ferry.DeliveryFailed)
	}
	ev, err := w.e.store.FindEvent(ctx, portal, d.EventSeq)
	if ferry.KindOf(err) == ferry.NotFound {
		return w.finish(ctx, &d, ferry.DeliveryFailed)
	} else if err != nil {
		return err
	}
	body, err := w.e.cfg.RenderEvent(ev)
	if err != nil {
		return err
	}
	a := w.attempt(ctx, &hook, ev, body)
	d.Attempts = append(d.Attempts, a)
	return w.settle(ctx, &d, &hook, a)
}

// attempt makes one signed request and describes how it went.
func (w *deliveryWorker) attempt(ctx context.Context, hook *ferry.Webhook, ev ferry.Event, body []byte) ferry.DeliveryAttempt {
	start := w.e.cfg.Clock.Now()
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("webhook-id", string(ev.ID))
	ts := strconv.FormatInt(start.Unix(), 10)
	h.Set("webhook-timestamp", ts)
	h.Set("webhook-signature", Signatures(hook, start, string(ev.ID), ts, body))
	resp, err := w.e.fetcher.Post(ctx, hook.URL, h, body, DeliveryTimeout, ferry.MaxDeliveryResponse)
	a := ferry.DeliveryAttempt{At: start.UTC().Truncate(time.Millisecond), Duration: w.e.cfg.Clock.Now().Sub(start)}
	if err != nil {
		a.Error = err.Error()
		return a
	}
	a.StatusCode, a.Response = resp.StatusCode, string(resp.Body)
	if !ok(a.StatusCode) {
		a.Error = fmt.Sprintf("the endpoint answered %d %s", a.StatusCode, http.StatusText(a.StatusCode))
	}
	return a
}

func ok(code int) bool { return code >= 200 && code < 300 }

func (c Config) deliveryAttempted(d *ferry.Delivery, a ferry.DeliveryAttempt, now time.Time) {
	if c.DeliveryAttempted == nil {
		return
	}
	outcome := "failure"
	if ok(a.StatusCode) {
		outcome = "success"
	}
	c.DeliveryAttempted(outcome, now.Sub(d.CreatedAt))
}

// Signatures returns the webhook-signature header: "v1," and the base64
// HMAC-SHA256 of "id.timestamp.body" under the subscription's secret, and
// under its previous secret too while that one still signs.
func Signatures(hook *ferry.Webhook, now time.Time, id, ts string, body []byte) string {
	out := sign(hook.Secret, id, ts, body)
	if len(hook.OldSecret) > 0 && now.Before(hook.OldSecretUntil) {
		out += " " + sign(hook.OldSecret, id, ts, body)
	}
	return out
}

func sign(secret []byte, id, ts string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(id + "." + ts + "."))
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// settle records an attempt and decides what follows: done, retry later,
// or give up and perhaps disable the subscription.
func (w *deliveryWorker) settle(ctx context.Context, d *ferry.Delivery, hook *ferry.Webhook, a ferry.DeliveryAttempt) error {
	now := w.e.now()
	w.e.cfg.deliveryAttempted(d, a, now)
	if ok(a.StatusCode) {
		if !hook.FailingSince.IsZero() {
			if err := w.changeHook(ctx, hook, func(h *ferry.Webhook) { h.FailingSince = time.Time{} }); err != nil {
				return err
			}
		}
		return w.finish(ctx, d, ferry.DeliverySucceeded)
	}
	limit := w.e.cfg.WebhookDisableAfter
	failing := !hook.FailingSince.IsZero()
	var reason string
	switch {
	case a.StatusCode == http.StatusGone:
		reason = "the endpoint answered 410 Gone"
	case failing && now.Sub(hook.FailingSince) >= limit,
		// This delivery ran out of retries, and the endpoint has not
		// taken a delivery since its first attempt: it has failed for
		// as long, even if no later event comes to find out.
		failing && now.Sub(d.CreatedAt) >= limit && !hook.FailingSince.After(d.Attempts[0].At):
		reason = "every delivery failed since " + hook.FailingSince.Format(time.RFC3339)
	}
	err := w.changeHook(ctx, hook, func(h *ferry.Webhook) {
		if h.FailingSince.IsZero() {
			h.FailingSince = a.At
		}
		if reason != "" && h.Enabled {
			h.Enabled, h.DisabledReason = false, reason
		}
	})
	if err != nil {
		return err
	}
	if reason != "" {
		w.e.log.Warn("webhook disabled", "webhook", hook.ID, "portal", hook.Portal, "reason", reason)
		return w.finish(ctx, d, ferry.DeliveryFailed)
	}
	if now.Sub(d.CreatedAt) >= limit {
		return w.finish(ctx, d, ferry.DeliveryFailed)
	}
	d.UpdatedAt = now
	if err := w.e.store.UpdateDelivery(ctx, d); err != nil {
		return err
	}
	return river.JobSnooze(retryDelay(w.e.cfg.WebhookRetryBase, len(d.Attempts)))
}

// retryDelay is the wait after the n-th failed attempt: exponential, capped,
// with up to a fifth of jitter either way so that retries spread out.
func retryDelay(base time.Duration, n int) time.Duration {
	d := webhookRetryMax
	if n < 30 {
		d = min(base<<(n-1), webhookRetryMax)
	}
	jitter := time.Duration(rand.Int64N(int64(d)/5*2+1)) - d/5
	return d + jitter
}

// changeHook changes a subscription as it is now in the store, not as this
// worker read it, so that a client's change in between is kept.
func (w *deliveryWorker) changeHook(ctx context.Context, hook *ferry.Webhook, change func(*ferry.Webhook)) error {
	cur, err := w.e.changeWebhook(ctx, hook.Portal, hook.ID, func(h *ferry.Webhook) error { change(h); return nil })
	if err == nil {
		*hook = cur
	}
	return err
}

// finish records a delivery's final state.
func (w *deliveryWorker) finish(ctx context.Context, d *ferry.Delivery, state ferry.DeliveryState) error {
	d.State, d.UpdatedAt = state, w.e.now()
	err := w.e.store.UpdateDelivery(ctx, d)
	if ferry.KindOf(err) == ferry.NotFound {
		return nil
	}
	return err
}
