package files_test

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/s3blob" // s3:// URLs

	"ferry/internal/ferry"
	"ferry/internal/files"
	"ferry/internal/sqlite"
)

// s3Portal is the portal the S3 tests store files in.
const s3Portal ferry.PortalID = 9

// s3Bundle is a Service on a real SQLite store and the S3 test bucket.
type s3Bundle struct {
	svc    *files.Service
	store  ferry.Store
	bucket *blob.Bucket // the test's own prefix of the bucket
}

// newS3Bundle opens the bucket FERRY_TEST_S3_URL names, under a prefix of
// the test's own that t.Cleanup empties, or skips t if it is not set.
func newS3Bundle(t *testing.T) *s3Bundle {
	t.Helper()
	u := os.Getenv("FERRY_TEST_S3_URL")
	if u == "" {
		t.Skip("set FERRY_TEST_S3_URL (and AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) to run S3 tests")
	}
	ctx := context.Background()
	bucket, err := blob.OpenBucket(ctx, u)
	if err != nil {
		t.Fatalf("blob.OpenBucket(FERRY_TEST_S3_URL): %v", err)
	}
	var b [6]byte
	rand.Read(b[:])
	bucket = blob.PrefixedBucket(bucket, "files-test-"+hex.EncodeToString(b[:])+"/")
	t.Cleanup(func() {
		for _, key := range s3Keys(t, bucket) {
			bucket.Delete(ctx, key)
		}
		bucket.Close()
	})
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ferry.db"))
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	store := sqlite.NewStore(db)
	return &s3Bundle{svc: files.New(store, bucket, slog.New(slog.DiscardHandler), nil), store: store, bucket: bucket}
}

// s3Keys lists every key in bucket.
func s3Keys(tb testing.TB, bucket *blob.Bucket) []string {
	tb.Helper()
	var out []string
	it := bucket.List(nil)
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

// generated returns n pseudo-random bytes for seed, made as they are read,
// so that a large upload never sits in memory.
func generated(seed byte, n int64) io.Reader {
	var s [32]byte
	s[0] = seed
	return io.LimitReader(mrand.NewChaCha8(s), n)
}

// generatedMD5 is the hex MD5 of generated(seed, n).
func generatedMD5(tb testing.TB, seed byte, n int64) string {
	tb.Helper()
	h := md5.New()
	if _, err := io.Copy(h, generated(seed, n)); err != nil {
		tb.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestS3RoundTrip(t *testing.T) {
	t.Parallel()
	bd := newS3Bundle(t)
	ctx := context.Background()
	const size = 20 << 20 // several multipart parts
	want := generatedMD5(t, 1, size)

	c := ferry.Content{Body: generated(1, size), FileName: "big.bin"}
	f, err := put(bd.svc, ctx, c, ferry.Placement{Portal: s3Portal, Access: ferry.AccessPrivate}, nil)
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if f.Size != size || f.MD5 != want {
		t.Errorf("Put: Size, MD5=%d, %s, want %d, %s", f.Size, f.MD5, size, want)
	}
	r, err := bd.svc.Open(ctx, f)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	h := md5.New()
	n, err := io.Copy(h, r)
	r.Close()
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); n != size || got != want {
		t.Errorf("read back %d bytes with MD5 %s, want %d, %s", n, got, size, want)
	}

	if err := bd.svc.DeleteBlob(ctx, f.BlobKey); err != nil {
		t.Fatalf("DeleteBlob: %v", err)
	}
	if ok, err := bd.bucket.Exists(ctx, f.BlobKey); ok || err != nil {
		t.Errorf("Exists after DeleteBlob=%v, %v, want false, nil", ok, err)
	}
	if err := bd.svc.DeleteBlob(ctx, f.BlobKey); err != nil {
		t.Errorf("DeleteBlob of a missing blob: %v, want nil", err)
	}
	if _, err := bd.svc.Open(ctx, f); ferry.KindOf(err) != ferry.NotFound {
		t.Errorf("Open after DeleteBlob: err=%v, want kind %v", err, ferry.NotFound)
	}
}

func TestS3MaxBytes(t *testing.T) {
	t.Parallel()
	bd := newS3Bundle(t)
	ctx := context.Background()
	const limit = 6 << 20 // more than one part, so a multipart upload is under way
	c := ferry.Content{Key: files.NewBlobKey(s3Portal), Body: generated(2, limit+1), FileName: "over.bin", MaxBytes: limit}
	_, err := put(bd.svc, ctx, c, ferry.Placement{Portal: s3Portal, Access: ferry.AccessPrivate}, nil)
	if ferry.KindOf(err) != ferry.TooLarge || !errors.Is(err, files.ErrTooLarge) {
		t.Fatalf("Put over the limit: err=%v, want kind %v wrapping files.ErrTooLarge", err, ferry.TooLarge)
	}
	if keys := s3Keys(t, bd.bucket); len(keys) != 0 {
		t.Errorf("bucket holds %q, want nothing", keys)
	}
	if got, _, err := bd.store.SearchFiles(ctx, s3Portal, ferry.FileFilter{}); err != nil || len(got) != 0 {
		t.Errorf("files after the failure: %d, %v, want none", len(got), err)
	}

	// At the limit exactly, the same content is stored.
	c = ferry.Content{Body: generated(2, limit), FileName: "at.bin", MaxBytes: limit}
	f, err := put(bd.svc, ctx, c, ferry.Placement{Portal: s3Portal, Access: ferry.AccessPrivate}, nil)
	if err != nil {
		t.Fatalf("Put at the limit: %v", err)
	}
	if want := generatedMD5(t, 2, limit); f.Size != limit || f.MD5 != want {
		t.Errorf("Put at the limit: Size, MD5=%d, %s, want %d, %s", f.Size, f.MD5, limit, want)
	}
}
