package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"ferry/internal/ferry"
)

func fileNames(files []ferry.File) []string {
	out := []string{}
	for _, f := range files {
		out = append(out, f.FileName())
	}
	return out
}

func testUpdateFile(t *testing.T, open func(t *testing.T) ferry.Store) {
	ctx := context.Background()

	t.Run("SavesMutableFields", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		dest := mustEnsureFolder(t, st, portalA, "/dest")
		orig, _ := mustInsertFile(t, st, newFile(portalA, 0, "cat", "png", "m1", 10), false)
		upd := orig
		upd.FolderID, upd.Name, upd.Extension = dest.ID, "kitten", "jpg"
		upd.Access, upd.IsUsableInContent = ferry.AccessHiddenPrivate, false
		upd.Size, upd.Width, upd.Height, upd.MD5, upd.BlobKey = 99, 1, 2, "m2", "files/other"
		upd.Type, upd.Encoding, upd.ContentType = "DOCUMENT", "jpeg", "image/jpeg"
		upd.UpdatedAt, upd.ExpiresAt = at(time.Hour), time.Time{}
		mustNoErr(t, st.UpdateFile(ctx, &upd), "UpdateFile")
		if upd.FolderPath != "/dest" {
			t.Errorf("FolderPath=%q, want %q", upd.FolderPath, "/dest")
		}
		got, err := st.FindFileByID(ctx, portalA, orig.ID)
		mustNoErr(t, err, "FindFileByID")
		checkFile(t, got, upd)
		if _, err := st.FindFileByPath(ctx, portalA, "/dest/kitten.jpg"); err != nil {
			t.Errorf("FindFileByPath(new path): %v", err)
		}
		_, err = st.FindFileByPath(ctx, portalA, "/cat.png")
		wantKind(t, err, ferry.NotFound)
	})

	t.Run("Archive", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		f, _ := mustInsertFile(t, st, newFile(portalA, 0, "cat", "png", "m1", 10), false)
		f.Archived, f.ArchivedAt, f.UpdatedAt = true, at(time.Hour), at(time.Hour)
		mustNoErr(t, st.UpdateFile(ctx, &f), "UpdateFile")
		got, err := st.FindFileByID(ctx, portalA, f.ID)
		mustNoErr(t, err, "FindFileByID")
		checkFile(t, got, f)
		_, err = st.FindFileByPath(ctx, portalA, "/cat.png")
		wantKind(t, err, ferry.NotFound)
		_, err = st.FindDuplicate(ctx, portalA, "m1", 10, false, 0)
		wantKind(t, err, ferry.NotFound)
	})

	t.Run("NameTakenIsConflict", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		mustInsertFile(t, st, newFile(portalA, 0, "a", "txt", "m", 1), false)
		b, _ := mustInsertFile(t, st, newFile(portalA, 0, "b", "txt", "m", 1), false)
		upd := b
		upd.Name = "a"
		wantKind(t, st.UpdateFile(ctx, &upd), ferry.Conflict)
		got, err := st.FindFileByID(ctx, portalA, b.ID)
		mustNoErr(t, err, "FindFileByID")
		if got.Name != "b" {
			t.Errorf("after the conflict: Name=%q, want %q", got.Name, "b")
		}
		upd.Extension = "md" // a.md is free
		mustNoErr(t, st.UpdateFile(ctx, &upd), "UpdateFile(a.md)")
	})

	t.Run("UnknownIsNotFound", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		f, _ := mustInsertFile(t, st, newFile(portalA, 0, "a", "txt", "m", 1), false)
		foreignFolder := mustEnsureFolder(t, st, portalB, "/b")
		for _, tc := range []struct {
			name   string
			change func(f *ferry.File)
		}{
			{"UnknownID", func(f *ferry.File) { f.ID += 1000 }},
			{"ForeignPortal", func(f *ferry.File) { f.Portal = portalB }},
			{"UnknownFolder", func(f *ferry.File) { f.FolderID = foreignFolder.ID + 1000 }},
			{"ForeignFolder", func(f *ferry.File) { f.FolderID = foreignFolder.ID }},
		} {
			upd := f
			upd.Name = "changed"
			tc.change(&upd)
			if err := st.UpdateFile(ctx, &upd); ferry.KindOf(err) != ferry.NotFound || err == nil {
				t.Errorf("%s: err=%v, want kind %v", tc.name, err, ferry.NotFound)
			}
		}
		got, err := st.FindFileByID(ctx, portalA, f.ID)
		mustNoErr(t, err, "FindFileByID")
		if got.Name != "a" || got.FolderID != 0 {
			t.Errorf("after refused updates: Name, FolderID=%q, %v, want %q, 0", got.Name, got.FolderID, "a")
		}
	})
}

