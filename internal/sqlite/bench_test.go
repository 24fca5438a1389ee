package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"ferry/internal/ferry"
	"ferry/internal/sqlite"
	"ferry/internal/sqlstore"
)

// benchFiles is how many files the search benchmark stores. Raise it with
// -benchtime or edit it to measure larger portals; 100,000 keeps the setup
// under a minute on the project's two-core machine.
const benchFiles = 100_000

// BenchmarkSearchFiles measures search queries on a portal with many
// files, through the indexes of the schema.
func BenchmarkSearchFiles(b *testing.B) {
	st := seedFiles(b, benchFiles)
	ctx := context.Background()
	size := int64(5000)
	cases := []struct {
		name string
		f    ferry.FileFilter
	}{
		{"FirstPage", ferry.FileFilter{Page: ferry.Page{Limit: 100}}},
		{"DeepPage", ferry.FileFilter{Page: ferry.Page{Limit: 100, Offset: 10000}}},
		{"ByFolder", ferry.FileFilter{ParentFolderIDs: []ferry.FolderID{3}, Page: ferry.Page{Limit: 100}}},
		{"ByMD5", ferry.FileFilter{MD5: fmt.Sprintf("%032x", 77777), Page: ferry.Page{Limit: 10}}},
		{"NameContains", ferry.FileFilter{Name: "file-9999", Page: ferry.Page{Limit: 10}}},
		{"SizeRangeSortedDesc", ferry.FileFilter{Size: ferry.Range[int64]{Gte: &size}, Sort: []ferry.SortKey{{Field: "createdAt", Desc: true}}, Page: ferry.Page{Limit: 100}}},
	}
	// The file host resolves a path on every request it serves.
	b.Run("FindFileByPath", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := st.FindFileByPath(ctx, 1, "/bench/f7/file-77777.txt"); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := st.SearchFiles(ctx, 1, c.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// seedFiles stores n files of portal 1 across ten folders, in batches of
// one transaction each.
func seedFiles(b *testing.B, n int) *sqlstore.Store {
	b.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	st := sqlite.NewStore(db)
	var folders []ferry.FolderID
	for i := range 10 {
		f, err := st.EnsureFolder(ctx, 1, fmt.Sprintf("/bench/f%d", i))
		if err != nil {
			b.Fatal(err)
		}
		folders = append(folders, f.ID)
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i += 1000 {
		err := st.Atomic(ctx, func(tx ferry.Store) error {
			for j := i; j < min(i+1000, n); j++ {
				at := start.Add(time.Duration(j) * time.Second)
				f := &ferry.File{Portal: 1, FolderID: folders[j%10], Name: fmt.Sprintf("file-%d", j), Extension: "txt",
					Access: ferry.AccessPublicIndexable, Size: int64(j % 10000), Type: "DOCUMENT", Encoding: "txt",
					ContentType: "text/plain", MD5: fmt.Sprintf("%032x", j), IsUsableInContent: true, SourceGroup: "CONTENT",
					BlobKey: fmt.Sprintf("k/%d", j), CreatedAt: at, UpdatedAt: at}
				if _, err := tx.InsertFile(ctx, f, false); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return st
}
