package postgres_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"ferry/internal/ferry"
	"ferry/internal/postgres"
	"ferry/internal/storetest"
)

// listenLimit bounds the polls of these tests for something that happens
// in the background (a listener connecting, a notification arriving): it
// only stops a test that would otherwise wait forever.
const listenLimit = 20 * time.Second

// TestTokenWatcher runs the watcher suite with the "other process" on a
// connection pool of its own, as ferry token revoke opens the database.
func TestTokenWatcher(t *testing.T) {
	t.Parallel()
	storetest.RunTokenWatcher(t, func(t *testing.T) storetest.WatchEnv {
		u := testSchemaURL(t)
		server, other := mustOpen(t, u), mustOpen(t, u)
		if err := postgres.Migrate(context.Background(), server); err != nil {
			t.Fatalf("postgres.Migrate: %v", err)
		}
		return storetest.WatchEnv{
			Server: postgres.NewStore(server), Watch: connectedListener(t, u), Other: postgres.NewStore(other),
			Unsignalled: func(hash string) error {
				_, err := other.Exec(`DELETE FROM tokens WHERE hash = $1`, hash)
				return err
			},
			Down: func(t *testing.T) ferry.TokenWatcher {
				// Nothing listens on port 1: this listener never connects.
				l, err := postgres.ListenTokens(t.Context(), "postgres://postgres@127.0.0.1:1/none?connect_timeout=1", slog.New(slog.DiscardHandler))
				if err != nil {
					t.Fatalf("ListenTokens: %v", err)
				}
				return l
			},
			Async: true,
		}
	})
}

// TestTokenListenerReconnects ends the listener's connection while a
// token is cached, after deleting the token without a notification, as a
// revocation made while the listener was away would be: once the listener
// is back, on a new connection, the token is read again and refused.
func TestTokenListenerReconnects(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := testSchemaURL(t)
	db := mustOpen(t, u)
	if err := postgres.Migrate(ctx, db); err != nil {
		t.Fatalf("postgres.Migrate: %v", err)
	}
	st := postgres.NewStore(db)
	l := connectedListener(t, u)
	secret := "reconnect-secret"
	v0, _ := l.TokensVersion()
	if err := st.CreateToken(ctx, ferry.Token{Hash: ferry.HashToken(secret), Portal: 1, Scopes: []ferry.Scope{ferry.ScopeFiles}}); err != nil {
		t.Fatal(err)
	}
	// The creation's own notification, so that it cannot empty the cache
	// after the token is cached below.
	pollUntil(t, "the notification of the token's creation", func() bool {
		v, _ := l.TokensVersion()
		return v > v0
	})
	cache := ferry.NewTokenCache(st, l)
	if _, err := cache.Authenticate(ctx, secret); err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	pid := postgres.ListenerPID(l)
	if _, err := db.Exec(`DELETE FROM tokens`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`SELECT pg_terminate_backend($1)`, int64(pid)); err != nil {
		t.Fatalf("end the listener's connection: %v", err)
	}
	pollUntil(t, "the listener to reconnect", func() bool {
		_, ok := l.TokensVersion()
		return ok && postgres.ListenerPID(l) != pid
	})
	if _, err := cache.Authenticate(ctx, secret); ferry.KindOf(err) != ferry.Unauthenticated {
		t.Errorf("after the listener reconnected, a token deleted while it was away: err=%v, want Unauthenticated", err)
	}
}

// connectedListener starts a TokenListener on the database at u, stopped
// when t ends, and waits until it is connected.
func connectedListener(t *testing.T, u string) *postgres.TokenListener {
	t.Helper()
	l, err := postgres.ListenTokens(t.Context(), u, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("ListenTokens: %v", err)
	}
	pollUntil(t, "the token listener to connect", func() bool {
		_, ok := l.TokensVersion()
		return ok
	})
	return l
}

// pollUntil checks cond until it holds, failing t after listenLimit.
func pollUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(listenLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", listenLimit, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
