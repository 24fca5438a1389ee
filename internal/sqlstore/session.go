package sqlstore

import (
	"context"
	"time"

	"ferry/internal/ferry"
)

var _ ferry.SessionStore = (*Store)(nil)

// CreateSession implements ferry.SessionStore.
func (s *Store) CreateSession(ctx context.Context, se ferry.Session) error {
	_, err := s.exec(ctx, `INSERT INTO console_sessions (hash, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		se.Hash, se.TokenHash, ms(se.CreatedAt), ms(se.ExpiresAt))
	if s.d.IsUnique(err) {
		return ferry.Errorf(ferry.Conflict, "the session exists already")
	}
	return ferry.Wrap(err, "create session")
}

// FindSession implements ferry.SessionStore. The join with tokens is what
// makes a revoked token end its sessions at once.
func (s *Store) FindSession(ctx context.Context, hash string, now time.Time) (ferry.Session, ferry.Token, error) {
	var (
		se               ferry.Session
		created, expires int64
	)
	row := s.queryRow(ctx, `SELECT s.hash, s.token_hash, s.created_at, s.expires_at, t.hash, t.portal, t.scopes, t.name, t.created_at
		FROM console_sessions s JOIN tokens t ON t.hash = s.token_hash WHERE s.hash = ? AND s.expires_at > ?`, hash, ms(now))
	tok, err := scanToken(scanPrefix{row, []any{&se.Hash, &se.TokenHash, &created, &expires}})
	if err != nil {
		return ferry.Session{}, ferry.Token{}, notFound(err, "session")
	}
	se.CreatedAt, se.ExpiresAt = fromMS(created), fromMS(expires)
	return se, tok, nil
}

// scanPrefix scans the leading columns of a row into dest and passes the
// rest on, so that a join can reuse the scanner of its second table.
type scanPrefix struct {
	row  interface{ Scan(...any) error }
	dest []any
}

func (p scanPrefix) Scan(rest ...any) error { return p.row.Scan(append(p.dest, rest...)...) }

// DeleteSession implements ferry.SessionStore.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	_, err := s.exec(ctx, `DELETE FROM console_sessions WHERE hash = ?`, hash)
	return ferry.Wrap(err, "delete session")
}

// DeleteExpiredSessions implements ferry.SessionStore.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	res, err := s.exec(ctx, `DELETE FROM console_sessions WHERE expires_at <= ?`, ms(now))
	if err != nil {
		return 0, ferry.Wrap(err, "delete expired sessions")
	}
	n, err := res.RowsAffected()
	return int(n), ferry.Wrap(err, "delete expired sessions")
}
