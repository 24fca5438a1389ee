package postgres_test

import (
	"context"
	"testing"

	"ferry/internal/ferry"
	"ferry/internal/postgres"
)

// TestDiskFullIsStorageFull: a write that PostgreSQL refuses with
// disk_full (SQLSTATE 53100) reaches callers as ferry.StorageFull (507),
// not as an internal error. A trigger raises the real error code, which a
// test cannot provoke by filling the server's disk.
func TestDiskFullIsStorageFull(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := newTestDB(t)
	if err := postgres.Migrate(ctx, db); err != nil {
		t.Fatalf("postgres.Migrate: %v", err)
	}
	for _, q := range []string{
		`CREATE FUNCTION refuse_full() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN RAISE EXCEPTION 'could not extend file' USING ERRCODE = 'disk_full'; END $$`,
		`CREATE TRIGGER refuse_full BEFORE INSERT ON folders FOR EACH ROW EXECUTE FUNCTION refuse_full()`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	_, err := postgres.NewStore(db).EnsureFolder(ctx, 1, "/full")
	if kind := ferry.KindOf(err); kind != ferry.StorageFull {
		t.Fatalf("EnsureFolder on a full disk: kind %v (err %v), want StorageFull", kind, err)
	}
}
