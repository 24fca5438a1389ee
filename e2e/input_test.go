package e2e

import (
	"fmt"
	"net/http"
	"strings"
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

// TestRequestLimits checks each request-size limit at and just past its
// edge: a JSON body of 1 MiB, a multipart text part of 64 KiB, and a
// signed URL's lifetime of 366 days.
func TestRequestLimits(t *testing.T) {
	t.Parallel()
	s := startServer(t)

	// A JSON body: a name padded with spaces (trimmed by the server) so
	// that the body is exactly the limit, then one byte more.
	const jsonLimit = 1 << 20
	body := func(n int) string {
		prefix, suffix := `{"name":"limit-folder`, `"}`
		return prefix + strings.Repeat(" ", n-len(prefix)-len(suffix)) + suffix
	}
	if resp, b := s.do("POST", "/files/v3/folders", body(jsonLimit), s.Token); resp.StatusCode != http.StatusCreated {
		t.Errorf("JSON body of exactly %d bytes: status = %d, want 201\n%s", jsonLimit, resp.StatusCode, b)
	}
	resp, b := s.do("POST", "/files/v3/folders", body(jsonLimit+1), s.Token)
	checkError(t, "JSON body one byte over", resp, b, http.StatusRequestEntityTooLarge, "VALIDATION_ERROR")

	// A multipart text part.
	const fieldLimit = 64 << 10
	opts := func(n int) formPart {
		o := `{"access":"PRIVATE"}`
		return formPart{name: "options", body: []byte(o + strings.Repeat(" ", n-len(o)))}
	}
	file := formPart{name: "file", fileName: "a.txt", ctype: "text/plain", body: []byte("limits\n")}
	folder := formPart{name: "folderPath", body: []byte("/limits")}
	if resp, b := sendForm(t, s, "POST", "/files/v3/files", s.Token, file, folder, opts(fieldLimit)); resp.StatusCode != http.StatusCreated {
		t.Errorf("options part of exactly %d bytes: status = %d, want 201\n%s", fieldLimit, resp.StatusCode, b)
	}
	resp, b = sendForm(t, s, "POST", "/files/v3/files", s.Token, file, folder, opts(fieldLimit+1))
	checkError(t, "options part one byte over", resp, b, http.StatusBadRequest, "VALIDATION_ERROR")

	// A signed URL's lifetime.
	f := uploadFile(t, s, "/limits", "signed.txt", []byte("signed\n"), map[string]any{"access": "PRIVATE"})
	const maxSeconds = 366 * 24 * 60 * 60
	signedURL(t, s, jstr(f, "id"), fmt.Sprintf("expirationSeconds=%d", maxSeconds))
	resp, b = s.do("GET", fmt.Sprintf("/files/v3/files/%s/signed-url?expirationSeconds=%d", jstr(f, "id"), maxSeconds+1), nil, s.Token)
	checkError(t, "expirationSeconds one over", resp, b, http.StatusBadRequest, "VALIDATION_ERROR")
	resp, b = s.do("GET", fmt.Sprintf("/files/v3/files/%s/signed-url?expirationSeconds=0", jstr(f, "id")), nil, s.Token)
	checkError(t, "expirationSeconds 0", resp, b, http.StatusBadRequest, "VALIDATION_ERROR")
}
