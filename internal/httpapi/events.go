package httpapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"ferry/internal/ferry"
)

// eventResponse is one event of the feed, and the body of a webhook
// delivery.
type eventResponse struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	PortalID   int64  `json:"portalId"`
	OccurredAt string `json:"occurredAt"`
	Cursor     string `json:"cursor"` // resume the feed after this event with ?after=<cursor>
	Data       any    `json:"data"`
}

// newEventResponse renders an event with its data as the Files API returns
// the object: a File, a Folder, a task status, or a webhook subscription.
func (s *server) newEventResponse(e *ferry.Event) eventResponse {
	r := eventResponse{ID: string(e.ID), Type: string(e.Type), PortalID: int64(e.Portal), OccurredAt: wireTime(e.OccurredAt),
		Cursor: strconv.FormatInt(e.Seq, 10)}
	switch {
	case e.Task != nil && e.Task.Kind == ferry.TaskFolderUpdate:
		r.Data = newFolderActionResponse(e.Task, e.Folder, s.taskLink("/folders/update/async/tasks/", e.Task.ID))
	case e.Task != nil:
		resp := s.newFileActionResponse(e.Task, e.File, s.taskLink("/files/import-from-url/async/tasks/", e.Task.ID))
		if e.Task.SourceURL != "" {
			resp.Links["source"] = e.Task.SourceURL
		}
		r.Data = resp
	case e.File != nil:
		r.Data = s.newFileResponse(e.File)
	case e.Folder != nil:
		r.Data = newFolderResponse(e.Folder)
	case e.Webhook != nil:
		r.Data = newWebhookResponse(e.Webhook, false)
	default:
		r.Data = struct{}{}
	}
	return r
}

// taskLink is a task's status link, under the first API version: an event
// has no request whose version it could follow.
func (s *server) taskLink(prefix string, id ferry.TaskID) string {
	return s.link(APIVersions[0] + prefix + url.PathEscape(string(id)) + "/status")
}

// EventRenderer returns the function that encodes an event as the feed
// shows it, for webhook deliveries to send the same JSON.
func EventRenderer(publicURL string) (func(ferry.Event) ([]byte, error), error) {
	base, err := parseBase(publicURL)
	if err != nil {
		return nil, err
	}
	s := &server{base: base}
	return func(e ferry.Event) ([]byte, error) { return json.Marshal(s.newEventResponse(&e)) }, nil
}

// handleListEvents serves GET /ferry/v1/events.
func (s *server) handleListEvents(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r.URL.Query())
	f := ferry.EventFilter{Limit: q.limit(ferry.EventLimitDefault, ferry.EventLimitMax), After: q.cursor()}
	types := q.list("type")
	if len(types) > len(ferry.EventTypes) {
		q.problems.Add("type", "OUT_OF_RANGE", "type may list at most %d event types", len(ferry.EventTypes))
		types = nil
	}
	for _, t := range types {
		if !ferry.EventType(t).Valid() {
			q.problems.Add("type", "INVALID", "%q is not an event type; the types are %s", t, eventTypeList())
			continue
		}
		f.Types = append(f.Types, ferry.EventType(t))
	}
	if err := q.problems.Err(); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	evs, more, err := s.opts.Webhooks.ListEvents(r.Context(), portal(r), f)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	results := make([]any, len(evs))
	for i := range evs {
		results[i] = s.newEventResponse(&evs[i])
	}
	var after string
	if more {
		after = strconv.FormatInt(evs[len(evs)-1].Seq, 10)
	}
	encode(w, http.StatusOK, s.newCursorCollection(r, results, after))
}

// newCursorCollection wraps a page of results; a non-empty after is the
// cursor of the next page, which paging.next then holds with its link.
func (s *server) newCursorCollection(r *http.Request, results []any, after string) collection {
	c := collection{Results: results}
	if after != "" {
		v := r.URL.Query()
		v.Set("after", after)
		c.Paging = &paging{Next: &nextPage{After: after, Link: s.link(r.URL.EscapedPath() + "?" + v.Encode())}}
	}
	return c
}

func eventTypeList() string {
	names := make([]string, len(ferry.EventTypes))
	for i, t := range ferry.EventTypes {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}
