package sqlite_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// The write-ahead log reaches the database file without a writer doing
// it: the writers' automatic checkpoint is off (it would copy only after
// 1,000 pages anyway, and this writes far fewer), and the checkpointer
// copies the log back in the background.
func TestCheckpointsInTheBackground(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t)
	var path string
	if err := db.QueryRowContext(ctx, "SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&path); err != nil {
		t.Fatal(err)
	}
	var auto int
	if err := db.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&auto); err != nil || auto != 0 {
		t.Fatalf("wal_autocheckpoint = %d, %v; want 0 (the checkpointer's job)", auto, err)
	}
	before := fileSize(t, path)
	row := strings.Repeat("x", 4000)
	for i := range 100 { // about 100 pages, in 100 commits
		if _, err := db.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES (?, ?)", i, row); err != nil {
			t.Fatal(err)
		}
	}
	// Bounded wait for the background work; nothing here asserts how soon.
	deadline := time.Now().Add(10 * time.Second)
	for fileSize(t, path) < before+300_000 {
		if time.Now().After(deadline) {
			t.Fatalf("the database file stayed at %d bytes (was %d): nothing copied the log back", fileSize(t, path), before)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
