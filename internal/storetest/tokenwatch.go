package storetest

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"ferry/internal/ferry"
)

// WatchEnv is one database as a server and another process (ferry token
// revoke) see it, for RunTokenWatcher.
type WatchEnv struct {
	Server ferry.Store        // the server's store
	Watch  ferry.TokenWatcher // the server's watcher, already able to see changes
	Other  ferry.Store        // another process's store on the same database
	// Unsignalled deletes a token so that no watcher hears of it, as a
	// write whose signal was lost would.
	Unsignalled func(hash string) error
	// Down returns a watcher of the database that cannot see changes.
	Down func(t *testing.T) ferry.TokenWatcher
	// Async is set when a change reaches a watcher some time after the
	// writer's commit (PostgreSQL's notifications) rather than before the
	// writer returns: the suite then polls for it, up to asyncLimit.
	Async bool
}

// asyncLimit bounds a poll for a change that arrives asynchronously. It
// is not a timing assertion: it only stops a test that would otherwise
// wait forever, far above a notification's delivery on a busy machine.
const asyncLimit = 20 * time.Second

// RunTokenWatcher tests a ferry.TokenWatcher through the cache it serves,
// ferry.TokenCache. open returns a fresh, empty database for each call.
func RunTokenWatcher(t *testing.T, open func(t *testing.T) WatchEnv) {
	ctx := context.Background()
	secret := "storetest-watch-secret"
	tok := ferry.Token{Hash: ferry.HashToken(secret), Portal: portalA, Scopes: []ferry.Scope{ferry.ScopeFilesRead}, Name: "w", CreatedAt: at(0)}

	// cachedToken opens a database with tok in it and a cache that has
	// read it once and answers it from memory since.
	cachedToken := func(t *testing.T) (WatchEnv, *ferry.TokenCache) {
		t.Helper()
		env := open(t)
		mustNoErr(t, env.Server.CreateToken(ctx, tok), "CreateToken")
		cs := &countingStore{Store: env.Server}
		cache := ferry.NewTokenCache(cs, env.Watch)
		mustCache(t, env, cache, cs, secret)
		return env, cache
	}

	t.Run("CachedTokenIsNotReadAgain", func(t *testing.T) {
		t.Parallel()
		cachedToken(t) // fails unless the second read came from memory
	})

	t.Run("RevokedByAnotherProcess", func(t *testing.T) {
		t.Parallel()
		env, cache := cachedToken(t)
		_, err := env.Other.DeleteToken(ctx, tok.Hash[:16])
		mustNoErr(t, err, "DeleteToken in the other process")
		waitFor(t, env.Async, "the revoked token to be refused", func() bool {
			_, err := cache.Authenticate(ctx, secret)
			return ferry.KindOf(err) == ferry.Unauthenticated
		})
	})

	t.Run("CreatedByAnotherProcessWorksAtOnce", func(t *testing.T) {
		t.Parallel()
		env := open(t)
		cs := &countingStore{Store: env.Server}
		cache := ferry.NewTokenCache(cs, env.Watch)
		_, err := cache.Authenticate(ctx, secret)
		wantKind(t, err, ferry.Unauthenticated)
		mustNoErr(t, env.Other.CreateToken(ctx, tok), "CreateToken in the other process")
		got, err := cache.Authenticate(ctx, secret)
		mustNoErr(t, err, "Authenticate a token just created")
		if got.Portal != tok.Portal || got.Name != tok.Name {
			t.Errorf("Authenticate=%+v, want %+v", got, tok)
		}
	})

	t.Run("DownMeansNoCache", func(t *testing.T) {
		t.Parallel()
		env := open(t)
		mustNoErr(t, env.Server.CreateToken(ctx, tok), "CreateToken")
		w := env.Down(t)
		if _, ok := w.TokensVersion(); ok {
			t.Fatal("TokensVersion of a watcher that cannot see changes: ok=true")
		}
		cs := &countingStore{Store: env.Server}
		cache := ferry.NewTokenCache(cs, w)
		for i := range 3 {
			_, err := cache.Authenticate(ctx, secret)
			mustNoErr(t, err, "Authenticate")
			if got := cs.finds.Load(); got != int64(i+1) {
				t.Fatalf("after %d requests the store was read %d times, want every time", i+1, got)
			}
		}
		mustNoErr(t, env.Unsignalled(tok.Hash), "delete without a signal")
		_, err := cache.Authenticate(ctx, secret)
		wantKind(t, err, ferry.Unauthenticated)
	})
}

// mustCache authenticates secret until a request reads nothing from the
// store: at the second request where changes arrive before the writer
// returns, else (the token's own creation may still be on its way to the
// watcher) within asyncLimit.
func mustCache(t *testing.T, env WatchEnv, cache *ferry.TokenCache, cs *countingStore, secret string) {
	t.Helper()
	_, err := cache.Authenticate(context.Background(), secret)
	mustNoErr(t, err, "Authenticate")
	waitFor(t, env.Async, "a request served from the cache", func() bool {
		before := cs.finds.Load()
		_, err := cache.Authenticate(context.Background(), secret)
		mustNoErr(t, err, "Authenticate")
		return cs.finds.Load() == before
	})
}

// waitFor checks cond once, or, if async, until it holds or asyncLimit
// has passed.
func waitFor(t *testing.T, async bool, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(asyncLimit)
	for !cond() {
		if !async {
			t.Fatalf("want %s at once", what)
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", asyncLimit, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// countingStore counts the reads of tokens.
type countingStore struct {
	ferry.Store
	finds atomic.Int64
}

func (c *countingStore) FindToken(ctx context.Context, hash string) (ferry.Token, error) {
	c.finds.Add(1)
	return c.Store.FindToken(ctx, hash)
}
