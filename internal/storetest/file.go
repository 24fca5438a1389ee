package storetest

import (
	"context"
	"testing"
	"time"

	"ferry/internal/ferry"
)

func testInsertFile(t *testing.T, open func(t *testing.T) ferry.Store) {
	ctx := context.Background()

	t.Run("RoundTrip", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		folder := mustEnsureFolder(t, st, portalA, "/library/cats")
		want, replaced := mustInsertFile(t, st, newFile(portalA, folder.ID, "cat", "png", "aa11", 1234), false)
		if replaced != nil {
			t.Errorf("replaced=%+v, want nil", replaced)
		}
		if want.ID <= 0 {
			t.Fatalf("ID=%v, want a positive id", want.ID)
		}
		if got, wantPath := want.FolderPath, "/library/cats"; got != wantPath {
			t.Errorf("FolderPath=%q, want %q", got, wantPath)
		}
		got, err := st.FindFileByID(ctx, portalA, want.ID)
		mustNoErr(t, err, "FindFileByID")
		checkFile(t, got, want)
		got, err = st.FindFileByPath(ctx, portalA, "/library/cats/cat.png")
		mustNoErr(t, err, "FindFileByPath")
		checkFile(t, got, want)
	})

	// A lookup by path follows every change to the file and its folder (a
	// store may cache these lookups: see sqlstore.CacheReads).
	t.Run("FindFileByPathFollowsChanges", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		folder := mustEnsureFolder(t, st, portalA, "/host")
		f, _ := mustInsertFile(t, st, newFile(portalA, folder.ID, "page", "html", "aa11", 10), false)
		lookup := func(p string) (ferry.File, bool) {
			t.Helper()
			var got ferry.File
			var err error
			for range 2 { // the second lookup may come from a cache
				got, err = st.FindFileByPath(ctx, portalA, p)
				if ferry.KindOf(err) == ferry.NotFound {
					return ferry.File{}, false
				}
				mustNoErr(t, err, "FindFileByPath("+p+")")
			}
			return got, true
		}
		if got, ok := lookup("/host/page.html"); !ok || got.ID != f.ID {
			t.Fatalf("at first: found %v (id %v), want file %v", ok, got.ID, f.ID)
		}
		f.Access = ferry.AccessPublicIndexable
		mustNoErr(t, st.UpdateFile(ctx, &f), "UpdateFile (access)")
		if got, _ := lookup("/host/page.html"); got.Access != ferry.AccessPublicIndexable {
			t.Errorf("after an access change: access %v", got.Access)
		}
		f.Name = "moved"
		mustNoErr(t, st.UpdateFile(ctx, &f), "UpdateFile (name)")
		if _, ok := lookup("/host/page.html"); ok {
			t.Error("after a rename: the old path still finds the file")
		}
		if got, ok := lookup("/host/moved.html"); !ok || got.ID != f.ID {
			t.Errorf("after a rename: the new path found %v", ok)
		}
		if _, err := st.MoveFolder(ctx, portalA, folder.ID, 0, "site"); err != nil {
			t.Fatalf("MoveFolder: %v", err)
		}
		if _, ok := lookup("/host/moved.html"); ok {
			t.Error("after its folder moved: the old path still finds the file")
		}
		if _, ok := lookup("/site/moved.html"); !ok {
			t.Error("after its folder moved: the new path finds nothing")
		}
		_, err := st.ArchiveFolder(ctx, portalA, folder.ID, at(time.Hour))
		mustNoErr(t, err, "ArchiveFolder")
		if _, ok := lookup("/site/moved.html"); ok {
			t.Error("after its folder was archived: the path still finds the file")
		}
	})

	t.Run("AssignsIncreasingIDs", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		var last ferry.FileID
		for _, name := range []string{"b", "a", "c", "a"} {
			f, _ := mustInsertFile(t, st, newFile(portalA, 0, name, "txt", "m-"+name, 1), false)
			if f.ID <= last {
				t.Errorf("InsertFile(%s): ID=%v, want more than %v", name, f.ID, last)
			}
			last = f.ID
		}
	})

	t.Run("RenamesOnCollision", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		folder := mustEnsureFolder(t, st, portalA, "/pics")
		wantNames := []string{"cat", "cat-1", "cat-2"}
		var ids []ferry.FileID
		for i, want := range wantNames {
			f, replaced := mustInsertFile(t, st, newFile(portalA, folder.ID, "cat", "png", "m", int64(i)), false)
			if replaced != nil {
				t.Errorf("insert %d: replaced=%+v, want nil without overwrite", i, replaced)
			}
			if f.Name != want {
				t.Errorf("insert %d: Name=%q, want %q", i, f.Name, want)
			}
			ids = append(ids, f.ID)
		}
		for i, name := range wantNames {
			got, err := st.FindFileByPath(ctx, portalA, "/pics/"+name+".png")
			mustNoErr(t, err, "FindFileByPath("+name+")")
			if got.ID != ids[i] || got.Archived {
				t.Errorf("FindFileByPath(/pics/%s.png): ID, Archived=%v, %v, want %v, false", name, got.ID, got.Archived, ids[i])
			}
		}
	})

	t.Run("NoCollisionAcrossExtensionsOrFolders", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		other := mustEnsureFolder(t, st, portalA, "/other")
		for _, f := range []ferry.File{
			newFile(portalA, 0, "cat", "png", "m1", 1),
			newFile(portalA, 0, "cat", "jpg", "m2", 1),
			newFile(portalA, 0, "cat", "", "m3", 1),
			newFile(portalA, other.ID, "cat", "png", "m4", 1),
			newFile(portalB, 0, "cat", "png", "m5", 1),
		} {
			got, _ := mustInsertFile(t, st, f, false)
			if got.Name != "cat" {
				t.Errorf("InsertFile(%s in folder %v of portal %v): Name=%q, want %q", f.FileName(), f.FolderID, f.Portal, got.Name, "cat")
			}
		}
	})

	t.Run("ExtensionlessNames", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		first, _ := mustInsertFile(t, st, newFile(portalA, 0, "README", "", "m", 1), false)
		second, _ := mustInsertFile(t, st, newFile(portalA, 0, "README", "", "m", 1), false)
		if first.Name != "README" || second.Name != "README-1" {
			t.Errorf("Names=%q, %q, want %q, %q", first.Name, second.Name, "README", "README-1")
		}
		if got, want := first.Path(), "/README"; got != want {
			t.Errorf("Path=%q, want %q", got, want)
		}
		for _, f := range []ferry.File{first, second} {
			got, err := st.FindFileByPath(ctx, portalA, f.Path())
			mustNoErr(t, err, "FindFileByPath("+f.Path()+")")
			checkFile(t, got, f)
		}
	})

	t.Run("OverwriteArchivesOld", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		folder := mustEnsureFolder(t, st, portalA, "/docs")
		old, _ := mustInsertFile(t, st, newFile(portalA, folder.ID, "report", "pdf", "old", 10), false)
		nf := newFile(portalA, folder.ID, "report", "pdf", "new", 20)
		nf.CreatedAt, nf.UpdatedAt = at(time.Hour), at(time.Hour)
		cur, replaced := mustInsertFile(t, st, nf, true)
		if replaced == nil {
			t.Fatalf("replaced=nil, want the old file %v", old.ID)
		}
		if replaced.ID != old.ID || !replaced.Archived {
			t.Errorf("replaced: ID, Archived=%v, %v, want %v, true", replaced.ID, replaced.Archived, old.ID)
		}
		if cur.ID == old.ID || cur.Name != "report" {
			t.Errorf("new file: ID, Name=%v, %q, want a new id and %q", cur.ID, cur.Name, "report")
		}
		got, err := st.FindFileByPath(ctx, portalA, "/docs/report.pdf")
		mustNoErr(t, err, "FindFileByPath")
		if got.ID != cur.ID {
			t.Errorf("FindFileByPath: ID=%v, want the new file %v", got.ID, cur.ID)
		}
		archived, err := st.FindFileByID(ctx, portalA, old.ID)
		mustNoErr(t, err, "FindFileByID(old)")
		if !archived.Archived || archived.ArchivedAt.IsZero() {
			t.Errorf("old file: Archived, ArchivedAt=%v, %v, want true and a time", archived.Archived, archived.ArchivedAt)
		}
		again, replaced := mustInsertFile(t, st, newFile(portalA, folder.ID, "report", "pdf", "third", 30), false)
		if replaced != nil || again.Name != "report-1" {
			t.Errorf("insert after overwrite: Name, replaced=%q, %v, want %q, nil", again.Name, replaced, "report-1")
		}
	})

	// The file InsertFile reports as replaced is the archived file, as a
	// later FindFileByID returns it.
	t.Run("OverwriteReturnsArchivedFile", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		mustInsertFile(t, st, newFile(portalA, 0, "report", "pdf", "old", 10), false)
		nf := newFile(portalA, 0, "report", "pdf", "new", 20)
		nf.CreatedAt, nf.UpdatedAt = at(time.Hour), at(time.Hour)
		_, replaced := mustInsertFile(t, st, nf, true)
		if replaced == nil {
			t.Fatal("replaced=nil, want the old file")
		}
		stored, err := st.FindFileByID(ctx, portalA, replaced.ID)
		mustNoErr(t, err, "FindFileByID(replaced)")
		checkFile(t, *replaced, stored)
	})

	t.Run("OverwriteWithoutCollision", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		mustInsertFile(t, st, newFile(portalA, 0, "a", "txt", "m", 1), false)
		f, replaced := mustInsertFile(t, st, newFile(portalA, 0, "b", "txt", "m", 1), true)
		if replaced != nil || f.Name != "b" {
			t.Errorf("Name, replaced=%q, %+v, want %q, nil", f.Name, replaced, "b")
		}
	})

	t.Run("ForeignOrUnknownFolderIsNotFound", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		foreign := mustEnsureFolder(t, st, portalB, "/b-only")
		archived := mustEnsureFolder(t, st, portalA, "/old")
		_, err := st.ArchiveFolder(ctx, portalA, archived.ID, at(time.Hour))
		mustNoErr(t, err, "ArchiveFolder")
		for _, folder := range []ferry.FolderID{foreign.ID, foreign.ID + 1000, archived.ID} {
			f := newFile(portalA, folder, "x", "txt", "m", 1)
			_, err := st.InsertFile(ctx, &f, false)
			wantKind(t, err, ferry.NotFound)
		}
		// A free name is claimed before its folder is read (on
		// PostgreSQL without the portal lock): nothing is left of it.
		_, err = st.FindDuplicate(ctx, portalA, "m", 1, false, 0)
		wantKind(t, err, ferry.NotFound)
	})
}

