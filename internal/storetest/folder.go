package storetest

import (
	"context"
	"testing"

	"ferry/internal/ferry"
)

func testFolder(t *testing.T, open func(t *testing.T) ferry.Store) {
	ctx := context.Background()

	t.Run("CreatesAncestors", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		c := mustEnsureFolder(t, st, portalA, "/a/b/c")
		if c.ID == 0 || c.Path != "/a/b/c" || c.Name != "c" || c.Portal != portalA || c.Archived {
			t.Fatalf("EnsureFolder(/a/b/c)=%+v, want a live folder c at /a/b/c of portal %v", c, portalA)
		}
		got, err := st.FindFolderByID(ctx, portalA, c.ID)
		mustNoErr(t, err, "FindFolderByID(c)")
		if got.ID != c.ID || got.Path != c.Path || got.ParentID != c.ParentID {
			t.Errorf("FindFolderByID(c)=%+v, want %+v", got, c)
		}
		parent, err := st.FindFolderByID(ctx, portalA, c.ParentID)
		mustNoErr(t, err, "FindFolderByID(parent of c)")
		if got, want := parent.Path, "/a/b"; got != want {
			t.Errorf("parent of c: Path=%q, want %q", got, want)
		}
		grand, err := st.FindFolderByID(ctx, portalA, parent.ParentID)
		mustNoErr(t, err, "FindFolderByID(parent of b)")
		if grand.Path != "/a" || grand.Name != "a" || grand.ParentID != 0 {
			t.Errorf("parent of b=%+v, want folder a at /a under the root", grand)
		}
	})

	t.Run("Idempotent", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		first := mustEnsureFolder(t, st, portalA, "/a/b")
		for _, p := range []string{"/a/b", "a/b", "/a/b/", "//a/./b"} {
			if got := mustEnsureFolder(t, st, portalA, p); got.ID != first.ID || got.Path != "/a/b" {
				t.Errorf("EnsureFolder(%q): ID, Path=%v, %q, want %v, %q", p, got.ID, got.Path, first.ID, "/a/b")
			}
		}
		a := mustEnsureFolder(t, st, portalA, "/a")
		if a.ID != first.ParentID {
			t.Errorf("EnsureFolder(/a).ID=%v, want the parent of /a/b, %v", a.ID, first.ParentID)
		}
	})

	t.Run("Root", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		root := mustEnsureFolder(t, st, portalA, "/")
		if root.ID != 0 || root.Path != "/" {
			t.Errorf("EnsureFolder(/): ID, Path=%v, %q, want 0, %q", root.ID, root.Path, "/")
		}
	})

	t.Run("InvalidPath", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		for _, p := range []string{"/a/../b", "/..", "/a/b\x00c", `/a\b`} {
			_, err := st.EnsureFolder(ctx, portalA, p)
			if got := ferry.KindOf(err); err == nil || got != ferry.Invalid {
				t.Errorf("EnsureFolder(%q): err=%v, want kind %v", p, err, ferry.Invalid)
			}
		}
	})

	t.Run("PortalsAreSeparate", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		a := mustEnsureFolder(t, st, portalA, "/shared/name")
		b := mustEnsureFolder(t, st, portalB, "/shared/name")
		if a.ID == b.ID {
			t.Fatalf("the same path in two portals has one folder id %v", a.ID)
		}
		_, err := st.FindFolderByID(ctx, portalB, a.ID)
		wantKind(t, err, ferry.NotFound)
		_, err = st.FindFolderByID(ctx, portalA, b.ID)
		wantKind(t, err, ferry.NotFound)
	})

	t.Run("UnknownIsNotFound", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		f := mustEnsureFolder(t, st, portalA, "/x")
		_, err := st.FindFolderByID(ctx, portalA, f.ID+1000)
		wantKind(t, err, ferry.NotFound)
	})
}
