package fetch

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxRetryAfter caps a Retry-After the origin asks for.
const maxRetryAfter = time.Hour

// statusError classifies a final, non-redirect status; nil for 2xx.
func statusError(resp *http.Response) *Error {
	code := resp.StatusCode
	if code >= 200 && code <= 299 {
		return nil
	}
	msg := "the origin answered " + statusLine(code)
	status := strconv.Itoa(code)
	switch {
	case code == http.StatusTooManyRequests:
		e := newError(CodeOriginRateLimited, msg, nil, KeyStatusCode, status)
		return withRetryAfter(e, resp.Header.Get("Retry-After"), time.Now())
	case code >= 400 && code <= 499:
		e := newError(CodeOriginClientError, msg, nil, KeyStatusCode, status)
		e.Transient = code == http.StatusRequestTimeout
		return e
	case code >= 500 && code <= 599:
		e := newError(CodeOriginServerError, msg, nil, KeyStatusCode, status)
		if code == http.StatusServiceUnavailable {
			withRetryAfter(e, resp.Header.Get("Retry-After"), time.Now())
		}
		return e
	}
	return newError(CodeProtocolError, msg+", which is not a file", nil, KeyStatusCode, status)
}

// statusLine renders "404 Not Found", or just the number when the status
// has no standard text.
func statusLine(code int) string {
	if text := http.StatusText(code); text != "" {
		return fmt.Sprintf("%d %s", code, text)
	}
	return strconv.Itoa(code)
}

// withRetryAfter records a Retry-After header on e.
func withRetryAfter(e *Error, header string, now time.Time) *Error {
	if d, ok := ParseRetryAfter(header, now); ok {
		e.RetryAfter = d
		e.set(KeyRetryAfter, strconv.FormatInt(int64(d/time.Second), 10))
	}
	return e
}

// ParseRetryAfter parses a Retry-After value, either delay-seconds or an
// HTTP date, relative to now. The result is clamped to [0, 1h]; ok is
// false when the value is absent or malformed.
func ParseRetryAfter(value string, now time.Time) (d time.Duration, ok bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, false
	}
	if secs, err := strconv.ParseUint(value, 10, 64); err == nil {
		if secs > uint64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(value)
	if err != nil {
		return 0, false
	}
	return min(max(t.Sub(now), 0), maxRetryAfter), true
}

// tooLarge builds TOO_LARGE; received or contentLength is -1 when unknown.
func tooLarge(limit, received, contentLength int64) *Error {
	e := newError(CodeTooLarge, fmt.Sprintf("the file is larger than the limit of %d bytes", limit), nil,
		KeyLimit, strconv.FormatInt(limit, 10))
	if received >= 0 {
		e.set(KeyBytesReceived, strconv.FormatInt(received, 10))
	}
	if contentLength >= 0 {
		e.set(KeyContentLength, strconv.FormatInt(contentLength, 10))
	}
	return e
}
