package ferry

import "time"

// Clock tells the time. Everything in Ferry that reads the time of day
// (task timestamps, file expiry, signed-URL validity, retention, rate-limit
// windows) reads it from the one Clock that the server is built with, so
// that tests and the emulator can pin it or move it. Elapsed-time
// measurements (timeouts, request durations) use the real time.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real time, the default everywhere.
var SystemClock Clock = systemClock{}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// ClockFunc makes a function a Clock, as tests that pin the time do.
type ClockFunc func() time.Time

// Now implements Clock.
func (f ClockFunc) Now() time.Time { return f() }

// OrSystem returns c, or SystemClock if c is nil.
func OrSystem(c Clock) Clock {
	if c == nil {
		return SystemClock
	}
	return c
}
