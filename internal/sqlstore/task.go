package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"ferry/internal/ferry"
)

const taskColumns = `id, portal, kind, status, request, attempts, job_id, source_url, errors, file_id, folder_id, requested_at, started_at, completed_at,
	version, max_attempts, next_attempt_at, last_error, bytes_done, bytes_total, bytes_per_second, sha256, sealed, resume,
	correlation_id`

// taskValues are the values of taskColumns after id and portal, in order.
func taskValues(t *ferry.Task) ([]any, error) {
	errs, err := json.Marshal(t.Errors)
	if err != nil {
		return nil, ferry.Wrap(err, "encode task errors")
	}
	last := ""
	if t.LastError != nil {
		b, err := json.Marshal(t.LastError)
		if err != nil {
			return nil, ferry.Wrap(err, "encode task error")
		}
		last = string(b)
	}
	return []any{string(t.Kind), string(t.Status), t.Request, t.Attempts, t.JobID, t.SourceURL, string(errs),
		int64(t.FileID), int64(t.FolderID), ms(t.RequestedAt), ms(t.StartedAt), ms(t.CompletedAt),
		t.Version, t.MaxAttempts, ms(t.NextAttemptAt), last, t.Progress.BytesDone, t.Progress.BytesTotal, t.Progress.BytesPerSecond,
		t.SHA256, sealedValue(t.Sealed), string(t.Resume), t.CorrelationID}, nil
}

