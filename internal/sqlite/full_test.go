package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ferry/internal/ferry"
	"ferry/internal/sqlite"
)

// TestDatabaseFullIsStorageFull: a write that finds no room in the
// database file (SQLITE_FULL, here from max_page_count) reaches the
// caller as StorageFull, which clients see as 507 and imports wait out,
// not as an internal error.
func TestDatabaseFullIsStorageFull(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ferry.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	var pages int64
	if err := db.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatalf("page_count: %v", err)
	}
	db.Close()
	// Every connection may use only a few more pages than the migrated
	// database holds.
	db, err = sql.Open("sqlite", sqlite.DSN(path)+fmt.Sprintf("&_pragma=max_page_count(%d)", pages+2))
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	st := sqlite.NewStore(db)
	now := time.Now().UTC()
	for i := range 1000 {
		f := ferry.File{Portal: 1, Name: fmt.Sprintf("f%d-%s", i, strings.Repeat("x", 200)), Extension: "txt",
			Access: ferry.AccessPublicIndexable, MD5: "m", Size: 1, CreatedAt: now, UpdatedAt: now}
		_, err := st.InsertFile(ctx, &f, false)
		if err == nil {
			continue
		}
		if ferry.KindOf(err) != ferry.StorageFull {
			t.Fatalf("insert %d: kind %v (%v), want StorageFull", i, ferry.KindOf(err), err)
		}
		// Classified once, where the statement failed, however many
		// layers (statement, transaction) it passed on the way out.
		if n := strings.Count(err.Error(), "disk is full; nothing was changed"); n != 1 {
			t.Errorf("insert %d: the error says it %d times: %v", i, n, err)
		}
		return
	}
	t.Fatal("1000 inserts into a database of bounded size all succeeded")
}
