package fetch_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"ferry/internal/fetch"
)

func TestFetchOriginStatus(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name       string
		status     int
		retryAfter string
		want       fetch.Code
		message    string
		transient  bool
		wantRetry  time.Duration
	}{
		{name: "NotFound", status: 404, want: fetch.CodeOriginClientError, message: "the origin answered 404 Not Found"},
		{name: "Forbidden", status: 403, want: fetch.CodeOriginClientError, message: "the origin answered 403 Forbidden"},
		{name: "RequestTimeout", status: 408, want: fetch.CodeOriginClientError, transient: true},
		{name: "RateLimited", status: 429, retryAfter: "120", want: fetch.CodeOriginRateLimited,
			message: "the origin answered 429 Too Many Requests", transient: true, wantRetry: 2 * time.Minute},
		{name: "RateLimitedCapped", status: 429, retryAfter: "999999", want: fetch.CodeOriginRateLimited, transient: true, wantRetry: time.Hour},
		{name: "RateLimitedNoHeader", status: 429, want: fetch.CodeOriginRateLimited, transient: true},
		{name: "RateLimitedGarbage", status: 429, retryAfter: "soon", want: fetch.CodeOriginRateLimited, transient: true},
		{name: "ServerError", status: 500, want: fetch.CodeOriginServerError, message: "the origin answered 500 Internal Server Error", transient: true},
		{name: "Unavailable", status: 503, retryAfter: "7", want: fetch.CodeOriginServerError, transient: true, wantRetry: 7 * time.Second},
		{name: "UnknownStatus", status: 599, want: fetch.CodeOriginServerError, message: "the origin answered 599", transient: true},
		{name: "NotModified", status: 304, want: fetch.CodeProtocolError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			origin := newOrigin(t, originIP, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				if tc.retryAfter != "" {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				w.WriteHeader(tc.status)
				w.Write([]byte(strings.Repeat("error page ", 20000))) // drained only partly
			}))
			f := mustNew(t, testConfig(t, origin))
			_, err := f.Fetch(t.Context(), urlOf(t, originIP, origin, "/file"))
			e := asError(t, err, tc.want)
			if tc.message != "" && e.Message != tc.message {
				t.Fatalf("Message=%q, want %q", e.Message, tc.message)
			}
			if e.Transient != tc.transient {
				t.Fatalf("Transient=%v, want %v", e.Transient, tc.transient)
			}
			if e.RetryAfter != tc.wantRetry {
				t.Fatalf("RetryAfter=%s, want %s", e.RetryAfter, tc.wantRetry)
			}
			wantContext(t, e, fetch.KeyStatusCode, strconv.Itoa(tc.status))
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()

	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		value string
		want  time.Duration
		ok    bool
	}{
		{name: "Empty", value: "", ok: false},
		{name: "Seconds", value: "30", want: 30 * time.Second, ok: true},
		{name: "Zero", value: "0", want: 0, ok: true},
		{name: "Spaces", value: " 5 ", want: 5 * time.Second, ok: true},
		{name: "Capped", value: "86400", want: time.Hour, ok: true},
		{name: "Huge", value: "99999999999999999999", ok: false},
		{name: "Negative", value: "-5", ok: false},
		{name: "Date", value: "Sun, 01 Mar 2026 12:02:00 GMT", want: 2 * time.Minute, ok: true},
		{name: "DateInPast", value: "Sun, 01 Mar 2026 11:00:00 GMT", want: 0, ok: true},
		{name: "DateFarAway", value: "Mon, 02 Mar 2026 12:00:00 GMT", want: time.Hour, ok: true},
		{name: "Garbage", value: "tomorrow", ok: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := fetch.ParseRetryAfter(tc.value, now)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("ParseRetryAfter(%q)=%s,%v, want %s,%v", tc.value, got, ok, tc.want, tc.ok)
			}
		})
	}
}
