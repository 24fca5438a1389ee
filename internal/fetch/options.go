package fetch

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Options are the per-fetch additions to a plain GET.
type Options struct {
	// Header is sent to the origin of the URL as given, on every hop that
	// stays on that origin (scheme, host and port). From the first hop that
	// leaves it, none of it is sent again. Its values never appear in an
	// error.
	Header http.Header
	// Offset, if positive, asks for the bytes from Offset on (Range), and
	// only if the representation still matches IfRange (an ETag or a
	// Last-Modified date); otherwise the origin sends the whole of it.
	// Response.Offset says which happened.
	Offset  int64
	IfRange string
}

// FetchWith is Fetch with options.
func (f *Fetcher) FetchWith(ctx context.Context, raw string, o Options) (*Response, error) {
	u, e := f.check(raw)
	if e != nil {
		return nil, e
	}
	a := newAttempt(ctx, f, requestSecrets(raw, o.Header))
	a.opts, a.origin = o, originOf(u)
	resp, e := a.run(u)
	if e != nil {
		return nil, e
	}
	return resp, nil
}

// originOf is a URL's origin: scheme, host and port.
func originOf(u *url.URL) string {
	port, _ := urlPort(u)
	return u.Scheme + "://" + strings.ToLower(u.Hostname()) + ":" + strconv.Itoa(port)
}

// addOptions sets the caller's headers (while the hop is on the first
// origin) and the range request on req.
func (a *attempt) addOptions(req *http.Request, u *url.URL) {
	if a.origin != "" && originOf(u) != a.origin {
		a.origin = "" // left the origin: the headers stay behind for good
	}
	if a.origin != "" {
		for k, vs := range a.opts.Header {
			for _, v := range vs {
				req.Header.Add(k, v)
			}
		}
	}
	if a.opts.Offset > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(a.opts.Offset, 10)+"-")
		if a.opts.IfRange != "" {
			req.Header.Set("If-Range", a.opts.IfRange)
		}
	}
}

// rangeStart returns where a response's body starts in the whole
// representation: the first byte of a 206 "Content-Range: bytes N-M/T"
// answer, 0 for any other. total is T (or the length of a whole answer),
// -1 if unknown.
func rangeStart(resp *http.Response) (start, total int64, ok bool) {
	if resp.StatusCode != http.StatusPartialContent {
		return 0, resp.ContentLength, true
	}
	cr, found := strings.CutPrefix(resp.Header.Get("Content-Range"), "bytes ")
	if !found {
		return 0, -1, false
	}
	span, size, found := strings.Cut(cr, "/")
	first, _, found2 := strings.Cut(span, "-")
	if !found || !found2 {
		return 0, -1, false
	}
	start, err := strconv.ParseInt(first, 10, 64)
	if err != nil || start < 0 {
		return 0, -1, false
	}
	total = -1
	if size != "*" {
		if total, err = strconv.ParseInt(size, 10, 64); err != nil {
			return 0, -1, false
		}
	}
	return start, total, true
}
