package digest

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
)

// A hasher stopped half way and resumed from its saved states gives the
// hashes of the whole, and every buffer handed over is released once.
func TestHasherResumesFromStates(t *testing.T) {
	t.Parallel()
	data := make([]byte, 1<<20+17)
	rand.NewChaCha8([32]byte{7}).Read(data)
	var (
		released atomic.Int32
		mu       sync.Mutex
		bufs     = map[*[]byte]int{}
	)
	release := func(b *[]byte) { // called from either lane's goroutine
		released.Add(1)
		mu.Lock()
		bufs[b]++
		mu.Unlock()
	}
	feed := func(h *Hasher, p []byte) int {
		n := 0
		for len(p) > 0 {
			k := min(len(p), 4096+n*13)
			b := append([]byte(nil), p[:k]...)
			h.Write(&b, k)
			p, n = p[k:], n+1
		}
		return n
	}
	half := len(data) / 2
	h := New(release)
	handed := feed(h, data[:half])
	md5s, shas := h.States()
	h.Close()
	h.Close() // a second Close is harmless
	md5h, shah, ok := Restore(md5s, shas)
	if !ok {
		t.Fatal("the saved states do not restore")
	}
	h = Resume(md5h, shah, release)
	handed += feed(h, data[half:])
	gotMD5, gotSHA := h.Sums()
	wantMD5, wantSHA := md5.Sum(data), sha256.Sum256(data)
	if gotMD5 != hex.EncodeToString(wantMD5[:]) || gotSHA != hex.EncodeToString(wantSHA[:]) {
		t.Errorf("resumed hashes %s %s, want %x %x", gotMD5, gotSHA, wantMD5, wantSHA)
	}
	if int(released.Load()) != handed {
		t.Errorf("released %d buffers of %d", released.Load(), handed)
	}
	for b, n := range bufs {
		if n != 1 {
			t.Fatalf("buffer %p released %d times", b, n)
		}
	}
	if _, _, ok := Restore([]byte("not a state"), shas); ok {
		t.Error("a broken MD5 state restored")
	}
}
