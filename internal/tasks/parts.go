package tasks

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
	"sync"
	"time"

	"ferry/internal/digest"
	"ferry/internal/ferry"
	"ferry/internal/fetch"
)

// An import's bytes are written as they arrive into parts, blobs of at
// most partMax bytes that close at least every partEvery, and recorded in
// the task (resumeState). An attempt that is interrupted (a shutdown, a
// crash, a failure worth retrying) leaves its parts behind, and the next
// attempt asks the origin only for the rest: Range from the bytes kept,
// If-Range with the validator they came with. When every byte is in,
// the parts are staged as one file, with the hashes taken as the bytes
// were written, and deleted. Where storage can grow a blob in place (local
// disk), the parts are one blob that grows, which becomes the file
// without a copy.
//
// A body whose announced length is at most directMax skips the parts and
// is staged as it arrives: an interrupted attempt loses at most that much,
// and a small import costs one blob write instead of a part's write, copy
// and delete.
const (
	partMax   = 8 << 20
	partEvery = time.Second
	directMax = 64 << 10
)

// direct says whether resp's body is staged without parts: nothing is
// kept from earlier attempts and the whole body is small.
func direct(rs resumeState, resp *fetch.Response) bool {
	return len(rs.Parts) == 0 && resp.Offset == 0 && resp.Total >= 0 && resp.Total <= directMax
}

// resumeState is what Task.Resume holds for an import.
type resumeState struct {
	// Validator is the strong ETag, else the Last-Modified date, that the
	// parts' bytes came with; without one the bytes cannot be continued.
	Validator string     `json:"validator,omitempty"`
	Parts     []partInfo `json:"parts"`
	// MD5 and SHA256 are the states (MarshalBinary) of the hashes of the
	// parts' bytes, so that the file's hashes are known when its last byte
	// is written, and a resumed import continues them. Parts written
	// without them (by an older version) are hashed again when staged.
	MD5    []byte `json:"md5,omitempty"`
	SHA256 []byte `json:"sha256,omitempty"`
}

type partInfo struct {
	Key  string `json:"key"`
	Size int64  `json:"size"`
}

// done is how many bytes the parts hold.
func (r resumeState) done() int64 {
	var n int64
	for _, p := range r.Parts {
		n += p.Size
	}
	return n
}

// hashes returns MD5 and SHA-256 hashes that have seen the parts' bytes,
// from their saved states; ok is false if the parts have none.
func (r resumeState) hashes() (md5h, shah hash.Hash, ok bool) {
	if len(r.Parts) == 0 {
		return md5.New(), sha256.New(), true
	}
	return digest.Restore(r.MD5, r.SHA256)
}

// parts lists the parts for the content store.
func (r resumeState) parts() []ferry.Part {
	ps := make([]ferry.Part, len(r.Parts))
	for i, p := range r.Parts {
		ps[i] = ferry.Part{Key: p.Key, Size: p.Size}
	}
	return ps
}

func decodeResume(b []byte) resumeState {
	var r resumeState
	if len(b) > 0 {
		json.Unmarshal(b, &r)
	}
	return r
}

func (r resumeState) encode() []byte {
	if len(r.Parts) == 0 {
		return nil
	}
	b, _ := json.Marshal(r)
	return b
}

// validator picks the validator a later If-Range can use: a strong ETag,
// else Last-Modified.
func validator(resp *fetch.Response) string {
	if resp.ETag != "" && !strings.HasPrefix(resp.ETag, "W/") {
		return resp.ETag
	}
	return resp.LastModified
}

// deleteParts deletes the parts a task keeps.
func (e *Engine) deleteParts(t *ferry.Task) {
	for _, p := range decodeResume(t.Resume).Parts {
		e.content.DeletePart(p.Key)
	}
	t.Resume = nil
}

