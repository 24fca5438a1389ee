package files

import (
	"bytes"
	"crypto/md5"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"
)

// copyHashed must copy and hash every byte in order, whatever the size
// (inline for one chunk, on the hasher goroutine beyond), and pass a read
// error on untouched: a body cut short is never taken for its end.
func TestCopyHashed(t *testing.T) {
	t.Parallel()
	for _, size := range []int{0, 1, copyChunk - 1, copyChunk, copyChunk + 1, 5*copyChunk + 123} {
		src := make([]byte, size)
		rand.NewChaCha8([32]byte{byte(size)}).Read(src)
		var dst, head bytes.Buffer
		h := md5.New()
		n, err := copyHashed(&dst, iotest.HalfReader(bytes.NewReader(src)), h, &head)
		if err != nil || n != int64(size) || !bytes.Equal(dst.Bytes(), src) {
			t.Fatalf("size %d: copyHashed=%d, %v; copied equal %v", size, n, err, bytes.Equal(dst.Bytes(), src))
		}
		if want := md5.Sum(src); !bytes.Equal(h.Sum(nil), want[:]) {
			t.Errorf("size %d: MD5=%x, want %x", size, h.Sum(nil), want)
		}
		if want := src[:min(size, copyChunk)]; !bytes.Equal(head.Bytes(), want) {
			t.Errorf("size %d: head has %d bytes, want the first %d", size, head.Len(), len(want))
		}
	}
	for _, size := range []int{10, 3*copyChunk + 7} {
		cut := io.MultiReader(bytes.NewReader(make([]byte, size)), iotest.ErrReader(io.ErrUnexpectedEOF))
		n, err := copyHashed(io.Discard, cut, md5.New(), io.Discard)
		if !errors.Is(err, io.ErrUnexpectedEOF) || n != int64(size) {
			t.Errorf("cut after %d bytes: copyHashed=%d, %v, want %d, io.ErrUnexpectedEOF", size, n, err, size)
		}
	}
}
