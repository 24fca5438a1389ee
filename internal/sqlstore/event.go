package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"ferry/internal/ferry"
)

// DeliveryHook is told of new deliveries inside the transaction that wrote
// them, so that it can enqueue their work in that same transaction: a
// delivery exists if and only if its job does.
type DeliveryHook func(ctx context.Context, tx *sql.Tx, ds []ferry.Delivery) error

// SetDeliveryHook sets the hook that enqueues new deliveries. Without one,
// deliveries are recorded but nothing works them.
func (s *Store) SetDeliveryHook(h DeliveryHook) { s.hook = h }

// eventData is the JSON snapshot that an event row keeps of what changed.
type eventData struct {
	File    *ferry.File    `json:"file,omitempty"`
	Folder  *ferry.Folder  `json:"folder,omitempty"`
	Task    *ferry.Task    `json:"task,omitempty"`
	Webhook *ferry.Webhook `json:"webhook,omitempty"`
}

// emit writes an event into the current transaction, and a delivery for
// each of the portal's enabled subscriptions that wants it.
//
// Event numbers must become visible in order and without gaps, so that a
// reader who moved past number 9 never finds an 8 later. A plain sequence
// does not promise that on PostgreSQL: a transaction may take number 8
// and commit after one that took 9. There are two ways to keep the
// promise:
//
//   - With Dialect.NumberEvents (PostgreSQL), the event goes into the
//     outbox without a number and without taking any lock, and whoever
//     reads the portal's events first numbers every committed one, in one
//     short transaction that holds the portal's numbering lock
//     (numberEvents). An event that commits later gets a later number,
//     so numbers still become visible in order, and writers of one portal
//     never wait for each other.
//   - Otherwise (SQLite, one writer at a time) the number comes from the
//     portal's row in event_counters, bumped in this transaction: the
//     row stays locked until the transaction ends, so a second writer
//     would wait for the first to commit before it got the next number.
func (s *Store) emit(ctx context.Context, portal ferry.PortalID, typ ferry.EventType, data eventData) error {
	if s.tx == nil {
		return errors.New("sqlstore: event written outside a transaction")
	}
	body, err := json.Marshal(data)
	if err != nil {
		return ferry.Wrap(err, "encode event")
	}
	ev := ferry.Event{ID: ferry.NewEventID(), Type: typ, Portal: portal, OccurredAt: s.clock.Now().UTC().Truncate(time.Millisecond)}
	if s.d.NumberEvents != "" {
		_, err = s.exec(ctx, `INSERT INTO event_outbox (portal, id, type, occurred_at, data) VALUES (?, ?, ?, ?, ?)`,
			int64(portal), string(ev.ID), string(ev.Type), ms(ev.OccurredAt), string(body))
		if err != nil {
			return ferry.Wrap(err, "insert event")
		}
		return s.fanOut(ctx, &ev) // ev.Seq is 0: deliveries read it once it is numbered
	}
	// The portal lock first, so that every writer takes the two locks in
	// the same order (a no-op where there is no lock).
	if err := s.lockPortal(ctx, portal); err != nil {
		return err
	}
	err = s.queryRow(ctx, `INSERT INTO event_counters (portal, seq) VALUES (?, 1)
		ON CONFLICT (portal) DO UPDATE SET seq = event_counters.seq + 1 RETURNING seq`, int64(portal)).Scan(&ev.Seq)
	if err != nil {
		return ferry.Wrap(err, "next event number")
	}
	_, err = s.exec(ctx, `INSERT INTO events (portal, seq, id, type, occurred_at, data) VALUES (?, ?, ?, ?, ?, ?)`,
		int64(portal), ev.Seq, string(ev.ID), string(ev.Type), ms(ev.OccurredAt), string(body))
	if err != nil {
		return ferry.Wrap(err, "insert event")
	}
	return s.fanOut(ctx, &ev)
}

// eventBatch is how many events numberEvents moves per transaction.
const eventBatch = 5000

// eventLockSpace is the namespace of the portals' numbering locks ("EVTS").
const eventLockSpace int32 = 0x45565453

