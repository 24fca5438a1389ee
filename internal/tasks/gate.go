package tasks

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"ferry/internal/ferry"
)

// Gate lets the emulator's import faults decide an import's fate before
// its work: hold it in PENDING or PROCESSING until released, or end it
// CANCELED with a chosen error. Production servers have none.
type Gate interface {
	// Admit is asked once before each attempt of an import.
	Admit(portal ferry.PortalID, id ferry.TaskID) Verdict
	// Held reports whether the import is still held.
	Held(id ferry.TaskID) bool
}

// Verdict is a Gate's decision on one import attempt.
type Verdict struct {
	// Hold, PENDING or PROCESSING, keeps the import in that status until
	// the gate lets it go.
	Hold ferry.TaskStatus
	// Cancel, if set, ends the import CANCELED with this error.
	Cancel *ferry.Error
}

// holdPoll is how often a held import asks whether it may go on.
const holdPoll = 100 * time.Millisecond

// admit asks the gate, if any, about an import attempt.
func (e *Engine) admit(ref TaskRef) Verdict {
	if e.cfg.Gate == nil {
		return Verdict{}
	}
	return e.cfg.Gate.Admit(ferry.PortalID(ref.Portal), ferry.TaskID(ref.TaskID))
}

// hold waits while the gate holds the task. It returns a snooze for the
// job if the worker must stop first (shutdown, or the job's timeout), nil
// once the task is let go.
func (e *Engine) hold(ctx context.Context, id ferry.TaskID) error {
	for e.cfg.Gate.Held(id) {
		select {
		case <-ctx.Done():
			return river.JobSnooze(0)
		case <-time.After(holdPoll):
		}
	}
	return nil
}
