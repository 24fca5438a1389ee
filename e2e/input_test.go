package e2e

import (
	"net/http"
	"testing"
)

// TestNULBytes sends NUL bytes where a name, path or value goes. No such
// value can exist in Ferry and PostgreSQL refuses to store one, so each is
// a clean 400 or 404, never a 500, on every backend.
func TestNULBytes(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	cases := []struct {
		method, path string
		body         any
		want         int
	}{
		{"GET", "/files/v3/files/search?name=a%00b", nil, http.StatusBadRequest},
		{"GET", "/files/v3/files/search?extension=%00", nil, http.StatusBadRequest},
		{"GET", "/files/v3/folders/search?path=%2Fa%00", nil, http.StatusBadRequest},
		{"GET", "/files/v3/files/stat/%2Fa%2Fb%00.png", nil, http.StatusNotFound},
		{"GET", "/files/v3/folders/%2Fa%00b", nil, http.StatusNotFound},
		{"GET", "/hubfs/1/a/b%00.png", nil, http.StatusNotFound},
		{"POST", "/files/v3/folders", map[string]any{"name": "a\x00b"}, http.StatusBadRequest},
		{"POST", "/files/v3/files/import-from-url/async", map[string]any{"url": "http://example.com/a\x00", "access": "PRIVATE", "folderPath": "/x"}, http.StatusBadRequest},
	}
	for _, tc := range cases {
		resp, b := s.do(tc.method, tc.path, tc.body, s.Token)
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s: status = %d, want %d\n%s", tc.method, tc.path, resp.StatusCode, tc.want, b)
		}
	}
}
