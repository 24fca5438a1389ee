package ferry

import (
	"context"
	"time"
)

// Session is a signed-in web console session. The browser holds a random
// session id; only its hash is stored, next to the hash of the token that
// signed in, so that revoking the token ends the session.
type Session struct {
	Hash      string // hex SHA-256 of the session id
	TokenHash string // the token that signed in
	CreatedAt time.Time
	ExpiresAt time.Time
}

// SessionStore keeps console sessions.
type SessionStore interface {
	// CreateSession saves a session. Conflict if its hash exists already.
	CreateSession(ctx context.Context, s Session) error
	// FindSession returns the session with the given hash and the token
	// it belongs to. NotFound if there is no such session, if it expired
	// at or before now, or if its token has been revoked.
	FindSession(ctx context.Context, hash string, now time.Time) (Session, Token, error)
	// DeleteSession deletes a session; deleting one that does not exist
	// is not an error.
	DeleteSession(ctx context.Context, hash string) error
	// DeleteExpiredSessions deletes the sessions that expired at or
	// before now and returns how many.
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error)
}
