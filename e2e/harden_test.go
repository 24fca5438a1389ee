package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// The hardening suite (issue 14): what an attack, a crash, a full disk
// and a fuzzer found, each checked through the real binary.

// TestHardenErrorsOnAPIPaths: every answer on an API path is HubSpot's
// JSON error body with a correlation id, even where net/http answers by
// itself, and nothing redirects.
func TestHardenErrorsOnAPIPaths(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	auth := "Authorization: Bearer " + s.Token + "\r\n"
	host := "Host: " + strings.TrimPrefix(s.BaseURL, "http://") + "\r\n"

	raw := []struct {
		name    string
		request string
		body    []byte
		status  int
	}{
		{"GET malformed escape", "GET /files/v3/files/%zz HTTP/1.1\r\n" + host + auth + "\r\n", nil, 400},
		{"GET malformed escape in a folder path", "GET /files/2026-03/folders/a%2 HTTP/1.1\r\n" + host + auth + "\r\n", nil, 400},
		{"PUT malformed escape with a body", "PUT /files/v3/files/%zz HTTP/1.1\r\n" + host + auth +
			"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 2000000\r\n\r\n", bytes.Repeat([]byte("a"), 2000000), 400},
		{"headers too large", "GET /files/v3/files/1 HTTP/1.1\r\n" + host + auth + "X-Big: " + strings.Repeat("b", 2<<20) + "\r\n\r\n", nil, 431},
		{"HTTP version", "GET /files/v3/files/1 HTTP/3.0\r\n" + host + auth + "\r\n", nil, 505},
	}
	for _, c := range raw {
		resp, b := rawExchange(t, s, c.request, bytes.NewReader(c.body))
		checkHubSpotError(t, c.name, resp, b, c.status)
	}

	// Paths ServeMux would redirect: 404 with HubSpot's body instead.
	for _, p := range []string{
		"/files/v3//files/1",
		"/files/v3/files//search",
		"/files/v3/files/./1",
		"/files/v3/folders/../files/1",
		"/files/2026-03/files/stat",
		"/files/v3/folders",
		"/hubfs/1//a.txt",
	} {
		for _, method := range []string{"GET", "PUT", "DELETE"} {
			resp, b := rawExchange(t, s, fmt.Sprintf("%s %s HTTP/1.1\r\n%s%sContent-Length: 0\r\n\r\n", method, p, host, auth), nil)
			if resp.StatusCode >= 300 && resp.StatusCode < 400 {
				t.Errorf("%s %s: status=%d Location=%q, want no redirect", method, p, resp.StatusCode, resp.Header.Get("Location"))
				continue
			}
			checkHubSpotError(t, method+" "+p, resp, b, resp.StatusCode)
		}
	}
	// The Node SDK's leading "//" still reaches its route.
	resp, b := s.do("GET", "//files/v3/files/search", nil, s.Token)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET //files/v3/files/search: status=%d, want 200: %s", resp.StatusCode, b)
	}
	checkHealthy(t, s)
}