// dropParts deletes, once someone else changed the task under an attempt,
// the parts that attempt keeps (t) and the stored task does not list: all
// of them if the task ended or is gone; only its own unsaved ones if
// another attempt took it over and continues from the rest. If the stored
// task cannot be read, it keeps them all.
func (e *Engine) dropParts(ctx context.Context, t *ferry.Task) {
	if len(t.Resume) == 0 {
		return
	}
	ctx = context.WithoutCancel(ctx)
	cur, err := e.store.FindTask(ctx, t.Portal, t.ID)
	if ferry.KindOf(err) == ferry.NotFound {
		cur, err = ferry.Task{}, nil
	}
	if err != nil {
		e.log.Warn("kept an import's parts: could not read whether they are still needed", "task", t.ID, "correlationId", t.CorrelationID, "err", err)
		return
	}
	listed := map[string]bool{}
	for _, p := range decodeResume(cur.Resume).Parts {
		listed[p.Key] = true
	}
	for _, p := range decodeResume(t.Resume).Parts {
		if !listed[p.Key] {
			e.content.DeletePart(p.Key)
		}
	}
	t.Resume = nil
}

// fetchParts fetches the rest of the URL's bytes into parts, continuing
// from rs, the parts t keeps, when the origin allows it and starting over
// when it does not. Each closed part is published (through m) for the watcher
// to save with the task. A direct body is left unread in m, for the caller
// to stage.
func (e *Engine) fetchParts(ctx context.Context, t *ferry.Task, rs resumeState, url string, opts fetch.Options, m *meter, check func(total int64) error) (*fetch.Response, resumeState, error) {
	if have := rs.done(); have > 0 && rs.Validator != "" {
		opts.Offset, opts.IfRange = have, rs.Validator
	}
	resp, err := e.fetcher.FetchWith(ctx, url, opts)
	if err != nil {
		return nil, rs, err
	}
	if resp.Offset == 0 && len(rs.Parts) > 0 {
		e.log.Info("import starts over: the origin sent the whole file, not the rest", "task", t.ID, "kept", rs.done())
		e.deleteParts(t)
		rs = resumeState{}
	} else if resp.Offset > 0 {
		e.log.Info("import continues where it stopped", "task", t.ID, "from", resp.Offset)
	}
	if err := check(resp.Total); err != nil {
		return resp, rs, err
	}
	rs.Validator = validator(resp)
	m.base.Store(resp.Offset)
	m.total.Store(resp.Total)
	m.publish(rs)
	m.r = resp.Body
	if direct(rs, resp) {
		return resp, rs, nil // the caller stages the body from m
	}
	err = e.copyParts(ctx, t, &rs, m)
	return resp, rs, err
}

