package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"ferry/internal/ferry"
)

func folderPaths(folders []ferry.Folder) []string {
	out := []string{}
	for _, f := range folders {
		out = append(out, f.Path)
	}
	return out
}

// mustFolderPath returns the path the store now has for folder id.
func mustFolderPath(tb testing.TB, st ferry.Store, id ferry.FolderID) string {
	tb.Helper()
	f, err := st.FindFolderByID(context.Background(), portalA, id)
	mustNoErr(tb, err, "FindFolderByID")
	return f.Path
}

func testCreateFolder(t *testing.T, open func(t *testing.T) ferry.Store) {
	ctx := context.Background()

	t.Run("InRootAndBelow", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		docs, err := st.CreateFolder(ctx, portalA, 0, "docs")
		mustNoErr(t, err, "CreateFolder(docs)")
		if docs.ID <= 0 || docs.Path != "/docs" || docs.Name != "docs" || docs.ParentID != 0 || docs.Portal != portalA || docs.CreatedAt.IsZero() {
			t.Errorf("CreateFolder(docs)=%+v, want a live folder /docs in the root", docs)
		}
		q3, err := st.CreateFolder(ctx, portalA, docs.ID, "Q3 reports")
		mustNoErr(t, err, "CreateFolder(Q3 reports)")
		if q3.Path != "/docs/Q3 reports" || q3.ParentID != docs.ID {
			t.Errorf("CreateFolder(Q3 reports): Path, ParentID=%q, %v, want %q, %v", q3.Path, q3.ParentID, "/docs/Q3 reports", docs.ID)
		}
		got, err := st.FindFolderByPath(ctx, portalA, "/docs/Q3 reports")
		mustNoErr(t, err, "FindFolderByPath")
		if got.ID != q3.ID {
			t.Errorf("FindFolderByPath: ID=%v, want %v", got.ID, q3.ID)
		}
		if got := mustEnsureFolder(t, st, portalA, "/docs/Q3 reports"); got.ID != q3.ID {
			t.Errorf("EnsureFolder after CreateFolder: ID=%v, want %v", got.ID, q3.ID)
		}
	})

	t.Run("DuplicateIsConflict", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		first, err := st.CreateFolder(ctx, portalA, 0, "docs")
		mustNoErr(t, err, "CreateFolder")
		_, err = st.CreateFolder(ctx, portalA, 0, "docs")
		wantKind(t, err, ferry.Conflict)
		other := mustEnsureFolder(t, st, portalA, "/other")
		if _, err := st.CreateFolder(ctx, portalA, other.ID, "docs"); err != nil {
			t.Errorf("the same name under another parent: %v", err)
		}
		if _, err := st.CreateFolder(ctx, portalB, 0, "docs"); err != nil {
			t.Errorf("the same name in another portal: %v", err)
		}
		if _, err := st.ArchiveFolder(ctx, portalA, first.ID, at(0)); err != nil {
			t.Fatalf("ArchiveFolder: %v", err)
		}
		again, err := st.CreateFolder(ctx, portalA, 0, "docs")
		mustNoErr(t, err, "CreateFolder after archiving the first")
		if again.ID == first.ID {
			t.Errorf("ID=%v, want a new folder", again.ID)
		}
	})

	t.Run("InvalidName", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		for _, name := range []string{"", ".", "..", "a/b", `a\b`, "a\x00b"} {
			_, err := st.CreateFolder(ctx, portalA, 0, name)
			if got := ferry.KindOf(err); err == nil || got != ferry.Invalid {
				t.Errorf("CreateFolder(%q): err=%v, want kind %v", name, err, ferry.Invalid)
			}
		}
	})

	t.Run("UnknownOrForeignParentIsNotFound", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		foreign := mustEnsureFolder(t, st, portalB, "/b")
		for _, parent := range []ferry.FolderID{foreign.ID, foreign.ID + 1000} {
			_, err := st.CreateFolder(ctx, portalA, parent, "x")
			wantKind(t, err, ferry.NotFound)
		}
	})
}

