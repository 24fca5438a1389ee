package sqlite_test

import (
	"context"
	"testing"

	"ferry/internal/sqlite"
)

// TestMigrateNormalizesNames: names stored before the name rule are
// brought under it by the migration step, without merging two live names
// into one.
func TestMigrateNormalizesNames(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t)
	const composed, decomposed = "caf\u00e9", "cafe\u0301"
	for _, q := range []string{
		`DELETE FROM schema_migrations WHERE version = '0014_nfc_names'`,
		`INSERT INTO folders (id, portal, parent_id, name, name_fold, path, archived, created_at, updated_at) VALUES
			(1, 1, 0, '` + decomposed + `', 'x', '/` + decomposed + `', FALSE, 0, 0),
			(2, 1, 1, 'a` + "\u202e" + `b', 'x', '/` + decomposed + `/a` + "\u202e" + `b', FALSE, 0, 0),
			(3, 1, 0, '` + composed + `', 'x', '/` + composed + `', FALSE, 0, 0)`,
		`INSERT INTO files (id, portal, folder_id, name, name_fold, extension, access, size, width, height, type, encoding,
			content_type, md5, blob_key, created_at, updated_at) VALUES
			(1, 1, 3, '` + decomposed + `', 'x', 'txt', 'PRIVATE', 1, 0, 0, 'DOCUMENT', 'txt', 'text/plain', 'm', 'k1', 0, 0),
			(2, 1, 3, '` + composed + `', 'x', 'txt', 'PRIVATE', 1, 0, 0, 'DOCUMENT', 'txt', 'text/plain', 'm', 'k2', 0, 0)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := sqlite.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"SELECT path FROM folders WHERE id = 1": "/" + composed + "-1",
		"SELECT path FROM folders WHERE id = 2": "/" + composed + "-1/ab",
		"SELECT path FROM folders WHERE id = 3": "/" + composed,
		"SELECT name FROM files WHERE id = 1":   composed + "-1",
		"SELECT name FROM files WHERE id = 2":   composed,
	}
	for q, w := range want {
		var got string
		if err := db.QueryRowContext(ctx, q).Scan(&got); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if got != w {
			t.Errorf("%s = %q, want %q", q, got, w)
		}
	}
}
