package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"ferry/internal/ferry"
)

// The portal and time the tests' data belongs to.
const testPortal ferry.PortalID = 43918798

var testNow = time.Date(2023, 6, 28, 17, 56, 45, 393e6, time.UTC)

var discardLog = slog.New(slog.DiscardHandler)

// fakeAuth authenticates the secrets it maps to tokens.
type fakeAuth map[string]ferry.Token

func (a fakeAuth) Authenticate(_ context.Context, secret string) (ferry.Token, error) {
	t, ok := a[secret]
	if !ok {
		return ferry.Token{}, ferry.Errorf(ferry.Unauthenticated, "The access token is not valid.")
	}
	return t, nil
}

// fakeFiles is a ferry.FileService whose faked methods call its Func
// fields, or answer NotFound when they are nil. Methods it does not fake
// reach the nil embedded interface and panic, which the handler reports as
// a 500.
type fakeFiles struct {
	ferry.FileService
	FindFileFunc       func(ctx context.Context, portal ferry.PortalID, id ferry.FileID) (ferry.File, error)
	FindFileByPathFunc func(ctx context.Context, portal ferry.PortalID, path string) (ferry.File, error)
	OpenFunc           func(ctx context.Context, f ferry.File) (io.ReadSeekCloser, error)
}

var _ ferry.FileService = (*fakeFiles)(nil)

func (f *fakeFiles) FindFile(ctx context.Context, portal ferry.PortalID, id ferry.FileID) (ferry.File, error) {
	if f.FindFileFunc == nil {
		return ferry.File{}, ferry.Errorf(ferry.NotFound, "file %s not found", id)
	}
	return f.FindFileFunc(ctx, portal, id)
}

func (f *fakeFiles) FindFileByPath(ctx context.Context, portal ferry.PortalID, path string) (ferry.File, error) {
	if f.FindFileByPathFunc == nil {
		return ferry.File{}, ferry.Errorf(ferry.NotFound, "no file at %q", path)
	}
	return f.FindFileByPathFunc(ctx, portal, path)
}

func (f *fakeFiles) Open(ctx context.Context, file ferry.File) (io.ReadSeekCloser, error) {
	if f.OpenFunc == nil {
		return nil, ferry.Errorf(ferry.NotFound, "no content")
	}
	return f.OpenFunc(ctx, file)
}

// fakeImports is a ferry.ImportService whose methods call its Func fields,
// or answer NotFound when they are nil.
type fakeImports struct {
	ferry.ImportService
	StartImportFunc  func(ctx context.Context, portal ferry.PortalID, req ferry.ImportRequest) (ferry.Task, error)
	ImportStatusFunc func(ctx context.Context, portal ferry.PortalID, id ferry.TaskID) (ferry.Task, *ferry.File, error)
}

var _ ferry.ImportService = (*fakeImports)(nil)

// CheckURL accepts every URL: the fetch policy is the task engine's.
func (f *fakeImports) CheckURL(string) *ferry.Detail { return nil }

func (f *fakeImports) StartImport(ctx context.Context, portal ferry.PortalID, req ferry.ImportRequest) (ferry.Task, error) {
	if f.StartImportFunc == nil {
		return ferry.Task{}, ferry.Errorf(ferry.NotFound, "no imports here")
	}
	return f.StartImportFunc(ctx, portal, req)
}

func (f *fakeImports) ImportStatus(ctx context.Context, portal ferry.PortalID, id ferry.TaskID) (ferry.Task, *ferry.File, error) {
	if f.ImportStatusFunc == nil {
		return ferry.Task{}, nil, ferry.Errorf(ferry.NotFound, "task not found")
	}
	return f.ImportStatusFunc(ctx, portal, id)
}

// fakeFolders is a ferry.FolderTaskService; the tests fake none of its
// methods, so calling one panics and the handler reports a 500.
type fakeFolders struct {
	ferry.FolderTaskService
}

// sampleFile is a file as HubSpot's guide shows one.
func sampleFile() ferry.File {
	return ferry.File{
		ID: 122692044085, Portal: testPortal, FolderID: 122692044084, FolderPath: "/library/cat_archive",
		Name: "cat", Extension: "png", Access: ferry.AccessPublicNotIndexable,
		Size: 24574, Width: 600, Height: 400, Type: "IMG", Encoding: "png", ContentType: "image/png",
		MD5: "3a6f1e0b7f1d2c9e8a4b5c6d7e8f9a0b", IsUsableInContent: true, SourceGroup: "CONTENT",
		BlobKey: "files/43918798/abc", CreatedAt: testNow, UpdatedAt: testNow.Add(time.Minute),
		ExpiresAt: time.Date(2024, 6, 28, 0, 0, 0, 0, time.UTC),
	}
}

// newTestServer returns a server with fakes, for calling its converters.
func newTestServer(tb testing.TB) *server {
	tb.Helper()
	base, err := url.Parse("https://files.example.com")
	if err != nil {
		tb.Fatal(err)
	}
	return &server{log: discardLog, auth: fakeAuth{}, files: &fakeFiles{}, imports: &fakeImports{},
		opts: Options{PublicURL: base.String(), MaxJSONBytes: 1 << 20, Clock: ferry.ClockFunc(func() time.Time { return testNow })}, base: base}
}

// testBundle is a handler built by NewHandler on fakes, with one token per
// scope: the secret "tok-<scope>" holds just that scope.
type testBundle struct {
	handler http.Handler
	files   *fakeFiles
	imports *fakeImports
}

func setup(tb testing.TB) *testBundle {
	tb.Helper()
	auth := fakeAuth{}
	for _, sc := range ferry.AllScopes {
		auth["tok-"+string(sc)] = ferry.Token{Hash: "h-" + string(sc), Portal: testPortal, Scopes: []ferry.Scope{sc}}
	}
	bd := &testBundle{files: &fakeFiles{}, imports: &fakeImports{}}
	h, err := NewHandler(discardLog, auth, bd.files, bd.imports, &fakeFolders{},
		Options{PublicURL: "https://files.example.com/", Clock: ferry.ClockFunc(func() time.Time { return testNow })})
	if err != nil {
		tb.Fatalf("NewHandler: %v", err)
	}
	bd.handler = h
	return bd
}

// newRequest returns a request carrying a bearer token, if secret is set.
func newRequest(method, target, secret, body string) *http.Request {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if secret != "" {
		r.Header.Set("Authorization", "Bearer "+secret)
	}
	return r
}

// serve runs r through h and returns the recorded response.
func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}
