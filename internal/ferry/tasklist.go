package ferry

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// Limits of a page of the task list.
const (
	TaskLimitDefault = 20
	TaskLimitMax     = 100
)

// TaskFilterInput is a task list's filter as a client sent it, before
// validation. The task API's query and the console's form both read into
// it; each parses times in its own format first.
type TaskFilterInput struct {
	Statuses      []string // PENDING, PROCESSING, COMPLETE or CANCELED, in any case
	Type          string   // IMPORT or FOLDER_UPDATE, in any case; empty: both
	CreatedAfter  time.Time
	CreatedBefore time.Time
	Limit         int
	After         string // a cursor from TaskCursor.String; empty: the first page
}

// Validate adds every problem of the input to p and returns the filter.
func (in TaskFilterInput) Validate(p *Problems) TaskFilter {
	f := TaskFilter{CreatedAfter: in.CreatedAfter, CreatedBefore: in.CreatedBefore, Limit: in.Limit}
	for _, s := range in.Statuses {
		switch st := TaskStatus(strings.ToUpper(s)); st {
		case TaskPending, TaskProcessing, TaskComplete, TaskCanceled:
			f.Statuses = append(f.Statuses, st)
		default:
			p.Add("status", "INVALID_STATUS", "status %q is not one of PENDING, PROCESSING, COMPLETE, CANCELED", s)
		}
	}
	switch t := strings.ToUpper(in.Type); t {
	case "":
	case "IMPORT":
		f.Kind = TaskImport
	case "FOLDER_UPDATE":
		f.Kind = TaskFolderUpdate
	default:
		p.Add("type", "INVALID_TYPE", "type %q is not IMPORT or FOLDER_UPDATE", t)
	}
	if in.After != "" {
		c, ok := ParseTaskCursor(in.After)
		if !ok {
			p.Add("after", "INVALID_CURSOR", "after %q is not a cursor this server handed out", in.After)
		}
		f.After = c
	}
	return f
}

// Cursor is t's position in the task list's order.
func (t *Task) Cursor() TaskCursor { return TaskCursor{RequestedAt: t.RequestedAt, ID: t.ID} }

// String is the opaque form of c that clients page with.
func (c TaskCursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.RequestedAt.UnixMilli(), 10) + ":" + string(c.ID)))
}

// ParseTaskCursor reads a cursor that TaskCursor.String made.
func ParseTaskCursor(s string) (*TaskCursor, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, false
	}
	msPart, id, ok := strings.Cut(string(b), ":")
	n, err := strconv.ParseInt(msPart, 10, 64)
	if !ok || err != nil || id == "" || strings.ContainsRune(id, 0) {
		return nil, false
	}
	return &TaskCursor{RequestedAt: time.UnixMilli(n).UTC(), ID: TaskID(id)}, true
}
