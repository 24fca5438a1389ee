package console_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gocloud.dev/blob/memblob"

	"ferry/internal/console"
	"ferry/internal/ferry"
	"ferry/internal/files"
	"ferry/internal/sqlite"
	"ferry/internal/sqlstore"
)

// bigFolder is how many files the paging tests and benchmarks put in one
// folder: the 10,000.
const bigFolder = 10000

// fixture is a console on SQLite and an in-memory bucket, with one
// signed-in session and a folder of bigFolder files.
type fixture struct {
	console *console.Console
	files   *files.Service
	cookie  *http.Cookie
	folder  ferry.Folder
}

func setup(tb testing.TB) *fixture {
	tb.Helper()
	f, st := newFixture(tb, nil)
	f.folder = fillFolder(tb, st)
	return f
}

// newFixture is a signed-in console on an empty portal, on clock (nil:
// the system clock).
func newFixture(tb testing.TB, clock ferry.Clock) (*fixture, *sqlstore.Store) {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "ferry.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	st := sqlite.NewStore(db)
	svc := files.New(st, memblob.OpenBucket(nil), slog.New(slog.DiscardHandler), clock)
	c, err := console.New(slog.New(slog.DiscardHandler), console.Services{Auth: ferry.StoreAuthenticator{Store: st}, Sessions: st, Files: svc},
		console.Options{PublicURL: "http://ferry.test", FileURL: func(*ferry.File) string { return "" }, Clock: clock})
	if err != nil {
		tb.Fatal(err)
	}
	f := &fixture{console: c, files: svc}
	f.cookie = signIn(tb, c, st)
	return f, st
}