func testFindFile(t *testing.T, open func(t *testing.T) ferry.Store) {
	ctx := context.Background()

	t.Run("UnknownIsNotFound", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		f, _ := mustInsertFile(t, st, newFile(portalA, 0, "a", "txt", "m", 1), false)
		_, err := st.FindFileByID(ctx, portalA, f.ID+1000)
		wantKind(t, err, ferry.NotFound)
		for _, p := range []string{"/b.txt", "/a.png", "/a", "/nope/a.txt", "/a.txt/", "/"} {
			_, err := st.FindFileByPath(ctx, portalA, p)
			if got := ferry.KindOf(err); err == nil || got != ferry.NotFound {
				t.Errorf("FindFileByPath(%q): err=%v, want kind %v", p, err, ferry.NotFound)
			}
		}
	})

	t.Run("FindFileByIDReturnsArchived", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		old, _ := mustInsertFile(t, st, newFile(portalA, 0, "a", "txt", "m", 1), false)
		mustInsertFile(t, st, newFile(portalA, 0, "a", "txt", "m", 1), true)
		got, err := st.FindFileByID(ctx, portalA, old.ID)
		mustNoErr(t, err, "FindFileByID(archived)")
		if !got.Archived {
			t.Errorf("Archived=false, want true")
		}
	})

	t.Run("OtherPortalIsInvisible", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		folder := mustEnsureFolder(t, st, portalB, "/secret")
		f, _ := mustInsertFile(t, st, newFile(portalB, folder.ID, "plan", "pdf", "d00d", 99), false)
		_, err := st.FindFileByID(ctx, portalA, f.ID)
		wantKind(t, err, ferry.NotFound)
		_, err = st.FindFileByPath(ctx, portalA, "/secret/plan.pdf")
		wantKind(t, err, ferry.NotFound)
		_, err = st.FindDuplicate(ctx, portalA, "d00d", 99, false, 0)
		wantKind(t, err, ferry.NotFound)
		_, err = st.FindDuplicate(ctx, portalA, "d00d", 99, true, folder.ID)
		wantKind(t, err, ferry.NotFound)
		if _, err := st.FindFileByID(ctx, portalB, f.ID); err != nil {
			t.Errorf("FindFileByID in its own portal: %v", err)
		}
	})
}

