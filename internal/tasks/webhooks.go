package tasks

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/riverqueue/river"

	"ferry/internal/ferry"
)

var _ ferry.WebhookService = (*Engine)(nil)

// ListEvents implements ferry.WebhookService.
func (e *Engine) ListEvents(ctx context.Context, portal ferry.PortalID, f ferry.EventFilter) ([]ferry.Event, bool, error) {
	return e.store.ListEvents(ctx, portal, f)
}

// CreateWebhook implements ferry.WebhookService.
func (e *Engine) CreateWebhook(ctx context.Context, portal ferry.PortalID, in ferry.WebhookInput) (ferry.Webhook, error) {
	if in.URL == nil {
		return ferry.Webhook{}, ferry.Invalidf("url", "url is required")
	}
	now := e.now()
	w := ferry.Webhook{ID: ferry.NewWebhookID(), Portal: portal, Enabled: true, Secret: ferry.NewWebhookSecret(), CreatedAt: now, UpdatedAt: now}
	if err := e.applyWebhook(&w, in); err != nil {
		return ferry.Webhook{}, err
	}
	err := e.store.Atomic(ctx, func(st ferry.Store) error {
		hooks, err := st.ListWebhooks(ctx, portal)
		if err != nil {
			return err
		}
		if len(hooks) >= ferry.MaxWebhooksPerPortal {
			return &ferry.Error{Kind: ferry.Conflict, SubCategory: "TOO_MANY_WEBHOOKS",
				Message: fmt.Sprintf("a portal may have at most %d webhook subscriptions; delete one first", ferry.MaxWebhooksPerPortal)}
		}
		sealed := e.sealed(w)
		return st.CreateWebhook(ctx, &sealed)
	})
	return w, err
}

// applyWebhook validates in, including the URL against the fetch policy,
// and copies it onto w.
func (e *Engine) applyWebhook(w *ferry.Webhook, in ferry.WebhookInput) error {
	return in.Apply(w, e.CheckURL)
}

// ListWebhooks implements ferry.WebhookService.
func (e *Engine) ListWebhooks(ctx context.Context, portal ferry.PortalID) ([]ferry.Webhook, error) {
	return e.store.ListWebhooks(ctx, portal)
}

// FindWebhook implements ferry.WebhookService.
func (e *Engine) FindWebhook(ctx context.Context, portal ferry.PortalID, id ferry.WebhookID) (ferry.Webhook, error) {
	return e.store.FindWebhook(ctx, portal, id)
}

// UpdateWebhook implements ferry.WebhookService.
func (e *Engine) UpdateWebhook(ctx context.Context, portal ferry.PortalID, id ferry.WebhookID, in ferry.WebhookInput) (ferry.Webhook, error) {
	return e.changeWebhook(ctx, portal, id, func(w *ferry.Webhook) error { return e.applyWebhook(w, in) })
}

// RotateSecret implements ferry.WebhookService.
func (e *Engine) RotateSecret(ctx context.Context, portal ferry.PortalID, id ferry.WebhookID) (ferry.Webhook, error) {
	return e.changeWebhook(ctx, portal, id, func(w *ferry.Webhook) error {
		w.OldSecret, w.OldSecretUntil = w.Secret, w.UpdatedAt.Add(ferry.WebhookOldSecretWindow)
		w.Secret = ferry.NewWebhookSecret()
		return nil
	})
}

// changeWebhook reads, changes and saves a subscription in one
// transaction.
func (e *Engine) changeWebhook(ctx context.Context, portal ferry.PortalID, id ferry.WebhookID, change func(*ferry.Webhook) error) (ferry.Webhook, error) {
	var w ferry.Webhook
	err := e.store.Atomic(ctx, func(st ferry.Store) error {
		var err error
		if w, err = e.findWebhook(ctx, st, portal, id); err != nil {
			return err
		}
		w.UpdatedAt = e.now()
		if err := change(&w); err != nil {
			return err
		}
		sealed := e.sealed(w)
		return st.UpdateWebhook(ctx, &sealed)
	})
	return w, err
}

