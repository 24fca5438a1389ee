package files_test

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"gocloud.dev/blob/fileblob"

	"ferry/internal/ferry"
	"ferry/internal/files"
	"ferry/internal/sqlite"
)

// BenchmarkStage measures streaming content into a fileblob bucket while
// hashing it and sniffing its type: the work every upload and import does
// per byte. Memory per operation must not grow with the content size.
func BenchmarkStage(b *testing.B) {
	for _, size := range []int64{1 << 20, 64 << 20} {
		b.Run(byteSize(size), func(b *testing.B) {
			dir := b.TempDir()
			bucket, err := fileblob.OpenBucket(dir, &fileblob.Options{CreateDir: true, NoTempDir: true})
			if err != nil {
				b.Fatal(err)
			}
			defer bucket.Close()
			db, err := sqlite.Open(context.Background(), filepath.Join(dir, "bench.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			svc := files.New(sqlite.NewStore(db), bucket, slog.New(slog.DiscardHandler), nil)
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				st, err := svc.Stage(context.Background(), ferry.Content{Key: "bench", Body: io.LimitReader(randomReader{}, size), FileName: "x.bin"})
				if err != nil {
					b.Fatal(err)
				}
				if st.Size != size {
					b.Fatalf("Size=%d, want %d", st.Size, size)
				}
			}
		})
	}
}

// randomReader repeats one megabyte of random bytes, so that the benchmark
// measures Ferry's work rather than a random number generator's.
type randomReader struct{}

var noise = func() []byte {
	b := make([]byte, 1<<20)
	for i := range b {
		b[i] = byte(rand.Uint32())
	}
	return b
}()

func (randomReader) Read(p []byte) (int, error) { return copy(p, noise), nil }

func byteSize(n int64) string {
	if n >= 1<<20 {
		return itoa(n>>20) + "MiB"
	}
	return itoa(n>>10) + "KiB"
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
