-- Issue 16: the correlation id of the request that created a task, so that
-- the task's log lines (and the origin's, through a request header) can be
-- joined with the request's access-log line.
ALTER TABLE tasks ADD COLUMN correlation_id TEXT NOT NULL DEFAULT '';
