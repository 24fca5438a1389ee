package storetest

import (
	"context"
	"errors"
	"testing"

	"ferry/internal/ferry"
)

// written records what writeAll wrote, so that a test can look for it.
type written struct {
	tokenHash string
	folder    ferry.Folder
	file      ferry.File
	taskID    ferry.TaskID
	setting   string
}

// writeAll writes one of everything through st.
func writeAll(tb testing.TB, st ferry.Store, tag string) written {
	tb.Helper()
	ctx := context.Background()
	w := written{tokenHash: ferry.HashToken("atomic-" + tag), taskID: ferry.TaskID("atomic-" + tag), setting: "atomic-" + tag}
	mustNoErr(tb, st.CreateToken(ctx, ferry.Token{Hash: w.tokenHash, Portal: portalA, Scopes: []ferry.Scope{ferry.ScopeFiles}, CreatedAt: at(0)}), "CreateToken")
	w.folder = mustEnsureFolder(tb, st, portalA, "/atomic/"+tag)
	w.file, _ = mustInsertFile(tb, st, newFile(portalA, w.folder.ID, "f", "txt", "m", 1), false)
	mustCreateTasks(tb, st, newTask(w.taskID, portalA, at(0)))
	_, err := st.PutSettingIfAbsent(ctx, w.setting, []byte("v"))
	mustNoErr(tb, err, "PutSettingIfAbsent")
	return w
}

// checkWritten checks that everything writeAll wrote exists, or that none
// of it does.
func checkWritten(tb testing.TB, st ferry.Store, w written, exists bool) {
	tb.Helper()
	ctx := context.Background()
	_, errToken := st.FindToken(ctx, w.tokenHash)
	_, errFolder := st.FindFolderByID(ctx, portalA, w.folder.ID)
	_, errFile := st.FindFileByID(ctx, portalA, w.file.ID)
	_, errPath := st.FindFileByPath(ctx, portalA, w.file.Path())
	_, errTask := st.FindTask(ctx, portalA, w.taskID)
	_, errSetting := st.Setting(ctx, w.setting)
	for _, c := range []struct {
		what string
		err  error
	}{
		{"token", errToken}, {"folder", errFolder}, {"file by id", errFile},
		{"file by path", errPath}, {"task", errTask}, {"setting", errSetting},
	} {
		switch {
		case exists && c.err != nil:
			tb.Errorf("%s: %v, want it to exist", c.what, c.err)
		case !exists && ferry.KindOf(c.err) != ferry.NotFound:
			tb.Errorf("%s: err=%v, want kind %v", c.what, c.err, ferry.NotFound)
		}
	}
}

func testAtomic(t *testing.T, open func(t *testing.T) ferry.Store) {
	ctx := context.Background()

	t.Run("SuccessCommits", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		var w written
		err := st.Atomic(ctx, func(tx ferry.Store) error {
			w = writeAll(t, tx, "ok")
			checkWritten(t, tx, w, true)
			return nil
		})
		mustNoErr(t, err, "Atomic")
		checkWritten(t, st, w, true)
	})

	t.Run("ErrorRollsBack", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		var w written
		err := st.Atomic(ctx, func(tx ferry.Store) error {
			w = writeAll(t, tx, "fail")
			return errTest
		})
		if !errors.Is(err, errTest) {
			t.Fatalf("Atomic: err=%v, want the error fn returned", err)
		}
		checkWritten(t, st, w, false)
	})

	t.Run("NestedCommits", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		var w written
		err := st.Atomic(ctx, func(tx ferry.Store) error {
			return tx.Atomic(ctx, func(inner ferry.Store) error {
				w = writeAll(t, inner, "nested")
				return nil
			})
		})
		mustNoErr(t, err, "Atomic")
		checkWritten(t, st, w, true)
	})

	t.Run("NestedRollsBackWithOuter", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		var w written
		err := st.Atomic(ctx, func(tx ferry.Store) error {
			if err := tx.Atomic(ctx, func(inner ferry.Store) error {
				w = writeAll(t, inner, "inner")
				return nil
			}); err != nil {
				return err
			}
			return errTest
		})
		if !errors.Is(err, errTest) {
			t.Fatalf("Atomic: err=%v, want the error fn returned", err)
		}
		checkWritten(t, st, w, false)
	})

	t.Run("NestedErrorRollsBackAll", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		var outer, inner written
		err := st.Atomic(ctx, func(tx ferry.Store) error {
			outer = writeAll(t, tx, "outer")
			return tx.Atomic(ctx, func(in ferry.Store) error {
				inner = writeAll(t, in, "inner")
				return errTest
			})
		})
		if !errors.Is(err, errTest) {
			t.Fatalf("Atomic: err=%v, want the error the inner fn returned", err)
		}
		checkWritten(t, st, outer, false)
		checkWritten(t, st, inner, false)
	})
}
