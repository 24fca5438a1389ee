package files_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"mime"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"

	"ferry/internal/ferry"
	"ferry/internal/files"
	"ferry/internal/sqlite"
)

const portal ferry.PortalID = 7

type testBundle struct {
	svc    *files.Service
	store  ferry.Store
	bucket *blob.Bucket
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "ferry.db"))
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	bucket := memblob.OpenBucket(nil)
	t.Cleanup(func() { bucket.Close() })
	store := sqlite.NewStore(db)
	return &testBundle{svc: files.New(store, bucket, slog.New(slog.DiscardHandler), nil), store: store, bucket: bucket}
}

// keys lists every blob in the bucket.
func (bd *testBundle) keys(tb testing.TB) []string {
	tb.Helper()
	var out []string
	it := bd.bucket.List(nil)
	for {
		obj, err := it.Next(context.Background())
		if err == io.EOF {
			return out
		}
		if err != nil {
			tb.Fatalf("list bucket: %v", err)
		}
		out = append(out, obj.Key)
	}
}

// put stores data under fileName with p's defaults filled in.
func (bd *testBundle) put(tb testing.TB, data []byte, fileName string, p ferry.Placement) (ferry.File, error) {
	tb.Helper()
	p.Portal = portal
	if p.Access == "" {
		p.Access = ferry.AccessPublicNotIndexable
	}
	c := ferry.Content{Body: bytes.NewReader(data), FileName: fileName}
	return put(bd.svc, context.Background(), c, p, nil)
}

func mustPut(tb testing.TB, bd *testBundle, data []byte, fileName string, p ferry.Placement) ferry.File {
	tb.Helper()
	f, err := bd.put(tb, data, fileName, p)
	if err != nil {
		tb.Fatalf("Put(%s): %v", fileName, err)
	}
	return f
}

func pngBytes(tb testing.TB, w, h int) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{uint8(40 * x), uint8(80 * y), 200, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatalf("png.Encode: %v", err)
	}
	return buf.Bytes()
}

func md5Hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

func mediaType(tb testing.TB, ct string) string {
	tb.Helper()
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		tb.Fatalf("ContentType %q: %v", ct, err)
	}
	return mt
}

func TestPutPNG(t *testing.T) {
	t.Parallel()
	bd := setup(t)
	data := pngBytes(t, 3, 2)
	f := mustPut(t, bd, data, "pic.png", ferry.Placement{})
	for _, c := range []struct {
		field     string
		got, want any
	}{
		{"Type", f.Type, "IMG"},
		{"Name", f.Name, "pic"},
		{"Extension", f.Extension, "png"},
		{"ContentType", mediaType(t, f.ContentType), "image/png"},
		{"Width", f.Width, 3},
		{"Height", f.Height, 2},
		{"Size", f.Size, int64(len(data))},
		{"MD5", f.MD5, md5Hex(data)},
		{"Portal", f.Portal, portal},
		{"Path", f.Path(), "/pic.png"},
	} {
		if c.got != c.want {
			t.Errorf("%s=%v, want %v", c.field, c.got, c.want)
		}
	}
	stored, err := bd.store.FindFileByID(context.Background(), portal, f.ID)
	if err != nil {
		t.Fatalf("FindFileByID: %v", err)
	}
	if stored.MD5 != f.MD5 || stored.Width != 3 || stored.BlobKey != f.BlobKey {
		t.Errorf("stored file=%+v, want it as Put returned it: %+v", stored, f)
	}
	rc, err := bd.svc.Open(context.Background(), f)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("content: %d bytes, %v, want the %d bytes put", len(got), err, len(data))
	}
	if keys := bd.keys(t); !slices.Equal(keys, []string{f.BlobKey}) {
		t.Errorf("bucket holds %q, want just %q", keys, f.BlobKey)
	}
}

func TestPutText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, fileName, wantName string
	}{
		{"Named", "notes.txt", "notes"},
		{"Unnamed", "", "file"},
		{"NoExtension", "notes", "notes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			bd := setup(t)
			f := mustPut(t, bd, []byte("hello, world\nsecond line\n"), tc.fileName, ferry.Placement{})
			if f.Type != "DOCUMENT" || f.Extension != "txt" || f.Name != tc.wantName {
				t.Errorf("Type, Name, Extension=%q, %q, %q, want DOCUMENT, %q, txt", f.Type, f.Name, f.Extension, tc.wantName)
			}
			if got := mediaType(t, f.ContentType); got != "text/plain" {
				t.Errorf("ContentType=%q, want text/plain", f.ContentType)
			}
		})
	}
}

