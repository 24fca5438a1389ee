package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"ferry/internal/ferry"
)

const taskColumns = `id, portal, kind, status, request, attempts, job_id, source_url, errors, file_id, folder_id, requested_at, started_at, completed_at`

// CreateTask implements ferry.Store.
func (s *Store) CreateTask(ctx context.Context, t *ferry.Task) error {
	errs, err := json.Marshal(t.Errors)
	if err != nil {
		return ferry.Wrap(err, "encode task errors")
	}
	_, err = s.exec(ctx, `INSERT INTO tasks (`+taskColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		string(t.ID), int64(t.Portal), string(t.Kind), string(t.Status), t.Request, t.Attempts, t.JobID, t.SourceURL, string(errs),
		int64(t.FileID), int64(t.FolderID), ms(t.RequestedAt), ms(t.StartedAt), ms(t.CompletedAt))
	if s.d.IsUnique(err) {
		return ferry.Errorf(ferry.Conflict, "task %s exists already", t.ID)
	}
	return ferry.Wrap(err, "create task")
}

func scanTask(row interface{ Scan(...any) error }) (ferry.Task, error) {
	var (
		t                             ferry.Task
		tid, kind, status, errs       string
		p, fileID, folderID           int64
		requested, started, completed int64
	)
	err := row.Scan(&tid, &p, &kind, &status, &t.Request, &t.Attempts, &t.JobID, &t.SourceURL, &errs, &fileID, &folderID, &requested, &started, &completed)
	if err != nil {
		return ferry.Task{}, err
	}
	if t.Errors, err = decodeTaskErrors(errs); err != nil {
		return ferry.Task{}, err
	}
	t.ID, t.Portal, t.Kind, t.Status = ferry.TaskID(tid), ferry.PortalID(p), ferry.TaskKind(kind), ferry.TaskStatus(status)
	t.FileID, t.FolderID = ferry.FileID(fileID), ferry.FolderID(folderID)
	t.RequestedAt, t.StartedAt, t.CompletedAt = fromMS(requested), fromMS(started), fromMS(completed)
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

// ListUnfinishedTasks implements ferry.Store.
func (s *Store) ListUnfinishedTasks(ctx context.Context, before time.Time, limit int) ([]ferry.Task, error) {
	rows, err := s.query(ctx, `SELECT `+taskColumns+` FROM tasks WHERE completed_at = 0 AND requested_at < ? ORDER BY requested_at LIMIT ?`, ms(before), limit)
	if err != nil {
		return nil, ferry.Wrap(err, "list unfinished tasks")
	}
	defer rows.Close()
	var out []ferry.Task
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, ferry.Wrap(err, "list unfinished tasks")
		}
		out = append(out, t)
	}
	return out, ferry.Wrap(rows.Err(), "list unfinished tasks")
}

// UpdateTask implements ferry.Store.
func (s *Store) UpdateTask(ctx context.Context, t *ferry.Task) error {
	errs, err := json.Marshal(t.Errors)
	if err != nil {
		return ferry.Wrap(err, "encode task errors")
	}
	res, err := s.exec(ctx, `UPDATE tasks SET status = ?, attempts = ?, source_url = ?, errors = ?, file_id = ?, folder_id = ?,
		started_at = ?, completed_at = ? WHERE id = ? AND portal = ?`,
		string(t.Status), t.Attempts, t.SourceURL, string(errs), int64(t.FileID), int64(t.FolderID),
		ms(t.StartedAt), ms(t.CompletedAt), string(t.ID), int64(t.Portal))
	if err != nil {
		return ferry.Wrap(err, "update task")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ferry.Errorf(ferry.NotFound, "task not found")
	}
	return nil
}

// DeleteTasksFinishedBefore implements ferry.Store.
func (s *Store) DeleteTasksFinishedBefore(ctx context.Context, t time.Time) (int, error) {
	res, err := s.exec(ctx, `DELETE FROM tasks WHERE completed_at > 0 AND completed_at < ?`, ms(t))
	if err != nil {
		return 0, ferry.Wrap(err, "delete old tasks")
	}
	n, _ := res.RowsAffected()
	return int(n), nil
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
