package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
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

// A token write whose signal can be neither appended nor removed still
// stands, and its writer is told what that means for running servers.
func TestTokenSignalThatCannotBeWritten(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ferry.db")
	st := sqlite.NewStore(openDBAt(t, path))
	// A directory with something in it: no byte can be appended to it, and
	// it cannot be removed.
	if err := os.MkdirAll(filepath.Join(path+sqlite.SignalSuffix, "in-the-way"), 0o700); err != nil {
		t.Fatal(err)
	}
	hash := ferry.HashToken("unsignalled")
	err := st.CreateToken(ctx, ferry.Token{Hash: hash, Portal: 1, Scopes: []ferry.Scope{ferry.ScopeFiles}})
	if err == nil || !strings.Contains(err.Error(), "cached for up to") {
		t.Fatalf("CreateToken with an unwritable signal: err=%v, want it to say servers may keep cached tokens", err)
	}
	if _, err := st.FindToken(ctx, hash); err != nil {
		t.Fatalf("the token was not kept: %v", err)
	}
}