// The contexts that bind a sealed secret to its subscription and role.
func secretContext(id ferry.WebhookID) string    { return "webhook secret " + string(id) }
func oldSecretContext(id ferry.WebhookID) string { return "webhook old secret " + string(id) }

// sealed returns w with its secrets sealed for storage under the server's
// secret key, so that the database alone cannot sign deliveries. Without
// a key (tests of this package), they are stored as they are.
func (e *Engine) sealed(w ferry.Webhook) ferry.Webhook {
	if e.cfg.Sealer == nil {
		return w
	}
	w.Secret = e.cfg.Sealer.Seal(w.Secret, secretContext(w.ID))
	if len(w.OldSecret) > 0 {
		w.OldSecret = e.cfg.Sealer.Seal(w.OldSecret, oldSecretContext(w.ID))
	}
	return w
}

// findWebhook reads a subscription and opens its secrets.
func (e *Engine) findWebhook(ctx context.Context, st ferry.Store, portal ferry.PortalID, id ferry.WebhookID) (ferry.Webhook, error) {
	w, err := st.FindWebhook(ctx, portal, id)
	if err != nil || e.cfg.Sealer == nil {
		return w, err
	}
	if w.Secret, err = e.cfg.Sealer.Open(w.Secret, secretContext(id)); err != nil {
		return ferry.Webhook{}, ferry.Wrap(err, "open webhook secret")
	}
	if len(w.OldSecret) > 0 {
		if w.OldSecret, err = e.cfg.Sealer.Open(w.OldSecret, oldSecretContext(id)); err != nil {
			return ferry.Webhook{}, ferry.Wrap(err, "open webhook secret")
		}
	}
	return w, nil
}

// DeleteWebhook implements ferry.WebhookService.
func (e *Engine) DeleteWebhook(ctx context.Context, portal ferry.PortalID, id ferry.WebhookID) error {
	return e.store.DeleteWebhook(ctx, portal, id)
}

// ListDeliveries implements ferry.WebhookService.
func (e *Engine) ListDeliveries(ctx context.Context, portal ferry.PortalID, id ferry.WebhookID, f ferry.DeliveryFilter) ([]ferry.Delivery, bool, error) {
	if _, err := e.store.FindWebhook(ctx, portal, id); err != nil {
		return nil, false, err
	}
	return e.store.ListDeliveries(ctx, portal, id, f)
}

// Redeliver implements ferry.WebhookService.
func (e *Engine) Redeliver(ctx context.Context, portal ferry.PortalID, id ferry.WebhookID, did ferry.DeliveryID) (ferry.Delivery, error) {
	d, err := e.store.FindDelivery(ctx, portal, did)
	if err == nil && d.Webhook != id {
		err = ferry.Errorf(ferry.NotFound, "delivery not found")
	}
	if err != nil {
		return ferry.Delivery{}, err
	}
	return e.store.Redeliver(ctx, portal, did)
}

// DeliveryArgs are the arguments of the River job that delivers one event
// to one subscription.
type DeliveryArgs struct {
	Delivery int64 `json:"delivery"`
	Portal   int64 `json:"portal"`
}

// Kind implements river.JobArgs.
func (DeliveryArgs) Kind() string { return "ferry_webhook_delivery" }

// EnqueueDeliveries inserts a job for each delivery in tx, the
// transaction that wrote them: the store's delivery hook.
func (e *Engine) EnqueueDeliveries(ctx context.Context, tx *sql.Tx, ds []ferry.Delivery) error {
	params := make([]river.InsertManyParams, len(ds))
	for i, d := range ds {
		params[i] = river.InsertManyParams{Args: DeliveryArgs{Delivery: int64(d.ID), Portal: int64(d.Portal)},
			InsertOpts: &river.InsertOpts{MaxAttempts: deliveryJobAttempts}}
	}
	if _, err := e.client.InsertManyTx(ctx, tx, params); err != nil {
		return ferry.Wrap(err, "enqueue deliveries")
	}
	return nil
}
