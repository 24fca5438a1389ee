package ferry_test

import (
	"context"
	"fmt"
	"testing"

	"ferry/internal/ferry"
)

// fakeWatcher is a TokenWatcher whose version a test sets.
type fakeWatcher struct {
	v  uint64
	ok bool
}

func (w *fakeWatcher) TokensVersion() (uint64, bool) { return w.v, w.ok }

// tokenStore holds tokens in a map and counts reads; onFind, if set, runs
// inside each read, after the token has been looked up.
type tokenStore struct {
	ferry.Store
	tokens map[string]ferry.Token
	finds  int
	onFind func()
}

func (s *tokenStore) FindToken(_ context.Context, hash string) (ferry.Token, error) {
	s.finds++
	t, ok := s.tokens[hash]
	if s.onFind != nil {
		s.onFind()
	}
	if !ok {
		return ferry.Token{}, ferry.Errorf(ferry.NotFound, "token not found")
	}
	return t, nil
}

func newTokenStore(secrets ...string) *tokenStore {
	s := &tokenStore{tokens: map[string]ferry.Token{}}
	for i, sec := range secrets {
		s.tokens[ferry.HashToken(sec)] = ferry.Token{Hash: ferry.HashToken(sec), Portal: ferry.PortalID(i + 1), Scopes: []ferry.Scope{ferry.ScopeFiles}}
	}
	return s
}

func TestTokenCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("HitsUntilTheVersionMoves", func(t *testing.T) {
		t.Parallel()
		st, w := newTokenStore("a"), &fakeWatcher{v: 1, ok: true}
		c := ferry.NewTokenCache(st, w)
		for range 3 {
			if _, err := c.Authenticate(ctx, "a"); err != nil {
				t.Fatal(err)
			}
		}
		if st.finds != 1 {
			t.Errorf("three requests read the store %d times, want 1", st.finds)
		}
		delete(st.tokens, ferry.HashToken("a"))
		w.v = 2
		if _, err := c.Authenticate(ctx, "a"); ferry.KindOf(err) != ferry.Unauthenticated {
			t.Errorf("after the version moved: err=%v, want Unauthenticated", err)
		}
	})

	t.Run("UnknownTokensAreNotCached", func(t *testing.T) {
		t.Parallel()
		st, w := newTokenStore(), &fakeWatcher{v: 1, ok: true}
		c := ferry.NewTokenCache(st, w)
		if _, err := c.Authenticate(ctx, "b"); ferry.KindOf(err) != ferry.Unauthenticated {
			t.Fatalf("unknown token: err=%v, want Unauthenticated", err)
		}
		st.tokens[ferry.HashToken("b")] = ferry.Token{Hash: ferry.HashToken("b"), Portal: 7}
		if tok, err := c.Authenticate(ctx, "b"); err != nil || tok.Portal != 7 {
			t.Errorf("a token created after a miss, same version: %+v, %v", tok, err)
		}
	})

	t.Run("NothingCachedWhileBlind", func(t *testing.T) {
		t.Parallel()
		st, w := newTokenStore("a"), &fakeWatcher{v: 1, ok: false}
		c := ferry.NewTokenCache(st, w)
		for range 3 {
			c.Authenticate(ctx, "a")
		}
		if st.finds != 3 {
			t.Errorf("three requests read the store %d times, want 3", st.finds)
		}
	})

	// A revocation that commits while a request reads the token: the
	// request was given the token as it was, but later requests are not.
	t.Run("AReadOverlappingAChangeIsNotKept", func(t *testing.T) {
		t.Parallel()
		st, w := newTokenStore("a"), &fakeWatcher{v: 1, ok: true}
		c := ferry.NewTokenCache(st, w)
		st.onFind = func() {
			st.onFind = nil
			delete(st.tokens, ferry.HashToken("a"))
			w.v = 2 // the writer's signal, after its commit
		}
		if _, err := c.Authenticate(ctx, "a"); err != nil {
			t.Fatalf("the overlapping read: %v", err)
		}
		if _, err := c.Authenticate(ctx, "a"); ferry.KindOf(err) != ferry.Unauthenticated {
			t.Errorf("the next request: err=%v, want Unauthenticated", err)
		}
	})

	t.Run("BoundedSize", func(t *testing.T) {
		t.Parallel()
		var secrets []string
		for i := range ferry.TokenCacheSize + 1 {
			secrets = append(secrets, fmt.Sprint("s", i))
		}
		st, w := newTokenStore(secrets...), &fakeWatcher{v: 1, ok: true}
		c := ferry.NewTokenCache(st, w)
		for _, s := range secrets {
			c.Authenticate(ctx, s)
		}
		st.finds = 0
		c.Authenticate(ctx, secrets[0]) // dropped when the last one did not fit
		c.Authenticate(ctx, secrets[len(secrets)-1])
		if st.finds != 1 {
			t.Errorf("after %d tokens: %d reads for the first and the last, want 1 (the first was dropped, the last kept)", len(secrets), st.finds)
		}
	})

	t.Run("ScopesAreTheCallersOwn", func(t *testing.T) {
		t.Parallel()
		st, w := newTokenStore("a"), &fakeWatcher{v: 1, ok: true}
		c := ferry.NewTokenCache(st, w)
		tok, _ := c.Authenticate(ctx, "a")
		tok.Scopes[0] = ferry.ScopeAdmin
		tok, _ = c.Authenticate(ctx, "a")
		if tok.Scopes[0] != ferry.ScopeFiles {
			t.Errorf("a caller's change to Scopes reached the cache: %v", tok.Scopes)
		}
	})
}
