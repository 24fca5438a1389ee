package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"ferry/internal/ferry"
	"ferry/internal/sqlite"
	"ferry/internal/storetest"
)

func TestStore(t *testing.T) {
	t.Parallel()
	storetest.Run(t, newTestStore)
}

// openDB opens a fresh database file in tb's temp dir, closed when tb
// ends.
func openDB(tb testing.TB) *sql.DB {
	tb.Helper()
	return openDBAt(tb, filepath.Join(tb.TempDir(), "ferry.db"))
}

// openDBAt opens (creating if need be) the database file at path, closed
// when tb ends.
func openDBAt(tb testing.TB, path string) *sql.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		tb.Fatalf("sqlite.Open: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// newTestStore opens a store on a fresh database.
func newTestStore(t *testing.T) ferry.Store {
	t.Helper()
	st := sqlite.NewStore(openDB(t))
	st.SetClock(ferry.ClockFunc(storetest.Now))
	return st
}

// The same suite on a store that caches reads (finished tasks, files by
// path), as the server runs it when it holds the database's lock.
func TestStoreCachingReads(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) ferry.Store {
		t.Helper()
		db := openDB(t)
		st := sqlite.NewStore(db)
		st.SetClock(ferry.ClockFunc(storetest.Now))
		st.CacheReads(sqlite.ChangesOf(db).Version)
		return st
	})
}

// A file found by its path from the cache still expires on the store's
// clock, at the same instant as the query would let it go.
func TestCachedPathLookupExpires(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t)
	st := sqlite.NewStore(db)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	st.SetClock(ferry.ClockFunc(func() time.Time { return now }))
	st.CacheReads(sqlite.ChangesOf(db).Version)
	folder, err := st.EnsureFolder(ctx, 1, "/tmp")
	if err != nil {
		t.Fatal(err)
	}
	f := ferry.File{Portal: 1, FolderID: folder.ID, Name: "soon", Extension: "txt", Access: ferry.AccessPublicNotIndexable,
		Size: 1, Type: "DOCUMENT", ContentType: "text/plain", MD5: "00", BlobKey: "k", CreatedAt: now, UpdatedAt: now,
		ExpiresAt: now.Add(time.Minute)}
	if _, err := st.InsertFile(ctx, &f, false); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := st.FindFileByPath(ctx, 1, "/tmp/soon.txt"); err != nil {
			t.Fatalf("before it expires: %v", err)
		}
	}
	now = f.ExpiresAt.Add(-time.Millisecond)
	if _, err := st.FindFileByPath(ctx, 1, "/tmp/soon.txt"); err != nil {
		t.Fatalf("a millisecond before it expires: %v", err)
	}
	now = f.ExpiresAt
	if _, err := st.FindFileByPath(ctx, 1, "/tmp/soon.txt"); ferry.KindOf(err) != ferry.NotFound {
		t.Fatalf("when it expires: err %v, want not found", err)
	}
}
