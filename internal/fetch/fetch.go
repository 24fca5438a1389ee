// Package fetch downloads a file from a URL named by an API caller without
// letting that caller reach the server's own network (SSRF). Every address
// is checked when it is connected to, on every redirect hop; every limit
// (size, time, redirects) ends in a classified *Error.
package fetch

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// maxHeaderBytes bounds the response headers the origin may send.
const maxHeaderBytes = 256 << 10

// Fetcher downloads URLs under one policy. It is safe for concurrent use.
type Fetcher struct {
	cfg       Config
	policy    *policy
	transport *http.Transport
}

// Response is a successful (2xx) answer whose body has not been read yet.
// The caller must Close Body.
type Response struct {
	// Body yields the file's bytes as sent (never decompressed). A read
	// error is always an *Error: IDLE_TIMEOUT, TOTAL_TIMEOUT, TOO_LARGE,
	// BODY_TRUNCATED, CONNECTION_RESET or CANCELED. Close releases the
	// connection and every timer.
	Body          io.ReadCloser
	FinalURL      string // after redirects, without userinfo or fragment
	StatusCode    int
	ContentType   string // the origin's Content-Type header, as sent
	ContentLength int64  // -1 if unknown
	FileName      string // sanitized name from Content-Disposition, or ""
	Redirects     int    // redirects followed
	// Offset is where Body starts in the whole representation: the
	// Options.Offset asked for if the origin honoured the range, else 0.
	Offset int64
	// Total is the length of the whole representation, -1 if unknown.
	Total        int64
	ETag         string // the origin's validators, for a later range request
	LastModified string
}

// New returns a Fetcher for cfg with defaults applied. It fails if cfg
// does not validate.
func New(cfg Config) (*Fetcher, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	f := &Fetcher{cfg: cfg, policy: newPolicy(cfg)}
	f.transport = f.newTransport()
	return f, nil
}

// Config returns the fetcher's configuration, with defaults applied.
func (f *Fetcher) Config() Config { return f.cfg }

// newTransport builds the Fetcher's own Transport: no proxy (a proxy
// would be dialled instead of the origin and defeat the check), no
// transparent decompression (limits apply to the bytes on the wire),
// HTTP/1.1 only, certificate verification on, and no connection reuse so
// that every hop dials, and is checked, afresh.
func (f *Fetcher) newTransport() *http.Transport {
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	return &http.Transport{
		Proxy:                  nil,
		DialContext:            f.dialContext,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: f.cfg.RootCAs},
		TLSHandshakeTimeout:    f.cfg.ConnectTimeout,
		DisableKeepAlives:      true,
		DisableCompression:     true,
		MaxResponseHeaderBytes: maxHeaderBytes,
		Protocols:              protocols,
	}
}

// Fetch GETs raw, following redirects, and returns the response once its
// headers are in. Non-2xx answers, refused destinations and every
// failure are returned as *Error. TotalTimeout keeps running while the
// body is read; cancelling ctx aborts the fetch with CANCELED.
func (f *Fetcher) Fetch(ctx context.Context, raw string) (*Response, error) {
	return f.FetchWith(ctx, raw, Options{})
}

// attempt is the state of one Fetch.
type attempt struct {
	f         *Fetcher
	ctx       context.Context // bounded by TotalTimeout
	cancel    context.CancelCauseFunc
	stopTotal context.CancelFunc
	secrets   []string
	redirects int
	seen      map[string]bool
	opts      Options
	origin    string // the first hop's origin while the hops stay on it
}

// newAttempt starts the total timeout.
func newAttempt(parent context.Context, f *Fetcher, secrets []string) *attempt {
	base, cancel := context.WithCancelCause(parent)
	ctx, stop := context.WithTimeoutCause(base, f.cfg.TotalTimeout, errTotalTimeout)
	return &attempt{f: f, ctx: ctx, cancel: cancel, stopTotal: stop, secrets: secrets, seen: map[string]bool{}}
}

// release ends the attempt: timers stop and any connection is closed.
func (a *attempt) release() {
	a.cancel(errClosed)
	a.stopTotal()
}

// run follows redirects and wraps the final response.
func (a *attempt) run(u *url.URL) (*Response, *Error) {
	h, u, e := a.follow(u)
	if e != nil {
		a.release()
		return nil, a.annotate(e, u)
	}
	resp, e := a.respond(h, u)
	if e != nil {
		a.release()
		return nil, a.annotate(e, u)
	}
	return resp, nil
}

// annotate adds the URL and redirect count to e and scrubs it.
func (a *attempt) annotate(e *Error, u *url.URL) *Error {
	if u != nil {
		e.setDefault(KeyURL, Redact(stripFragment(u)))
	}
	e.setDefault(KeyRedirects, strconv.Itoa(a.redirects))
	return scrub(e, a.secrets)
}

// stripFragment returns u as a string without its fragment.
func stripFragment(u *url.URL) string {
	c := *u
	c.Fragment, c.RawFragment = "", ""
	return c.String()
}

// respond checks the final status and size, and wraps the body.
func (a *attempt) respond(h *hop, u *url.URL) (*Response, *Error) {
	if e := statusError(h.resp); e != nil {
		h.discard(a.f.cfg.IdleTimeout)
		return nil, e
	}
	if h.resp.ContentLength > a.f.cfg.MaxBytes {
		h.close()
		return nil, tooLarge(a.f.cfg.MaxBytes, -1, h.resp.ContentLength)
	}
	start, total, ok := rangeStart(h.resp)
	if !ok || (h.resp.StatusCode == http.StatusPartialContent && start != a.opts.Offset) {
		h.close()
		return nil, newError(CodeProtocolError, "the origin answered a range request with a range that was not asked for", nil,
			KeyStatusCode, strconv.Itoa(h.resp.StatusCode))
	}
	return &Response{
		Offset:        start,
		Total:         total,
		ETag:          h.resp.Header.Get("ETag"),
		LastModified:  h.resp.Header.Get("Last-Modified"),
		Body:          newBody(a, h, u),
		FinalURL:      stripUserinfo(u),
		StatusCode:    h.resp.StatusCode,
		ContentType:   h.resp.Header.Get("Content-Type"),
		ContentLength: h.resp.ContentLength,
		FileName:      FileNameFromDisposition(h.resp.Header.Get("Content-Disposition")),
		Redirects:     a.redirects,
	}, nil
}
