package fetch_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"ferry/internal/fetch"
)

func TestRedact(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name, in, want string
	}{
		{name: "NoUserinfo", in: "https://example.com/a?token=x", want: "https://example.com/a?token=x"},
		{name: "UserAndPassword", in: "https://alice:secret@example.com/a", want: "https://REDACTED@example.com/a"},
		{name: "UserOnly", in: "https://ghp_token123@github.com/x", want: "https://REDACTED@github.com/x"},
		{name: "EscapedPassword", in: "http://u:p%40ss%2Fword@h.example:8080/", want: "http://REDACTED@h.example:8080/"},
		{name: "Unparsable", in: "http://alice:secret@[::1/x", want: "http://REDACTED@[::1/x"},
		{name: "NoScheme", in: "alice:secret@example.com/x", want: "REDACTED@example.com/x"},
		{name: "AtInPath", in: "https://example.com/users/@me", want: "https://example.com/users/@me"},
		{name: "AtInQuery", in: "https://example.com/?mail=a@b.c", want: "https://example.com/?mail=a@b.c"},
		{name: "SeveralAts", in: "http://a@b:c@example.com/", want: "http://REDACTED@example.com/"},
		{name: "Empty", in: "", want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := fetch.Redact(tc.in); got != tc.want {
				t.Fatalf("Redact(%q)=%q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// secrets are the userinfo parts the leak test plants in URLs.
var secrets = []string{"alice-user", "s3cr3t-pass", "s3cr3t/pass", "bob-user", "l0cation-pass"}

// withCreds puts alice's credentials into a URL.
func withCreds(raw string) string {
	return strings.Replace(raw, "://", "://alice-user:s3cr3t-pass@", 1)
}

// leakCheck fails if any planted secret appears anywhere in err.
func leakCheck(tb testing.TB, name string, err error) {
	tb.Helper()
	var e *fetch.Error
	if !errors.As(err, &e) {
		tb.Fatalf("%s: error=%v, want *fetch.Error", name, err)
	}
	texts := []string{e.Error(), e.Message, fmt.Sprintf("%v", e.Context), fmt.Sprintf("%+v", err)}
	if e.Err != nil {
		texts = append(texts, e.Err.Error())
	}
	for _, text := range texts {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				tb.Fatalf("%s: %q leaks %q", name, text, s)
			}
		}
	}
}

func TestUserinfoNeverLeaks(t *testing.T) {
	t.Parallel()

	origin := newOrigin(t, originIP, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/404":
			http.NotFound(w, r)
		case "/loop":
			http.Redirect(w, r, "http://bob-user:l0cation-pass@"+r.Host+"/loop", http.StatusFound)
		case "/internal":
			http.Redirect(w, r, "http://bob-user:l0cation-pass@127.0.0.1/", http.StatusFound)
		case "/big":
			w.Write([]byte(strings.Repeat("z", 5000)))
		default:
			io.WriteString(w, "ok")
		}
	}))
	cfg := testConfig(t, origin)
	cfg.MaxBytes = 100
	cfg.MaxURLLength = 200
	cfg.Resolver = func(_ context.Context, host string) ([]netip.Addr, error) {
		if host == "private.test" {
			return addrs("10.0.0.1"), nil
		}
		return nil, fmt.Errorf("lookup %s: no such host", host)
	}
	f := mustNew(t, cfg)

	checks := map[string]string{
		"BadPort":     "http://alice-user:s3cr3t-pass@example.com:99999/",
		"Unparsable":  "http://alice-user:s3cr3t-pass@[::1/",
		"BadUserinfo": "http://alice-user:s3cr3t-pass@evil.com\\@good.com/",
		"EscapedPass": "http://alice-user:s3cr3t%2Fpass@127.0.0.1/",
		"Space":       "http://alice-user:s3cr3t-pass@example.com/a b",
		"Scheme":      "ftp://alice-user:s3cr3t-pass@example.com/",
		"Port":        "http://alice-user:s3cr3t-pass@example.com:8080/",
		"Address":     "http://alice-user:s3cr3t-pass@127.0.0.1/",
		"BadHost":     "http://alice-user:s3cr3t-pass@exa$mple.com/",
		"TooLong":     "http://alice-user:s3cr3t-pass@example.com/" + strings.Repeat("a", 200),
	}
	for name, raw := range checks {
		leakCheck(t, "CheckURL/"+name, f.CheckURL(raw))
		_, err := f.Fetch(context.Background(), raw)
		leakCheck(t, "Fetch/"+name, err)
	}

	fetches := map[string]string{
		"DNSFailure":       "http://alice-user:s3cr3t-pass@missing.test/",
		"ResolvedPrivate":  "http://alice-user:s3cr3t-pass@private.test/",
		"NotFound":         withCreds(urlOf(t, originIP, origin, "/404")),
		"RedirectLoop":     withCreds(urlOf(t, originIP, origin, "/loop")),
		"RedirectInternal": withCreds(urlOf(t, originIP, origin, "/internal")),
		"TooLarge":         withCreds(urlOf(t, originIP, origin, "/big")),
	}
	for name, raw := range fetches {
		_, _, err := fetchAll(t, f, raw)
		leakCheck(t, "Fetch/"+name, err)
	}

	_, resp, err := fetchAll(t, f, withCreds(urlOf(t, originIP, origin, "/ok")))
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	for _, s := range secrets {
		if strings.Contains(resp.FinalURL, s) {
			t.Fatalf("FinalURL=%q leaks %q", resp.FinalURL, s)
		}
	}
}
