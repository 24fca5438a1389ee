package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"ferry/internal/ferry"
	"ferry/internal/sqlite"
	"ferry/internal/storetest"
)

// TestTokenWatcher runs the watcher suite with the "other process" on a
// connection pool of its own, as ferry token revoke opens the file.
func TestTokenWatcher(t *testing.T) {
	t.Parallel()
	storetest.RunTokenWatcher(t, func(t *testing.T) storetest.WatchEnv {
		path := filepath.Join(t.TempDir(), "ferry.db")
		server, other := openDBAt(t, path), openDBAt(t, path)
		w, err := sqlite.WatchTokens(server)
		if err != nil {
			t.Fatalf("WatchTokens: %v", err)
		}
		return storetest.WatchEnv{
			Server: sqlite.NewStore(server), Watch: w, Other: sqlite.NewStore(other),
			Unsignalled: func(hash string) error {
				_, err := other.Exec(`DELETE FROM tokens WHERE hash = ?`, hash)
				return err
			},
			Down: func(t *testing.T) ferry.TokenWatcher {
				w, err := sqlite.WatchTokens(server)
				if err != nil {
					t.Fatalf("WatchTokens: %v", err)
				}
				// A signal file that can be neither read nor made again,
				// even by root: a link into a directory that does not exist.
				sig := path + sqlite.SignalSuffix
				if err := os.Remove(sig); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(filepath.Join(t.TempDir(), "gone", "x"), sig); err != nil {
					t.Fatal(err)
				}
				return w
			},
		}
	})
}

// TestTokenSignalRemade: a signal file that is deleted is made again, and
// that counts as a change, so a token deleted while it was missing is not
// served from the cache.
func TestTokenSignalRemade(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ferry.db")
	db := openDBAt(t, path)
	st := sqlite.NewStore(db)
	w, err := sqlite.WatchTokens(db)
	if err != nil {
		t.Fatalf("WatchTokens: %v", err)
	}
	secret := "remade"
	if err := st.CreateToken(ctx, ferry.Token{Hash: ferry.HashToken(secret), Portal: 1, Scopes: []ferry.Scope{ferry.ScopeFiles}}); err != nil {
		t.Fatal(err)
	}
	cache := ferry.NewTokenCache(st, w)
	for range 2 {
		if _, err := cache.Authenticate(ctx, secret); err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
	}
	if err := os.Remove(path + sqlite.SignalSuffix); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DELETE FROM tokens`); err != nil {
		t.Fatal(err)
	}
	if _, err := cache.Authenticate(ctx, secret); ferry.KindOf(err) != ferry.Unauthenticated {
		t.Errorf("Authenticate after the signal file was deleted and the token with it: err=%v, want Unauthenticated", err)
	}
}

// TestTokenSignalThroughLink: a server that opens the database through a
// symbolic link and a CLI that names the file itself share one signal
// file, so the CLI's revocation reaches the server.
func TestTokenSignalThroughLink(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	real, link := filepath.Join(dir, "real.db"), filepath.Join(dir, "link.db")
	server := openDBAt(t, real) // creates the file
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	server = openDBAt(t, link)
	other := sqlite.NewStore(openDBAt(t, real))
	w, err := sqlite.WatchTokens(server)
	if err != nil {
		t.Fatalf("WatchTokens: %v", err)
	}
	st := sqlite.NewStore(server)
	secret := "linked"
	tok := ferry.Token{Hash: ferry.HashToken(secret), Portal: 1, Scopes: []ferry.Scope{ferry.ScopeFiles}}
	if err := st.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	cache := ferry.NewTokenCache(st, w)
	for range 2 {
		if _, err := cache.Authenticate(ctx, secret); err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
	}
	if _, err := other.DeleteToken(ctx, tok.Hash[:16]); err != nil {
		t.Fatal(err)
	}
	if _, err := cache.Authenticate(ctx, secret); ferry.KindOf(err) != ferry.Unauthenticated {
		t.Errorf("after a revocation through the file's own name: err=%v, want Unauthenticated", err)
	}
}
