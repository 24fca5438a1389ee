package fetch

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"time"
)

// PostResponse is the answer to a Post, whatever its status.
type PostResponse struct {
	StatusCode int
	Body       []byte // at most the limit Post was given
}

// errPostTimeout is the cause of a Post that ran out of time.
var errPostTimeout = errors.New("post timeout")

// Post sends body to raw in one POST under the fetcher's address policy,
// within timeout, and returns the status and the first limit bytes of the
// response body. It never follows a redirect: a 3xx is an answer like any
// other. A refused destination or a failure before the response headers
// is an *Error, never showing the URL's userinfo or header's values.
func (f *Fetcher) Post(ctx context.Context, raw string, header http.Header, body []byte, timeout time.Duration, limit int64) (*PostResponse, error) {
	u, e := f.check(raw)
	if e != nil {
		return nil, e
	}
	secrets := requestSecrets(raw, header)
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, errPostTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, scrub(newError(CodeInvalidURL, "the URL is not valid", err), secrets)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", f.cfg.UserAgent)
	resp, err := f.transport.RoundTrip(req)
	if err != nil {
		if errors.Is(context.Cause(ctx), errPostTimeout) {
			return nil, timeoutError(CodeTotalTimeout, "the endpoint did not answer within %s", timeout)
		}
		return nil, scrub(f.roundTripError(ctx, err, nil), secrets)
	}
	defer resp.Body.Close()
	// The status is the answer; a body cut short by the timeout only
	// shortens the excerpt.
	got, _ := io.ReadAll(io.LimitReader(resp.Body, limit))
	return &PostResponse{StatusCode: resp.StatusCode, Body: got}, nil
}
