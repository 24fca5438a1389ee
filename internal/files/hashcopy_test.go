package files

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
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
		c, err := copyHashed(&dst, iotest.HalfReader(bytes.NewReader(src)), &head)
		if err != nil || c.n != int64(size) || !bytes.Equal(dst.Bytes(), src) {
			t.Fatalf("size %d: copyHashed=%d, %v; copied equal %v", size, c.n, err, bytes.Equal(dst.Bytes(), src))
		}
		if want := md5.Sum(src); c.md5 != hex.EncodeToString(want[:]) {
			t.Errorf("size %d: MD5=%s, want %x", size, c.md5, want)
		}
		if want := sha256.Sum256(src); c.sha256 != hex.EncodeToString(want[:]) {
			t.Errorf("size %d: SHA-256=%s, want %x", size, c.sha256, want)
		}
		if want := src[:min(size, copyChunk)]; !bytes.Equal(head.Bytes(), want) {
			t.Errorf("size %d: head has %d bytes, want the first %d", size, head.Len(), len(want))
		}
	}
	for _, size := range []int{10, 3*copyChunk + 7} {
		cut := io.MultiReader(bytes.NewReader(make([]byte, size)), iotest.ErrReader(io.ErrUnexpectedEOF))
		c, err := copyHashed(io.Discard, cut, io.Discard)
		if !errors.Is(err, io.ErrUnexpectedEOF) || c.n != int64(size) {
			t.Errorf("cut after %d bytes: copyHashed=%d, %v, want %d, io.ErrUnexpectedEOF", size, c.n, err, size)
		}
	}
}
