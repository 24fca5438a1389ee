package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"ferry/internal/ferry"
)

// webhookResponse is a subscription. Secret is set only in the answers
// that create one: to POST /webhooks and to rotate-secret.
type webhookResponse struct {
	ID                 string   `json:"id"`
	URL                string   `json:"url"`
	Events             []string `json:"events"`
	Description        string   `json:"description"`
	Enabled            bool     `json:"enabled"`
	DisabledReason     string   `json:"disabledReason,omitempty"`
	FailingSince       string   `json:"failingSince,omitempty"`
	OldSecretExpiresAt string   `json:"oldSecretExpiresAt,omitempty"`
	Secret             string   `json:"secret,omitempty"`
	CreatedAt          string   `json:"createdAt"`
	UpdatedAt          string   `json:"updatedAt"`
}

func newWebhookResponse(w *ferry.Webhook, withSecret bool) webhookResponse {
	r := webhookResponse{ID: string(w.ID), URL: w.URL, Events: []string{}, Description: w.Description, Enabled: w.Enabled,
		DisabledReason: w.DisabledReason, CreatedAt: wireTime(w.CreatedAt), UpdatedAt: wireTime(w.UpdatedAt)}
	for _, e := range w.Events {
		r.Events = append(r.Events, string(e))
	}
	if !w.FailingSince.IsZero() {
		r.FailingSince = wireTime(w.FailingSince)
	}
	if len(w.OldSecret) > 0 && w.OldSecretUntil.After(w.UpdatedAt) {
		r.OldSecretExpiresAt = wireTime(w.OldSecretUntil)
	}
	if withSecret {
		r.Secret = ferry.FormatSecret(w.Secret)
	}
	return r
}

// deliveryResponse is one delivery and its attempts.
type deliveryResponse struct {
	ID        string            `json:"id"`
	WebhookID string            `json:"webhookId"`
	EventID   string            `json:"eventId"`
	EventType string            `json:"eventType"`
	Cursor    string            `json:"cursor"`
	State     string            `json:"state"`
	Attempts  []attemptResponse `json:"attempts"`
	CreatedAt string            `json:"createdAt"`
	UpdatedAt string            `json:"updatedAt"`
}

type attemptResponse struct {
	At         string `json:"at"`
	StatusCode int    `json:"statusCode,omitempty"`
	DurationMS int64  `json:"durationMs"`
	Error      string `json:"error,omitempty"`
	Response   string `json:"response"`
}

func newDeliveryResponse(d *ferry.Delivery) deliveryResponse {
	r := deliveryResponse{ID: d.ID.String(), WebhookID: string(d.Webhook), EventID: string(d.EventID), EventType: string(d.EventType),
		Cursor: strconv.FormatInt(d.EventSeq, 10), State: string(d.State), Attempts: []attemptResponse{},
		CreatedAt: wireTime(d.CreatedAt), UpdatedAt: wireTime(d.UpdatedAt)}
	for _, a := range d.Attempts {
		r.Attempts = append(r.Attempts, attemptResponse{At: wireTime(a.At), StatusCode: a.StatusCode,
			DurationMS: a.Duration.Milliseconds(), Error: a.Error, Response: a.Response})
	}
	return r
}

// webhookInput reads a subscription's fields from a JSON body.
func (s *server) webhookInput(w http.ResponseWriter, r *http.Request) (ferry.WebhookInput, *jsonObject, error) {
	obj, err := decodeObject(w, r, s.opts.MaxJSONBytes)
	if err != nil {
		return ferry.WebhookInput{}, nil, err
	}
	in := ferry.WebhookInput{URL: obj.str("url"), Description: obj.str("description"), Enabled: obj.boolean("enabled")}
	if v, ok := obj.raw("events"); ok {
		var list []string
		if err := json.Unmarshal(v, &list); err != nil {
			obj.problems.Add("events", "INVALID_TYPE", "events must be a list of event types")
		} else {
			in.Events = &list
		}
	}
	return in, obj, nil
}

// webhookID reads the {webhookId} path parameter; anything that cannot be
// an id names no subscription.
func webhookID(r *http.Request) (ferry.WebhookID, error) {
	v := r.PathValue("webhookId")
	if len(v) > 64 || !utf8.ValidString(v) || !strings.HasPrefix(v, "wh_") {
		return "", ferry.Errorf(ferry.NotFound, "webhook not found")
	}
	return ferry.WebhookID(v), nil
}

