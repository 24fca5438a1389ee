-- Issue 11: events are written without a lock and numbered afterwards.
-- A writing transaction adds its events here, in the order it writes
-- them (pos), and takes no lock that another writer waits for. Whoever
-- reads a portal's events first moves the committed ones into events,
-- numbered after the portal's last number, in one short transaction under
-- the portal's numbering lock (see sqlstore's numberEvents). Numbers stay
-- gapless and become visible in order, as 0013_events.sql promises.
-- (Named after 0013_events.sql so that it runs after the table exists.)
CREATE TABLE event_outbox (
	pos         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	portal      BIGINT NOT NULL,
	id          TEXT NOT NULL,
	type        TEXT NOT NULL,
	occurred_at BIGINT NOT NULL,
	data        TEXT NOT NULL
);
CREATE INDEX event_outbox_portal ON event_outbox (portal, pos);
