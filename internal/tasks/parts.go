package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"ferry/internal/ferry"
	"ferry/internal/fetch"
)

// An import's bytes are written as they arrive into parts, blobs of at
// most partMax bytes that close at least every partEvery, and recorded in
// the task (resumeState). An attempt that is interrupted (a shutdown, a
// crash, a failure worth retrying) leaves its parts behind, and the next
// attempt asks the origin only for the rest: Range from the bytes kept,
// If-Range with the validator they came with. When every byte is in,
// the parts are staged as one file, measured and hashed in that pass, and
// deleted.
const (
	partMax   = 8 << 20
	partEvery = time.Second
)

// resumeState is what Task.Resume holds for an import.
type resumeState struct {
	// Validator is the strong ETag, else the Last-Modified date, that the
	// parts' bytes came with; without one the bytes cannot be continued.
	Validator string     `json:"validator,omitempty"`
	Parts     []partInfo `json:"parts"`
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

// fetchParts fetches the rest of the URL's bytes into parts, continuing
// from rs, the parts t keeps, when the origin allows it and starting over
// when it does not. Each closed part is published (through m) for the watcher
// to save with the task.
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
	err = e.copyParts(ctx, t, &rs, m)
	return resp, rs, err
}

// copyParts reads the body (through m) into new parts of rs until it
// ends. A part closes when it reaches partMax, and at least every
// partEvery while bytes are pending, even if the origin stalls. On an
// error the bytes received so far are kept: they are a true prefix of the
// file, and the next attempt continues after them.
func (e *Engine) copyParts(ctx context.Context, t *ferry.Task, rs *resumeState, m *meter) error {
	type chunk struct {
		b   []byte
		err error
	}
	ch := make(chan chunk, 4)
	go func() {
		for {
			buf := make([]byte, 256<<10)
			n, err := m.Read(buf)
			select {
			case ch <- chunk{buf[:n], err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	// Parts are written outside the attempt's context, so that an attempt
	// that stops (a shutdown) still keeps what it has.
	wctx := context.WithoutCancel(ctx)
	var (
		cur  ferry.PartWriter
		size int64
		key  string
	)
	closePart := func() error {
		if cur == nil {
			return nil
		}
		w := cur
		cur = nil
		if err := w.Close(); err != nil {
			return ferry.Wrap(err, "write part")
		}
		rs.Parts = append(rs.Parts, partInfo{Key: key, Size: size})
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
			if len(c.b) > 0 {
				if cur == nil {
					key = fmt.Sprintf("imports/%d/%s.part-%04d", t.Portal, t.ID, len(rs.Parts))
					w, err := e.content.CreatePart(wctx, key)
					if err != nil {
						return err
					}
					cur, size = w, 0
				}
				if _, err := cur.Write(c.b); err != nil {
					cur.Abort()
					return ferry.Wrap(err, "write part")
				}
				size += int64(len(c.b))
				if size >= partMax {
					if err := closePart(); err != nil {
						return err
					}
				}
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
			_, err = io.Copy(pw, r)
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