func testFindDuplicate(t *testing.T, open func(t *testing.T) ferry.Store) {
	ctx := context.Background()

	type bundle struct {
		st       ferry.Store
		one, two ferry.Folder
		a, b     ferry.File // the same content, in /one and /two
	}
	setup := func(t *testing.T) *bundle {
		t.Helper()
		st := open(t)
		bd := &bundle{st: st, one: mustEnsureFolder(t, st, portalA, "/one"), two: mustEnsureFolder(t, st, portalA, "/two")}
		bd.a, _ = mustInsertFile(t, st, newFile(portalA, bd.one.ID, "a", "bin", "cafe", 10), false)
		bd.b, _ = mustInsertFile(t, st, newFile(portalA, bd.two.ID, "b", "bin", "cafe", 10), false)
		mustInsertFile(t, st, newFile(portalA, 0, "c", "bin", "beef", 10), false)
		return bd
	}

	t.Run("EntirePortal", func(t *testing.T) {
		t.Parallel()
		bd := setup(t)
		got, err := bd.st.FindDuplicate(ctx, portalA, "cafe", 10, false, bd.two.ID)
		mustNoErr(t, err, "FindDuplicate")
		if got.ID != bd.a.ID && got.ID != bd.b.ID {
			t.Errorf("FindDuplicate: ID=%v, want %v or %v", got.ID, bd.a.ID, bd.b.ID)
		}
		if got.MD5 != "cafe" || got.Size != 10 {
			t.Errorf("FindDuplicate: MD5, Size=%q, %v, want %q, 10", got.MD5, got.Size, "cafe")
		}
	})

	t.Run("InFolder", func(t *testing.T) {
		t.Parallel()
		bd := setup(t)
		for _, want := range []ferry.File{bd.a, bd.b} {
			got, err := bd.st.FindDuplicate(ctx, portalA, "cafe", 10, true, want.FolderID)
			mustNoErr(t, err, "FindDuplicate")
			if got.ID != want.ID {
				t.Errorf("FindDuplicate in folder %v: ID=%v, want %v", want.FolderID, got.ID, want.ID)
			}
		}
		_, err := bd.st.FindDuplicate(ctx, portalA, "cafe", 10, true, 0)
		wantKind(t, err, ferry.NotFound)
		got, err := bd.st.FindDuplicate(ctx, portalA, "beef", 10, true, 0)
		mustNoErr(t, err, "FindDuplicate in the root")
		if got.Name != "c" {
			t.Errorf("FindDuplicate in the root: Name=%q, want %q", got.Name, "c")
		}
	})

	t.Run("MD5AndSizeMustMatch", func(t *testing.T) {
		t.Parallel()
		bd := setup(t)
		_, err := bd.st.FindDuplicate(ctx, portalA, "cafe", 11, false, 0)
		wantKind(t, err, ferry.NotFound)
		_, err = bd.st.FindDuplicate(ctx, portalA, "cafd", 10, false, 0)
		wantKind(t, err, ferry.NotFound)
	})

	t.Run("IgnoresArchived", func(t *testing.T) {
		t.Parallel()
		bd := setup(t)
		mustInsertFile(t, bd.st, newFile(portalA, bd.one.ID, "a", "bin", "other", 5), true)
		_, err := bd.st.FindDuplicate(ctx, portalA, "cafe", 10, true, bd.one.ID)
		wantKind(t, err, ferry.NotFound)
	})
}
