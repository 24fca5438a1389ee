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
	return s.Atomic(ctx, func(st ferry.Store) error {
		tx := st.(*Store)
		_, err := tx.exec(ctx, `INSERT INTO tokens (hash, portal, scopes, name, created_at) VALUES (?, ?, ?, ?, ?)`,
			t.Hash, int64(t.Portal), strings.Join(scopes, " "), t.Name, ms(t.CreatedAt))
		if s.d.IsUnique(err) {
			return ferry.Errorf(ferry.Conflict, "the token exists already")
		}
		if err != nil {
			return ferry.Wrap(err, "create token")
		}
		return tx.tokensWritten(ctx)
	})
}

// tokensWritten records, in a transaction, that it has written the tokens
// table: the servers that cache tokens must hear of it once it commits
// (Dialect.NotifyTokens, Dialect.TokensCommitted).
func (s *Store) tokensWritten(ctx context.Context) error {
	if s.wroteTokens == nil {
		panic("sqlstore: tokens written outside a transaction of InTx")
	}
	if s.d.NotifyTokens != "" && !*s.wroteTokens {
		if _, err := s.exec(ctx, s.d.NotifyTokens); err != nil {
			return ferry.Wrap(err, "notify token change")
		}
	}
	*s.wroteTokens = true
	return nil
}

// ListTokens implements ferry.Store.
func (s *Store) ListTokens(ctx context.Context) ([]ferry.Token, error) {
	rows, err := s.query(ctx, `SELECT hash, portal, scopes, name, created_at FROM tokens ORDER BY created_at, hash`)
	if err != nil {
		return nil, ferry.Wrap(err, "list tokens")
	}
	return collect(rows, scanToken)
}

// DeleteToken implements ferry.Store.
func (s *Store) DeleteToken(ctx context.Context, hashPrefix string) (ferry.Token, error) {
	if len(hashPrefix) < 8 || strings.Trim(hashPrefix, "0123456789abcdef") != "" {
		return ferry.Token{}, ferry.Invalidf("hash", "give at least 8 lower-case hex digits of the token's hash")
	}
	var out ferry.Token
	err := s.Atomic(ctx, func(st ferry.Store) error {
		tx := st.(*Store)
		rows, err := tx.query(ctx, `SELECT hash, portal, scopes, name, created_at FROM tokens WHERE substr(hash, 1, ?) = ?`, len(hashPrefix), hashPrefix)
		if err != nil {
			return ferry.Wrap(err, "find token")
		}
		found, err := collect(rows, scanToken)
		switch {
		case err != nil:
			return err
		case len(found) == 0:
			return ferry.Errorf(ferry.NotFound, "no token's hash starts with %s", hashPrefix)
		case len(found) > 1:
			return ferry.Invalidf("hash", "%d tokens' hashes start with %s; give more digits", len(found), hashPrefix)
		}
		out = found[0]
		if _, err := tx.exec(ctx, `DELETE FROM console_sessions WHERE token_hash = ?`, out.Hash); err != nil {
			return ferry.Wrap(err, "delete the token's sessions")
		}
		if _, err = tx.exec(ctx, `DELETE FROM tokens WHERE hash = ?`, out.Hash); err != nil {
			return ferry.Wrap(err, "delete token")
		}
		return tx.tokensWritten(ctx)
	})
	return out, err
}

// FindToken implements ferry.Store.
func (s *Store) FindToken(ctx context.Context, hash string) (ferry.Token, error) {
	t, err := scanToken(s.queryRow(ctx, `SELECT hash, portal, scopes, name, created_at FROM tokens WHERE hash = ?`, hash))
	if err != nil {
		return ferry.Token{}, notFound(err, "token")
	}
	return t, nil
}

func scanToken(row interface{ Scan(...any) error }) (ferry.Token, error) {
	var (
		t       ferry.Token
		portal  int64
		scopes  string
		created int64
	)
	if err := row.Scan(&t.Hash, &portal, &scopes, &t.Name, &created); err != nil {
		return ferry.Token{}, err
	}
	t.Portal, t.CreatedAt = ferry.PortalID(portal), fromMS(created)
	for _, sc := range strings.Fields(scopes) {
		t.Scopes = append(t.Scopes, ferry.Scope(sc))
	}
	return t, nil
}