func testFindFolderByPath(t *testing.T, open func(t *testing.T) ferry.Store) {
	ctx := context.Background()
	st := open(t)
	b := mustEnsureFolder(t, st, portalA, "/a/b")
	mustEnsureFolder(t, st, portalB, "/only-b")
	for _, tc := range []struct {
		path string
		want ferry.FolderID // -1: NotFound
	}{
		{"/", 0},
		{"/a/b", b.ID},
		{"a/b/", b.ID},
		{"/a/c", -1},
		{"/a/b/c", -1},
		{"/only-b", -1},
		{"/a/../a/b", -1},
	} {
		got, err := st.FindFolderByPath(ctx, portalA, tc.path)
		switch {
		case tc.want < 0:
			if ferry.KindOf(err) != ferry.NotFound || err == nil {
				t.Errorf("FindFolderByPath(%q): err=%v, want kind %v", tc.path, err, ferry.NotFound)
			}
		case err != nil || got.ID != tc.want:
			t.Errorf("FindFolderByPath(%q)=%v, %v, want folder %v", tc.path, got.ID, err, tc.want)
		}
	}
	root, err := st.FindFolderByPath(ctx, portalA, "/")
	mustNoErr(t, err, "FindFolderByPath(/)")
	if root.Path != "/" {
		t.Errorf("root: Path=%q, want %q", root.Path, "/")
	}
}

