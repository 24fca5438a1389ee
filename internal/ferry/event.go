package ferry

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
	"time"
)

// EventType names a change of state that Ferry reports in its event feed
// and to webhooks.
type EventType string

// The event types.
const (
	EventImportCompleted       EventType = "import.completed"
	EventImportCanceled        EventType = "import.canceled"
	EventFolderUpdateCompleted EventType = "folder_update.completed"
	EventFolderUpdateCanceled  EventType = "folder_update.canceled"
	EventFileCreated           EventType = "file.created"
	EventFileUpdated           EventType = "file.updated"
	EventFileArchived          EventType = "file.archived"
	EventFileDeleted           EventType = "file.deleted"
	EventFolderCreated         EventType = "folder.created"
	EventFolderUpdated         EventType = "folder.updated"
	EventFolderArchived        EventType = "folder.archived"
	EventWebhookDisabled       EventType = "webhook.disabled"
)

// EventTypes lists every event type.
var EventTypes = []EventType{EventImportCompleted, EventImportCanceled, EventFolderUpdateCompleted, EventFolderUpdateCanceled,
	EventFileCreated, EventFileUpdated, EventFileArchived, EventFileDeleted,
	EventFolderCreated, EventFolderUpdated, EventFolderArchived, EventWebhookDisabled}

// Valid reports whether t is a known event type.
func (t EventType) Valid() bool {
	for _, v := range EventTypes {
		if t == v {
			return true
		}
	}
	return false
}

// TaskEventType returns the event that a task reaching a terminal status
// emits.
func TaskEventType(t *Task) EventType {
	switch {
	case t.Kind == TaskFolderUpdate && t.Status == TaskComplete:
		return EventFolderUpdateCompleted
	case t.Kind == TaskFolderUpdate:
		return EventFolderUpdateCanceled
	case t.Status == TaskComplete:
		return EventImportCompleted
	}
	return EventImportCanceled
}

// EventID identifies an event across every portal, for ever; webhook
// deliveries carry it as webhook-id.
type EventID string

// NewEventID returns a fresh, random event id: "evt_" and 26 characters.
func NewEventID() EventID { return EventID("evt_" + randomID()) }

// randomID returns 128 random bits as 26 lower-case base32 characters.
func randomID() string {
	var b [16]byte
	rand.Read(b[:])
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// Event is one committed change of state. The store writes it in the same
// transaction as the change, so that no change is without its event and no
// event describes a change that rolled back. The object fields hold a
// snapshot taken when the change happened: File, Folder, Task (with File
// or Folder as its result) or Webhook.
type Event struct {
	ID         EventID
	Seq        int64 // the event's position in its portal's feed: 1, 2, 3, ... in commit order
	Type       EventType
	Portal     PortalID
	OccurredAt time.Time
	File       *File
	Folder     *Folder
	Task       *Task
	Webhook    *Webhook
}

// EventFilter selects a page of a portal's feed.
type EventFilter struct {
	After int64       // the Seq of the last event already seen; 0: from the start
	Limit int         // at most this many
	Types []EventType // empty: every type
}

// Limits of the event feed's paging.
const (
	EventLimitDefault = 100
	EventLimitMax     = 1000
)