// sealedValue stores no sealed headers as NULL.
func sealedValue(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// CreateTask implements ferry.Store.
func (s *Store) CreateTask(ctx context.Context, t *ferry.Task) error {
	vals, err := taskValues(t)
	if err != nil {
		return err
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", 25), ", ")
	_, err = s.exec(ctx, `INSERT INTO tasks (`+taskColumns+`) VALUES (`+marks+`)`, append([]any{string(t.ID), int64(t.Portal)}, vals...)...)
	if s.d.IsUnique(err) {
		return ferry.Errorf(ferry.Conflict, "task %s exists already", t.ID)
	}
	return ferry.Wrap(err, "create task")
}

func scanTask(row interface{ Scan(...any) error }) (ferry.Task, error) {
	var (
		t                             ferry.Task
		tid, kind, status, errs, last string
		resume                        string
		p, fileID, folderID           int64
		requested, started, completed int64
		next                          int64
	)
	err := row.Scan(&tid, &p, &kind, &status, &t.Request, &t.Attempts, &t.JobID, &t.SourceURL, &errs, &fileID, &folderID, &requested, &started, &completed,
		&t.Version, &t.MaxAttempts, &next, &last, &t.Progress.BytesDone, &t.Progress.BytesTotal, &t.Progress.BytesPerSecond, &t.SHA256, &t.Sealed, &resume, &t.CorrelationID)
	if err != nil {
		return ferry.Task{}, err
	}
	if t.Errors, err = decodeTaskErrors(errs); err != nil {
		return ferry.Task{}, err
	}
	if last != "" {
		t.LastError = new(ferry.TaskError)
		if err := json.Unmarshal([]byte(last), t.LastError); err != nil {
			return ferry.Task{}, fmt.Errorf("decode task error: %w", err)
		}
	}
	if len(t.Sealed) == 0 {
		t.Sealed = nil
	}
	if resume != "" {
		t.Resume = []byte(resume)
	}
	t.ID, t.Portal, t.Kind, t.Status = ferry.TaskID(tid), ferry.PortalID(p), ferry.TaskKind(kind), ferry.TaskStatus(status)
	t.FileID, t.FolderID = ferry.FileID(fileID), ferry.FolderID(folderID)
	t.RequestedAt, t.StartedAt, t.CompletedAt = fromMS(requested), fromMS(started), fromMS(completed)
	t.NextAttemptAt = fromMS(next)
	return t, nil
}

// FindTask implements ferry.Store.
func (s *Store) FindTask(ctx context.Context, portal ferry.PortalID, id ferry.TaskID) (ferry.Task, error) {
	t, err := scanTask(s.queryRow(ctx, `SELECT `+taskColumns+` FROM tasks WHERE id = ? AND portal = ?`, string(id), int64(portal)))
	if err != nil {
		return ferry.Task{}, notFound(err, "task")
	}
	return t, nil
}

// taskFileSelect reads a task and the file it names, if any: the file's
// columns are NULL when there is none.
var taskFileSelect = `SELECT ` + prefixed("t.", taskColumns) + `, ` + fileColumns +
	` FROM tasks t LEFT JOIN files f ON f.portal = t.portal AND f.id = t.file_id ` + fileFolderJoin +
	` WHERE t.id = ? AND t.portal = ?`

// prefixed qualifies each of a comma-separated list of columns.
func prefixed(prefix, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = prefix + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

// FindTaskFile implements ferry.Store.
func (s *Store) FindTaskFile(ctx context.Context, portal ferry.PortalID, id ferry.TaskID) (ferry.Task, *ferry.File, error) {
	if s.tasks != nil && s.tx == nil {
		return s.findTaskFileCached(ctx, portal, id)
	}
	return s.findTaskFile(ctx, portal, id)
}

func (s *Store) findTaskFile(ctx context.Context, portal ferry.PortalID, id ferry.TaskID) (ferry.Task, *ferry.File, error) {
	row := s.queryRow(ctx, taskFileSelect, string(id), int64(portal))
	var f ferry.File
	// scanTask and scanFile each hand over their destinations; the row is
	// scanned once into both.
	t, err := scanTask(scanFunc(func(taskDest ...any) error {
		var err error
		f, err = scanFile(scanFunc(func(fileDest ...any) error {
			dest := append([]any(nil), taskDest...)
			for _, d := range fileDest {
				dest = append(dest, orZero{d})
			}
			return row.Scan(dest...)
		}))
		return err
	}))
	if err != nil {
		return ferry.Task{}, nil, notFound(err, "task")
	}
	if f.ID == 0 {
		return t, nil, nil
	}
	return t, &f, nil
}

// scanFunc is a Scan method.
type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// orZero scans NULL (a LEFT JOIN that found nothing) into its
// destination's zero value.
type orZero struct{ dest any }

func (o orZero) Scan(v any) error {
	switch d := o.dest.(type) {
	case *int64:
		return scanNull(d, v)
	case *int:
		return scanNull(d, v)
	case *string:
		return scanNull(d, v)
	case *bool:
		return scanNull(d, v)
	}
	return fmt.Errorf("scan NULL into %T: unsupported", o.dest)
}

func scanNull[T any](dest *T, v any) error {
	var n sql.Null[T]
	err := n.Scan(v)
	*dest = n.V
	return err
}

// TaskWaitingElsewhere implements ferry.Store: two probes of the index of
// unfinished tasks by portal, on either side of portal.
func (s *Store) TaskWaitingElsewhere(ctx context.Context, portal ferry.PortalID, kind ferry.TaskKind) (bool, error) {
	const waiting = `SELECT EXISTS (SELECT 1 FROM tasks WHERE completed_at = 0 AND portal < ? AND status = ? AND kind = ?)
		OR EXISTS (SELECT 1 FROM tasks WHERE completed_at = 0 AND portal > ? AND status = ? AND kind = ?)`
	var found bool
	err := s.queryRow(ctx, waiting,
		int64(portal), string(ferry.TaskPending), string(kind), int64(portal), string(ferry.TaskPending), string(kind)).Scan(&found)
	if err != nil {
		return false, ferry.Wrap(err, "find waiting tasks")
	}
	return found, nil
}

func (s *Store) scanTasks(ctx context.Context, what, q string, args ...any) ([]ferry.Task, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, ferry.Wrap(err, what)
	}
	defer rows.Close()
	var out []ferry.Task
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, ferry.Wrap(err, what)
		}
		out = append(out, t)
	}
	return out, ferry.Wrap(rows.Err(), what)
}

// ListUnfinishedTasks implements ferry.Store.
func (s *Store) ListUnfinishedTasks(ctx context.Context, before time.Time, limit int) ([]ferry.Task, error) {
	return s.scanTasks(ctx, "list unfinished tasks",
		`SELECT `+taskColumns+` FROM tasks WHERE completed_at = 0 AND requested_at < ? ORDER BY requested_at LIMIT ?`, ms(before), limit)
}

