package fetch

import (
	"context"
	"errors"
	"io"
	"math"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// body enforces MaxBytes, IdleTimeout and TotalTimeout while the caller
// reads, and turns every failure into an *Error. Read is not safe for
// concurrent use (as with any io.Reader); Close may be called at any time
// from any goroutine.
type body struct {
	a         *attempt
	h         *hop
	url       *url.URL
	ctx       context.Context // the hop's request context
	limit     int64
	length    int64 // Content-Length, or -1
	received  int64
	idle      time.Duration
	timer     *time.Timer // fires IdleTimeout; armed only during a Read
	err       error       // sticky result once the body has ended
	closeOnce sync.Once
}

// newBody wraps the final hop's body.
func newBody(a *attempt, h *hop, u *url.URL) *body {
	b := &body{
		a: a, h: h, url: u, ctx: h.resp.Request.Context(),
		limit: a.f.cfg.MaxBytes, length: h.resp.ContentLength, idle: a.f.cfg.IdleTimeout,
	}
	b.timer = time.AfterFunc(math.MaxInt64, func() { a.cancel(errIdleTimeout) })
	b.timer.Stop()
	return b
}

// Read reads from the origin. It asks for at most one byte more than the
// limit allows, so an oversized stream is caught on the first excess byte.
func (b *body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	if room := b.limit - b.received + 1; int64(len(p)) > room {
		p = p[:room]
	}
	b.timer.Reset(b.idle)
	n, err := b.h.resp.Body.Read(p)
	b.timer.Stop()
	b.received += int64(n)
	if b.received > b.limit {
		return n - int(b.received-b.limit), b.fail(tooLarge(b.limit, b.received, b.length))
	}
	switch {
	case err == io.EOF && b.length >= 0 && b.received < b.length:
		return n, b.fail(b.truncated(err))
	case err == io.EOF:
		b.err = io.EOF
		b.release()
		return n, io.EOF
	case err != nil:
		return n, b.fail(b.readError(err))
	}
	return n, nil
}

// fail makes e the sticky result and releases the connection.
func (b *body) fail(e *Error) error {
	e = b.a.annotate(e, b.url)
	b.err = e
	b.release()
	return e
}

// readError classifies a failed body read: a limit this package set, the
// caller's cancellation, a cut-short stream or a reset.
func (b *body) readError(err error) *Error {
	if e := b.a.f.ctxError(b.ctx); e != nil {
		if e.Code == CodeIdleTimeout || e.Code == CodeTotalTimeout {
			b.setCounts(e)
		}
		return e
	}
	if isReset(err) {
		e := newError(CodeConnectionReset, "the origin reset the connection during the download", err)
		return b.setCounts(e)
	}
	return b.truncated(err)
}

// truncated builds BODY_TRUNCATED.
func (b *body) truncated(err error) *Error {
	msg := "the download stopped before the end of the file"
	if b.length >= 0 {
		msg = "the origin sent fewer bytes than its Content-Length announced"
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF {
		err = nil // says nothing the message does not
	}
	return b.setCounts(newError(CodeBodyTruncated, msg, err))
}

// setCounts records how far the download got.
func (b *body) setCounts(e *Error) *Error {
	e.set(KeyBytesReceived, strconv.FormatInt(b.received, 10))
	if b.length >= 0 {
		e.set(KeyContentLength, strconv.FormatInt(b.length, 10))
	}
	return e
}

// release stops the idle timer and ends the fetch, closing the connection.
func (b *body) release() {
	b.timer.Stop()
	b.a.release()
}

// Close releases the connection and every timer. It is idempotent and
// always returns nil.
func (b *body) Close() error {
	b.closeOnce.Do(func() {
		b.release()
		b.h.close()
	})
	return nil
}