func testDeleteFile(t *testing.T, open func(t *testing.T) ferry.Store) {
	ctx := context.Background()
	st := open(t)
	f, _ := mustInsertFile(t, st, newFile(portalA, 0, "a", "txt", "m", 1), false)
	other, _ := mustInsertFile(t, st, newFile(portalB, 0, "a", "txt", "m", 1), false)

	wantKind(t, st.DeleteFile(ctx, portalA, other.ID), ferry.NotFound)
	if _, err := st.FindFileByID(ctx, portalB, other.ID); err != nil {
		t.Errorf("foreign file after a refused delete: %v", err)
	}
	mustNoErr(t, st.DeleteFile(ctx, portalA, f.ID), "DeleteFile")
	_, err := st.FindFileByID(ctx, portalA, f.ID)
	wantKind(t, err, ferry.NotFound)
	_, err = st.FindFileByPath(ctx, portalA, "/a.txt")
	wantKind(t, err, ferry.NotFound)
	wantKind(t, st.DeleteFile(ctx, portalA, f.ID), ferry.NotFound)

	// An archived file can be deleted too.
	old, _ := mustInsertFile(t, st, newFile(portalA, 0, "b", "txt", "m", 1), false)
	mustInsertFile(t, st, newFile(portalA, 0, "b", "txt", "m", 1), true)
	mustNoErr(t, st.DeleteFile(ctx, portalA, old.ID), "DeleteFile(archived)")
	if _, err := st.FindFileByPath(ctx, portalA, "/b.txt"); err != nil {
		t.Errorf("the live file after deleting its archived predecessor: %v", err)
	}
}

