package fetch_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"ferry/internal/fetch"
)

// chainHandler serves /hop/N as a redirect to /hop/N+1 until N reaches
// last, where it serves "done". /loop/a and /loop/b redirect to each other.
func chainHandler(last int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/loop/a":
			http.Redirect(w, r, "/loop/b", http.StatusMovedPermanently)
		case r.URL.Path == "/loop/b":
			http.Redirect(w, r, "/loop/a?", http.StatusTemporaryRedirect)
		case strings.HasPrefix(r.URL.Path, "/hop/"):
			n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/hop/"))
			if n >= last {
				w.Write([]byte("done"))
				return
			}
			codes := []int{301, 302, 303, 307, 308}
			http.Redirect(w, r, fmt.Sprintf("/hop/%d#frag", n+1), codes[n%len(codes)])
		default:
			http.NotFound(w, r)
		}
	})
}

func TestFetchRedirects(t *testing.T) {
	t.Parallel()

	origin := newOrigin(t, originIP, chainHandler(1000))
	short := newOrigin(t, originIP, chainHandler(3))
	tests := []struct {
		name         string
		server       string // "origin" or "short"
		path         string
		maxRedirects int
		want         fetch.Code
		redirects    int
	}{
		{name: "ChainWithinLimit", server: "short", path: "/hop/0", maxRedirects: 3, redirects: 3},
		{name: "ChainOverLimit", server: "origin", path: "/hop/0", maxRedirects: 3, want: fetch.CodeTooManyRedirects, redirects: 4},
		{name: "DefaultLimit", server: "origin", path: "/hop/0", want: fetch.CodeTooManyRedirects, redirects: 6},
		{name: "NoRedirectsFollowed", server: "short", path: "/hop/0", maxRedirects: -1, want: fetch.CodeTooManyRedirects, redirects: 1},
		{name: "Loop", server: "origin", path: "/loop/a", want: fetch.CodeRedirectLoop, redirects: 2},
		{name: "LoopBeforeLimit", server: "origin", path: "/loop/a", maxRedirects: 1, want: fetch.CodeRedirectLoop, redirects: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := origin
			if tc.server == "short" {
				s = short
			}
			cfg := testConfig(t, origin, short)
			cfg.MaxRedirects = tc.maxRedirects
			f := mustNew(t, cfg)

			body, resp, err := fetchAll(t, f, urlOf(t, originIP, s, tc.path))
			if tc.want == "" {
				if err != nil || string(body) != "done" {
					t.Fatalf("Fetch: body=%q err=%v, want \"done\"", body, err)
				}
				if resp.Redirects != tc.redirects {
					t.Fatalf("Redirects=%d, want %d", resp.Redirects, tc.redirects)
				}
				if want := urlOf(t, originIP, s, fmt.Sprintf("/hop/%d", tc.redirects)); resp.FinalURL != want {
					t.Fatalf("FinalURL=%q, want %q", resp.FinalURL, want)
				}
				return
			}
			e := asError(t, err, tc.want)
			wantContext(t, e, fetch.KeyRedirects, strconv.Itoa(tc.redirects))
			if e.Transient {
				t.Fatalf("Transient=true, want false")
			}
		})
	}
}

func TestFetchRedirectTargetChecks(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name     string
		status   int
		location string
		want     fetch.Code
	}{
		{name: "FileScheme", status: 302, location: "file:///etc/passwd", want: fetch.CodeSchemeNotAllowed},
		{name: "GopherScheme", status: 301, location: "gopher://127.0.0.2:70/_x", want: fetch.CodeSchemeNotAllowed},
		{name: "FTPScheme", status: 307, location: "ftp://example.com/x", want: fetch.CodeSchemeNotAllowed},
		{name: "PortNotAllowed", status: 302, location: "http://example.com:25/", want: fetch.CodePortNotAllowed},
		{name: "TooLong", status: 302, location: "/" + strings.Repeat("a", 300), want: fetch.CodeURLTooLong},
		{name: "Unparsable", status: 302, location: "http://[::1", want: fetch.CodeInvalidURL},
		{name: "MissingLocation", status: 302, location: "", want: fetch.CodeProtocolError},
		{name: "NotARedirectStatus", status: 300, location: "/elsewhere", want: fetch.CodeProtocolError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			origin := newOrigin(t, originIP, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.location != "" {
					w.Header().Set("Location", tc.location)
				}
				w.WriteHeader(tc.status)
			}))
			cfg := testConfig(t, origin)
			cfg.MaxURLLength = 256
			f := mustNew(t, cfg)
			_, err := f.Fetch(t.Context(), urlOf(t, originIP, origin, "/"))
			asError(t, err, tc.want)
		})
	}
}

// authRecorder records the Authorization header of each request by path.
type authRecorder struct {
	mu   sync.Mutex
	seen map[string]string
}

func (a *authRecorder) record(r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.seen == nil {
		a.seen = map[string]string{}
	}
	a.seen[r.Host+r.URL.Path] = r.Header.Get("Authorization")
}

func (a *authRecorder) get(key string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.seen[key]
}

func TestFetchCredentialsStayWithTheirHost(t *testing.T) {
	t.Parallel()

	rec := &authRecorder{}
	other := newOrigin(t, otherIP, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.record(r)
		w.Write([]byte("other"))
	}))
	origin := newOrigin(t, originIP, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.record(r)
		switch r.URL.Path {
		case "/start":
			http.Redirect(w, r, "/same", http.StatusFound)
		case "/same":
			http.Redirect(w, r, urlOf(t, otherIP, other, "/cross"), http.StatusFound)
		}
	}))
	f := mustNew(t, testConfig(t, origin, other))

	raw := strings.Replace(urlOf(t, originIP, origin, "/start"), "http://", "http://alice:s3cret-pass@", 1)
	body, resp, err := fetchAll(t, f, raw)
	if err != nil || string(body) != "other" {
		t.Fatalf("Fetch: body=%q err=%v, want \"other\"", body, err)
	}
	wantAuth := "Basic YWxpY2U6czNjcmV0LXBhc3M=" // alice:s3cret-pass
	if got := rec.get(hostPort(t, origin) + "/start"); got != wantAuth {
		t.Fatalf("Authorization on first hop=%q, want %q", got, wantAuth)
	}
	if got := rec.get(hostPort(t, origin) + "/same"); got != wantAuth {
		t.Fatalf("Authorization on same-host hop=%q, want %q", got, wantAuth)
	}
	if got := rec.get(hostPort(t, other) + "/cross"); got != "" {
		t.Fatalf("Authorization on cross-host hop=%q, want none", got)
	}
	if strings.Contains(resp.FinalURL, "alice") || resp.Redirects != 2 {
		t.Fatalf("FinalURL=%q Redirects=%d, want no userinfo and 2", resp.FinalURL, resp.Redirects)
	}
}
