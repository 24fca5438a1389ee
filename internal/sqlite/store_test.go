package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"ferry/internal/ferry"
	"ferry/internal/sqlite"
	"ferry/internal/storetest"
)

func TestStore(t *testing.T) {
	t.Parallel()
	storetest.Run(t, newTestStore)
}

// newTestStore opens a store on a fresh database file in t's temp dir.
func newTestStore(t *testing.T) ferry.Store {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "ferry.db"))
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	st := sqlite.NewStore(db)
	st.SetClock(ferry.ClockFunc(storetest.Now))
	return st
}

// The same suite on a store that caches finished tasks, as the server
// runs it when it holds the database's lock.
func TestStoreCachingFinishedTasks(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) ferry.Store {
		t.Helper()
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "ferry.db"))
		if err != nil {
			t.Fatalf("sqlite.Open: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		st := sqlite.NewStore(db)
		st.SetClock(ferry.ClockFunc(storetest.Now))
		st.CacheFinishedTasks(sqlite.ChangesOf(db).Version)
		return st
	})
}