func testMoveFolder(t *testing.T, open func(t *testing.T) ferry.Store) {
	ctx := context.Background()

	type bundle struct {
		st                ferry.Store
		a, b, c, bb, x    ferry.Folder
		fileInC, fileInBB ferry.File
	}
	setup := func(t *testing.T) *bundle {
		t.Helper()
		st := open(t)
		bd := &bundle{st: st}
		bd.c = mustEnsureFolder(t, st, portalA, "/a/b/c")
		bd.b = mustEnsureFolder(t, st, portalA, "/a/b")
		bd.a = mustEnsureFolder(t, st, portalA, "/a")
		bd.bb = mustEnsureFolder(t, st, portalA, "/a/bb/d")
		bd.x = mustEnsureFolder(t, st, portalA, "/x")
		bd.fileInC, _ = mustInsertFile(t, st, newFile(portalA, bd.c.ID, "cat", "png", "m1", 1), false)
		bd.fileInBB, _ = mustInsertFile(t, st, newFile(portalA, bd.bb.ID, "dog", "png", "m2", 1), false)
		return bd
	}
	// checkUnmoved checks that refused moves left /a/b/c where it was.
	checkUnmoved := func(t *testing.T, bd *bundle) {
		t.Helper()
		if got := mustFolderPath(t, bd.st, bd.c.ID); got != "/a/b/c" {
			t.Errorf("c: Path=%q after refused moves, want %q", got, "/a/b/c")
		}
	}

	tests := []struct {
		name         string
		parent       func(bd *bundle) ferry.FolderID
		newName      string
		wantB, wantC string
	}{
		{"Rename", func(bd *bundle) ferry.FolderID { return bd.a.ID }, "bee", "/a/bee", "/a/bee/c"},
		{"Move", func(bd *bundle) ferry.FolderID { return bd.x.ID }, "b", "/x/b", "/x/b/c"},
		{"MoveAndRename", func(bd *bundle) ferry.FolderID { return bd.x.ID }, "bee", "/x/bee", "/x/bee/c"},
		{"ToRoot", func(bd *bundle) ferry.FolderID { return 0 }, "b", "/b", "/b/c"},
		{"Unchanged", func(bd *bundle) ferry.FolderID { return bd.a.ID }, "b", "/a/b", "/a/b/c"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			bd := setup(t)
			parent := tc.parent(bd)
			got, err := bd.st.MoveFolder(ctx, portalA, bd.b.ID, parent, tc.newName)
			mustNoErr(t, err, "MoveFolder")
			if got.ID != bd.b.ID || got.Path != tc.wantB || got.Name != tc.newName || got.ParentID != parent {
				t.Errorf("MoveFolder=%+v, want folder %v at %q named %q under %v", got, bd.b.ID, tc.wantB, tc.newName, parent)
			}
			if got := mustFolderPath(t, bd.st, bd.b.ID); got != tc.wantB {
				t.Errorf("b: Path=%q, want %q", got, tc.wantB)
			}
			if got := mustFolderPath(t, bd.st, bd.c.ID); got != tc.wantC {
				t.Errorf("c, below b: Path=%q, want %q", got, tc.wantC)
			}
			if got, want := mustFolderPath(t, bd.st, bd.bb.ID), "/a/bb/d"; got != want {
				t.Errorf("/a/bb/d, beside b: Path=%q, want %q", got, want)
			}
			f, err := bd.st.FindFileByPath(ctx, portalA, tc.wantC+"/cat.png")
			mustNoErr(t, err, "FindFileByPath(moved file)")
			if f.ID != bd.fileInC.ID || f.FolderPath != tc.wantC {
				t.Errorf("moved file: ID, FolderPath=%v, %q, want %v, %q", f.ID, f.FolderPath, bd.fileInC.ID, tc.wantC)
			}
			if tc.wantB != "/a/b" {
				_, err := bd.st.FindFolderByPath(ctx, portalA, "/a/b")
				wantKind(t, err, ferry.NotFound)
			}
		})
	}

	t.Run("IntoItselfIsInvalid", func(t *testing.T) {
		t.Parallel()
		bd := setup(t)
		for _, parent := range []ferry.FolderID{bd.b.ID, bd.c.ID} {
			_, err := bd.st.MoveFolder(ctx, portalA, bd.b.ID, parent, "b")
			wantKind(t, err, ferry.Invalid)
		}
		checkUnmoved(t, bd)
	})

	t.Run("BesideSharedPrefixIsAllowed", func(t *testing.T) {
		t.Parallel()
		bd := setup(t)
		// /a/bb starts with "/a/b" but is not inside /a/b.
		got, err := bd.st.MoveFolder(ctx, portalA, bd.b.ID, bd.bb.ID, "b")
		mustNoErr(t, err, "MoveFolder into /a/bb/d")
		if got.Path != "/a/bb/d/b" {
			t.Errorf("Path=%q, want %q", got.Path, "/a/bb/d/b")
		}
	})

	t.Run("NameTakenIsConflict", func(t *testing.T) {
		t.Parallel()
		bd := setup(t)
		mustEnsureFolder(t, bd.st, portalA, "/x/b")
		_, err := bd.st.MoveFolder(ctx, portalA, bd.b.ID, bd.x.ID, "b")
		wantKind(t, err, ferry.Conflict)
		_, err = bd.st.MoveFolder(ctx, portalA, bd.b.ID, bd.a.ID, "bb")
		wantKind(t, err, ferry.Conflict)
		checkUnmoved(t, bd)
	})

	t.Run("InvalidName", func(t *testing.T) {
		t.Parallel()
		bd := setup(t)
		for _, name := range []string{"", "..", "a/b"} {
			_, err := bd.st.MoveFolder(ctx, portalA, bd.b.ID, bd.a.ID, name)
			if got := ferry.KindOf(err); err == nil || got != ferry.Invalid {
				t.Errorf("MoveFolder(name %q): err=%v, want kind %v", name, err, ferry.Invalid)
			}
		}
	})

	t.Run("UnknownFolderIsNotFound", func(t *testing.T) {
		t.Parallel()
		bd := setup(t)
		foreign := mustEnsureFolder(t, bd.st, portalB, "/foreign")
		for _, id := range []ferry.FolderID{0, foreign.ID, foreign.ID + 1000} {
			_, err := bd.st.MoveFolder(ctx, portalA, id, bd.x.ID, "moved")
			wantKind(t, err, ferry.NotFound)
		}
	})

	// The Store contract: "NotFound if either does not exist".
	t.Run("UnknownParentIsNotFound", func(t *testing.T) {
		t.Parallel()
		bd := setup(t)
		foreign := mustEnsureFolder(t, bd.st, portalB, "/foreign")
		for _, parent := range []ferry.FolderID{foreign.ID, foreign.ID + 1000} {
			_, err := bd.st.MoveFolder(ctx, portalA, bd.b.ID, parent, "b")
			wantKind(t, err, ferry.NotFound)
		}
	})

	t.Run("NonASCIIPaths", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		cafe := mustEnsureFolder(t, st, portalA, "/café")
		sub := mustEnsureFolder(t, st, portalA, "/café/über/ß")
		x := mustEnsureFolder(t, st, portalA, "/x")
		f, _ := mustInsertFile(t, st, newFile(portalA, sub.ID, "menü", "txt", "m", 1), false)
		got, err := st.MoveFolder(ctx, portalA, cafe.ID, x.ID, "café")
		mustNoErr(t, err, "MoveFolder")
		if got.Path != "/x/café" {
			t.Errorf("Path=%q, want %q", got.Path, "/x/café")
		}
		if got, want := mustFolderPath(t, st, sub.ID), "/x/café/über/ß"; got != want {
			t.Errorf("folder below: Path=%q, want %q", got, want)
		}
		if _, err := st.FindFileByPath(ctx, portalA, "/x/café/über/ß/menü.txt"); err != nil {
			t.Errorf("file below: FindFileByPath: %v (file %v)", err, f.ID)
		}
	})
}

