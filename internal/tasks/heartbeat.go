package tasks

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"ferry/internal/ferry"
)

// Where instances share a database, River's rescuer takes a job up again
// only after RescueAfter, which must outlast the longest import. A task
// whose instance died is found much sooner by its heartbeat instead:
//
//   - While an attempt runs, it saves a heartbeat on its task (by the
//     database's clock) every TakeoverAfter/6; every save of the task is
//     one too. A slow attempt, or one whose origin stalls, keeps beating.
//   - Every instance that works tasks looks, every TakeoverAfter/3, for
//     PROCESSING tasks whose heartbeat is older than TakeoverAfter, and
//     takes each over in one transaction: the task, saved only if it is
//     still silent, waits to retry at once with the loss as its lastError
//     and names a new job; the old job is cancelled. The next attempt
//     continues from the parts the task lists.
//   - An attempt that cannot save a heartbeat for TakeoverAfter/2 stops
//     itself, so that it has stopped before anyone may take its task over.
//     One that froze (a paused machine) and wakes after a takeover can no
//     longer change the task (its version moved on, and its heartbeat names
//     the old job), nor its job (cancelled: River ignores what the worker
//     reports), nor the parts the new attempt uses (part names carry the
//     attempt).

// TakeoverAfterDefault is how long a running task's heartbeat may be
// silent before another instance takes the task over.
const TakeoverAfterDefault = 30 * time.Second

// errHeartbeatLost ends an attempt that could not save its heartbeat for
// so long that another instance may take its task over.
var errHeartbeatLost = errors.New("the task's heartbeat could not be saved")

// heartbeat saves t's heartbeat while its attempt runs, until the stop it
// returns is called. It ends the attempt through abort when the task is
// no longer this attempt's (errCanceledByUser: canceled, deleted or taken
// over) or when no heartbeat could be saved for TakeoverAfter/2
// (errHeartbeatLost). Only where instances share the database.
func (e *Engine) heartbeat(ctx context.Context, t *ferry.Task, abort context.CancelCauseFunc) (stop func()) {
	if e.cfg.Exclusive {
		return func() {}
	}
	// The attempt owns t; the beat needs only what does not change.
	ref := ferry.Task{ID: t.ID, Portal: t.Portal, Attempts: t.Attempts, JobID: t.JobID, CorrelationID: t.CorrelationID}
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(e.cfg.TakeoverAfter / 6)
		defer tick.Stop()
		last := time.Now() // start saved the task, and with it a heartbeat, just now
		for {
			select {
			case <-quit:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			// A beat that cannot be saved in time (no connection to be had)
			// counts as failed, so that the check below stops the attempt in
			// time even when the database does not answer at all.
			sent := time.Now()
			bctx, cancel := context.WithTimeout(ctx, e.cfg.TakeoverAfter/6)
			err := e.store.BeatTask(bctx, &ref)
			cancel()
			switch {
			case err == nil:
				last = sent
			case stale(err):
				abort(errCanceledByUser)
				return
			case time.Since(last) >= e.cfg.TakeoverAfter/2:
				e.log.Error("task stops: its heartbeat could not be saved", "task", ref.ID, "correlationId", ref.CorrelationID, "for", time.Since(last).Round(time.Second), "err", err)
				abort(errHeartbeatLost)
				return
			case ctx.Err() == nil:
				e.log.Warn("could not save a task's heartbeat", "task", ref.ID, "correlationId", ref.CorrelationID, "err", err)
			}
		}
	}()
	return func() {
		close(quit)
		<-done
	}
}

