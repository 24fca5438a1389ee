// Package tasks is the task engine. It runs import-from-URL tasks on River: it records each
// task together with its job, fetches the URL through the SSRF-safe
// fetcher, stores the result, and reports the task's status.
package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"ferry/internal/ferry"
	"ferry/internal/fetch"
)

// TxRunner runs a function in one database transaction, handing it the
// transaction River enqueues in and a Store bound to it.
type TxRunner[TTx any] interface {
	InTx(ctx context.Context, fn func(tx TTx, st ferry.Store) error) error
}

// Config tunes the tasks. Zero values take the documented defaults.
type Config struct {
	// MaxAttempts is how many times a transient failure is tried before
	// the task is canceled. Defaults to 4.
	MaxAttempts int
	// MaxBytes is the largest file an import may store. Defaults to the
	// fetcher's limit.
	MaxBytes int64
	// RescueAfter is how long a job may run before another worker treats
	// it as abandoned by a crashed instance. Defaults to JobTimeout + 1m.
	RescueAfter time.Duration
	// TaskRetention is how long finished tasks stay readable. Defaults to
	// 7 days.
	TaskRetention time.Duration
	// Workers is how many imports run at once on this instance. Defaults
	// to 10; zero workers is not possible, use -1 for an API-only instance.
	Workers int
	// TaskFinished, if set, is told of every task that ends, with its
	// kind, status and error category ("" when it completed).
	TaskFinished func(kind, status, category string)
	// WorkersPerPortal is how many of those one portal may use at once.
	// Defaults to half of Workers (at least one).
	WorkersPerPortal int
	// Clock is what task timestamps, retention and file expiry read.
	// Defaults to ferry.SystemClock.
	Clock ferry.Clock
}

// Defaults.
const (
	MaxAttemptsDefault   = 4
	TaskRetentionDefault = 7 * 24 * time.Hour
	WorkersDefault       = 10
)

// ImportArgs are the arguments of the River job that works an import.
type ImportArgs struct {
	TaskID string `json:"task_id"`
	Portal int64  `json:"portal"`
}

// Kind implements river.JobArgs.
func (ImportArgs) Kind() string { return "ferry_import_from_url" }

// Importer implements ferry.ImportService on a River client.
type Importer[TTx any] struct {
	client  *river.Client[TTx]
	tx      TxRunner[TTx]
	store   ferry.Store
	content ferry.ContentStore
	fetcher *fetch.Fetcher
	log     *slog.Logger
	cfg     Config
	clock   ferry.Clock
}

var (
	_ ferry.ImportService     = (*Importer[any])(nil)
	_ ferry.FolderTaskService = (*Importer[any])(nil)
)

// StartImport implements ferry.ImportService.
func (im *Importer[TTx]) StartImport(ctx context.Context, portal ferry.PortalID, req ferry.ImportRequest) (ferry.Task, error) {
	if err := im.fetcher.CheckURL(req.URL); err != nil {
		return ferry.Task{}, urlProblem(err)
	}
	now := im.clock.Now().UTC().Truncate(time.Millisecond)
	t := ferry.Task{ID: ferry.NewTaskID(), Portal: portal, Kind: ferry.TaskImport, Status: ferry.TaskPending, RequestedAt: now}
	err := im.tx.InTx(ctx, func(tx TTx, st ferry.Store) error {
		folder, err := resolveFolder(ctx, st, portal, req)
		if err != nil {
			return err
		}
		req.FolderID = folder.ID
		if t.Request, err = json.Marshal(req); err != nil {
			return ferry.Wrap(err, "encode import request")
		}
		res, err := im.client.InsertTx(ctx, tx, ImportArgs{TaskID: string(t.ID), Portal: int64(portal)}, nil)
		if err != nil {
			return ferry.Wrap(err, "enqueue import")
		}
		t.JobID = res.Job.ID
		return st.CreateTask(ctx, &t)
	})
	if err != nil {
		return ferry.Task{}, err
	}
	return t, nil
}

// resolveFolder finds the destination: an existing folder by id, or the
// folder at a path, created if missing.
func resolveFolder(ctx context.Context, st ferry.Store, portal ferry.PortalID, req ferry.ImportRequest) (ferry.Folder, error) {
	if req.FolderPath != "" {
		return st.EnsureFolder(ctx, portal, req.FolderPath)
	}
	f, err := st.FindFolderByID(ctx, portal, req.FolderID)
	if ferry.KindOf(err) == ferry.NotFound {
		return f, ferry.Invalidf("folderId", "folder %s does not exist", req.FolderID)
	}
	return f, err
}

// urlProblem reports a URL the fetch policy refuses as a validation error
// on the url field.
func urlProblem(err error) error {
	var fe *fetch.Error
	if !errors.As(err, &fe) {
		return err
	}
	return &ferry.Error{Kind: ferry.Invalid, Message: fe.Message, Details: []ferry.Detail{{
		Message: fe.Message, In: "url", Code: string(fe.Code), Context: stringsContext(fe.Context),
	}}}
}

// ImportStatus implements ferry.ImportService.
func (im *Importer[TTx]) ImportStatus(ctx context.Context, portal ferry.PortalID, id ferry.TaskID) (ferry.Task, *ferry.File, error) {
	t, err := im.store.FindTask(ctx, portal, id)
	if err != nil || t.Kind != ferry.TaskImport {
		if err == nil {
			err = ferry.Errorf(ferry.NotFound, "task not found")
		}
		return ferry.Task{}, nil, err
	}
	if t.Status != ferry.TaskComplete {
		return t, nil, nil
	}
	f, err := im.store.FindFileByID(ctx, portal, t.FileID)
	switch {
	case ferry.KindOf(err) == ferry.NotFound:
		return t, nil, nil // deleted for good since: the task still happened
	case err != nil:
		return ferry.Task{}, nil, err
	}
	return t, &f, nil
}

// finished reports a terminal task to the configured hook.
func (c Config) finished(t *ferry.Task) {
	if c.TaskFinished == nil {
		return
	}
	category := ""
	if len(t.Errors) > 0 {
		category = t.Errors[0].Kind.Category()
	}
	c.TaskFinished(string(t.Kind), string(t.Status), category)
}
