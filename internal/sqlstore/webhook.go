package sqlstore

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"

	"ferry/internal/ferry"
)

const webhookColumns = `id, portal, url, events, description, enabled, disabled_reason, secret, old_secret, old_secret_until,
	failing_since, created_at, updated_at`

func scanWebhook(row interface{ Scan(...any) error }) (ferry.Webhook, error) {
	var (
		w                               ferry.Webhook
		id, events, secret, old         string
		portal, oldUntil, failing, c, u int64
	)
	err := row.Scan(&id, &portal, &w.URL, &events, &w.Description, &w.Enabled, &w.DisabledReason, &secret, &old, &oldUntil,
		&failing, &c, &u)
	if err != nil {
		return ferry.Webhook{}, err
	}
	w.ID, w.Portal = ferry.WebhookID(id), ferry.PortalID(portal)
	for _, e := range strings.Fields(events) {
		w.Events = append(w.Events, ferry.EventType(e))
	}
	if w.Secret, err = base64.StdEncoding.DecodeString(secret); err != nil {
		return ferry.Webhook{}, ferry.Wrap(err, "decode webhook secret")
	}
	if w.OldSecret, err = base64.StdEncoding.DecodeString(old); err != nil {
		return ferry.Webhook{}, ferry.Wrap(err, "decode webhook secret")
	}
	if len(w.OldSecret) == 0 {
		w.OldSecret = nil
	}
	w.OldSecretUntil, w.FailingSince, w.CreatedAt, w.UpdatedAt = fromMS(oldUntil), fromMS(failing), fromMS(c), fromMS(u)
	return w, nil
}

func joinEvents(ts []ferry.EventType) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = string(t)
	}
	return strings.Join(parts, " ")
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// CreateWebhook implements ferry.Store.
func (s *Store) CreateWebhook(ctx context.Context, w *ferry.Webhook) error {
	s.forget()
	_, err := s.exec(ctx, `INSERT INTO webhooks (`+webhookColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		string(w.ID), int64(w.Portal), w.URL, joinEvents(w.Events), w.Description, w.Enabled, w.DisabledReason,
		b64(w.Secret), b64(w.OldSecret), ms(w.OldSecretUntil), ms(w.FailingSince), ms(w.CreatedAt), ms(w.UpdatedAt))
	if s.d.IsUnique(err) {
		return ferry.Errorf(ferry.Conflict, "webhook %s exists already", w.ID)
	}
	return ferry.Wrap(err, "create webhook")
}

