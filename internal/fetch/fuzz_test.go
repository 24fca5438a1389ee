package fetch_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"unicode"

	"ferry/internal/fetch"
)

func FuzzCheckURL(f *testing.F) {
	seeds := []string{
		"https://example.com/file.pdf",
		"http://user:pass@example.com:443/a?b=c#d",
		"http://127.0.0.1/", "http://[::ffff:127.0.0.1]/", "http://[fe80::1%25eth0]/",
		"http://localhost./", "http://0x7f.1/", "http://2130706433/",
		"file:///etc/passwd", "gopher://x/", "javascript:alert(1)", "http:example.com",
		"http://exa\x00mple.com/", "http://example.com/\r\n", "HTTP://EXAMPLE.COM:80",
		"http://[::1", "http://a@b@c/", "http://bücher.example/", "//example.com/",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	strict := mustNew(f, fetch.Config{MaxURLLength: 512})
	loose := mustNew(f, fetch.Config{AllowPrivateNetworks: true, Allow: []string{"10.0.0.0/8:8080", "files.internal"}})

	f.Fuzz(func(t *testing.T, raw string) {
		for _, fe := range []*fetch.Fetcher{strict, loose} {
			err := fe.CheckURL(raw)
			if err != nil {
				var e *fetch.Error
				if !errors.As(err, &e) || e.Code == "" || e.Message == "" {
					t.Fatalf("CheckURL(%q)=%v, want a complete *fetch.Error", raw, err)
				}
				continue
			}
			if strings.ContainsFunc(raw, unicode.IsControl) {
				t.Fatalf("CheckURL accepted %q, which has control characters", raw)
			}
			u, perr := url.Parse(raw)
			if perr != nil {
				t.Fatalf("CheckURL accepted %q, which does not parse: %v", raw, perr)
			}
			if u.Scheme != "http" && u.Scheme != "https" {
				t.Fatalf("CheckURL accepted %q with scheme %q", raw, u.Scheme)
			}
			if u.Hostname() == "" {
				t.Fatalf("CheckURL accepted %q, which has no host", raw)
			}
		}
	})
}
