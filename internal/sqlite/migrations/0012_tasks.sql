-- Issue 12: tasks that users can watch, cancel, retry and trust.
ALTER TABLE files ADD COLUMN sha256 TEXT NOT NULL DEFAULT '';

ALTER TABLE tasks ADD COLUMN version          INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN max_attempts     INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN next_attempt_at  INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN last_error       TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN bytes_done       INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN bytes_total      INTEGER NOT NULL DEFAULT -1;
ALTER TABLE tasks ADD COLUMN bytes_per_second INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN sha256           TEXT NOT NULL DEFAULT '';
-- The source headers of an import, sealed with a key that is not in the
-- database; emptied when the task ends.
ALTER TABLE tasks ADD COLUMN sealed           BLOB;
-- Where an interrupted fetch stands, to resume it.
ALTER TABLE tasks ADD COLUMN resume           TEXT NOT NULL DEFAULT '';
CREATE INDEX tasks_portal_requested ON tasks (portal, requested_at, id);

-- Every change of a task, in order: the source of its event stream.
CREATE TABLE task_events (
	task_id TEXT NOT NULL,
	portal  INTEGER NOT NULL,
	seq     INTEGER NOT NULL,
	type    TEXT NOT NULL,
	at      INTEGER NOT NULL,
	data    TEXT NOT NULL,
	PRIMARY KEY (task_id, seq)
);