// startTakeovers starts looking for silent tasks, until stopTakeovers.
func (e *Engine) startTakeovers() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	e.stopTakeovers = func() {
		cancel()
		<-done
	}
	go func() {
		defer close(done)
		tick := time.NewTicker(e.cfg.TakeoverAfter / 3)
		defer tick.Stop()
		for {
			if err := e.takeOverSilent(ctx); err != nil && ctx.Err() == nil {
				e.log.Warn("could not look for the tasks of stopped instances", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
}

// takeOverSilent takes over every task whose heartbeat is silent.
func (e *Engine) takeOverSilent(ctx context.Context) error {
	list, err := e.store.ListSilentTasks(ctx, e.cfg.TakeoverAfter, 100)
	if err != nil {
		return err
	}
	for _, t := range list {
		err := e.takeOver(ctx, t)
		switch {
		case err == nil:
		case stale(err):
			// It beat, changed or was taken over by another instance
			// since it was listed: not ours to take.
		default:
			return err
		}
	}
	return nil
}

// takeOver hands a task whose attempt went silent to a new job, or ends
// it as lost once its jobs were taken over as often as River would have
// rescued one job. A task whose job is not running (it waits to retry,
// for an outage or for a worker) is not silent but waiting, and is left.
func (e *Engine) takeOver(ctx context.Context, t ferry.Task) error {
	oldJob := t.JobID
	job, err := e.client.JobGet(ctx, oldJob)
	switch {
	case errors.Is(err, river.ErrNotFound):
		return nil // maintenance's reconcile ends it
	case err != nil:
		return err
	case job.State != rivertype.JobStateRunning:
		return nil
	}
	te := ferry.TaskError{Kind: ferry.Interrupted, SubCategory: ferry.Interrupted.SubCategory(),
		Message: fmt.Sprintf("The instance running attempt %d stopped: its heartbeat was silent for %s.", t.Attempts, e.cfg.TakeoverAfter),
		Context: map[string][]string{"attempts": {fmt.Sprint(t.Attempts)}, "takeoverAfter": {e.cfg.TakeoverAfter.String()}}}
	n := takeovers(job) + 1
	if n > jobAttempts(cmp.Or(t.MaxAttempts, e.cfg.MaxAttempts)) {
		te.Message = "The task was interrupted too many times (for example by server crashes) and was given up. " + te.Message
		err := e.endCanceled(ctx, &t, te, func(ctx context.Context, ended *ferry.Task) error {
			return e.reclaim(ctx, ended, oldJob, nil)
		})
		if err == nil {
			e.log.Warn("task given up: its instance stopped once too often", "task", t.ID, "correlationId", t.CorrelationID, "takeovers", n-1)
		}
		return err
	}
	t.NextAttemptAt, t.LastError, t.Progress.BytesPerSecond = e.now(), &te, 0
	err = e.reclaim(ctx, &t, oldJob, func(tx *sql.Tx) error {
		args, err := jobArgs(t)
		if err != nil {
			return err
		}
		meta, err := json.Marshal(map[string]int{takeoversKey: n})
		if err != nil {
			return err
		}
		res, err := e.client.InsertTx(ctx, tx, args, &river.InsertOpts{Metadata: meta})
		if err != nil {
			return ferry.Wrap(err, "enqueue task")
		}
		t.JobID = res.Job.ID
		return nil
	})
	if err != nil {
		return err
	}
	e.log.Warn("took over a task whose instance stopped", "task", t.ID, "correlationId", t.CorrelationID,
		"attempts", t.Attempts, "silentFor", e.cfg.TakeoverAfter, "job", t.JobID, "oldJob", oldJob)
	return nil
}

// takeoversKey counts, in a job's River metadata, how many jobs of its
// task were taken over before it.
const takeoversKey = "ferry:takeovers"

// takeovers returns how many jobs of job's task were taken over before it.
func takeovers(job *rivertype.JobRow) int {
	var m map[string]any
	if json.Unmarshal(job.Metadata, &m) != nil {
		return 0
	}
	n, _ := m[takeoversKey].(float64)
	return int(n)
}

// reclaim saves t, if its heartbeat is still silent, and cancels the old
// job in the same transaction; enqueue, if set, runs first in it. Whatever
// the old job's worker reports later, should it still live, River ignores:
// the job is no longer running.
func (e *Engine) reclaim(ctx context.Context, t *ferry.Task, oldJob int64, enqueue func(tx *sql.Tx) error) error {
	return e.store.InTx(ctx, func(tx *sql.Tx, st ferry.Store) error {
		if enqueue != nil {
			if err := enqueue(tx); err != nil {
				return err
			}
		}
		if err := st.ReclaimTask(ctx, t, e.cfg.TakeoverAfter); err != nil {
			return err
		}
		now := time.Now().UTC()
		msg, err := json.Marshal(rivertype.AttemptError{At: now, Attempt: t.Attempts,
			Error: fmt.Sprintf("taken over: the heartbeat of task %s was silent for %s", t.ID, e.cfg.TakeoverAfter)})
		if err != nil {
			return err
		}
		_, err = e.driver.UnwrapExecutor(tx).JobRescueMany(ctx, &riverdriver.JobRescueManyParams{
			ID: []int64{oldJob}, Error: [][]byte{msg}, FinalizedAt: []*time.Time{&now}, ScheduledAt: []time.Time{now},
			State: []string{string(rivertype.JobStateCancelled)}, StuckHorizon: now.Add(time.Minute)})
		return ferry.Wrap(err, "cancel the job of a task taken over")
	})
}