// FindWebhook implements ferry.Store.
func (s *Store) FindWebhook(ctx context.Context, portal ferry.PortalID, id ferry.WebhookID) (ferry.Webhook, error) {
	w, err := scanWebhook(s.queryRow(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE portal = ? AND id = ?`, int64(portal), string(id)))
	if err != nil {
		return ferry.Webhook{}, notFound(err, "webhook")
	}
	return w, nil
}

// ListWebhooks implements ferry.Store.
func (s *Store) ListWebhooks(ctx context.Context, portal ferry.PortalID) ([]ferry.Webhook, error) {
	rows, err := s.query(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE portal = ? ORDER BY created_at, id`, int64(portal))
	if err != nil {
		return nil, ferry.Wrap(err, "list webhooks")
	}
	return collect(rows, scanWebhook)
}

// UpdateWebhook implements ferry.Store.
func (s *Store) UpdateWebhook(ctx context.Context, w *ferry.Webhook) error {
	return s.writeTx(ctx, w.Portal, func(st ferry.Store) error {
		tx := st.(*Store)
		old, err := tx.FindWebhook(ctx, w.Portal, w.ID)
		if err != nil {
			return err
		}
		_, err = tx.exec(ctx, `UPDATE webhooks SET url = ?, events = ?, description = ?, enabled = ?, disabled_reason = ?, secret = ?,
			old_secret = ?, old_secret_until = ?, failing_since = ?, updated_at = ? WHERE portal = ? AND id = ?`,
			w.URL, joinEvents(w.Events), w.Description, w.Enabled, w.DisabledReason, b64(w.Secret),
			b64(w.OldSecret), ms(w.OldSecretUntil), ms(w.FailingSince), ms(w.UpdatedAt), int64(w.Portal), string(w.ID))
		if err != nil {
			return ferry.Wrap(err, "update webhook")
		}
		if old.Enabled && !w.Enabled {
			r := w.Redacted()
			return tx.emit(ctx, w.Portal, ferry.EventWebhookDisabled, eventData{Webhook: &r})
		}
		return nil
	})
}

// DeleteWebhook implements ferry.Store.
func (s *Store) DeleteWebhook(ctx context.Context, portal ferry.PortalID, id ferry.WebhookID) error {
	return s.Atomic(ctx, func(st ferry.Store) error {
		tx := st.(*Store)
		tx.forget()
		res, err := tx.exec(ctx, `DELETE FROM webhooks WHERE portal = ? AND id = ?`, int64(portal), string(id))
		if err != nil {
			return ferry.Wrap(err, "delete webhook")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ferry.Errorf(ferry.NotFound, "webhook not found")
		}
		_, err = tx.exec(ctx, `DELETE FROM webhook_deliveries WHERE webhook_id = ?`, string(id))
		return ferry.Wrap(err, "delete deliveries")
	})
}

// deliverySelect reads deliveries. A delivery written with an event that
// had no number yet (see emit) has event_seq 0 and takes its event's.
const deliverySelect = `SELECT d.id, d.webhook_id, d.portal, d.event_id,
	COALESCE(NULLIF(d.event_seq, 0), (SELECT e.seq FROM events e WHERE e.id = d.event_id), 0),
	d.event_type, d.state, d.attempts, d.created_at, d.updated_at FROM webhook_deliveries d`

func scanDelivery(row interface{ Scan(...any) error }) (ferry.Delivery, error) {
	var (
		d                        ferry.Delivery
		id, portal, c, u         int64
		hook, ev, typ, st, tries string
	)
	if err := row.Scan(&id, &hook, &portal, &ev, &d.EventSeq, &typ, &st, &tries, &c, &u); err != nil {
		return ferry.Delivery{}, err
	}
	if err := json.Unmarshal([]byte(tries), &d.Attempts); err != nil {
		return ferry.Delivery{}, ferry.Wrap(err, "decode delivery attempts")
	}
	d.ID, d.Webhook, d.Portal, d.EventID = ferry.DeliveryID(id), ferry.WebhookID(hook), ferry.PortalID(portal), ferry.EventID(ev)
	d.EventType, d.State, d.CreatedAt, d.UpdatedAt = ferry.EventType(typ), ferry.DeliveryState(st), fromMS(c), fromMS(u)
	return d, nil
}

func (s *Store) insertDelivery(ctx context.Context, d *ferry.Delivery) error {
	tries, err := json.Marshal(d.Attempts)
	if err != nil {
		return ferry.Wrap(err, "encode delivery attempts")
	}
	var id int64
	err = s.queryRow(ctx, `INSERT INTO webhook_deliveries (webhook_id, portal, event_id, event_seq, event_type, state, attempts, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, string(d.Webhook), int64(d.Portal), string(d.EventID), d.EventSeq,
		string(d.EventType), string(d.State), string(tries), ms(d.CreatedAt), ms(d.UpdatedAt)).Scan(&id)
	if err != nil {
		return ferry.Wrap(err, "insert delivery")
	}
	d.ID = ferry.DeliveryID(id)
	return nil
}

// FindDelivery implements ferry.Store.
//
// Only a delivery whose event has no number yet makes it number the
// portal's waiting events (see numberEvents) and read again: a retry, or
// a delivery of an event a reader of the feed numbered, is one statement.
func (s *Store) FindDelivery(ctx context.Context, portal ferry.PortalID, id ferry.DeliveryID) (ferry.Delivery, error) {
	find := func() (ferry.Delivery, error) {
		return scanDelivery(s.queryRow(ctx, deliverySelect+` WHERE d.portal = ? AND d.id = ?`, int64(portal), int64(id)))
	}
	d, err := find()
	if err == nil && d.EventSeq == 0 && s.numbersLater() {
		if err := s.numberEvents(ctx, portal); err != nil {
			return ferry.Delivery{}, err
		}
		d, err = find()
	}
	if err != nil {
		return ferry.Delivery{}, notFound(err, "delivery")
	}
	return d, nil
}

// ListDeliveries implements ferry.Store.
func (s *Store) ListDeliveries(ctx context.Context, portal ferry.PortalID, id ferry.WebhookID, f ferry.DeliveryFilter) ([]ferry.Delivery, bool, error) {
	if err := s.numberEvents(ctx, portal); err != nil {
		return nil, false, err
	}
	q := deliverySelect + ` WHERE d.portal = ? AND d.webhook_id = ?`
	args := []any{int64(portal), string(id)}
	if f.Before > 0 {
		q += ` AND d.id < ?`
		args = append(args, int64(f.Before))
	}
	rows, err := s.query(ctx, q+` ORDER BY d.id DESC LIMIT ?`, append(args, f.Limit+1)...)
	if err != nil {
		return nil, false, ferry.Wrap(err, "list deliveries")
	}
	return pageOf(collect(rows, scanDelivery))(f.Limit)
}

// UpdateDelivery implements ferry.Store.
func (s *Store) UpdateDelivery(ctx context.Context, d *ferry.Delivery) error {
	if n := len(d.Attempts); n > ferry.MaxDeliveryAttemptsKept {
		keep := append([]ferry.DeliveryAttempt{d.Attempts[0]}, d.Attempts[n-ferry.MaxDeliveryAttemptsKept+1:]...)
		d.Attempts = keep
	}
	tries, err := json.Marshal(d.Attempts)
	if err != nil {
		return ferry.Wrap(err, "encode delivery attempts")
	}
	res, err := s.exec(ctx, `UPDATE webhook_deliveries SET state = ?, attempts = ?, updated_at = ? WHERE portal = ? AND id = ?`,
		string(d.State), string(tries), ms(d.UpdatedAt), int64(d.Portal), int64(d.ID))
	if err != nil {
		return ferry.Wrap(err, "update delivery")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ferry.Errorf(ferry.NotFound, "delivery not found")
	}
	return nil
}

// Redeliver implements ferry.Store.
func (s *Store) Redeliver(ctx context.Context, portal ferry.PortalID, id ferry.DeliveryID) (ferry.Delivery, error) {
	if err := s.numberEvents(ctx, portal); err != nil { // the transaction below reads the event by its number
		return ferry.Delivery{}, err
	}
	var out ferry.Delivery
	err := s.Atomic(ctx, func(st ferry.Store) error {
		tx := st.(*Store)
		d, err := tx.FindDelivery(ctx, portal, id)
		if err != nil {
			return err
		}
		if _, err := tx.FindWebhook(ctx, portal, d.Webhook); err != nil {
			return err
		}
		if _, err := tx.FindEvent(ctx, portal, d.EventSeq); err != nil {
			return err
		}
		now := s.clock.Now().UTC()
		out = ferry.Delivery{Webhook: d.Webhook, Portal: portal, EventID: d.EventID, EventSeq: d.EventSeq, EventType: d.EventType,
			State: ferry.DeliveryPending, CreatedAt: now, UpdatedAt: now}
		if err := tx.insertDelivery(ctx, &out); err != nil {
			return err
		}
		if s.hook == nil {
			return nil
		}
		return s.hook(ctx, tx.tx, []ferry.Delivery{out})
	})
	return out, err
}
