package files_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"

	"ferry/internal/ferry"
	"ferry/internal/files"
)

func mustWrite(tb testing.TB, b *blob.Bucket, key, body, contentType string) {
	tb.Helper()
	if err := b.WriteAll(context.Background(), key, []byte(body), &blob.WriterOptions{ContentType: contentType}); err != nil {
		tb.Fatal(err)
	}
}

func TestCopyBucket(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("CopiesEveryBlobOnce", func(t *testing.T) {
		t.Parallel()
		src, dst := memblob.OpenBucket(nil), memblob.OpenBucket(nil)
		defer src.Close()
		defer dst.Close()
		for i := range 20 {
			mustWrite(t, src, fmt.Sprintf("portal/%02d", i), strings.Repeat("x", i), "text/plain")
		}
		mustWrite(t, src, "portal/half.1a2b3c.tmp", "partial", "text/plain") // an interrupted fileblob write
		mustWrite(t, dst, "portal/03", "xxx", "text/plain")                  // copied by an earlier run
		mustWrite(t, dst, "portal/04", "stale", "text/plain")                // different: copied again
		var calls, finals int
		var first files.CopyStats
		got, err := files.CopyBucket(ctx, src, dst, files.CopyOptions{Parallel: 4, SkipTemp: true,
			Progress: func(done, total files.CopyStats, finished bool) {
				if calls == 0 {
					first = total
				}
				calls++
				if finished {
					finals++
				}
			}})
		if err != nil {
			t.Fatal(err)
		}
		if want := (files.CopyStats{Objects: 20, Bytes: 190, Skipped: 1}); got != want {
			t.Errorf("stats=%+v, want %+v", got, want)
		}
		if first.Objects != 20 || finals != 1 {
			t.Errorf("progress: first total %+v, %d final reports; want 20 objects, 1 final", first, finals)
		}
		for i := range 20 {
			key := fmt.Sprintf("portal/%02d", i)
			a, err := dst.Attributes(ctx, key)
			if err != nil || a.Size != int64(i) || a.ContentType != "text/plain" {
				t.Errorf("%s: %v, %v; want %d bytes of text/plain", key, a, err, i)
			}
		}
		if ok, _ := dst.Exists(ctx, "portal/half.1a2b3c.tmp"); ok {
			t.Error("a fileblob temporary file was copied")
		}
	})

	t.Run("StopsAtTheFirstFailure", func(t *testing.T) {
		t.Parallel()
		src, dst := memblob.OpenBucket(nil), memblob.OpenBucket(nil)
		defer src.Close()
		for i := range 5 {
			mustWrite(t, src, fmt.Sprint(i), "body", "text/plain")
		}
		dst.Close() // every write fails
		if _, err := files.CopyBucket(ctx, src, dst, files.CopyOptions{Parallel: 2}); err == nil {
			t.Fatal("CopyBucket into a closed bucket succeeded")
		}
	})
}

// put stages c and commits it as p says, as an upload does.
func put(svc *files.Service, ctx context.Context, c ferry.Content, p ferry.Placement, then func(ferry.Store, ferry.File) error) (ferry.File, error) {
	st, err := svc.Stage(ctx, c)
	if err != nil {
		return ferry.File{}, err
	}
	return svc.Commit(ctx, st, p, then)
}
