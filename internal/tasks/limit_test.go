package tasks

import (
	"testing"
	"time"
)

// An answer stands for waitingMemo, on the clock it was given by (a clock
// set back forgets it), and the answers of at most waitingMemoMax portals
// are kept: one more makes the others be asked again.
func TestPortalSlotsRememberWaiting(t *testing.T) {
	t.Parallel()
	p := newPortalSlots(1)
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	if _, ok := p.recall(1, at); ok {
		t.Fatal("an answer recalled before any was given")
	}
	p.remember(1, true, at)
	for _, c := range []struct {
		now  time.Time
		ok   bool
		what string
	}{
		{at, true, "at once"},
		{at.Add(waitingMemo - 1), true, "just within waitingMemo"},
		{at.Add(waitingMemo), false, "waitingMemo later"},
		{at.Add(-time.Millisecond), false, "on a clock set back"},
	} {
		if waiting, ok := p.recall(1, c.now); ok != c.ok || ok && !waiting {
			t.Errorf("%s: recalled %v, %v; want %v, true", c.what, waiting, ok, c.ok)
		}
	}
	for portal := range int64(waitingMemoMax) {
		p.remember(portal, false, at)
	}
	if _, ok := p.recall(waitingMemoMax-1, at); !ok {
		t.Fatalf("the answer of portal %d of %d forgotten", waitingMemoMax-1, waitingMemoMax)
	}
	p.remember(waitingMemoMax, false, at)
	if _, ok := p.recall(0, at); ok {
		t.Errorf("%d portals' answers kept, want at most %d", waitingMemoMax+1, waitingMemoMax)
	}
	if _, ok := p.recall(waitingMemoMax, at); !ok {
		t.Error("the answer given past the limit was not kept")
	}
}
