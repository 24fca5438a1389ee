package tasks

import (
	"context"
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
func Requeue[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], tx TTx, list []ferry.Task) ([]int64, error) {
	if len(list) == 0 {
		return nil, nil
	}
	client, err := river.NewClient(driver, &river.Config{}) // insert-only: no queues, no workers
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	// As New configures its clients: crashes mid-attempt count here too.
	opts := &river.InsertOpts{MaxAttempts: MaxAttemptsDefault + 2}
	ids := make([]int64, len(list))
	for i, t := range list {
		var args river.JobArgs
		switch t.Kind {
		case ferry.TaskImport:
			args = ImportArgs{TaskID: string(t.ID), Portal: int64(t.Portal)}
		case ferry.TaskFolderUpdate:
			args = FolderUpdateArgs{TaskID: string(t.ID), Portal: int64(t.Portal)}
		default:
			return nil, fmt.Errorf("task %s: unknown kind %q", t.ID, t.Kind)
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
