package fetch_test

import (
	"context"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"ferry/internal/fetch"
)

func TestFetchConnectionRefused(t *testing.T) {
	t.Parallel()

	l, err := net.Listen("tcp", originIP+":0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there any more

	f := mustNew(t, fetch.Config{Allow: []string{addr}})
	_, err = f.Fetch(context.Background(), "http://"+addr+"/")
	e := asError(t, err, fetch.CodeConnectionRefused)
	if !e.Transient {
		t.Fatalf("Transient=false, want true")
	}
	wantContext(t, e, fetch.KeyAddress, originIP)
}

func TestFetchBrokenResponses(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		raw  string // written on the hijacked connection before closing it
		want []fetch.Code
	}{
		{name: "ClosedWithoutAnswer", raw: "", want: []fetch.Code{fetch.CodeConnectionReset, fetch.CodeProtocolError}},
		{name: "NotHTTP", raw: "SSH-2.0-OpenSSH_9.6\r\n\r\n", want: []fetch.Code{fetch.CodeProtocolError}},
		{name: "BadStatusLine", raw: "HTTP/1.1 abc OK\r\n\r\n", want: []fetch.Code{fetch.CodeProtocolError}},
		{name: "HeadersCutShort", raw: "HTTP/1.1 200 OK\r\nContent-Le", want: []fetch.Code{fetch.CodeConnectionReset, fetch.CodeProtocolError}},
		{name: "BadContentLength", raw: "HTTP/1.1 200 OK\r\nContent-Length: -7\r\n\r\n", want: []fetch.Code{fetch.CodeProtocolError}},
		{name: "HugeHeaders", raw: "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("a", 300<<10) + "\r\n\r\n", want: []fetch.Code{fetch.CodeProtocolError}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			origin := newOrigin(t, originIP, rawHandler(t, tc.raw))
			f := mustNew(t, testConfig(t, origin))
			_, err := f.Fetch(context.Background(), urlOf(t, originIP, origin, "/"))
			code := codeOf(err)
			for _, want := range tc.want {
				if code == want {
					return
				}
			}
			t.Fatalf("CodeOf(%v)=%q, want one of %v", err, code, tc.want)
		})
	}
}

// newTLSOrigin starts an HTTPS test server on originIP. Its certificate
// is valid for example.com and 127.0.0.1, not for originIP.
func newTLSOrigin(t *testing.T) *httptest.Server {
	t.Helper()
	l, err := net.Listen("tcp", originIP+":0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "secure")
	}))
	s.Listener.Close()
	s.Listener = l
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

func TestFetchTLS(t *testing.T) {
	t.Parallel()

	srv := newTLSOrigin(t)
	port := strconv.Itoa(portOf(t, srv))
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	resolver := staticResolver(map[string][]netip.Addr{"example.com": addrs(originIP)})

	tests := []struct {
		name  string
		roots *x509.CertPool
		url   string
		want  fetch.Code // "" means success
	}{
		{name: "TrustedAndNameMatches", roots: pool, url: "https://example.com:" + port + "/"},
		{name: "UnknownAuthority", url: "https://example.com:" + port + "/", want: fetch.CodeTLSFailure},
		{name: "NameMismatch", roots: pool, url: "https://" + originIP + ":" + port + "/", want: fetch.CodeTLSFailure},
		// Go's TLS server answers plain HTTP with a 400.
		{name: "PlainHTTPToTLSPort", roots: pool, url: "http://example.com:" + port + "/", want: fetch.CodeOriginClientError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := mustNew(t, fetch.Config{
				Allow:    []string{originIP + ":" + port},
				Resolver: resolver,
				RootCAs:  tc.roots,
			})
			body, _, err := fetchAll(t, f, tc.url)
			if tc.want == "" {
				if err != nil || string(body) != "secure" {
					t.Fatalf("body=%q err=%v, want \"secure\"", body, err)
				}
				return
			}
			e := asError(t, err, tc.want)
			if e.Transient {
				t.Fatalf("Transient=true, want false")
			}
		})
	}
}

func TestFetchTLSToPlainServer(t *testing.T) {
	t.Parallel()

	origin := newOrigin(t, originIP, &hitCounter{})
	f := mustNew(t, testConfig(t, origin))
	_, err := f.Fetch(context.Background(), strings.Replace(urlOf(t, originIP, origin, "/"), "http:", "https:", 1))
	asError(t, err, fetch.CodeTLSFailure)
}