func testListExpiredFiles(t *testing.T, open func(t *testing.T) ferry.Store) {
	ctx := context.Background()
	st := open(t)
	cutoff := at(24 * time.Hour)
	expiring := func(portal ferry.PortalID, name string, expires time.Time) ferry.File {
		f := newFile(portal, 0, name, "txt", "m-"+name, 1)
		f.ExpiresAt = expires
		return f
	}
	mustInsertFile(t, st, expiring(portalA, "later", cutoff.Add(time.Millisecond)), false)
	mustInsertFile(t, st, expiring(portalA, "at-cutoff", cutoff), false)
	mustInsertFile(t, st, expiring(portalA, "never", time.Time{}), false)
	mustInsertFile(t, st, expiring(portalB, "foreign-early", cutoff.Add(-2*time.Hour)), false)
	mustInsertFile(t, st, expiring(portalA, "early", cutoff.Add(-time.Hour)), false)
	mustInsertFile(t, st, expiring(portalA, "archived", cutoff.Add(-3*time.Hour)), false)
	mustInsertFile(t, st, expiring(portalA, "archived", time.Time{}), true)

	got, err := st.ListExpiredFiles(ctx, cutoff, 10)
	mustNoErr(t, err, "ListExpiredFiles")
	names := fileNames(got)
	// An archived file that expires is deleted for good too.
	want := []string{"foreign-early.txt", "early.txt", "at-cutoff.txt", "archived.txt"}
	if !sameSet(names, want) {
		t.Errorf("ListExpiredFiles=%q, want %q in any order", names, want)
	}
	got, err = st.ListExpiredFiles(ctx, cutoff, 2)
	mustNoErr(t, err, "ListExpiredFiles(limit 2)")
	if len(got) != 2 {
		t.Errorf("ListExpiredFiles(limit 2): %d files, want 2", len(got))
	}
	got, err = st.ListExpiredFiles(ctx, at(0), 10)
	mustNoErr(t, err, "ListExpiredFiles(early)")
	if len(got) != 0 {
		t.Errorf("ListExpiredFiles before any expiry=%q, want none", fileNames(got))
	}
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	count := map[string]int{}
	for _, s := range a {
		count[s]++
	}
	for _, s := range b {
		count[s]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return true
}

func testSearchFiles(t *testing.T, open func(t *testing.T) ferry.Store) {
	ctx := context.Background()
	st := open(t)
	pics := mustEnsureFolder(t, st, portalA, "/pics")
	docs := mustEnsureFolder(t, st, portalA, "/docs")
	add := func(portal ferry.PortalID, folder ferry.FolderID, name, ext string, size int64, change func(f *ferry.File)) ferry.File {
		f := newFile(portal, folder, name, ext, "md5-"+name, size)
		f.CreatedAt = at(time.Duration(size) * time.Minute)
		if change != nil {
			change(&f)
		}
		got, _ := mustInsertFile(t, st, f, false)
		return got
	}
	cat := add(portalA, pics.ID, "cat", "png", 30, nil)
	dog := add(portalA, pics.ID, "dog", "jpg", 10, func(f *ferry.File) { f.Width, f.Height = 100, 50 })
	add(portalA, docs.ID, "report", "pdf", 20, func(f *ferry.File) {
		f.Type, f.Width, f.Height, f.Access, f.IsUsableInContent = "DOCUMENT", 0, 0, ferry.AccessPrivate, false
	})
	add(portalA, 0, "readme", "", 40, func(f *ferry.File) { f.Type, f.Access, f.ExpiresAt = "DOCUMENT", ferry.AccessSensitive, time.Time{} })
	add(portalA, pics.ID, "concatenate", "png", 50, func(f *ferry.File) { f.ExpiresAt = at(time.Hour) })
	add(portalA, pics.ID, "hidden", "png", 60, func(f *ferry.File) { f.Access = ferry.AccessHiddenIndexable })
	add(portalA, pics.ID, "hidden-private", "png", 61, func(f *ferry.File) { f.Access = ferry.AccessHiddenPrivate })
	add(portalB, 0, "cat", "png", 30, nil)
	old := add(portalA, docs.ID, "old", "txt", 70, nil)
	mustInsertFile(t, st, newFile(portalA, docs.ID, "old", "txt", "md5-new", 1), true) // archives old
	live, _ := st.FindFileByPath(ctx, portalA, "/docs/old.txt")
	if live.ID == old.ID {
		t.Fatal("setup: old.txt was not replaced")
	}
	// The live old.txt has size 1 and was created at at(1m).
	tru, fls := true, false
	size := func(n int64) *int64 { return &n }
	tests := []struct {
		name     string
		filter   ferry.FileFilter
		want     []string
		wantMore bool
	}{
		{"All", ferry.FileFilter{}, []string{"cat.png", "dog.jpg", "report.pdf", "readme", "concatenate.png", "old.txt"}, false},
		{"NameContainsAnyCase", ferry.FileFilter{Name: "CAT"}, []string{"cat.png", "concatenate.png"}, false},
		{"NameIsLiteral", ferry.FileFilter{Name: "c_t"}, []string{}, false},
		{"Extension", ferry.FileFilter{Extension: "PNG"}, []string{"cat.png", "concatenate.png"}, false},
		{"Type", ferry.FileFilter{Type: "document"}, []string{"report.pdf", "readme"}, false},
		{"MD5", ferry.FileFilter{MD5: "md5-dog"}, []string{"dog.jpg"}, false},
		{"FullPath", ferry.FileFilter{Path: "/pics/cat.png"}, []string{"cat.png"}, false},
		{"RootFilePath", ferry.FileFilter{Path: "/readme"}, []string{"readme"}, false},
		{"FolderPath", ferry.FileFilter{Path: "/pics"}, []string{"cat.png", "dog.jpg", "concatenate.png"}, false},
		{"RootFolderPath", ferry.FileFilter{Path: "/"}, []string{"readme"}, false},
		{"ParentFolders", ferry.FileFilter{ParentFolderIDs: []ferry.FolderID{docs.ID, 0}}, []string{"report.pdf", "readme", "old.txt"}, false},
		{"IDs", ferry.FileFilter{IDs: []ferry.FileID{dog.ID, cat.ID, old.ID}}, []string{"cat.png", "dog.jpg"}, false},
		{"SizeRange", ferry.FileFilter{Size: ferry.Range[int64]{Gte: size(20), Lte: size(40)}}, []string{"cat.png", "report.pdf", "readme"}, false},
		{"SizeEq", ferry.FileFilter{Size: ferry.Range[int64]{Eq: size(10)}}, []string{"dog.jpg"}, false},
		{"Width", ferry.FileFilter{Width: ferry.Range[int]{Eq: &dog.Width}}, []string{"dog.jpg"}, false},
		{"CreatedAt", ferry.FileFilter{CreatedAt: ferry.Range[time.Time]{Lte: ptrTime(at(20 * time.Minute))}}, []string{"dog.jpg", "report.pdf", "old.txt"}, false},
		{"ExpiresAt", ferry.FileFilter{ExpiresAt: ferry.Range[time.Time]{Lte: ptrTime(at(2 * time.Hour))}}, []string{"concatenate.png"}, false},
		{"NotUsable", ferry.FileFilter{IsUsableInContent: &fls}, []string{"report.pdf"}, false},
		{"Anonymous", ferry.FileFilter{AllowsAnonymous: &tru, Extension: "png"}, []string{"cat.png", "concatenate.png"}, false},
		{"NotAnonymous", ferry.FileFilter{AllowsAnonymous: &fls}, []string{"report.pdf", "readme"}, false},
		{"SortBySizeDesc", ferry.FileFilter{Sort: []ferry.SortKey{{Field: "size", Desc: true}}}, []string{"concatenate.png", "readme", "cat.png", "report.pdf", "dog.jpg", "old.txt"}, false},
		{"SortByExtensionThenID", ferry.FileFilter{Sort: []ferry.SortKey{{Field: "extension"}}, Path: "/pics"}, []string{"dog.jpg", "cat.png", "concatenate.png"}, false},
		{"FirstPage", ferry.FileFilter{Page: ferry.Page{Limit: 4}}, []string{"cat.png", "dog.jpg", "report.pdf", "readme"}, true},
		{"LastPage", ferry.FileFilter{Page: ferry.Page{Limit: 4, Offset: 4}}, []string{"concatenate.png", "old.txt"}, false},
		{"ExactPage", ferry.FileFilter{Page: ferry.Page{Limit: 6}}, []string{"cat.png", "dog.jpg", "report.pdf", "readme", "concatenate.png", "old.txt"}, false},
	}
	for _, tc := range tests {
		got, more, err := st.SearchFiles(ctx, portalA, tc.filter)
		if err != nil {
			t.Errorf("%s: SearchFiles: %v", tc.name, err)
			continue
		}
		if names := fileNames(got); !reflect.DeepEqual(names, tc.want) || more != tc.wantMore {
			t.Errorf("%s: SearchFiles=%q, more %v, want %q, more %v", tc.name, names, more, tc.want, tc.wantMore)
		}
	}
	_, _, err := st.SearchFiles(ctx, portalA, ferry.FileFilter{Sort: []ferry.SortKey{{Field: "md5"}}})
	wantKind(t, err, ferry.Invalid)
}

func ptrTime(t time.Time) *time.Time { return &t }

// Names are matched case-insensitively beyond ASCII too: HubSpot portals
// hold names in every language.
func testSearchNameIgnoresCase(t *testing.T, open func(t *testing.T) ferry.Store) {
	ctx := context.Background()
	st := open(t)
	folder := mustEnsureFolder(t, st, portalA, "/Über Fotos")
	mustInsertFile(t, st, newFile(portalA, folder.ID, "Ärger im ÜBERBLICK", "png", "m", 1), false)
	for _, q := range []string{"überblick", "ÄRGER", "ärger im üBERBLICK", "blick"} {
		got, _, err := st.SearchFiles(ctx, portalA, ferry.FileFilter{Name: q})
		if err != nil || len(got) != 1 {
			t.Errorf("SearchFiles(name %q)=%q, %v, want the one file", q, fileNames(got), err)
		}
	}
	for _, q := range []string{"über", "FOTOS"} {
		got, _, err := st.SearchFolders(ctx, portalA, ferry.FolderFilter{Name: q})
		if err != nil || len(got) != 1 {
			t.Errorf("SearchFolders(name %q)=%q, %v, want the one folder", q, folderPaths(got), err)
		}
	}
}

// A name search finds a file by its name of the moment: after a rename
// (the old name no longer matches) and not after a delete, however the
// store indexes names.
func testSearchNameFollowsChanges(t *testing.T, open func(t *testing.T) ferry.Store) {
	ctx := context.Background()
	st := open(t)
	f, _ := mustInsertFile(t, st, newFile(portalA, 0, "quarterly-report", "pdf", "m1", 1), false)
	gone, _ := mustInsertFile(t, st, newFile(portalA, 0, "quarterly-draft", "pdf", "m2", 1), false)
	f.Name = "annual-summary"
	mustNoErr(t, st.UpdateFile(ctx, &f), "UpdateFile")
	mustNoErr(t, st.DeleteFile(ctx, portalA, gone.ID), "DeleteFile")
	for q, want := range map[string][]string{"quarterly": {}, "annual": {"annual-summary.pdf"}, "SUMMARY": {"annual-summary.pdf"}, "mary": {"annual-summary.pdf"}} {
		got, _, err := st.SearchFiles(ctx, portalA, ferry.FileFilter{Name: q})
		if names := fileNames(got); err != nil || !reflect.DeepEqual(names, want) {
			t.Errorf("SearchFiles(name %q)=%q, %v, want %q", q, names, err, want)
		}
	}
}
