package tasks

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"ferry/internal/ferry"
)

// progressEvery is how often a running import saves its progress (while
// bytes flow) or checks that it has not been canceled (while none do).
const progressEvery = 500 * time.Millisecond

// errCanceledByUser ends an attempt whose task was canceled, or otherwise
// changed, by someone else: a user, on this instance or another.
var errCanceledByUser = errors.New("task canceled")

// meter counts the bytes read through it.
type meter struct {
	r      io.Reader
	n      atomic.Int64
	base   atomic.Int64 // bytes kept from earlier attempts, before this body
	total  atomic.Int64 // the whole length, -1 while unknown
	resume atomic.Pointer[[]byte]
}

// publish hands the watcher the parts kept so far, to save with the task.
func (m *meter) publish(rs resumeState) {
	b := rs.encode()
	m.resume.Store(&b)
}

// latest returns what was last published, and whether anything was.
func (m *meter) latest() ([]byte, bool) {
	p := m.resume.Load()
	if p == nil {
		return nil, false
	}
	return *p, true
}

func newMeter() *meter {
	m := &meter{}
	m.total.Store(-1)
	return m
}

func (m *meter) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	m.n.Add(int64(n))
	return n, err
}

// watcher saves a running task's progress at a bounded rate, so that every
// instance can read it, and ends the attempt (cancel) as soon as the task
// row shows that someone else changed it: that is how a cancel reaches a
// fetch running on another instance. While it runs, it owns the task.
type watcher struct {
	store  ferry.Store
	log    *slog.Logger
	t      *ferry.Task
	m      *meter
	cancel context.CancelCauseFunc
	done   chan struct{}
	stopc  chan struct{}
	once   sync.Once
	// unsaved says that t's PROCESSING status is not saved yet (see
	// quietStart): the watcher saves it quietStart after it starts.
	unsaved bool
}

// watch starts watching t, whose body bytes pass through m. unsaved says
// that t has not been saved PROCESSING yet.
func watch(ctx context.Context, store ferry.Store, log *slog.Logger, t *ferry.Task, m *meter, cancel context.CancelCauseFunc, unsaved bool) *watcher {
	w := &watcher{store: store, log: log, t: t, m: m, cancel: cancel,
		done: make(chan struct{}), stopc: make(chan struct{}), unsaved: unsaved}
	go w.run(ctx)
	return w
}

// stop ends the watcher and waits for it; the task is the caller's again.
// It reports whether the task's PROCESSING status is still unsaved.
func (w *watcher) stop() (unsaved bool) {
	w.once.Do(func() { close(w.stopc) })
	<-w.done
	return w.unsaved
}

func (w *watcher) run(ctx context.Context) {
	defer close(w.done)
	tick := time.NewTicker(progressEvery)
	defer tick.Stop()
	// Rates are measured on the monotonic clock: they are durations, not
	// timestamps.
	lastN, lastAt := w.m.n.Load(), time.Now()
	var lastResume *[]byte
	var quiet <-chan time.Time
	if w.unsaved {
		qt := time.NewTimer(quietStart)
		defer qt.Stop()
		quiet = qt.C
	}
	for {
		select {
		case <-w.stopc:
			return
		case <-ctx.Done():
			return
		case <-quiet:
			quiet = nil
		case <-tick.C:
		}
		if w.unsaved { // the start first; the progress follows at the next tick
			err := w.store.UpdateTask(ctx, w.t)
			w.unsaved = err != nil
			if w.stopped(ctx, err) {
				return
			}
			continue
		}
		n, at := w.m.n.Load(), time.Now()
		var err error
		resume, kept := w.m.resume.Load(), false
		if resume != lastResume {
			w.t.Resume, lastResume, kept = *resume, resume, true
		}
		if n != lastN || kept || w.t.Progress.BytesDone != w.m.base.Load()+n {
			rate := float64(n-lastN) / max(at.Sub(lastAt).Seconds(), 0.001)
			p := &w.t.Progress
			p.BytesDone, p.BytesTotal = w.m.base.Load()+n, w.m.total.Load()
			if p.BytesPerSecond > 0 {
				rate = (rate + float64(p.BytesPerSecond)) / 2 // smooth the bumps
			}
			p.BytesPerSecond = int64(rate)
			err = w.store.SaveProgress(ctx, w.t)
			lastN, lastAt = n, at
		} else if ch, cerr := changedSince(ctx, w.store, w.t); ch {
			err = ferry.Errorf(ferry.Conflict, "task changed")
		} else {
			err = cerr
		}
		if w.stopped(ctx, err) {
			return
		}
	}
}

// stopped reports whether err, from a save or check of the task, ends the
// attempt: the task was canceled, deleted or otherwise changed by someone
// else. Any other error is logged, and the next tick tries again.
func (w *watcher) stopped(ctx context.Context, err error) bool {
	switch {
	case ferry.KindOf(err) == ferry.Conflict || ferry.KindOf(err) == ferry.NotFound:
		w.cancel(errCanceledByUser)
		return true
	case err != nil && ctx.Err() == nil:
		w.log.Warn("could not save import progress", "task", w.t.ID, "correlationId", w.t.CorrelationID, "err", err)
	}
	return false
}
