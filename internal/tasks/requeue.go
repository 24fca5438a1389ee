package tasks

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"

	"ferry/internal/ferry"
)

// Requeue enqueues, in tx on driver's queue, a new job for each of tasks:
// unfinished tasks copied from another database, whose jobs stayed in that
// database's queue ("ferry migrate-data"). It returns the new jobs' ids in
// the order of tasks; the caller records them as the tasks' JobID in the
// same transaction, so that the maintenance job finds each task's job.
// Workers take the jobs as soon as the transaction commits and a server
// runs, and work the tasks as if they had just been accepted.
func Requeue(ctx context.Context, driver riverdriver.Driver[*sql.Tx], tx *sql.Tx, list []ferry.Task) ([]int64, error) {
	if len(list) == 0 {
		return nil, nil
	}
	client, err := river.NewClient(driver, &river.Config{}) // insert-only: no queues, no workers
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	opts := &river.InsertOpts{MaxAttempts: jobAttempts(MaxAttemptsDefault)}
	ids := make([]int64, len(list))
	for i, t := range list {
		args, err := jobArgs(t)
		if err != nil {
			return nil, err
		}
		if t.Status.Terminal() {
			return nil, fmt.Errorf("task %s is %s: only unfinished tasks are requeued", t.ID, t.Status)
		}
		res, err := client.InsertTx(ctx, tx, args, opts)
		if err != nil {
			return nil, fmt.Errorf("enqueue task %s: %w", t.ID, err)
		}
		ids[i] = res.Job.ID
	}
	return ids, nil
}
