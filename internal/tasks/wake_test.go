package tasks

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver"
)

// A wake hands River an insert notification on the insert topic at once,
// and only there; without one, the wait goes on as River's own does.
func TestSQLiteDriverWakesItsListener(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := NewSQLiteDriver(mustOpen(t, filepath.Join(t.TempDir(), "queue.db")))
	if err := Migrate(ctx, d); err != nil {
		t.Fatal(err)
	}
	l := d.GetListener(&riverdriver.GetListenenerParams{})
	if err := l.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close(context.Background()) })

	wait := func(within time.Duration) (*riverdriver.Notification, error) {
		wctx, cancel := context.WithTimeout(ctx, within)
		defer cancel()
		return l.WaitForNotification(wctx)
	}
	if err := l.Listen(ctx, "river_leadership"); err != nil {
		t.Fatal(err)
	}
	d.Wake()
	if n, err := wait(300 * time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("woken before River listens for inserts: %+v, %v; want the wait to go on", n, err)
	}
	if err := l.Listen(ctx, "river_insert"); err != nil {
		t.Fatal(err)
	}
	// The wake sent while nothing listened for inserts is still pending.
	n, err := wait(10 * time.Second)
	if err != nil || n.Topic != "river_insert" || n.Payload != insertPayload {
		t.Fatalf("after a wake: %+v, %v; want an insert notification", n, err)
	}
	if n, err := wait(300 * time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a second wait after one wake: %+v, %v; want it to go on", n, err)
	}
	d.Wake()
	d.Wake() // one pending wake is enough
	if n, err := wait(10 * time.Second); err != nil || n.Topic != "river_insert" {
		t.Fatalf("after two wakes: %+v, %v; want an insert notification", n, err)
	}
	if err := l.Unlisten(ctx, "river_insert"); err != nil {
		t.Fatal(err)
	}
	d.Wake()
	if n, err := wait(300 * time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("woken after River stopped listening for inserts: %+v, %v", n, err)
	}
}
