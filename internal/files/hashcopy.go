package files

import (
	"errors"
	"io"
	"sync"
)

// copyChunk is the size of the reads when content is streamed to storage:
// large enough that a big file takes few system calls.
const copyChunk = 256 << 10

// copyBuffers is how many chunks may be read ahead of the hasher.
const copyBuffers = 4

var chunkPool = sync.Pool{New: func() any { b := make([]byte, copyChunk); return &b }}

// copyHashed copies src to dst and feeds every byte, in order, to h (the
// hashes) and to head. The hashes run on a goroutine of their own, a few
// chunks behind the copy, so that on a machine with a second core hashing
// costs the copy nothing; content that fits in one chunk is hashed inline.
func copyHashed(dst io.Writer, src io.Reader, h io.Writer, head io.Writer) (int64, error) {
	first := chunkPool.Get().(*[]byte)
	n, err := readChunk(src, *first)
	if n > 0 {
		head.Write((*first)[:n])
		if _, werr := dst.Write((*first)[:n]); werr != nil {
			chunkPool.Put(first)
			return int64(n), werr
		}
	}
	if err != nil {
		h.Write((*first)[:n])
		chunkPool.Put(first)
		if errors.Is(err, io.EOF) {
			err = nil
		}
		return int64(n), err
	}
	type chunk struct {
		buf *[]byte
		n   int
	}
	hashed := make(chan chunk, copyBuffers)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for c := range hashed {
			h.Write((*c.buf)[:c.n])
			chunkPool.Put(c.buf)
		}
	}()
	hashed <- chunk{first, n}
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
		hashed <- chunk{buf, n}
		if err != nil {
			break
		}
	}
	close(hashed)
	<-done
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return total, err
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