func testArchiveFolder(t *testing.T, open func(t *testing.T) ferry.Store) {
	ctx := context.Background()

	t.Run("ArchivesSubtree", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		a := mustEnsureFolder(t, st, portalA, "/a")
		b := mustEnsureFolder(t, st, portalA, "/a/b")
		c := mustEnsureFolder(t, st, portalA, "/a/b/c")
		bb := mustEnsureFolder(t, st, portalA, "/a/bb")
		inB, _ := mustInsertFile(t, st, newFile(portalA, b.ID, "one", "txt", "m", 1), false)
		inC, _ := mustInsertFile(t, st, newFile(portalA, c.ID, "two", "txt", "m", 1), false)
		inC2, _ := mustInsertFile(t, st, newFile(portalA, c.ID, "three", "txt", "m", 1), false)
		inBB, _ := mustInsertFile(t, st, newFile(portalA, bb.ID, "four", "txt", "m", 1), false)
		inA, _ := mustInsertFile(t, st, newFile(portalA, a.ID, "five", "txt", "m", 1), false)
		// Overwriting archives inC before the folder is archived.
		inCNew, _ := mustInsertFile(t, st, newFile(portalA, c.ID, "two", "txt", "m", 1), true)

		archivedAt := at(3 * time.Hour)
		n, err := st.ArchiveFolder(ctx, portalA, b.ID, archivedAt)
		mustNoErr(t, err, "ArchiveFolder")
		// Three live files were in the subtree: inB, inC2 and inCNew.
		if n != 3 {
			t.Errorf("ArchiveFolder=%d, want 3 files", n)
		}
		for _, id := range []ferry.FolderID{b.ID, c.ID} {
			_, err := st.FindFolderByID(ctx, portalA, id)
			wantKind(t, err, ferry.NotFound)
		}
		for _, id := range []ferry.FolderID{a.ID, bb.ID} {
			if _, err := st.FindFolderByID(ctx, portalA, id); err != nil {
				t.Errorf("folder %v outside the subtree: %v", id, err)
			}
		}
		for _, f := range []ferry.File{inB, inC2, inCNew} {
			got, err := st.FindFileByID(ctx, portalA, f.ID)
			mustNoErr(t, err, "FindFileByID")
			if !got.Archived || !got.ArchivedAt.Equal(archivedAt) {
				t.Errorf("file %s: Archived, ArchivedAt=%v, %v, want true, %v", f.Path(), got.Archived, got.ArchivedAt, archivedAt)
			}
		}
		if got, err := st.FindFileByID(ctx, portalA, inC.ID); err != nil || !got.Archived {
			t.Errorf("file archived before: Archived=%v, %v, want true", got.Archived, err)
		}
		for _, f := range []ferry.File{inBB, inA} {
			got, err := st.FindFileByID(ctx, portalA, f.ID)
			mustNoErr(t, err, "FindFileByID")
			if got.Archived {
				t.Errorf("file %s outside the subtree: Archived=true", f.Path())
			}
		}
		again := mustEnsureFolder(t, st, portalA, "/a/b")
		if again.ID == b.ID {
			t.Errorf("EnsureFolder(/a/b) after archiving: ID=%v, want a new folder", again.ID)
		}
	})

	t.Run("UnknownIsNotFound", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		foreign := mustEnsureFolder(t, st, portalB, "/foreign")
		for _, id := range []ferry.FolderID{0, foreign.ID, foreign.ID + 1000} {
			_, err := st.ArchiveFolder(ctx, portalA, id, at(0))
			wantKind(t, err, ferry.NotFound)
		}
		if _, err := st.FindFolderByID(ctx, portalB, foreign.ID); err != nil {
			t.Errorf("foreign folder: %v, want it live", err)
		}
	})

	t.Run("NonASCIIPaths", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		cafe := mustEnsureFolder(t, st, portalA, "/café")
		sub := mustEnsureFolder(t, st, portalA, "/café/über")
		f, _ := mustInsertFile(t, st, newFile(portalA, sub.ID, "menü", "txt", "m", 1), false)
		n, err := st.ArchiveFolder(ctx, portalA, cafe.ID, at(0))
		mustNoErr(t, err, "ArchiveFolder")
		if n != 1 {
			t.Errorf("ArchiveFolder=%d, want 1 file", n)
		}
		_, err = st.FindFolderByID(ctx, portalA, sub.ID)
		wantKind(t, err, ferry.NotFound)
		if got, _ := st.FindFileByID(ctx, portalA, f.ID); !got.Archived {
			t.Errorf("file below: Archived=false, want true")
		}
	})
}