// HTML that claims to be a PNG, by name and by declared type, is stored as
// what it is: a browser must never be handed it as an image, and its
// extension must say html.
func TestPutHTMLNamedPNG(t *testing.T) {
	t.Parallel()
	html := []byte("<!DOCTYPE html><html><head><script>alert(document.cookie)</script></head><body>hi</body></html>")
	for _, name := range []string{"", "evil.png"} {
		bd := setup(t)
		p := ferry.Placement{Name: name}
		c := ferry.Content{Body: bytes.NewReader(html), FileName: "evil.png", DeclaredType: "image/png"}
		p.Portal, p.Access = portal, ferry.AccessPublicIndexable
		f, err := put(bd.svc, context.Background(), c, p, nil)
		if err != nil {
			t.Fatalf("Put: %v", err)
		}
		if got := mediaType(t, f.ContentType); got != "text/html" {
			t.Errorf("requested name %q: ContentType=%q, want text/html", name, f.ContentType)
		}
		if f.Extension != "html" || f.Type == "IMG" || strings.HasSuffix(f.FileName(), ".png") {
			t.Errorf("requested name %q: FileName, Type=%q, %q, want an .html file that is not IMG", name, f.FileName(), f.Type)
		}
	}
}

func TestPutMaxBytes(t *testing.T) {
	t.Parallel()
	const limit = 1000
	data := bytes.Repeat([]byte("0123456789"), 100) // limit bytes exactly

	t.Run("AtLimit", func(t *testing.T) {
		t.Parallel()
		bd := setup(t)
		c := ferry.Content{Body: bytes.NewReader(data), FileName: "a.txt", MaxBytes: limit}
		f, err := put(bd.svc, context.Background(), c, ferry.Placement{Portal: portal, Access: ferry.AccessPrivate}, nil)
		if err != nil {
			t.Fatalf("Put: %v", err)
		}
		if f.Size != limit {
			t.Errorf("Size=%d, want %d", f.Size, limit)
		}
	})

	t.Run("OverLimit", func(t *testing.T) {
		t.Parallel()
		bd := setup(t)
		over := append(slices.Clone(data), 'x')
		c := ferry.Content{Key: "imports/7/over", Body: bytes.NewReader(over), FileName: "a.txt", MaxBytes: limit}
		_, err := put(bd.svc, context.Background(), c, ferry.Placement{Portal: portal, Access: ferry.AccessPrivate}, nil)
		if got := ferry.KindOf(err); err == nil || got != ferry.TooLarge {
			t.Fatalf("Put: err=%v, want kind %v", err, ferry.TooLarge)
		}
		if !errors.Is(err, files.ErrTooLarge) {
			t.Errorf("err=%v, want it to wrap files.ErrTooLarge", err)
		}
		if keys := bd.keys(t); len(keys) != 0 {
			t.Errorf("bucket holds %q, want nothing", keys)
		}
		got, _, err := bd.store.SearchFiles(context.Background(), portal, ferry.FileFilter{})
		if err != nil || len(got) != 0 {
			t.Errorf("files after the failure: %d, %v, want none", len(got), err)
		}
	})
}

