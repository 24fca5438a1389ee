-- Ferry's metadata schema. Times are Unix milliseconds; 0 means "not set".

CREATE TABLE tokens (
	hash       TEXT PRIMARY KEY,
	portal     INTEGER NOT NULL,
	scopes     TEXT NOT NULL,
	name       TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL
);

CREATE TABLE folders (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	portal      INTEGER NOT NULL,
	parent_id   INTEGER NOT NULL DEFAULT 0,
	name        TEXT NOT NULL,
	name_fold   TEXT NOT NULL, -- name in lower case, for case-insensitive search
	path        TEXT NOT NULL,
	archived    BOOLEAN NOT NULL DEFAULT FALSE,
	archived_at INTEGER NOT NULL DEFAULT 0,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX folders_live_path ON folders (portal, path) WHERE archived = FALSE;
CREATE INDEX folders_parent ON folders (portal, parent_id);

CREATE TABLE files (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	portal       INTEGER NOT NULL,
	folder_id    INTEGER NOT NULL DEFAULT 0,
	name         TEXT NOT NULL,
	name_fold    TEXT NOT NULL, -- name in lower case, for case-insensitive search
	extension    TEXT NOT NULL DEFAULT '',
	access       TEXT NOT NULL,
	size         INTEGER NOT NULL,
	width        INTEGER NOT NULL DEFAULT 0,
	height       INTEGER NOT NULL DEFAULT 0,
	type         TEXT NOT NULL DEFAULT 'OTHER',
	encoding     TEXT NOT NULL DEFAULT '',
	content_type TEXT NOT NULL DEFAULT 'application/octet-stream',
	md5          TEXT NOT NULL,
	usable       BOOLEAN NOT NULL DEFAULT TRUE,
	source_group TEXT NOT NULL DEFAULT 'CONTENT',
	blob_key     TEXT NOT NULL,
	archived     BOOLEAN NOT NULL DEFAULT FALSE,
	archived_at  INTEGER NOT NULL DEFAULT 0,
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX files_live_name ON files (portal, folder_id, name, extension) WHERE archived = FALSE;
CREATE INDEX files_md5 ON files (portal, md5) WHERE archived = FALSE;
-- search: the default order (by id), by folder, and the sort orders most used
CREATE INDEX files_portal_id ON files (portal, id) WHERE archived = FALSE;
CREATE INDEX files_folder ON files (portal, folder_id, id) WHERE archived = FALSE;
CREATE INDEX files_created ON files (portal, created_at, id) WHERE archived = FALSE;
CREATE INDEX files_updated ON files (portal, updated_at, id) WHERE archived = FALSE;
CREATE INDEX files_expires ON files (expires_at) WHERE expires_at > 0;

CREATE TABLE tasks (
	id           TEXT PRIMARY KEY,
	portal       INTEGER NOT NULL,
	kind         TEXT NOT NULL,
	status       TEXT NOT NULL,
	request      BLOB NOT NULL,
	attempts     INTEGER NOT NULL DEFAULT 0,
	job_id       INTEGER NOT NULL DEFAULT 0,
	errors       TEXT NOT NULL DEFAULT '[]',
	file_id      INTEGER NOT NULL DEFAULT 0,
	folder_id    INTEGER NOT NULL DEFAULT 0,
	source_url   TEXT NOT NULL DEFAULT '',
	requested_at INTEGER NOT NULL,
	started_at   INTEGER NOT NULL DEFAULT 0,
	completed_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tasks_completed ON tasks (completed_at) WHERE completed_at > 0;
CREATE INDEX tasks_unfinished ON tasks (requested_at) WHERE completed_at = 0;

CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value BLOB NOT NULL
);