// ListTasks implements ferry.Store.
func (s *Store) ListTasks(ctx context.Context, portal ferry.PortalID, f ferry.TaskFilter) ([]ferry.Task, bool, error) {
	where, args := []string{"portal = ?"}, []any{int64(portal)}
	if len(f.Statuses) > 0 {
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(f.Statuses)), ", ")
		where = append(where, "status IN ("+marks+")")
		for _, st := range f.Statuses {
			args = append(args, string(st))
		}
	}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, string(f.Kind))
	}
	if !f.CreatedAfter.IsZero() {
		where, args = append(where, "requested_at > ?"), append(args, ms(f.CreatedAfter))
	}
	if !f.CreatedBefore.IsZero() {
		where, args = append(where, "requested_at < ?"), append(args, ms(f.CreatedBefore))
	}
	if c := f.After; c != nil {
		where = append(where, "(requested_at < ? OR (requested_at = ? AND id < ?))")
		args = append(args, ms(c.RequestedAt), ms(c.RequestedAt), string(c.ID))
	}
	limit := max(f.Limit, 1)
	out, err := s.scanTasks(ctx, "list tasks", `SELECT `+taskColumns+` FROM tasks WHERE `+strings.Join(where, " AND ")+
		` ORDER BY requested_at DESC, id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil || len(out) <= limit {
		return out, false, err
	}
	return out[:limit], true, nil
}

// UpdateTask implements ferry.Store.
func (s *Store) UpdateTask(ctx context.Context, t *ferry.Task) error {
	return s.saveTask(ctx, t, ferry.EventState, "")
}

// SaveProgress implements ferry.Store.
func (s *Store) SaveProgress(ctx context.Context, t *ferry.Task) error {
	return s.saveTask(ctx, t, ferry.EventProgress, "")
}

// ReclaimTask implements ferry.Store.
func (s *Store) ReclaimTask(ctx context.Context, t *ferry.Task, silence time.Duration) error {
	return s.saveTask(ctx, t, ferry.EventState, s.silent(silence))
}

// BeatTask implements ferry.Store.
func (s *Store) BeatTask(ctx context.Context, t *ferry.Task) error {
	res, err := s.exec(ctx, `UPDATE tasks SET heartbeat_at = `+s.d.NowMillis+` WHERE id = ? AND portal = ? AND status = ? AND attempts = ? AND job_id = ?`,
		string(t.ID), int64(t.Portal), string(ferry.TaskProcessing), t.Attempts, t.JobID)
	if err != nil {
		return ferry.Wrap(err, "save task heartbeat")
	}
	return s.updatedTask(ctx, res, t, "is no longer run by this attempt")
}

// updatedTask returns nil if res changed t's row; otherwise NotFound if
// there is no such task, else Conflict saying why.
func (s *Store) updatedTask(ctx context.Context, res sql.Result, t *ferry.Task, why string) error {
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	if _, err := s.FindTask(ctx, t.Portal, t.ID); err != nil {
		return err
	}
	return ferry.Errorf(ferry.Conflict, "task %s %s", t.ID, why)
}

// ListSilentTasks implements ferry.Store.
func (s *Store) ListSilentTasks(ctx context.Context, silence time.Duration, limit int) ([]ferry.Task, error) {
	// The status is written out, not a parameter, so that the planner
	// uses the partial index on PROCESSING tasks.
	return s.scanTasks(ctx, "list silent tasks", `SELECT `+taskColumns+` FROM tasks WHERE status = 'PROCESSING' AND next_attempt_at = 0 AND `+
		s.silent(silence)+` ORDER BY heartbeat_at LIMIT ?`, limit)
}

// silent is the condition on a task row that its heartbeat, if it ever
// had one, is older than d by the database's clock.
func (s *Store) silent(d time.Duration) string {
	return fmt.Sprintf("heartbeat_at > 0 AND heartbeat_at < %s - %d", s.d.NowMillis, d.Milliseconds())
}

// saveTask writes t over the stored version t.Version and records the
// change as an event of the given type, in one transaction. The version
// check takes the row's lock first, so the events of one task are
// numbered in the order their changes commit. cond, if set, is a further
// condition the row must meet. Every save is a heartbeat too: the row's
// writer is alive.
func (s *Store) saveTask(ctx context.Context, t *ferry.Task, typ, cond string) error {
	vals, err := taskValues(t)
	if err != nil {
		return err
	}
	vals[12] = t.Version + 1
	return s.Atomic(ctx, func(st ferry.Store) error {
		tx := st.(*Store)
		if t.Status.Terminal() && s.d.NumberEvents == "" {
			// emit will take the portal lock: take it first, so that
			// this writer takes its locks in the same order as every
			// other (where events are numbered later, emit takes none).
			if err := tx.lockPortal(ctx, t.Portal); err != nil {
				return err
			}
		}
		update := func(more string, args ...any) (sql.Result, error) {
			res, err := tx.exec(ctx, `UPDATE tasks SET kind = ?, status = ?, request = ?, attempts = ?, job_id = ?, source_url = ?, errors = ?,
			file_id = ?, folder_id = ?, requested_at = ?, started_at = ?, completed_at = ?, version = ?, max_attempts = ?, next_attempt_at = ?,
			last_error = ?, bytes_done = ?, bytes_total = ?, bytes_per_second = ?, sha256 = ?, sealed = ?, resume = ?,
			correlation_id = ?, heartbeat_at = `+s.d.NowMillis+` WHERE id = ? AND portal = ? AND version = ?`+and(cond)+more,
				append(append(vals, string(t.ID), int64(t.Portal), t.Version), args...)...)
			return res, ferry.Wrap(err, "update task")
		}
		// A save that ends the task emits its event: try first as the
		// save of a task that has not ended, which both saves and says
		// so in one statement. Saving an ended task again (or a stale
		// version) falls through to the plain save.
		ends := false
		if t.Status.Terminal() {
			res, err := update(` AND status <> ? AND status <> ?`, string(ferry.TaskComplete), string(ferry.TaskCanceled))
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			ends = n > 0
		}
		if !ends {
			res, err := update("")
			if err != nil {
				return err
			}
			if err := tx.updatedTask(ctx, res, t, "has changed since it was read"); err != nil {
				return err
			}
		}
		snap := *t
		snap.Version++
		if err := tx.appendEvent(ctx, snap, typ); err != nil {
			return err
		}
		t.Version++
		if ends {
			return tx.emitTask(ctx, snap)
		}
		return nil
	})
}

// and returns " AND cond", or nothing for no condition.
func and(cond string) string {
	if cond == "" {
		return ""
	}
	return " AND " + cond
}

// appendEvent records t, as it is after a change, as its event.
func (s *Store) appendEvent(ctx context.Context, t ferry.Task, typ string) error {
	t.Request, t.Sealed, t.Resume = nil, nil, nil
	data, err := json.Marshal(t)
	if err != nil {
		return ferry.Wrap(err, "encode task event")
	}
	_, err = s.exec(ctx, `INSERT INTO task_events (task_id, portal, seq, type, at, data) VALUES (?, ?, ?, ?, ?, ?)`,
		string(t.ID), int64(t.Portal), t.Version, typ, s.clock.Now().UnixMilli(), string(data))
	return ferry.Wrap(err, "record task event")
}

// ListTaskEvents implements ferry.Store.
func (s *Store) ListTaskEvents(ctx context.Context, portal ferry.PortalID, id ferry.TaskID, after int64, limit int) ([]ferry.TaskEvent, error) {
	rows, err := s.query(ctx, `SELECT seq, type, at, data FROM task_events WHERE task_id = ? AND portal = ? AND seq > ? ORDER BY seq LIMIT ?`,
		string(id), int64(portal), after, limit)
	if err != nil {
		return nil, ferry.Wrap(err, "list task events")
	}
	defer rows.Close()
	var out []ferry.TaskEvent
	for rows.Next() {
		var (
			e    ferry.TaskEvent
			at   int64
			data string
		)
		if err := rows.Scan(&e.Seq, &e.Type, &at, &data); err != nil {
			return nil, ferry.Wrap(err, "list task events")
		}
		if err := json.Unmarshal([]byte(data), &e.Task); err != nil {
			return nil, ferry.Wrap(err, "decode task event")
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	return out, ferry.Wrap(rows.Err(), "list task events")
}

// DeleteTasksFinishedBefore implements ferry.Store.
func (s *Store) DeleteTasksFinishedBefore(ctx context.Context, t time.Time) (int, error) {
	var n int64
	err := s.Atomic(ctx, func(st ferry.Store) error {
		tx := st.(*Store)
		if _, err := tx.exec(ctx, `DELETE FROM task_events WHERE task_id IN (SELECT id FROM tasks WHERE completed_at > 0 AND completed_at < ?)`, ms(t)); err != nil {
			return ferry.Wrap(err, "delete old task events")
		}
		res, err := tx.exec(ctx, `DELETE FROM tasks WHERE completed_at > 0 AND completed_at < ?`, ms(t))
		if err != nil {
			return ferry.Wrap(err, "delete old tasks")
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
}

// storedTaskError is a task error as the errors column holds it. Rows
// written before task errors carried a Kind hold Status and Category
// instead, from which the Kind follows.
type storedTaskError struct {
	ferry.TaskError
	Status   int
	Category string
}

func decodeTaskErrors(s string) ([]ferry.TaskError, error) {
	var stored []storedTaskError
	if err := json.Unmarshal([]byte(s), &stored); err != nil {
		return nil, fmt.Errorf("decode task errors: %w", err)
	}
	if stored == nil {
		return nil, nil
	}
	out := make([]ferry.TaskError, len(stored))
	for i, e := range stored {
		if e.Status != 0 {
			e.Kind = ferry.KindOfWire(e.Status, e.Category)
		}
		out[i] = e.TaskError
	}
	return out, nil
}
