// Package storetest is the conformance suite that every ferry.Store must
// pass. An implementation's tests call Run with a function that opens a
// fresh, empty store.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"ferry/internal/ferry"
)

// Run tests the behavioural contract of ferry.Store. open must return a
// fresh, empty store for each call; it is called once per subtest, and
// subtests run in parallel.
func Run(t *testing.T, open func(t *testing.T) ferry.Store) {
	t.Run("Token", func(t *testing.T) { t.Parallel(); testToken(t, open) })
	t.Run("Folder", func(t *testing.T) { t.Parallel(); testFolder(t, open) })
	t.Run("InsertFile", func(t *testing.T) { t.Parallel(); testInsertFile(t, open) })
	t.Run("FindFile", func(t *testing.T) { t.Parallel(); testFindFile(t, open) })
	t.Run("FindDuplicate", func(t *testing.T) { t.Parallel(); testFindDuplicate(t, open) })
	t.Run("UpdateFile", func(t *testing.T) { t.Parallel(); testUpdateFile(t, open) })
	t.Run("DeleteFile", func(t *testing.T) { t.Parallel(); testDeleteFile(t, open) })
	t.Run("SearchFiles", func(t *testing.T) { t.Parallel(); testSearchFiles(t, open) })
	t.Run("SearchNameIgnoresCase", func(t *testing.T) { t.Parallel(); testSearchNameIgnoresCase(t, open) })
	t.Run("SearchNameFollowsChanges", func(t *testing.T) { t.Parallel(); testSearchNameFollowsChanges(t, open) })
	t.Run("ListExpiredFiles", func(t *testing.T) { t.Parallel(); testListExpiredFiles(t, open) })
	t.Run("CreateFolder", func(t *testing.T) { t.Parallel(); testCreateFolder(t, open) })
	t.Run("FindFolderByPath", func(t *testing.T) { t.Parallel(); testFindFolderByPath(t, open) })
	t.Run("MoveFolder", func(t *testing.T) { t.Parallel(); testMoveFolder(t, open) })
	t.Run("ArchiveFolder", func(t *testing.T) { t.Parallel(); testArchiveFolder(t, open) })
	t.Run("SearchFolders", func(t *testing.T) { t.Parallel(); testSearchFolders(t, open) })
	t.Run("Task", func(t *testing.T) { t.Parallel(); testTask(t, open) })
	t.Run("TaskVersions", func(t *testing.T) { t.Parallel(); testTaskVersions(t, open) })
	t.Run("ListTasks", func(t *testing.T) { t.Parallel(); testListTasks(t, open) })
	t.Run("ListUnfinishedTasks", func(t *testing.T) { t.Parallel(); testListUnfinishedTasks(t, open) })
	t.Run("TaskHeartbeat", func(t *testing.T) { t.Parallel(); testTaskHeartbeat(t, open) })
	t.Run("DeleteTasksFinishedBefore", func(t *testing.T) { t.Parallel(); testDeleteTasksFinishedBefore(t, open) })
	t.Run("Atomic", func(t *testing.T) { t.Parallel(); testAtomic(t, open) })
	t.Run("Setting", func(t *testing.T) { t.Parallel(); testSetting(t, open) })
	t.Run("TokenListAndDelete", func(t *testing.T) { t.Parallel(); testTokenListAndDelete(t, open) })
	t.Run("Session", func(t *testing.T) { t.Parallel(); testSession(t, open) })
	t.Run("ConcurrentWriters", func(t *testing.T) { t.Parallel(); testConcurrentWriters(t, open) })
	t.Run("Events", func(t *testing.T) { t.Parallel(); testEvents(t, open) })
	t.Run("Webhooks", func(t *testing.T) { t.Parallel(); testWebhooks(t, open) })
}

// The portals the suite works in.
const (
	portalA ferry.PortalID = 101
	portalB ferry.PortalID = 202
)