func TestPutDuplicates(t *testing.T) {
	t.Parallel()
	data := []byte("the same bytes, twice")

	t.Run("RejectIsConflict", func(t *testing.T) {
		t.Parallel()
		bd := setup(t)
		first := mustPut(t, bd, data, "a.txt", ferry.Placement{})
		_, err := bd.put(t, data, "b.txt", ferry.Placement{DuplicateStrategy: ferry.DuplicateReject, DuplicateScope: ferry.ScopeEntirePortal})
		var fe *ferry.Error
		if !errors.As(err, &fe) || fe.Kind != ferry.Conflict || fe.SubCategory != "DUPLICATE_FILE" {
			t.Fatalf("Put: err=%v, want kind %v with subcategory DUPLICATE_FILE", err, ferry.Conflict)
		}
		if got, want := fe.Context["duplicateFileId"], []string{first.ID.String()}; !slices.Equal(got, want) {
			t.Errorf("context duplicateFileId=%q, want %q", got, want)
		}
		if keys := bd.keys(t); !slices.Equal(keys, []string{first.BlobKey}) {
			t.Errorf("bucket holds %q, want just the first file's %q", keys, first.BlobKey)
		}
		if _, err := bd.store.FindFileByPath(context.Background(), portal, "/b.txt"); ferry.KindOf(err) != ferry.NotFound {
			t.Errorf("FindFileByPath(/b.txt): err=%v, want kind %v", err, ferry.NotFound)
		}
	})

	t.Run("ReturnExisting", func(t *testing.T) {
		t.Parallel()
		bd := setup(t)
		first := mustPut(t, bd, data, "a.txt", ferry.Placement{})
		got := mustPut(t, bd, data, "b.txt", ferry.Placement{DuplicateStrategy: ferry.DuplicateReturnExisting, DuplicateScope: ferry.ScopeEntirePortal})
		if got.ID != first.ID || got.BlobKey != first.BlobKey || got.Path() != "/a.txt" {
			t.Errorf("Put=%v at %s (blob %s), want the existing %v at /a.txt (blob %s)", got.ID, got.Path(), got.BlobKey, first.ID, first.BlobKey)
		}
		if keys := bd.keys(t); !slices.Equal(keys, []string{first.BlobKey}) {
			t.Errorf("bucket holds %q, want just the existing file's %q", keys, first.BlobKey)
		}
	})

	t.Run("ExactFolderLooksOnlyThere", func(t *testing.T) {
		t.Parallel()
		bd := setup(t)
		mustPut(t, bd, data, "a.txt", ferry.Placement{})
		other, err := bd.store.EnsureFolder(context.Background(), portal, "/other")
		if err != nil {
			t.Fatalf("EnsureFolder: %v", err)
		}
		f := mustPut(t, bd, data, "a.txt", ferry.Placement{FolderID: other.ID, DuplicateStrategy: ferry.DuplicateReject, DuplicateScope: ferry.ScopeExactFolder})
		if f.Path() != "/other/a.txt" {
			t.Errorf("Path=%q, want %q", f.Path(), "/other/a.txt")
		}
		_, err = bd.put(t, data, "b.txt", ferry.Placement{FolderID: other.ID, DuplicateStrategy: ferry.DuplicateReject, DuplicateScope: ferry.ScopeExactFolder})
		if got := ferry.KindOf(err); err == nil || got != ferry.Conflict {
			t.Errorf("second in /other: err=%v, want kind %v", err, ferry.Conflict)
		}
	})

	t.Run("NoneStoresAgain", func(t *testing.T) {
		t.Parallel()
		bd := setup(t)
		first := mustPut(t, bd, data, "a.txt", ferry.Placement{})
		second := mustPut(t, bd, data, "a.txt", ferry.Placement{DuplicateStrategy: ferry.DuplicateNone})
		if second.ID == first.ID || second.Name != "a-1" || second.BlobKey == first.BlobKey {
			t.Errorf("second: ID, Name, BlobKey=%v, %q, %q, want a new file a-1 with its own blob", second.ID, second.Name, second.BlobKey)
		}
		if n := len(bd.keys(t)); n != 2 {
			t.Errorf("bucket holds %d blobs, want 2", n)
		}
	})
}

func TestPutThen(t *testing.T) {
	t.Parallel()
	errThen := errors.New("then failed")

	t.Run("ErrorRollsBack", func(t *testing.T) {
		t.Parallel()
		bd := setup(t)
		var seen ferry.File
		c := ferry.Content{Body: strings.NewReader("content"), FileName: "a.txt"}
		_, err := put(bd.svc, context.Background(), c, ferry.Placement{Portal: portal, Access: ferry.AccessPrivate},
			func(st ferry.Store, f ferry.File) error {
				seen = f
				if _, err := st.FindFileByID(context.Background(), portal, f.ID); err != nil {
					t.Errorf("inside then: FindFileByID: %v, want the new file", err)
				}
				return errThen
			})
		if !errors.Is(err, errThen) {
			t.Fatalf("Put: err=%v, want the error then returned", err)
		}
		if seen.ID == 0 {
			t.Fatal("then never saw the file")
		}
		if _, err := bd.store.FindFileByID(context.Background(), portal, seen.ID); ferry.KindOf(err) != ferry.NotFound {
			t.Errorf("FindFileByID after the rollback: err=%v, want kind %v", err, ferry.NotFound)
		}
		if keys := bd.keys(t); len(keys) != 0 {
			t.Errorf("bucket holds %q, want nothing", keys)
		}
	})

	t.Run("CommitsWithFile", func(t *testing.T) {
		t.Parallel()
		bd := setup(t)
		c := ferry.Content{Body: strings.NewReader("content"), FileName: "a.txt"}
		f, err := put(bd.svc, context.Background(), c, ferry.Placement{Portal: portal, Access: ferry.AccessPrivate},
			func(st ferry.Store, f ferry.File) error {
				_, err := st.PutSettingIfAbsent(context.Background(), "then-ran", []byte(f.ID.String()))
				return err
			})
		if err != nil {
			t.Fatalf("Put: %v", err)
		}
		got, err := bd.store.Setting(context.Background(), "then-ran")
		if err != nil || string(got) != f.ID.String() {
			t.Errorf("Setting written by then=%q, %v, want %q", got, err, f.ID.String())
		}
	})
}
