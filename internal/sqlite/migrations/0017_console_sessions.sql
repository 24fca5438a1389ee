-- Web console sessions. Only the SHA-256 of a session id is stored; a
-- session dies with its token (DeleteToken removes its sessions, and a
-- session is only valid while its token row exists).
CREATE TABLE console_sessions (
	hash       TEXT PRIMARY KEY,
	token_hash TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE INDEX console_sessions_token ON console_sessions (token_hash);
CREATE INDEX console_sessions_expires ON console_sessions (expires_at);
