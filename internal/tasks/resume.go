package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"
)

// requeueInterrupted makes every job that a previous process left running
// available again at once. It is only correct where no other process can
// be working them: on the embedded database, whose data-dir lock this
// process holds. Elsewhere River's rescuer does this after RescueAfter.
func (e *Engine) requeueInterrupted(ctx context.Context) error {
	exec := e.driver.GetExecutor()
	now := time.Now().UTC()
	horizon := now.Add(time.Minute) // every running job started before now
	jobs, err := exec.JobGetStuck(ctx, &riverdriver.JobGetStuckParams{Max: 10000, StuckHorizon: horizon})
	if err != nil || len(jobs) == 0 {
		return err
	}
	p := &riverdriver.JobRescueManyParams{StuckHorizon: horizon}
	for _, job := range jobs {
		msg, err := json.Marshal(rivertype.AttemptError{At: now, Attempt: job.Attempt,
			Error: "interrupted: the server stopped while this job ran; requeued at the next start"})
		if err != nil {
			return err
		}
		p.ID, p.Error = append(p.ID, job.ID), append(p.Error, msg)
		p.FinalizedAt, p.ScheduledAt = append(p.FinalizedAt, nil), append(p.ScheduledAt, now)
		p.State = append(p.State, string(rivertype.JobStateAvailable))
	}
	if _, err := exec.JobRescueMany(ctx, p); err != nil {
		return fmt.Errorf("requeue interrupted jobs: %w", err)
	}
	e.log.Info("requeued the jobs a stopped server left running", "count", len(jobs))
	return nil
}
