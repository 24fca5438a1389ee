package tasks

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"gocloud.dev/blob/memblob"

	"ferry/internal/ferry"
	"ferry/internal/fetch"
	"ferry/internal/files"
)

// running marks task PROCESSING in its first attempt of job, as start does.
func (b *testBundle) running(t *testing.T, task ferry.Task, job int64) ferry.Task {
	t.Helper()
	task.Status, task.Attempts, task.JobID = ferry.TaskProcessing, 1, job
	if err := b.store.UpdateTask(context.Background(), &task); err != nil {
		t.Fatal(err)
	}
	return task
}

func TestHeartbeatStopsAttemptThatLostItsTask(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{TakeoverAfter: 3 * time.Second})
	task := b.running(t, b.importTask(t), 1)
	ctx, abort := context.WithCancelCause(context.Background())
	defer abort(nil)
	stop := b.engine.heartbeat(ctx, &task, abort)
	defer stop()

	// Another instance takes the task over: it now names another job.
	taken := task
	taken.JobID = 2
	if err := b.store.UpdateTask(context.Background(), &taken); err != nil {
		t.Fatal(err)
	}
	waitStopped(t, ctx, errCanceledByUser)
}

// waitStopped waits for the heartbeat to stop the attempt whose context is
// ctx, and checks why.
func waitStopped(t *testing.T, ctx context.Context, want error) {
	t.Helper()
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatalf("the attempt was not stopped; want %v", want)
	}
	if cause := context.Cause(ctx); !errors.Is(cause, want) {
		t.Errorf("cause %v, want %v", cause, want)
	}
}

func TestHeartbeatKeepsRunningAttempt(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{TakeoverAfter: 3 * time.Second})
	task := b.running(t, b.importTask(t), 1)
	silent := func() int {
		list, err := b.store.ListSilentTasks(context.Background(), time.Second, 10)
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	time.Sleep(1100 * time.Millisecond)
	if silent() != 1 {
		t.Fatal("a task saved over a second ago is not silent for a second")
	}
	ctx, abort := context.WithCancelCause(context.Background())
	defer abort(nil)
	stop := b.engine.heartbeat(ctx, &task, abort)
	for deadline := time.Now().Add(10 * time.Second); silent() != 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the running attempt saved no heartbeat")
		}
	}
	stop()
	if ctx.Err() != nil {
		t.Errorf("a running attempt was stopped: %v", context.Cause(ctx))
	}
}

func TestDropPartsKeepsWhatTheTaskLists(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, Config{})
	task := b.running(t, b.importTask(t), 1)
	write := func(key string) partInfo {
		w, err := b.engine.content.CreatePart(ctx, key)
		if err == nil {
			_, err = w.Write([]byte("bytes"))
		}
		if err == nil {
			err = w.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
		return partInfo{Key: key, Size: 5}
	}
	stored := []partInfo{write("imports/7/x.part-1-0000")}
	mine := append(stored, write("imports/7/x.part-1-0001"))
	// The stored task, taken over, lists the first part only; the attempt
	// that lost it had written a second one.
	task.Resume = resumeState{Parts: stored}.encode()
	if err := b.store.UpdateTask(ctx, &task); err != nil {
		t.Fatal(err)
	}
	task.Resume = resumeState{Parts: mine}.encode()
	b.engine.dropParts(ctx, &task)
	var left []string
	for _, p := range mine {
		if r, err := b.engine.content.OpenPart(ctx, p.Key); err == nil {
			r.Close()
			left = append(left, p.Key)
		}
	}
	if got := strings.Join(left, ","); got != stored[0].Key {
		t.Errorf("parts left: %s, want only the one the task lists (%s)", got, stored[0].Key)
	}
}

// unreachable is a store whose heartbeats cannot be saved.
type unreachable struct{ Store }

func (unreachable) BeatTask(context.Context, *ferry.Task) error {
	return ferry.Errorf(ferry.Unavailable, "database unreachable")
}

func TestHeartbeatLostStopsAttempt(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{TakeoverAfter: 3 * time.Second})
	task := b.running(t, b.importTask(t), 1)
	b.engine.store = unreachable{b.store}
	ctx, abort := context.WithCancelCause(context.Background())
	defer abort(nil)
	stop := b.engine.heartbeat(ctx, &task, abort)
	defer stop()
	waitStopped(t, ctx, errHeartbeatLost)
}

// TestTakeoverAfterAtLeast3s checks the limit --help states: below 3s a
// heartbeat (every sixth) would come too often to be worth saving.
// configured returns an engine of cfg without a store, or why cfg is
// refused.
func configured(t *testing.T, cfg Config) (*Engine, error) {
	t.Helper()
	fetcher, err := fetch.New(fetch.Config{})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	bucket := memblob.OpenBucket(nil)
	t.Cleanup(func() { bucket.Close() })
	return newEngine(nil, files.New(nil, bucket, log, nil), fetcher, log, cfg)
}

func TestTakeoverAfterAtLeast3s(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		after time.Duration
		ok    bool
	}{{3*time.Second - 1, false}, {time.Second, false}, {3 * time.Second, true}, {0, true}} {
		e, err := configured(t, Config{TakeoverAfter: c.after})
		if (err == nil) != c.ok {
			t.Errorf("TakeoverAfter %s: err %v, want ok %v", c.after, err, c.ok)
		}
		if c.after == 0 && e != nil && e.cfg.TakeoverAfter != TakeoverAfterDefault {
			t.Errorf("TakeoverAfter 0 gave %s, want the default %s", e.cfg.TakeoverAfter, TakeoverAfterDefault)
		}
	}
}

func TestPollIntervalAtLeast1ms(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		poll time.Duration
		want time.Duration // 0: refused
	}{{-time.Second, 0}, {time.Millisecond - 1, 0}, {time.Millisecond, time.Millisecond}, {time.Hour, time.Hour}, {0, PollIntervalDefault}} {
		e, err := configured(t, Config{PollInterval: c.poll})
		switch {
		case c.want == 0 && err == nil:
			t.Errorf("PollInterval %s: accepted, want refused", c.poll)
		case c.want != 0 && err != nil:
			t.Errorf("PollInterval %s: %v", c.poll, err)
		case c.want != 0 && e.riverConfig().FetchPollInterval != c.want:
			t.Errorf("PollInterval %s: River polls every %s, want %s", c.poll, e.riverConfig().FetchPollInterval, c.want)
		}
	}
}

// unreadable is a store whose tasks cannot be read.
type unreadable struct{ Store }

func (unreadable) FindTask(context.Context, ferry.PortalID, ferry.TaskID) (ferry.Task, error) {
	return ferry.Task{}, ferry.Errorf(ferry.Unavailable, "database unreachable")
}

func TestDropPartsKeepsAllWhenTaskUnreadable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, Config{})
	task := b.running(t, b.importTask(t), 1)
	key := "imports/7/x.part-1-0000"
	w, err := b.engine.content.CreatePart(ctx, key)
	if err == nil {
		_, err = w.Write([]byte("bytes"))
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	task.Resume = resumeState{Parts: []partInfo{{Key: key, Size: 5}}}.encode()
	b.engine.store = unreadable{b.store}
	b.engine.dropParts(ctx, &task)
	r, err := b.engine.content.OpenPart(ctx, key)
	if err != nil {
		t.Fatalf("the part was deleted although the task could not be read: %v", err)
	}
	r.Close()
}
