package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"ferry/internal/ferry"
)

func newWebhook(portal ferry.PortalID, url string, events ...ferry.EventType) ferry.Webhook {
	return ferry.Webhook{ID: ferry.NewWebhookID(), Portal: portal, URL: url, Events: events, Description: "d",
		Enabled: true, Secret: ferry.NewWebhookSecret(), CreatedAt: at(0), UpdatedAt: at(0)}
}

func mustCreateWebhook(tb testing.TB, st ferry.Store, w ferry.Webhook) ferry.Webhook {
	tb.Helper()
	mustNoErr(tb, st.CreateWebhook(context.Background(), &w), "CreateWebhook")
	return w
}

func allDeliveries(tb testing.TB, st ferry.Store, portal ferry.PortalID, id ferry.WebhookID) []ferry.Delivery {
	tb.Helper()
	var out []ferry.Delivery
	f := ferry.DeliveryFilter{Limit: 2}
	for {
		page, more, err := st.ListDeliveries(context.Background(), portal, id, f)
		mustNoErr(tb, err, "ListDeliveries")
		out = append(out, page...)
		if !more {
			return out
		}
		f.Before = page[len(page)-1].ID
	}
}

func testWebhooks(t *testing.T, open func(t *testing.T) ferry.Store) {
	ctx := context.Background()

	t.Run("RoundTripAndIsolation", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		w := newWebhook(portalA, "https://example.com/hook", ferry.EventFileCreated, ferry.EventImportCompleted)
		w.OldSecret, w.OldSecretUntil, w.FailingSince = ferry.NewWebhookSecret(), at(time.Hour), at(time.Minute)
		mustCreateWebhook(t, st, w)
		got, err := st.FindWebhook(ctx, portalA, w.ID)
		mustNoErr(t, err, "FindWebhook")
		if !got.CreatedAt.Equal(w.CreatedAt) || !got.OldSecretUntil.Equal(w.OldSecretUntil) || !got.FailingSince.Equal(w.FailingSince) {
			t.Errorf("times=%v %v %v, want %v %v %v", got.CreatedAt, got.OldSecretUntil, got.FailingSince, w.CreatedAt, w.OldSecretUntil, w.FailingSince)
		}
		got.CreatedAt, got.UpdatedAt, got.OldSecretUntil, got.FailingSince = w.CreatedAt, w.UpdatedAt, w.OldSecretUntil, w.FailingSince
		if !reflect.DeepEqual(got, w) {
			t.Errorf("webhook=%+v\nwant %+v", got, w)
		}
		_, err = st.FindWebhook(ctx, portalB, w.ID)
		wantKind(t, err, ferry.NotFound)
		if hooks, err := st.ListWebhooks(ctx, portalB); err != nil || len(hooks) != 0 {
			t.Errorf("portal B lists %d webhooks (err %v), want none", len(hooks), err)
		}
		wantKind(t, st.DeleteWebhook(ctx, portalB, w.ID), ferry.NotFound)
		other := w
		other.Portal = portalB
		wantKind(t, st.UpdateWebhook(ctx, &other), ferry.NotFound)
		mustNoErr(t, st.DeleteWebhook(ctx, portalA, w.ID), "DeleteWebhook")
		_, err = st.FindWebhook(ctx, portalA, w.ID)
		wantKind(t, err, ferry.NotFound)
	})

	t.Run("FanOut", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		files := mustCreateWebhook(t, st, newWebhook(portalA, "https://example.com/files", ferry.EventFileCreated))
		all := mustCreateWebhook(t, st, newWebhook(portalA, "https://example.com/all"))
		off := newWebhook(portalA, "https://example.com/off")
		off.Enabled = false
		off = mustCreateWebhook(t, st, off)
		foreign := mustCreateWebhook(t, st, newWebhook(portalB, "https://example.com/b"))
		mustEnsureFolder(t, st, portalA, "/a")
		mustInsertFile(t, st, newFile(portalA, 0, "cat", "png", "m", 1), false)

		if got := allDeliveries(t, st, portalA, files.ID); len(got) != 1 || got[0].EventType != ferry.EventFileCreated ||
			got[0].State != ferry.DeliveryPending || got[0].EventSeq != 2 {
			t.Errorf("file.created subscription got %+v, want one pending delivery of event 2", got)
		}
		got := allDeliveries(t, st, portalA, all.ID)
		if len(got) != 2 || got[0].EventType != ferry.EventFileCreated || got[1].EventType != ferry.EventFolderCreated {
			t.Errorf("catch-all subscription got %+v, want both events, newest first", got)
		}
		if n := len(allDeliveries(t, st, portalA, off.ID)) + len(allDeliveries(t, st, portalB, foreign.ID)); n != 0 {
			t.Errorf("disabled and foreign subscriptions got %d deliveries, want none", n)
		}
		if n := len(allDeliveries(t, st, portalB, all.ID)); n != 0 {
			t.Errorf("portal B sees %d of portal A's deliveries", n)
		}

		d := got[0]
		d.State, d.UpdatedAt = ferry.DeliverySucceeded, at(time.Minute)
		for i := range ferry.MaxDeliveryAttemptsKept + 5 {
			d.Attempts = append(d.Attempts, ferry.DeliveryAttempt{At: at(time.Duration(i) * time.Second), StatusCode: 500 + i%2,
				Duration: time.Millisecond, Error: "e", Response: "r"})
		}
		mustNoErr(t, st.UpdateDelivery(ctx, &d), "UpdateDelivery")
		back, err := st.FindDelivery(ctx, portalA, d.ID)
		mustNoErr(t, err, "FindDelivery")
		if back.State != ferry.DeliverySucceeded || len(back.Attempts) != ferry.MaxDeliveryAttemptsKept ||
			back.Attempts[0].StatusCode != 500 || !back.Attempts[len(back.Attempts)-1].At.Equal(at(time.Duration(ferry.MaxDeliveryAttemptsKept+4)*time.Second)) {
			t.Errorf("delivery=%+v, want succeeded, keeping the first and the latest attempts", back)
		}
		_, err = st.FindDelivery(ctx, portalB, d.ID)
		wantKind(t, err, ferry.NotFound)

		again, err := st.Redeliver(ctx, portalA, d.ID)
		mustNoErr(t, err, "Redeliver")
		if again.ID == d.ID || again.EventID != d.EventID || again.State != ferry.DeliveryPending || len(again.Attempts) != 0 {
			t.Errorf("redelivery=%+v, want a new pending delivery of event %s", again, d.EventID)
		}
		_, err = st.Redeliver(ctx, portalB, d.ID)
		wantKind(t, err, ferry.NotFound)
	})

	t.Run("DisablingEmitsAnEvent", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		w := mustCreateWebhook(t, st, newWebhook(portalA, "https://example.com/hook"))
		w.Description = "renamed"
		mustNoErr(t, st.UpdateWebhook(ctx, &w), "UpdateWebhook")
		w.Enabled, w.DisabledReason = false, "failing for 3 days"
		mustNoErr(t, st.UpdateWebhook(ctx, &w), "UpdateWebhook (disable)")
		evs := allEvents(t, st, portalA)
		if len(evs) != 1 || evs[0].Type != ferry.EventWebhookDisabled || evs[0].Webhook == nil ||
			evs[0].Webhook.ID != w.ID || evs[0].Webhook.Secret != nil || evs[0].Webhook.DisabledReason != "failing for 3 days" {
			t.Fatalf("events=%+v, want one webhook.disabled without the secret", evs)
		}
	})
}
