package emulator

import (
	"testing"
	"time"
)

func TestClockMovesAndComesBack(t *testing.T) {
	t.Parallel()
	var c Clock
	if d := c.Now().Sub(time.Now()); d > time.Second || d < -time.Second {
		t.Fatalf("a new clock is %s off the real time", d)
	}
	c.Advance(25 * time.Hour)
	if d := c.Now().Sub(time.Now()); d < 25*time.Hour-time.Second || d > 25*time.Hour+time.Second {
		t.Errorf("after Advance(25h) the clock is %s ahead", d)
	}
	at := time.Date(2031, 2, 3, 4, 5, 6, 0, time.UTC)
	c.Set(at)
	if d := c.Now().Sub(at); d < 0 || d > time.Second {
		t.Errorf("after Set the clock reads %s, want %s", c.Now(), at)
	}
	c.Real()
	if c.Offset() != 0 {
		t.Errorf("after Real the offset is %s", c.Offset())
	}
}
