package ferry

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// WebhookID identifies a webhook subscription: "wh_" and 26 characters.
type WebhookID string

// NewWebhookID returns a fresh, random subscription id.
func NewWebhookID() WebhookID { return WebhookID("wh_" + randomID()) }

// Webhook is a subscription: Ferry posts each of its portal's events whose
// type it wants to URL, signed with Secret as the Standard Webhooks
// specification says.
type Webhook struct {
	ID             WebhookID
	Portal         PortalID
	URL            string
	Events         []EventType // empty: every type
	Description    string
	Enabled        bool
	DisabledReason string    // why Ferry disabled it; empty if it is enabled or a user disabled it
	Secret         []byte    // the signing secret's bytes
	OldSecret      []byte    // the secret before the last rotation, which also signs until OldSecretUntil
	OldSecretUntil time.Time // zero: no old secret
	FailingSince   time.Time // the first failure since the last success; zero while it succeeds
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Wants reports whether the subscription receives events of type t.
func (w *Webhook) Wants(t EventType) bool {
	if len(w.Events) == 0 {
		return true
	}
	for _, e := range w.Events {
		if e == t {
			return true
		}
	}
	return false
}

// Redacted returns a copy without its secrets, as events carry it.
func (w Webhook) Redacted() Webhook {
	w.Secret, w.OldSecret = nil, nil
	return w
}

// SecretPrefix starts every signing secret as Ferry shows it.
const SecretPrefix = "whsec_"

// NewWebhookSecret returns 32 random bytes for signing.
func NewWebhookSecret() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return b
}

// FormatSecret returns a secret as receivers configure it: "whsec_" and
// the base64 of its bytes.
func FormatSecret(b []byte) string { return SecretPrefix + base64.StdEncoding.EncodeToString(b) }

// DeliveryID identifies one delivery of an event to a subscription.
type DeliveryID int64

// String returns id in decimal.
func (id DeliveryID) String() string { return strconv.FormatInt(int64(id), 10) }

// ParseDeliveryID parses a decimal delivery id; anything else names no
// delivery.
func ParseDeliveryID(s string) (DeliveryID, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || strings.HasPrefix(s, "+") {
		return 0, Errorf(NotFound, "delivery not found")
	}
	return DeliveryID(n), nil
}

// DeliveryState is where a delivery stands.
type DeliveryState string

// The delivery states.
const (
	DeliveryPending   DeliveryState = "PENDING"   // not yet delivered; attempts go on
	DeliverySucceeded DeliveryState = "SUCCEEDED" // an attempt got a 2xx
	DeliveryFailed    DeliveryState = "FAILED"    // given up: retries ran out or the subscription was disabled
)

// Delivery is one event on its way to one subscription, with every
// attempt made so far.
type Delivery struct {
	ID        DeliveryID
	Webhook   WebhookID
	Portal    PortalID
	EventID   EventID
	EventSeq  int64
	EventType EventType
	State     DeliveryState
	Attempts  []DeliveryAttempt
	CreatedAt time.Time
	UpdatedAt time.Time
}

// DeliveryAttempt is one request to a subscription's URL.
type DeliveryAttempt struct {
	At         time.Time
	StatusCode int // 0 if no response came
	Duration   time.Duration
	Error      string
	Response   string // the first MaxDeliveryResponse bytes of the response body
}

// Delivery limits.
const (
	// MaxDeliveryResponse is how much of a response body an attempt keeps.
	MaxDeliveryResponse = 1024
	// MaxDeliveryAttemptsKept is how many attempts a delivery keeps: the
	// first and the latest ones.
	MaxDeliveryAttemptsKept = 50
)

// DeliveryFilter selects a page of a subscription's deliveries, newest
// first.
type DeliveryFilter struct {
	Before DeliveryID // 0: from the newest
	Limit  int
}

// WebhookInput is a subscription's fields as a client sends them: nil
// fields are left as they are (on create, url is required).
type WebhookInput struct {
	URL         *string
	Events      *[]string
	Description *string
	Enabled     *bool
}

// Limits of subscriptions.
const (
	MaxWebhooksPerPortal   = 25
	MaxWebhookDescription  = 1000
	WebhookOldSecretWindow = 24 * time.Hour
)

// Apply validates in and copies it onto w, collecting every problem;
// checkURL is the fetch policy's verdict on a URL (nil: acceptable).
func (in WebhookInput) Apply(w *Webhook, checkURL func(string) *Detail) error {
	var p Problems
	if in.URL != nil {
		w.URL = *in.URL
		if d := checkURL(w.URL); d != nil {
			p = append(p, *d)
		}
	}
	if in.Events != nil {
		w.Events = nil
		seen := map[EventType]bool{}
		for _, e := range *in.Events {
			t := EventType(e)
			if !t.Valid() {
				p.Add("events", "INVALID", "%q is not an event type", e)
				continue
			}
			if !seen[t] {
				w.Events = append(w.Events, t)
				seen[t] = true
			}
		}
	}
	if in.Description != nil {
		if len(*in.Description) > MaxWebhookDescription {
			p.Add("description", "TOO_LONG", "description is longer than %d bytes", MaxWebhookDescription)
		}
		w.Description = *in.Description
	}
	if in.Enabled != nil {
		if *in.Enabled && !w.Enabled {
			w.DisabledReason, w.FailingSince = "", time.Time{}
		}
		w.Enabled = *in.Enabled
	}
	return p.Err()
}

// WebhookService serves the event feed and manages subscriptions and their
// deliveries. Every method works in one portal; another portal's objects
// are NotFound.
type WebhookService interface {
	// ListEvents returns a page of the portal's events in commit order.
	ListEvents(ctx context.Context, portal PortalID, f EventFilter) ([]Event, bool, error)
	// CreateWebhook subscribes a URL; Invalid if the input or the URL is
	// not acceptable, Conflict if the portal has too many subscriptions.
	CreateWebhook(ctx context.Context, portal PortalID, in WebhookInput) (Webhook, error)
	ListWebhooks(ctx context.Context, portal PortalID) ([]Webhook, error)
	FindWebhook(ctx context.Context, portal PortalID, id WebhookID) (Webhook, error)
	UpdateWebhook(ctx context.Context, portal PortalID, id WebhookID, in WebhookInput) (Webhook, error)
	DeleteWebhook(ctx context.Context, portal PortalID, id WebhookID) error
	// RotateSecret gives the subscription a new secret; the old one keeps
	// signing alongside it for WebhookOldSecretWindow.
	RotateSecret(ctx context.Context, portal PortalID, id WebhookID) (Webhook, error)
	ListDeliveries(ctx context.Context, portal PortalID, id WebhookID, f DeliveryFilter) ([]Delivery, bool, error)
	// Redeliver sends a delivery's event to its subscription again, as a
	// new delivery.
	Redeliver(ctx context.Context, portal PortalID, id WebhookID, d DeliveryID) (Delivery, error)
}