func testSearchFolders(t *testing.T, open func(t *testing.T) ferry.Store) {
	ctx := context.Background()
	st := open(t)
	alpha := mustEnsureFolder(t, st, portalA, "/alpha")
	mustEnsureFolder(t, st, portalA, "/alpha/beta")
	mustEnsureFolder(t, st, portalA, "/gamma")
	mustEnsureFolder(t, st, portalA, "/alpha/betamax")
	gone := mustEnsureFolder(t, st, portalA, "/gone")
	mustEnsureFolder(t, st, portalB, "/alpha/beta/foreign")
	if _, err := st.ArchiveFolder(ctx, portalA, gone.ID, at(0)); err != nil {
		t.Fatalf("ArchiveFolder: %v", err)
	}
	beta, err := st.FindFolderByPath(ctx, portalA, "/alpha/beta")
	mustNoErr(t, err, "FindFolderByPath")

	tests := []struct {
		name     string
		filter   ferry.FolderFilter
		want     []string
		wantMore bool
	}{
		{"All", ferry.FolderFilter{}, []string{"/alpha", "/alpha/beta", "/gamma", "/alpha/betamax"}, false},
		{"NameContains", ferry.FolderFilter{Name: "BETA"}, []string{"/alpha/beta", "/alpha/betamax"}, false},
		{"Parent", ferry.FolderFilter{ParentFolderIDs: []ferry.FolderID{alpha.ID}}, []string{"/alpha/beta", "/alpha/betamax"}, false},
		{"RootChildren", ferry.FolderFilter{ParentFolderIDs: []ferry.FolderID{0}}, []string{"/alpha", "/gamma"}, false},
		{"Path", ferry.FolderFilter{Path: "/alpha/beta"}, []string{"/alpha/beta"}, false},
		{"IDs", ferry.FolderFilter{IDs: []ferry.FolderID{beta.ID, alpha.ID, gone.ID}}, []string{"/alpha", "/alpha/beta"}, false},
		{"IDRange", ferry.FolderFilter{ID: ferry.Range[ferry.FolderID]{Gte: &beta.ID}}, []string{"/alpha/beta", "/gamma", "/alpha/betamax"}, false},
		{"SortByPathDesc", ferry.FolderFilter{Sort: []ferry.SortKey{{Field: "path", Desc: true}}}, []string{"/gamma", "/alpha/betamax", "/alpha/beta", "/alpha"}, false},
		{"FirstPage", ferry.FolderFilter{Page: ferry.Page{Limit: 3}}, []string{"/alpha", "/alpha/beta", "/gamma"}, true},
		{"LastPage", ferry.FolderFilter{Page: ferry.Page{Limit: 3, Offset: 3}}, []string{"/alpha/betamax"}, false},
		{"ExactPage", ferry.FolderFilter{Page: ferry.Page{Limit: 4}}, []string{"/alpha", "/alpha/beta", "/gamma", "/alpha/betamax"}, false},
		{"NoMatch", ferry.FolderFilter{Name: "zeta"}, []string{}, false},
	}
	for _, tc := range tests {
		got, more, err := st.SearchFolders(ctx, portalA, tc.filter)
		if err != nil {
			t.Errorf("%s: SearchFolders: %v", tc.name, err)
			continue
		}
		if paths := folderPaths(got); !reflect.DeepEqual(paths, tc.want) || more != tc.wantMore {
			t.Errorf("%s: SearchFolders=%q, more %v, want %q, more %v", tc.name, paths, more, tc.want, tc.wantMore)
		}
	}
	_, _, err = st.SearchFolders(ctx, portalA, ferry.FolderFilter{Sort: []ferry.SortKey{{Field: "size"}}})
	wantKind(t, err, ferry.Invalid)
}
