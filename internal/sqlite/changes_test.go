package sqlite_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"ferry/internal/sqlite"
)

// The change count moves once every commit that changed a watched table
// has returned, whichever way it committed, and for nothing else.
func TestChangesCountCommitsOfWatchedTables(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t)
	ch := sqlite.ChangesOf(db)
	if ch == nil {
		t.Fatal("ChangesOf: nil for a database that Open opened")
	}
	step := func(name string, moves bool, fn func() error) {
		t.Helper()
		before := ch.Version()
		if err := fn(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if moved := ch.Version() != before; moved != moves {
			t.Errorf("%s: count moved %v, want %v", name, moved, moves)
		}
	}
	exec := func(q string, args ...any) func() error {
		return func() error { _, err := db.ExecContext(ctx, q, args...); return err }
	}
	step("a read", false, func() error {
		var n int
		return db.QueryRowContext(ctx, `SELECT count(*) FROM folders`).Scan(&n)
	})
	step("a write of an unwatched table", false, exec(`INSERT INTO settings (key, value) VALUES ('k', x'00')`))
	step("an insert outside a transaction", true, exec(`INSERT INTO folders (portal, parent_id, name, name_fold, path, created_at, updated_at) VALUES (1, 0, 'a', 'a', '/a', 0, 0)`))
	step("an update that matches nothing", false, exec(`UPDATE folders SET name = 'b' WHERE id = -1`))
	step("an insert returning its id", true, func() error {
		var id int64
		return db.QueryRowContext(ctx, `INSERT INTO folders (portal, parent_id, name, name_fold, path, created_at, updated_at) VALUES (1, 0, 'c', 'c', '/c', 0, 0) RETURNING id`).Scan(&id)
	})
	step("a committed transaction", true, func() error {
		v0 := ch.Version()
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE folders SET name = 'd' WHERE path = '/a'`); err != nil {
			tx.Rollback()
			return err
		}
		if ch.Version() != v0 {
			tx.Rollback()
			return errors.New("the count moved before the commit")
		}
		return tx.Commit()
	})
	step("a rolled back transaction", false, func() error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE folders SET name = 'e' WHERE path = '/a'`); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Rollback()
	})
	step("a transaction that only reads", false, func() error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM folders`).Scan(&n); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	})
}

// OnJobsCommitted hears of every committed insert into River's job table,
// once the commit has returned, and of nothing else.
func TestChangesTellOfCommittedJobs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openDB(t)
	if _, err := db.ExecContext(ctx, `CREATE TABLE river_job (id INTEGER PRIMARY KEY, state TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	var told atomic.Int32
	sqlite.ChangesOf(db).OnJobsCommitted(func() { told.Add(1) })
	step := func(name string, want int32, fn func() error) {
		t.Helper()
		told.Store(0)
		if err := fn(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := told.Load(); got != want {
			t.Errorf("%s: told %d times, want %d", name, got, want)
		}
	}
	exec := func(q string) func() error {
		return func() error { _, err := db.ExecContext(ctx, q); return err }
	}
	inTx := func(commit bool, qs ...string) func() error {
		return func() error {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer tx.Rollback()
			for _, q := range qs {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return err
				}
			}
			if told.Load() != 0 {
				return errors.New("told before the commit")
			}
			if !commit {
				return tx.Rollback()
			}
			return tx.Commit()
		}
	}
	step("a job inserted outside a transaction", 1, exec(`INSERT INTO river_job (state) VALUES ('available')`))
	step("two jobs inserted in one transaction", 1, inTx(true, `INSERT INTO river_job (state) VALUES ('available')`, `INSERT INTO river_job (state) VALUES ('available')`))
	step("a job inserted, rolled back", 0, inTx(false, `INSERT INTO river_job (state) VALUES ('available')`))
	step("a job claimed", 0, exec(`UPDATE river_job SET state = 'running' WHERE id = 1`))
	step("a job deleted", 0, exec(`DELETE FROM river_job WHERE id = 2`))
	step("a folder inserted", 0, exec(`INSERT INTO folders (portal, parent_id, name, name_fold, path, created_at, updated_at) VALUES (1, 0, 'j', 'j', '/j', 0, 0)`))
}
