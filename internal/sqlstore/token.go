package sqlstore

import (
	"context"
	"strings"

	"ferry/internal/ferry"
)

// CreateToken implements ferry.Store.
func (s *Store) CreateToken(ctx context.Context, t ferry.Token) error {
	scopes := make([]string, len(t.Scopes))
	for i, sc := range t.Scopes {
		scopes[i] = string(sc)
	}
	_, err := s.exec(ctx, `INSERT INTO tokens (hash, portal, scopes, name, created_at) VALUES (?, ?, ?, ?, ?)`,
		t.Hash, int64(t.Portal), strings.Join(scopes, " "), t.Name, ms(t.CreatedAt))
	if s.d.IsUnique(err) {
		return ferry.Errorf(ferry.Conflict, "the token exists already")
	}
	return ferry.Wrap(err, "create token")
}

// FindToken implements ferry.Store.
func (s *Store) FindToken(ctx context.Context, hash string) (ferry.Token, error) {
	var (
		t       ferry.Token
		portal  int64
		scopes  string
		created int64
	)
	err := s.queryRow(ctx, `SELECT hash, portal, scopes, name, created_at FROM tokens WHERE hash = ?`, hash).
		Scan(&t.Hash, &portal, &scopes, &t.Name, &created)
	if err != nil {
		return ferry.Token{}, notFound(err, "token")
	}
	t.Portal, t.CreatedAt = ferry.PortalID(portal), fromMS(created)
	for _, sc := range strings.Fields(scopes) {
		t.Scopes = append(t.Scopes, ferry.Scope(sc))
	}
	return t, nil
}
