-- Issue 12: a running task's heartbeat, in Unix milliseconds by the
-- database's clock (0: none yet), so that another instance can take over
-- the tasks of an instance that died. Only PROCESSING tasks are looked at.
ALTER TABLE tasks ADD COLUMN heartbeat_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX tasks_processing_heartbeat ON tasks (heartbeat_at) WHERE status = 'PROCESSING';
