package console

import (
	"net/http"
	"strconv"

	"ferry/internal/ferry"
)

// eventList is the events page's data.
type eventList struct {
	Types  []ferry.EventType
	Type   string
	Events []ferry.Event
	Next   string
}

// handleEvents serves GET /console/events?type=&after=: the portal's
// event feed, oldest first, as GET /ferry/v1/events pages it.
func (c *Console) handleEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := ferry.EventFilter{Limit: 100}
	var p ferry.Problems
	if t := q.Get("type"); t != "" {
		if !ferry.EventType(t).Valid() {
			p.Add("type", "INVALID", "%q is not an event type", t)
		}
		f.Types = []ferry.EventType{ferry.EventType(t)}
	}
	if a := intField(q, "after", &p); a != nil {
		f.After = *a
	}
	err := p.Err()
	l := &eventList{Types: ferry.EventTypes, Type: q.Get("type")}
	var more bool
	if err == nil {
		l.Events, more, err = c.svc.Webhooks.ListEvents(r.Context(), visitorFrom(r.Context()).Portal(), f)
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if more && len(l.Events) > 0 {
		l.Next = "/console/events?type=" + urlQueryEscape(l.Type) + "&after=" + strconv.FormatInt(l.Events[len(l.Events)-1].Seq, 10)
	}
	c.render(w, r, http.StatusOK, "events", l)
}

// webhookView is the webhook pages' data.
type webhookView struct {
	List       []ferry.Webhook
	W          *ferry.Webhook
	Secret     string // shown once, right after creation or rotation
	Deliveries []ferry.Delivery
	Types      []ferry.EventType
}

// Wants reports whether the subscription shown asks for events of type t.
func (v *webhookView) Wants(t ferry.EventType) bool {
	return v.W != nil && len(v.W.Events) > 0 && v.W.Wants(t)
}

// handleWebhooks serves GET /console/webhooks: the portal's subscriptions
// and the form to add one.
func (c *Console) handleWebhooks(w http.ResponseWriter, r *http.Request) {
	list, err := c.svc.Webhooks.ListWebhooks(r.Context(), visitorFrom(r.Context()).Portal())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "webhooks", &webhookView{List: list, Types: ferry.EventTypes})
}

// webhookInput reads the subscription form.
func webhookInput(r *http.Request) ferry.WebhookInput {
	r.ParseForm()
	url, desc := r.PostFormValue("url"), r.PostFormValue("description")
	events := r.PostForm["events"]
	if events == nil {
		events = []string{}
	}
	enabled := r.PostFormValue("enabled") != "false"
	return ferry.WebhookInput{URL: &url, Description: &desc, Events: &events, Enabled: &enabled}
}

// handleCreateWebhook serves POST /console/webhooks. The answer shows the
// signing secret, once.
func (c *Console) handleCreateWebhook(w http.ResponseWriter, r *http.Request) {
	wh, err := c.svc.Webhooks.CreateWebhook(r.Context(), visitorFrom(r.Context()).Portal(), webhookInput(r))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.renderWebhook(w, r, &wh, ferry.FormatSecret(wh.Secret))
}

// handleWebhook serves GET /console/webhooks/{id}: a subscription, its
// form and its latest deliveries.
func (c *Console) handleWebhook(w http.ResponseWriter, r *http.Request) {
	wh, err := c.svc.Webhooks.FindWebhook(r.Context(), visitorFrom(r.Context()).Portal(), ferry.WebhookID(r.PathValue("id")))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.renderWebhook(w, r, &wh, "")
}

func (c *Console) renderWebhook(w http.ResponseWriter, r *http.Request, wh *ferry.Webhook, secret string) {
	ds, _, err := c.svc.Webhooks.ListDeliveries(r.Context(), visitorFrom(r.Context()).Portal(), wh.ID, ferry.DeliveryFilter{Limit: 50})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "webhook", &webhookView{W: wh, Secret: secret, Deliveries: ds, Types: ferry.EventTypes})
}

// handleUpdateWebhook serves POST /console/webhooks/{id}/update.
func (c *Console) handleUpdateWebhook(w http.ResponseWriter, r *http.Request) {
	wh, err := c.svc.Webhooks.UpdateWebhook(r.Context(), visitorFrom(r.Context()).Portal(), ferry.WebhookID(r.PathValue("id")), webhookInput(r))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	redirectDone(w, r, "/console/webhooks/"+urlPathEscape(string(wh.ID)), "updated")
}

// handleRotateSecret serves POST /console/webhooks/{id}/rotate: the new
// secret is shown once; the old one signs alongside it for a day.
func (c *Console) handleRotateSecret(w http.ResponseWriter, r *http.Request) {
	wh, err := c.svc.Webhooks.RotateSecret(r.Context(), visitorFrom(r.Context()).Portal(), ferry.WebhookID(r.PathValue("id")))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.renderWebhook(w, r, &wh, ferry.FormatSecret(wh.Secret))
}

// handleDeleteWebhook serves POST /console/webhooks/{id}/delete.
func (c *Console) handleDeleteWebhook(w http.ResponseWriter, r *http.Request) {
	if err := c.svc.Webhooks.DeleteWebhook(r.Context(), visitorFrom(r.Context()).Portal(), ferry.WebhookID(r.PathValue("id"))); err != nil {
		c.fail(w, r, err)
		return
	}
	redirectDone(w, r, "/console/webhooks", "deleted")
}

// handleRedeliver serves POST /console/webhooks/{id}/deliveries/{did}/redeliver.
func (c *Console) handleRedeliver(w http.ResponseWriter, r *http.Request) {
	did, err := ferry.ParseDeliveryID(r.PathValue("did"))
	id := ferry.WebhookID(r.PathValue("id"))
	if err == nil {
		_, err = c.svc.Webhooks.Redeliver(r.Context(), visitorFrom(r.Context()).Portal(), id, did)
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	redirectDone(w, r, "/console/webhooks/"+urlPathEscape(string(id)), "redelivered")
}