// numberEvents numbers the portal's committed events that wait in the
// outbox (see emit), so that a read that follows sees every event
// committed before it. It runs in transactions of its own, and does
// nothing inside a transaction (whose caller numbered before it began)
// or where events are numbered as they are written.
//
// The numbering lock makes numberers of one portal take turns, and a
// numberer starts reading only once it holds the lock: under READ
// COMMITTED its statement then sees what the one before it committed, so
// no event is numbered twice or skipped.
func (s *Store) numberEvents(ctx context.Context, portal ferry.PortalID) error {
	if !s.numbersLater() {
		return nil
	}
	var waiting bool
	err := s.db.QueryRowContext(ctx, s.d.Rebind(`SELECT EXISTS (SELECT 1 FROM event_outbox WHERE portal = ?)`), int64(portal)).Scan(&waiting)
	if err != nil || !waiting {
		s.failed(err)
		return ferry.Wrap(err, "look for events to number")
	}
	return s.numberWaiting(ctx, portal)
}

// numberWaiting is numberEvents for a portal known to have events waiting.
func (s *Store) numberWaiting(ctx context.Context, portal ferry.PortalID) error {
	for {
		var moved int64
		err := s.Atomic(ctx, func(st ferry.Store) error {
			tx := st.(*Store)
			if _, err := tx.exec(ctx, s.d.LockPortal, eventLockSpace, lockKey(portal)); err != nil {
				return err
			}
			res, err := tx.exec(ctx, s.d.NumberEvents, int64(portal), eventBatch)
			if err != nil {
				return err
			}
			moved, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return ferry.Wrap(err, "number events") // Atomic classified a full disk
		}
		if moved < eventBatch {
			return nil
		}
	}
}

// numbersLater reports whether numberEvents has work to do: events are
// numbered after they are written, and s is not inside a transaction.
func (s *Store) numbersLater() bool { return s.d.NumberEvents != "" && s.tx == nil }

// numberAllEvents numbers the waiting events of every portal: before
// old events are deleted, and before the database is copied.
func (s *Store) numberAllEvents(ctx context.Context) error {
	if !s.numbersLater() {
		return nil
	}
	rows, err := s.query(ctx, `SELECT DISTINCT portal FROM event_outbox`)
	if err != nil {
		return ferry.Wrap(err, "list events to number")
	}
	portals, err := collect(rows, func(r interface{ Scan(...any) error }) (int64, error) {
		var p int64
		return p, r.Scan(&p)
	})
	if err != nil {
		return ferry.Wrap(err, "list events to number")
	}
	for _, p := range portals {
		if err := s.numberWaiting(ctx, ferry.PortalID(p)); err != nil {
			return err
		}
	}
	return nil
}

// fanOut records a delivery of ev for every subscription that wants it and
// hands them to the hook.
func (s *Store) fanOut(ctx context.Context, ev *ferry.Event) error {
	hooks, err := s.portalHooks(ctx, ev.Portal)
	if err != nil {
		return err
	}
	var ds []ferry.Delivery
	for _, w := range hooks {
		if !w.Enabled || !w.Wants(ev.Type) {
			continue
		}
		d := ferry.Delivery{Webhook: w.ID, Portal: ev.Portal, EventID: ev.ID, EventSeq: ev.Seq, EventType: ev.Type,
			State: ferry.DeliveryPending, CreatedAt: ev.OccurredAt, UpdatedAt: ev.OccurredAt}
		if err := s.insertDelivery(ctx, &d); err != nil {
			return err
		}
		ds = append(ds, d)
	}
	if len(ds) == 0 || s.hook == nil {
		return nil
	}
	return s.hook(ctx, s.tx, ds)
}

// portalHooks is ListWebhooks, read once per transaction.
func (s *Store) portalHooks(ctx context.Context, portal ferry.PortalID) ([]ferry.Webhook, error) {
	if s.memo == nil {
		return s.ListWebhooks(ctx, portal)
	}
	if hooks, ok := s.memo.hooks[portal]; ok {
		return hooks, nil
	}
	hooks, err := s.ListWebhooks(ctx, portal)
	if err != nil {
		return nil, err
	}
	if s.memo.hooks == nil {
		s.memo.hooks = map[ferry.PortalID][]ferry.Webhook{}
	}
	s.memo.hooks[portal] = hooks
	return hooks, nil
}

// emitFile, emitFolder and emitTask emit an event about one object.
func (s *Store) emitFile(ctx context.Context, typ ferry.EventType, f ferry.File) error {
	return s.emit(ctx, f.Portal, typ, eventData{File: &f})
}

func (s *Store) emitFolder(ctx context.Context, typ ferry.EventType, f ferry.Folder) error {
	return s.emit(ctx, f.Portal, typ, eventData{Folder: &f})
}

// emitTask emits the event of a task that just ended, with its result.
func (s *Store) emitTask(ctx context.Context, t ferry.Task) error {
	t.Request, t.Sealed, t.Resume = nil, nil, nil // the request may hold sealed secrets
	data := eventData{Task: &t}
	if m := s.memo; m != nil && m.file != nil && m.file.ID == t.FileID && m.file.Portal == t.Portal {
		f := *m.file // the file this transaction stored the task's result in
		data.File = &f
	} else if t.FileID != 0 {
		if f, err := s.FindFileByID(ctx, t.Portal, t.FileID); err == nil {
			data.File = &f
		}
	}
	if t.FolderID != 0 {
		if f, err := s.FindFolderByID(ctx, t.Portal, t.FolderID); err == nil {
			data.Folder = &f
		}
	}
	return s.emit(ctx, t.Portal, ferry.TaskEventType(&t), data)
}

const eventColumns = `portal, seq, id, type, occurred_at, data`

func scanEvent(row interface{ Scan(...any) error }) (ferry.Event, error) {
	var (
		ev           ferry.Event
		portal, at   int64
		id, typ, raw string
		data         eventData
	)
	if err := row.Scan(&portal, &ev.Seq, &id, &typ, &at, &raw); err != nil {
		return ferry.Event{}, err
	}
	if err := json.Unmarshal([]byte(raw), &data); err != nil {
		return ferry.Event{}, ferry.Wrap(err, "decode event")
	}
	ev.Portal, ev.ID, ev.Type, ev.OccurredAt = ferry.PortalID(portal), ferry.EventID(id), ferry.EventType(typ), fromMS(at)
	ev.File, ev.Folder, ev.Task, ev.Webhook = data.File, data.Folder, data.Task, data.Webhook
	return ev, nil
}

// ListEvents implements ferry.Store.
func (s *Store) ListEvents(ctx context.Context, portal ferry.PortalID, f ferry.EventFilter) ([]ferry.Event, bool, error) {
	if err := s.numberEvents(ctx, portal); err != nil {
		return nil, false, err
	}
	q := `SELECT ` + eventColumns + ` FROM events WHERE portal = ? AND seq > ?`
	args := []any{int64(portal), f.After}
	if len(f.Types) > 0 {
		q += ` AND type IN (?` + strings.Repeat(", ?", len(f.Types)-1) + `)`
		for _, t := range f.Types {
			args = append(args, string(t))
		}
	}
	rows, err := s.query(ctx, q+` ORDER BY seq LIMIT ?`, append(args, f.Limit+1)...)
	if err != nil {
		return nil, false, ferry.Wrap(err, "list events")
	}
	return pageOf(collect(rows, scanEvent))(f.Limit)
}

// pageOf cuts a list read with LIMIT n+1 to n, and says whether more
// followed.
func pageOf[T any](items []T, err error) func(n int) ([]T, bool, error) {
	return func(n int) ([]T, bool, error) {
		if err != nil {
			return nil, false, err
		}
		if len(items) > n {
			return items[:n], true, nil
		}
		return items, false, nil
	}
}

// FindEvent implements ferry.Store.
//
// The event is looked up first, and waiting events are numbered (see
// numberEvents) only if it is not there: numbering only ever adds events,
// so the answer is the one numbering first would give, and a delivery,
// which found its event's number through FindDelivery, reads it in one
// statement.
func (s *Store) FindEvent(ctx context.Context, portal ferry.PortalID, seq int64) (ferry.Event, error) {
	find := func() (ferry.Event, error) {
		return scanEvent(s.queryRow(ctx, `SELECT `+eventColumns+` FROM events WHERE portal = ? AND seq = ?`, int64(portal), seq))
	}
	ev, err := find()
	if errors.Is(err, sql.ErrNoRows) && s.numbersLater() {
		if err := s.numberEvents(ctx, portal); err != nil {
			return ferry.Event{}, err
		}
		ev, err = find()
	}
	if err != nil {
		return ferry.Event{}, notFound(err, "event")
	}
	return ev, nil
}

// DeleteEventsBefore implements ferry.Store.
func (s *Store) DeleteEventsBefore(ctx context.Context, t time.Time) (int, error) {
	// Number what waits first, so that the outbox never grows for a
	// portal whose events nobody reads.
	if err := s.numberAllEvents(ctx); err != nil {
		return 0, err
	}
	res, err := s.exec(ctx, `DELETE FROM events WHERE occurred_at < ?`, ms(t))
	if err != nil {
		return 0, ferry.Wrap(err, "delete old events")
	}
	n, _ := res.RowsAffected()
	if _, err := s.exec(ctx, `DELETE FROM webhook_deliveries WHERE created_at < ?`, ms(t)); err != nil {
		return 0, ferry.Wrap(err, "delete old deliveries")
	}
	return int(n), nil
}
