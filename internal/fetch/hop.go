package fetch

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync"
	"time"
)

// Causes attached to the contexts this package cancels, so a failed read
// can tell which limit ended it.
var (
	errTotalTimeout     = errors.New("total timeout")
	errFirstByteTimeout = errors.New("first byte timeout")
	errIdleTimeout      = errors.New("idle timeout")
	errDrainTimeout     = errors.New("drain timeout")
	errClosed           = errors.New("fetch finished")
)

// Bounds on reading and discarding the body of a redirect or error answer.
const (
	drainBytes      = 64 << 10
	maxDrainTimeout = time.Second
)

// hop is one request/response exchange.
type hop struct {
	resp   *http.Response
	cancel context.CancelCauseFunc // ends this hop's request context
}

// close releases the hop without reading the rest of its body.
func (h *hop) close() {
	h.cancel(errClosed)
	h.resp.Body.Close()
}

// discard reads a little of the body (bounded in bytes and time) before
// closing it, as a polite client does with error and redirect bodies.
func (h *hop) discard(idle time.Duration) {
	t := time.AfterFunc(min(idle, maxDrainTimeout), func() { h.cancel(errDrainTimeout) })
	_, _ = io.CopyN(io.Discard, h.resp.Body, drainBytes)
	t.Stop()
	h.close()
}

// roundTrip sends one GET for u and waits for the response headers, at
// most FirstByteTimeout after the request was written.
func (a *attempt) roundTrip(req *http.Request) (*hop, *Error) {
	ctx, cancel := context.WithCancelCause(a.ctx)
	tr := &hopTrace{timeout: a.f.cfg.FirstByteTimeout, fire: func() { cancel(errFirstByteTimeout) }}
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest:     tr.wroteRequest,
		TLSHandshakeDone: tr.tlsDone,
	})
	resp, err := a.f.transport.RoundTrip(req.WithContext(ctx))
	tr.stop()
	if err != nil {
		e := a.f.roundTripError(ctx, err, tr.tlsError())
		cancel(errClosed)
		return nil, e
	}
	return &hop{resp: resp, cancel: cancel}, nil
}

// hopTrace runs the first-byte timer and records TLS failures. Its hooks
// run on the Transport's goroutines, hence the mutex.
type hopTrace struct {
	mu      sync.Mutex
	timeout time.Duration
	fire    func()
	timer   *time.Timer
	done    bool
	tlsErr  error
}

// wroteRequest starts the first-byte timer once the request is sent.
func (t *hopTrace) wroteRequest(httptrace.WroteRequestInfo) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.done && t.timer == nil {
		t.timer = time.AfterFunc(t.timeout, t.fire)
	}
}

// tlsDone records a failed handshake.
func (t *hopTrace) tlsDone(_ tls.ConnectionState, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err != nil {
		t.tlsErr = err
	}
}

// stop disarms the timer; a late wroteRequest will not arm it again.
func (t *hopTrace) stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.done = true
	if t.timer != nil {
		t.timer.Stop()
	}
}

// tlsError returns the recorded handshake failure, if any.
func (t *hopTrace) tlsError() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.tlsErr
}