// copyParts reads the body (through m) into rs's parts until it ends:
// the last part grows in place where storage allows, else new parts are
// added. A part closes when partMax bytes went into it, and at least
// every partEvery while bytes are pending, even if the origin stalls; the
// hashes' states are saved with it. On an error the bytes received so far
// are kept: they are a true prefix of the file, and the next attempt
// continues after them.
func (e *Engine) copyParts(ctx context.Context, t *ferry.Task, rs *resumeState, m *meter) error {
	type chunk struct {
		buf *[]byte
		n   int
		err error
	}
	ch := make(chan chunk, 4)
	go func() {
		for {
			buf := chunkPool.Get().(*[]byte)
			n, err := m.Read(*buf)
			select {
			case ch <- chunk{buf, n, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	h := startHasher(rs.hashes())
	defer h.stop()
	// Parts are written outside the attempt's context, so that an attempt
	// that stops (a shutdown) still keeps what it has.
	wctx := context.WithoutCancel(ctx)
	var (
		cur       ferry.PartWriter
		key       string
		size      int64 // the part's bytes
		fresh     int64 // of which written since it was opened
		extending bool  // cur is rs's last part, grown in place
	)
	// Part names carry the attempt, and only a part of this attempt grows
	// in place: an attempt that another one took over never writes where
	// that one does.
	prefix := fmt.Sprintf("imports/%d/%s.part-%d-", t.Portal, t.ID, t.Attempts)
	open := func() error {
		if n := len(rs.Parts); n > 0 && strings.HasPrefix(rs.Parts[n-1].Key, prefix) {
			last := rs.Parts[n-1]
			w, ok, err := e.content.ExtendPart(wctx, last.Key, last.Size)
			if err != nil {
				return err
			}
			if ok {
				cur, key, size, fresh, extending = w, last.Key, last.Size, 0, true
				return nil
			}
		}
		key = fmt.Sprintf("%s%04d", prefix, len(rs.Parts))
		w, err := e.content.CreatePart(wctx, key)
		if err != nil {
			return err
		}
		cur, size, fresh, extending = w, 0, 0, false
		return nil
	}
	closePart := func() error {
		if cur == nil {
			return nil
		}
		w := cur
		cur = nil
		if err := w.Close(); err != nil {
			return ferry.Wrap(err, "write part")
		}
		if extending {
			rs.Parts[len(rs.Parts)-1].Size = size
		} else {
			rs.Parts = append(rs.Parts, partInfo{Key: key, Size: size})
		}
		rs.MD5, rs.SHA256 = h.states()
		m.publish(*rs)
		return nil
	}
	tick := time.NewTicker(partEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return errors.Join(closePart(), ctx.Err())
		case <-tick.C:
			if err := closePart(); err != nil {
				return err
			}
		case c := <-ch:
			if c.n > 0 {
				if cur == nil {
					if err := open(); err != nil {
						return err
					}
				}
				if _, err := cur.Write((*c.buf)[:c.n]); err != nil {
					cur.Abort()
					return ferry.Wrap(err, "write part")
				}
				size += int64(c.n)
				fresh += int64(c.n)
				h.write(c.buf, c.n)
				if fresh >= partMax {
					if err := closePart(); err != nil {
						return err
					}
				}
			} else {
				chunkPool.Put(c.buf)
			}
			if c.err == io.EOF {
				return closePart()
			}
			if c.err != nil {
				return errors.Join(c.err, closePart())
			}
		}
	}
}

// chunkPool holds the buffers that an import's bytes pass through: small
// enough to stay in a core's cache between the read and the write (writes
// from 256 KiB buffers were measurably slower here).
var chunkPool = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

func putChunk(b *[]byte) { chunkPool.Put(b) }

// hasher hashes the bytes written to the parts a few chunks behind the
// writes (see package digest). A nil hasher, for parts whose hash states
// were not kept, hashes nothing: its states are nil.
type hasher struct{ d *digest.Hasher }

// startHasher starts hashing on from the given hashes; ok false gives the
// nil hasher.
func startHasher(md5h, shah hash.Hash, ok bool) *hasher {
	if !ok {
		return nil
	}
	return &hasher{digest.Resume(md5h, shah, putChunk)}
}

// write hands the hasher n bytes of buf, which it puts back in the pool.
func (h *hasher) write(buf *[]byte, n int) {
	if h == nil {
		chunkPool.Put(buf)
		return
	}
	h.d.Write(buf, n)
}

// states returns the hashes' states after every byte written so far.
func (h *hasher) states() (md5s, shas []byte) {
	if h == nil {
		return nil, nil
	}
	return h.d.States()
}

func (h *hasher) stop() {
	if h != nil {
		h.d.Close()
	}
}

// partsReader reads the parts back in order, as one stream.
func (e *Engine) partsReader(ctx context.Context, rs resumeState) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		for _, p := range rs.Parts {
			r, err := e.content.OpenPart(ctx, p.Key)
			if err != nil {
				pw.CloseWithError(err)
				return
			}
			_, err = io.Copy(pw, io.LimitReader(r, p.Size))
			r.Close()
			if err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.Close()
	}()
	return pr
}
