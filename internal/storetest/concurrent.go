package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"ferry/internal/ferry"
)

// testConcurrentWriters runs writers that look a name up and then insert
// it at the same time: on a database whose transactions run side by side,
// both may miss the name and collide on a unique index unless the store
// serialises them.
func testConcurrentWriters(t *testing.T, open func(t *testing.T) ferry.Store) {
	ctx := context.Background()
	st := open(t)
	const writers = 8
	var wg sync.WaitGroup
	errs := make(chan error, 2*writers)
	names := make(chan string, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			folder, err := st.EnsureFolder(ctx, portalA, "/race/deep/path")
			if err != nil {
				errs <- fmt.Errorf("EnsureFolder %d: %w", i, err)
				return
			}
			f := newFile(portalA, folder.ID, "same", "txt", fmt.Sprintf("m%d", i), int64(i))
			if _, err := st.InsertFile(ctx, &f, false); err != nil {
				errs <- fmt.Errorf("InsertFile %d: %w", i, err)
				return
			}
			names <- f.FileName()
		}()
	}
	wg.Wait()
	close(errs)
	close(names)
	for err := range errs {
		t.Error(err)
	}
	seen := map[string]bool{}
	for n := range names {
		if seen[n] {
			t.Errorf("two files got the name %q", n)
		}
		seen[n] = true
	}
	if len(seen) != writers {
		t.Errorf("%d distinct names, want %d", len(seen), writers)
	}
	folders, _, err := st.SearchFolders(ctx, portalA, ferry.FolderFilter{Path: "/race/deep/path", Page: ferry.Page{Limit: 10}})
	mustNoErr(t, err, "SearchFolders")
	if len(folders) != 1 {
		t.Errorf("folders at /race/deep/path: %d, want exactly 1", len(folders))
	}
}
