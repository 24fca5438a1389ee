package files_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"

	"ferry/internal/ferry"
	"ferry/internal/files"
)

// stageParts writes data into parts of the given sizes (the last grown in
// place where the bucket allows, as imports do), leaves junk after the
// recorded bytes of a part grown in place, as a crash would, and stages
// them.
func stageParts(t *testing.T, bucket *blob.Bucket, data []byte, sizes []int64) (ferry.Staged, []ferry.Part) {
	t.Helper()
	ctx := context.Background()
	svc := files.New(nil, bucket, slog.New(slog.DiscardHandler), nil)
	var parts []ferry.Part
	off := int64(0)
	for i, n := range sizes {
		var (
			w   ferry.PartWriter
			ok  bool
			err error
		)
		if len(parts) > 0 {
			last := parts[len(parts)-1]
			w, ok, err = svc.ExtendPart(ctx, last.Key, last.Size)
			if err != nil {
				t.Fatalf("ExtendPart: %v", err)
			}
		}
		if ok {
			parts[len(parts)-1].Size += n
		} else {
			key := "imports/7/t.part-" + string(rune('a'+i))
			if w, err = svc.CreatePart(ctx, key); err != nil {
				t.Fatalf("CreatePart: %v", err)
			}
			parts = append(parts, ferry.Part{Key: key, Size: n})
		}
		w.Write(data[off : off+n])
		w.Close()
		off += n
	}
	if w, ok, _ := svc.ExtendPart(ctx, parts[len(parts)-1].Key, parts[len(parts)-1].Size); ok {
		w.Write([]byte("bytes a crashed attempt wrote but never recorded"))
		w.Close()
	}
	st, err := svc.StageParts(ctx, ferry.PartsContent{Key: "imports/7/t", Parts: parts, MD5: "m", SHA256: "s", FileName: "t.txt"})
	if err != nil {
		t.Fatalf("StageParts: %v", err)
	}
	got, err := bucket.ReadAll(ctx, st.Key)
	if err != nil || !bytes.Equal(got, data) || st.Size != int64(len(data)) || st.MD5 != "m" {
		t.Fatalf("staged %+v, %d bytes (err %v), want the %d bytes of the parts", st, len(got), err, len(data))
	}
	return st, parts
}

func TestStagePartsLocal(t *testing.T) {
	dir := t.TempDir()
	bucket, err := fileblob.OpenBucket(dir, &fileblob.Options{Metadata: fileblob.MetadataDontWrite, NoTempDir: true})
	if err != nil {
		t.Fatal(err)
	}
	defer bucket.Close()
	data := bytes.Repeat([]byte("0123456789abcdef"), 4096)
	_, parts := stageParts(t, bucket, data, []int64{1000, 30000, int64(len(data)) - 31000})
	if len(parts) != 1 {
		t.Errorf("parts %v, want one grown in place", parts)
	}
	if _, err := os.Stat(filepath.Join(dir, "imports", "7", "t.part-a")); !os.IsNotExist(err) {
		t.Errorf("the part is still there after staging (%v), want it renamed into the file", err)
	}
}

func TestStagePartsElsewhere(t *testing.T) {
	for name, sizes := range map[string][]int64{"one": {5000}, "several": {1000, 3000, 1000}} {
		t.Run(name, func(t *testing.T) {
			bucket := memblob.OpenBucket(nil)
			defer bucket.Close()
			data := bytes.Repeat([]byte{'x'}, 5000)
			_, parts := stageParts(t, bucket, data, sizes)
			if len(parts) != len(sizes) {
				t.Errorf("parts %v, want %d", parts, len(sizes))
			}
		})
	}
}

func TestStagePartsTooLarge(t *testing.T) {
	bucket := memblob.OpenBucket(nil)
	defer bucket.Close()
	svc := files.New(nil, bucket, slog.New(slog.DiscardHandler), nil)
	ctx := context.Background()
	w, _ := svc.CreatePart(ctx, "p")
	io.WriteString(w, "0123456789")
	w.Close()
	_, err := svc.StageParts(ctx, ferry.PartsContent{Key: "k", Parts: []ferry.Part{{Key: "p", Size: 10}}, MaxBytes: 9})
	if ferry.KindOf(err) != ferry.TooLarge {
		t.Errorf("StageParts over the limit: %v, want TooLarge", err)
	}
	if ok, _ := bucket.Exists(ctx, "k"); ok {
		t.Error("a blob was staged over the limit")
	}
}

// A part that holds fewer bytes than the task recorded (lost on a crash)
// is refused, whether it is to grow in place or be staged: its bytes are
// no longer the file's prefix.
func TestShortPartRefused(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	local, err := fileblob.OpenBucket(dir, &fileblob.Options{Metadata: fileblob.MetadataDontWrite, NoTempDir: true})
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	mem := memblob.OpenBucket(nil)
	defer mem.Close()
	for name, bucket := range map[string]*blob.Bucket{"local": local, "elsewhere": mem} {
		svc := files.New(nil, bucket, slog.New(slog.DiscardHandler), nil)
		for _, key := range []string{"imports/7/s.part-1-0000", "imports/7/s.part-1-0001"} {
			w, err := svc.CreatePart(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(w, "0123456789")
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
		}
		if name == "local" {
			if _, ok, err := svc.ExtendPart(ctx, "imports/7/s.part-1-0000", 11); err == nil || ok {
				t.Errorf("%s: ExtendPart past the part's bytes: ok %v, err %v; want an error", name, ok, err)
			}
		}
		parts := []ferry.Part{{Key: "imports/7/s.part-1-0000", Size: 10}, {Key: "imports/7/s.part-1-0001", Size: 11}}
		if _, err := svc.StageParts(ctx, ferry.PartsContent{Key: "imports/7/s", Parts: parts, MD5: "m", SHA256: "s"}); err == nil {
			t.Errorf("%s: StageParts of a short part: no error", name)
		}
		if ok, _ := bucket.Exists(ctx, "imports/7/s"); ok {
			t.Errorf("%s: a blob was staged from a short part", name)
		}
	}
}