// base is a fixed, millisecond-aligned time that test data hangs off.
var base = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// Now is the clock a store under test must run on: the suite's data hangs
// off a fixed time, and what counts as expired depends on the store's now.
func Now() time.Time { return base }

// at returns base plus d.
func at(d time.Duration) time.Time { return base.Add(d) }

// errTest is returned by functions that make Atomic roll back.
var errTest = errors.New("storetest: deliberate failure")

// wantKind fails unless err is a *ferry.Error of kind want.
func wantKind(tb testing.TB, err error, want ferry.Kind) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("err=nil, want kind %v", want)
	}
	if got := ferry.KindOf(err); got != want {
		tb.Fatalf("KindOf(err)=%v, want %v (err: %v)", got, want, err)
	}
}

// mustNoErr fails if err is not nil.
func mustNoErr(tb testing.TB, err error, what string) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
}

func mustEnsureFolder(tb testing.TB, st ferry.Store, portal ferry.PortalID, path string) ferry.Folder {
	tb.Helper()
	f, err := st.EnsureFolder(context.Background(), portal, path)
	mustNoErr(tb, err, "EnsureFolder("+path+")")
	return f
}

// newFile returns a file in folder with every field of its metadata set.
func newFile(portal ferry.PortalID, folder ferry.FolderID, name, ext, md5 string, size int64) ferry.File {
	return ferry.File{
		Portal: portal, FolderID: folder, Name: name, Extension: ext,
		Access: ferry.AccessPublicNotIndexable, Size: size, Width: 640, Height: 480,
		Type: "IMG", Encoding: "png", ContentType: "image/png", MD5: md5,
		IsUsableInContent: true, SourceGroup: "CONTENT", BlobKey: "files/" + name + "." + ext + "/" + md5,
		CreatedAt: at(time.Minute), UpdatedAt: at(2 * time.Minute), ExpiresAt: at(48 * time.Hour),
	}
}

func mustInsertFile(tb testing.TB, st ferry.Store, f ferry.File, overwrite bool) (ferry.File, *ferry.File) {
	tb.Helper()
	replaced, err := st.InsertFile(context.Background(), &f, overwrite)
	mustNoErr(tb, err, "InsertFile("+f.FileName()+")")
	return f, replaced
}

// checkFile compares two files field by field (checkFields).
func checkFile(tb testing.TB, got, want ferry.File) {
	tb.Helper()
	checkFields(tb, fmt.Sprintf("file %d", want.ID), got, want)
}

// checkTask compares two tasks field by field (checkFields).
func checkTask(tb testing.TB, got, want ferry.Task) {
	tb.Helper()
	checkFields(tb, "task "+string(want.ID), got, want)
}

// checkFields compares two structs: their time fields with Equal (a
// database gives a time back in another location and without a monotonic
// reading), the rest with reflect.DeepEqual.
func checkFields[T any](tb testing.TB, what string, got, want T) {
	tb.Helper()
	g, w := reflect.ValueOf(&got).Elem(), reflect.ValueOf(&want).Elem()
	timeType := reflect.TypeFor[time.Time]()
	for i := range g.NumField() {
		if g.Field(i).Type() != timeType {
			continue
		}
		gt, wt := g.Field(i).Interface().(time.Time), w.Field(i).Interface().(time.Time)
		if !gt.Equal(wt) {
			tb.Errorf("%s: %s=%v, want %v", what, g.Type().Field(i).Name, gt, wt)
		}
		g.Field(i).Set(reflect.Zero(timeType))
		w.Field(i).Set(reflect.Zero(timeType))
	}
	if !reflect.DeepEqual(got, want) {
		tb.Errorf("%s=%+v\nwant %+v", what, got, want)
	}
}

func taskIDs(tasks []ferry.Task) []ferry.TaskID {
	ids := []ferry.TaskID{}
	for _, t := range tasks {
		ids = append(ids, t.ID)
	}
	return ids
}
