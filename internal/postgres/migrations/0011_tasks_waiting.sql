-- Issue 11: which portals have tasks waiting, in one probe. A portal's
-- share of the import workers only holds its imports back while another
-- portal has some waiting (Store.TaskWaitingElsewhere).
CREATE INDEX tasks_unfinished_portal ON tasks (portal) WHERE completed_at = 0;
