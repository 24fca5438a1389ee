package sqlite_test

import (
	"context"
	"testing"
)

// The statement cache keeps one cursor per query text and connection: a
// query that runs again while its rows are still being read (inside one
// transaction, so on one connection) must get a statement of its own and
// leave the outer rows intact.
func TestStatementCacheNestedQuery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t)
	if _, err := db.ExecContext(ctx, `CREATE TABLE n (v INTEGER); INSERT INTO n VALUES (1), (2), (3)`); err != nil {
		t.Fatal(err)
	}
	const q = `SELECT v FROM n WHERE v >= ? ORDER BY v`
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for range 2 { // the second round runs on cached statements
		rows, err := tx.QueryContext(ctx, q, 1)
		if err != nil {
			t.Fatal(err)
		}
		var outer, inner []int
		for rows.Next() {
			var v int
			rows.Scan(&v)
			outer = append(outer, v)
			var w int
			if err := tx.QueryRowContext(ctx, q, 3).Scan(&w); err != nil {
				t.Fatalf("nested query: %v", err)
			}
			inner = append(inner, w)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		if len(outer) != 3 || outer[0] != 1 || outer[2] != 3 || len(inner) != 3 || inner[0] != 3 {
			t.Errorf("outer=%v inner=%v, want [1 2 3] and [3 3 3]", outer, inner)
		}
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	// A statement that does not compile still reports its error.
	if _, err := db.ExecContext(ctx, `SELEKT 1`); err == nil {
		t.Error("a syntax error went unreported")
	}
}