// handleCreateWebhook serves POST /ferry/v1/webhooks.
func (s *server) handleCreateWebhook(w http.ResponseWriter, r *http.Request) {
	in, obj, err := s.webhookInput(w, r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if err := obj.problems.Err(); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	hook, err := s.opts.Webhooks.CreateWebhook(r.Context(), portal(r), in)
	if err != nil {
		writeError(w, r, s.log, obj.merge(err))
		return
	}
	encode(w, http.StatusCreated, newWebhookResponse(&hook, true))
}

// handleListWebhooks serves GET /ferry/v1/webhooks.
func (s *server) handleListWebhooks(w http.ResponseWriter, r *http.Request) {
	hooks, err := s.opts.Webhooks.ListWebhooks(r.Context(), portal(r))
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	results := make([]any, len(hooks))
	for i := range hooks {
		results[i] = newWebhookResponse(&hooks[i], false)
	}
	encode(w, http.StatusOK, collection{Results: results})
}

// handleGetWebhook serves GET /ferry/v1/webhooks/{webhookId}.
func (s *server) handleGetWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := webhookID(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	hook, err := s.opts.Webhooks.FindWebhook(r.Context(), portal(r), id)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	encode(w, http.StatusOK, newWebhookResponse(&hook, false))
}

// handleUpdateWebhook serves PATCH /ferry/v1/webhooks/{webhookId}.
func (s *server) handleUpdateWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := webhookID(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	in, obj, err := s.webhookInput(w, r)
	if err == nil {
		err = obj.problems.Err()
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	hook, err := s.opts.Webhooks.UpdateWebhook(r.Context(), portal(r), id, in)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	encode(w, http.StatusOK, newWebhookResponse(&hook, false))
}

// handleDeleteWebhook serves DELETE /ferry/v1/webhooks/{webhookId}.
func (s *server) handleDeleteWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := webhookID(r)
	if err == nil {
		err = s.opts.Webhooks.DeleteWebhook(r.Context(), portal(r), id)
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleRotateSecret serves POST /ferry/v1/webhooks/{webhookId}/rotate-secret.
func (s *server) handleRotateSecret(w http.ResponseWriter, r *http.Request) {
	id, err := webhookID(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	hook, err := s.opts.Webhooks.RotateSecret(r.Context(), portal(r), id)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	encode(w, http.StatusOK, newWebhookResponse(&hook, true))
}

// handleListDeliveries serves GET /ferry/v1/webhooks/{webhookId}/deliveries,
// newest first; paging.next.after pages towards older ones.
func (s *server) handleListDeliveries(w http.ResponseWriter, r *http.Request) {
	id, err := webhookID(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	q := newQuery(r.URL.Query())
	f := ferry.DeliveryFilter{Limit: q.limit(20, 100), Before: ferry.DeliveryID(q.cursor())}
	if err := q.problems.Err(); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	ds, more, err := s.opts.Webhooks.ListDeliveries(r.Context(), portal(r), id, f)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	results := make([]any, len(ds))
	for i := range ds {
		results[i] = newDeliveryResponse(&ds[i])
	}
	var after string
	if more {
		after = ds[len(ds)-1].ID.String()
	}
	encode(w, http.StatusOK, s.newCursorCollection(r, results, after))
}

// handleRedeliver serves POST .../webhooks/{webhookId}/deliveries/{deliveryId}/redeliver.
func (s *server) handleRedeliver(w http.ResponseWriter, r *http.Request) {
	id, err := webhookID(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	did, err := ferry.ParseDeliveryID(r.PathValue("deliveryId"))
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	d, err := s.opts.Webhooks.Redeliver(r.Context(), portal(r), id, did)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	encode(w, http.StatusAccepted, newDeliveryResponse(&d))
}

// addWebhookRoutes registers Ferry's event feed and webhook subscriptions.
// They reveal hidden files too, so they ask for the hidden scopes.
func (s *server) addWebhookRoutes(mux *http.ServeMux) {
	read, write := ferry.HiddenReadScopes, ferry.HiddenWriteScopes
	api := func(method, path string, scopes []ferry.Scope, h http.HandlerFunc) {
		mux.Handle(method+" "+ferryBase+path, s.requireScopes(scopes, h))
	}
	api("GET", "/events", read, s.handleListEvents)
	api("POST", "/webhooks", write, s.handleCreateWebhook)
	api("GET", "/webhooks", read, s.handleListWebhooks)
	api("GET", "/webhooks/{webhookId}", read, s.handleGetWebhook)
	api("PATCH", "/webhooks/{webhookId}", write, s.handleUpdateWebhook)
	api("DELETE", "/webhooks/{webhookId}", write, s.handleDeleteWebhook)
	api("POST", "/webhooks/{webhookId}/rotate-secret", write, s.handleRotateSecret)
	api("GET", "/webhooks/{webhookId}/deliveries", read, s.handleListDeliveries)
	api("POST", "/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver", write, s.handleRedeliver)
}