// fillFolder puts bigFolder files in /big, in one transaction.
func fillFolder(tb testing.TB, st *sqlstore.Store) ferry.Folder {
	tb.Helper()
	ctx := context.Background()
	var folder ferry.Folder
	err := st.Atomic(ctx, func(tx ferry.Store) error {
		var err error
		if folder, err = tx.EnsureFolder(ctx, 1, "/big"); err != nil {
			return err
		}
		now := time.Now()
		for i := range bigFolder {
			f := ferry.File{Portal: 1, FolderID: folder.ID, FolderPath: "/big", Name: fmt.Sprintf("file-%05d", i), Extension: "txt",
				Access: ferry.AccessPrivate, Size: int64(i), Type: "DOCUMENT", ContentType: "text/plain", MD5: fmt.Sprintf("%032x", i),
				IsUsableInContent: true, SourceGroup: "CONTENT", BlobKey: fmt.Sprintf("k%d", i), CreatedAt: now, UpdatedAt: now}
			if _, err := tx.InsertFile(ctx, &f, false); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("fill /big: %v", err)
	}
	return folder
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn signs in with a fresh token through the sign-in form.
func signIn(tb testing.TB, c *console.Console, st *sqlstore.Store) *http.Cookie {
	tb.Helper()
	secret := ferry.NewTokenSecret()
	if err := st.CreateToken(context.Background(), ferry.Token{Hash: ferry.HashToken(secret), Portal: 1, Scopes: ferry.AllScopes, CreatedAt: time.Now()}); err != nil {
		tb.Fatal(err)
	}
	form := httptest.NewRecorder()
	c.ServeHTTP(form, httptest.NewRequest("GET", "/console/signin", nil))
	m := csrfRE.FindStringSubmatch(form.Body.String())
	if m == nil {
		tb.Fatalf("no CSRF token on the sign-in page")
	}
	req := httptest.NewRequest("POST", "/console/signin", strings.NewReader("token="+secret+"&csrf="+m[1]))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, ck := range form.Result().Cookies() {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	c.ServeHTTP(rec, req)
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == "ferry_console" && ck.Value != "" {
			return ck
		}
	}
	tb.Fatalf("sign-in set no session cookie: %d %s", rec.Code, rec.Body)
	return nil
}

// get renders a console page as the signed-in visitor.
func (f *fixture) get(tb testing.TB, path string) (int, string) {
	tb.Helper()
	req := httptest.NewRequest("GET", path, nil)
	req.AddCookie(f.cookie)
	rec := httptest.NewRecorder()
	f.console.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Body)
	return rec.Code, string(b)
}

// TestBrowseTenThousand pages through a folder of 10,000 files: every page
// has its 100 files, the last has no next page, and none past it exists.
func TestBrowseTenThousand(t *testing.T) {
	t.Parallel()
	f := setup(t)
	code, page := f.get(t, "/console/browse?path=/big")
	if code != http.StatusOK || strings.Count(page, `<a href="/console/files/`) != 100 || !strings.Contains(page, ">file-00000.txt<") {
		t.Fatalf("page 1: %d with %d file links, want 200 with 100 starting at file-00000", code, strings.Count(page, `<a href="/console/files/`))
	}
	if !strings.Contains(page, `rel="next"`) || strings.Contains(page, `rel="prev"`) {
		t.Errorf("page 1 should link to the next page only")
	}
	code, page = f.get(t, "/console/browse?path=/big&sort=size&desc=1&page=100")
	if code != http.StatusOK || !strings.Contains(page, ">file-00099.txt<") || !strings.Contains(page, ">file-00000.txt<") || strings.Contains(page, `rel="next"`) {
		t.Errorf("page 100 by size, descending: %d; want the 100 smallest files and no next page", code)
	}
	if code, _ = f.get(t, "/console/browse?path=/big&page=102"); code != http.StatusBadRequest {
		t.Errorf("page 102: %d, want 400 (past the search offset limit)", code)
	}
	if code, _ = f.get(t, "/console/browse?path=/nowhere"); code != http.StatusNotFound {
		t.Errorf("a missing folder: %d, want 404", code)
	}
}

// TestSessionExpires checks that a session ends after SessionTTL, and
// that the cookie alone never brings it back.
func TestSessionExpires(t *testing.T) {
	t.Parallel()
	now := time.Now()
	f, _ := newFixture(t, ferry.ClockFunc(func() time.Time { return now }))
	if code, _ := f.get(t, "/console/browse"); code != http.StatusOK {
		t.Fatalf("browse right after sign-in: %d, want 200", code)
	}
	now = now.Add(console.SessionTTLDefault - time.Second)
	if code, _ := f.get(t, "/console/browse"); code != http.StatusOK {
		t.Fatalf("browse a second before expiry: %d, want 200", code)
	}
	now = now.Add(time.Second)
	if code, _ := f.get(t, "/console/browse"); code != http.StatusSeeOther {
		t.Fatalf("browse at expiry: %d, want 303 to the sign-in page", code)
	}
}

// BenchmarkBrowse renders the first and the last page of a folder of
// 10,000 files. Its ratio metric compares a page with the search it
// runs, measured in the same run, so that the cost of rendering shows
// apart from the machine's speed. The budget is 100 ms a page.
func BenchmarkBrowse(b *testing.B) {
	f := setup(b)
	for _, bc := range []struct{ name, query string }{
		{"FirstPage", "/console/browse?path=/big"},
		{"LastPageBySize", "/console/browse?path=/big&sort=size&desc=1&page=100"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			search := timeSearch(b, f, strings.Contains(bc.query, "page=100"))
			for b.Loop() {
				if code, _ := f.get(b, bc.query); code != http.StatusOK {
					b.Fatalf("status %d", code)
				}
			}
			per := b.Elapsed() / time.Duration(b.N)
			b.ReportMetric(float64(per)/float64(search), "page/search")
			b.ReportMetric(float64(per)/float64(100*time.Millisecond), "page/100ms")
		})
	}
}

// timeSearch measures the file search a page runs, alone.
func timeSearch(b *testing.B, f *fixture, last bool) time.Duration {
	filter := ferry.FileFilter{ParentFolderIDs: []ferry.FolderID{f.folder.ID}, Sort: []ferry.SortKey{{Field: "name"}}, Page: ferry.Page{Limit: 100}}
	if last {
		filter.Sort, filter.Page.Offset = []ferry.SortKey{{Field: "size", Desc: true}}, 9900
	}
	const n = 20
	start := time.Now()
	for range n {
		if _, _, err := f.files.SearchFiles(context.Background(), 1, filter); err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(start) / n
}
