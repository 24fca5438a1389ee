package files

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"sync"

	"ferry/internal/digest"
)

// copyChunk is the size of the reads when content is streamed to storage:
// large enough that a big file takes few system calls.
const copyChunk = 256 << 10

var chunkPool = sync.Pool{New: func() any { b := make([]byte, copyChunk); return &b }}

func putChunk(b *[]byte) { chunkPool.Put(b) }

// copied is what copyHashed copied: its size and hex hashes.
type copied struct {
	n           int64
	md5, sha256 string
}

// copyHashed copies src to dst, feeds the first bytes to head, and hashes
// every byte, in order. Beyond one chunk, MD5 and SHA-256 run on a
// goroutine each a few chunks behind the copy (package digest), so that
// with cores to spare hashing costs the copy nothing; content that fits
// in one chunk is hashed inline.
func copyHashed(dst io.Writer, src io.Reader, head io.Writer) (copied, error) {
	first := chunkPool.Get().(*[]byte)
	n, err := readChunk(src, *first)
	if n > 0 {
		head.Write((*first)[:n])
		if _, werr := dst.Write((*first)[:n]); werr != nil {
			chunkPool.Put(first)
			return copied{n: int64(n)}, werr
		}
	}
	if err != nil {
		m, s := md5.Sum((*first)[:n]), sha256.Sum256((*first)[:n])
		chunkPool.Put(first)
		if errors.Is(err, io.EOF) {
			err = nil
		}
		return copied{int64(n), hex.EncodeToString(m[:]), hex.EncodeToString(s[:])}, err
	}
	h := digest.New(putChunk)
	defer h.Close()
	h.Write(first, n)
	total := int64(n)
	for {
		buf := chunkPool.Get().(*[]byte)
		n, err = readChunk(src, *buf)
		if n > 0 {
			if _, werr := dst.Write((*buf)[:n]); werr != nil {
				err = werr
			}
			total += int64(n)
		}
		h.Write(buf, n)
		if err != nil {
			break
		}
	}
	if errors.Is(err, io.EOF) {
		err = nil
	}
	c := copied{n: total}
	c.md5, c.sha256 = h.Sums()
	return c, err
}

// readChunk fills buf from r as far as it can: it returns early only at
// the end of r (io.EOF) or on r's own error, which it passes on as it is
// (a body cut short must stay an error, never pass for its end).
func readChunk(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
