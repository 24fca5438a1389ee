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

// TestHardenNumericRanges: every numeric and time input is checked
// against its real range before any arithmetic, on every route of both
// API versions; nothing beyond 2^53−1 is stored or sent.
func TestHardenNumericRanges(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--allow-private-networks") // the imports go nowhere but loopback
	f := uploadFile(t, s, "/ranges", "a.png", newPNG(t, 4, 4), accessOpts("PUBLIC_NOT_INDEXABLE"))
	id := f["id"].(string)
	const maxMS = "253402300799999" // 9999-12-31T23:59:59.999Z
	for _, base := range []string{"/files/v3", "/files/2026-03"} {
		cases := []struct {
			method, path string
			body         any
			status       int
		}{
			{"GET", "/files/" + id + "/signed-url?expirationSeconds=9223372037", nil, 400},
			{"GET", "/files/" + id + "/signed-url?expirationSeconds=31622401", nil, 400},
			{"GET", "/files/" + id + "/signed-url?expirationSeconds=0", nil, 400},
			{"GET", "/files/" + id + "/signed-url?expirationSeconds=31622400", nil, 200},
			{"GET", "/files/search?sizeGte=9007199254740992", nil, 400},
			{"GET", "/files/search?sizeLte=9007199254740991", nil, 200},
			{"GET", "/files/search?widthGte=-1", nil, 400},
			{"GET", "/files/search?idGte=9223372036854775807", nil, 400},
			{"GET", "/files/search?limit=9223372036854775807", nil, 400},
			{"GET", "/files/search?createdAtGte=-1", nil, 400},
			{"GET", "/files/search?createdAtLte=9223372036854775807", nil, 400},
			{"GET", "/files/search?createdAtLte=" + maxMS, nil, 200},
			{"GET", "/folders/search?idLte=9007199254740992", nil, 400},
			{"GET", "/folders/search?updatedAtGte=253402300800000", nil, 400},
			{"PATCH", "/files/" + id, map[string]any{"expiresAt": "9223372036854775807"}, 400},
			{"PATCH", "/files/" + id, map[string]any{"expiresAt": "253402300800000"}, 400},
			{"POST", "/files/import-from-url/async", map[string]any{"url": "http://127.0.0.1:9/a.txt", "access": "PRIVATE",
				"folderPath": "/ranges", "expiresAt": "253402300800000"}, 400},
			{"POST", "/files/import-from-url/async", map[string]any{"url": "http://127.0.0.1:9/a.txt", "access": "PRIVATE",
				"folderPath": "/ranges", "expiresAt": "99999999999999999"}, 400},
			{"POST", "/files/import-from-url/async", map[string]any{"url": "http://127.0.0.1:9/a.txt", "access": "PRIVATE",
				"folderPath": "/ranges", "expiresAt": maxMS}, 202},
			{"PATCH", "/files/" + id, map[string]any{"expiresAt": maxMS}, 200},
		}
		for _, c := range cases {
			what := c.method + " " + base + c.path
			resp, b := s.do(c.method, base+c.path, c.body, s.Token)
			if c.status >= 400 {
				m := checkHubSpotError(t, what, resp, b, c.status)
				if m != nil && m["category"] != "VALIDATION_ERROR" {
					t.Errorf("%s: category=%v, want VALIDATION_ERROR", what, m["category"])
				}
			} else if resp.StatusCode != c.status {
				t.Errorf("%s: status=%d, want %d: %s", what, resp.StatusCode, c.status, b)
			}
		}
	}
	// What was stored reads back within JavaScript's safe integers.
	got := getFile(t, s, id)
	if got["expiresAt"] != "9999-12-31T23:59:59.999Z" && got["expiresAt"] != 253402300799999.0 {
		t.Errorf("expiresAt=%v, want the last millisecond of 9999", got["expiresAt"])
	}
	checkHealthy(t, s)
}
