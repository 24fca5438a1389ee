package emulator

import (
	"sync/atomic"
	"time"

	"ferry/internal/ferry"
)

// Clock is a ferry.Clock that runs at the real pace from an offset that
// the control routes move. With no offset it is the real time.
type Clock struct {
	offset atomic.Int64 // nanoseconds added to the real time
}

var _ ferry.Clock = (*Clock)(nil)

// Now implements ferry.Clock.
func (c *Clock) Now() time.Time {
	return time.Now().Add(time.Duration(c.offset.Load()))
}

// Advance moves the clock forward (or back, for a negative d).
func (c *Clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// Set makes the clock read t now, and run on from there.
func (c *Clock) Set(t time.Time) { c.offset.Store(int64(time.Until(t))) }

// Real returns the clock to the real time.
func (c *Clock) Real() { c.offset.Store(0) }

// Offset returns how far the clock is from the real time.
func (c *Clock) Offset() time.Duration { return time.Duration(c.offset.Load()) }
