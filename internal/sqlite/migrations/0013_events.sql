-- The event feed (a transactional outbox) and webhook subscriptions. Times
-- are Unix milliseconds; 0 means "not set".

-- event_counters hands out each portal's event sequence numbers. A writing
-- transaction bumps its portal's row and holds the row's lock until it
-- commits, so sequence numbers commit in order, without gaps.
CREATE TABLE event_counters (
	portal INTEGER PRIMARY KEY,
	seq    INTEGER NOT NULL
);

CREATE TABLE events (
	portal      INTEGER NOT NULL,
	seq         INTEGER NOT NULL,
	id          TEXT NOT NULL UNIQUE,
	type        TEXT NOT NULL,
	occurred_at INTEGER NOT NULL,
	data        TEXT NOT NULL, -- a JSON snapshot of the object that changed
	PRIMARY KEY (portal, seq)
);
CREATE INDEX events_occurred ON events (occurred_at);

CREATE TABLE webhooks (
	id               TEXT PRIMARY KEY,
	portal           INTEGER NOT NULL,
	url              TEXT NOT NULL,
	events           TEXT NOT NULL DEFAULT '', -- space-separated event types; empty: all
	description      TEXT NOT NULL DEFAULT '',
	enabled          BOOLEAN NOT NULL,
	disabled_reason  TEXT NOT NULL DEFAULT '',
	secret           TEXT NOT NULL,
	old_secret       TEXT NOT NULL DEFAULT '',
	old_secret_until INTEGER NOT NULL DEFAULT 0,
	failing_since    INTEGER NOT NULL DEFAULT 0,
	created_at       INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL
);
CREATE INDEX webhooks_portal ON webhooks (portal, created_at);

CREATE TABLE webhook_deliveries (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	webhook_id  TEXT NOT NULL,
	portal      INTEGER NOT NULL,
	event_id    TEXT NOT NULL,
	event_seq   INTEGER NOT NULL,
	event_type  TEXT NOT NULL,
	state       TEXT NOT NULL,
	attempts    TEXT NOT NULL DEFAULT '[]', -- JSON
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_created ON webhook_deliveries (created_at);
