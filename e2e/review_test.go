package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestEdgeCasesFromReview pins behaviour that a review of the server found
// wrong, each as a user would meet it.
func TestEdgeCasesFromReview(t *testing.T) {
	t.Parallel()
	s := startServer(t)

	// A file without an extension renamed to a name with one takes the
	// extension: it can neither share a path with another file nor lose
	// its hosting URL.
	noext := uploadFile(t, s, "/review", "noext", []byte{0, 1, 2, 3, 0xff, 0xfe}, accessOpts("PUBLIC_INDEXABLE"))
	other := uploadFile(t, s, "/review", "hello.txt", []byte("hello world\n"), accessOpts("PUBLIC_INDEXABLE"))
	resp, b := s.do("PATCH", filesPath+"/"+jstr(noext, "id"), map[string]any{"name": "hello.txt"}, s.Token)
	checkError(t, "renaming onto another file's path", resp, b, http.StatusConflict, "CONFLICT")
	resp, b = s.do("PATCH", filesPath+"/"+jstr(noext, "id"), map[string]any{"name": "renamed.bin"}, s.Token)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("rename noext to renamed.bin: status = %d\n%s", resp.StatusCode, b)
	}
	renamed := decodeJSON(t, b)
	if got, want := jstr(renamed, "path"), "/review/renamed.bin"; got != want {
		t.Errorf("path = %q, want %q", got, want)
	}
	if got, want := jstr(renamed, "extension"), "bin"; got != want {
		t.Errorf("extension = %q, want %q", got, want)
	}
	if resp, b := s.do("GET", jstr(renamed, "url"), nil, ""); resp.StatusCode != http.StatusOK || !bytes.Equal(b, []byte{0, 1, 2, 3, 0xff, 0xfe}) {
		t.Errorf("GET the renamed file's url: status %d, %d bytes; want its own 6 bytes", resp.StatusCode, len(b))
	}
	if resp, b := s.do("GET", jstr(other, "url"), nil, ""); resp.StatusCode != http.StatusOK || string(b) != "hello world\n" {
		t.Errorf("GET hello.txt's url: status %d, body %q; want its own bytes", resp.StatusCode, b)
	}

	// An expired file cannot be changed back to life.
	soon := uploadFile(t, s, "/review", "soon.txt", []byte("soon gone\n"), map[string]any{
		"access": "PUBLIC_INDEXABLE", "expiresAt": time.Now().Add(1500 * time.Millisecond).UTC().Format(time.RFC3339Nano)})
	waitFor(t, 10*time.Second, "the file to expire", func() bool {
		resp, _ := s.do("GET", jstr(soon, "url"), nil, "")
		return resp.StatusCode == http.StatusNotFound
	})
	resp, b = s.do("PATCH", filesPath+"/"+jstr(soon, "id"), map[string]any{"clearExpires": true}, s.Token)
	checkError(t, "PATCH of an expired file", resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")

	// folderId "0" is the root for uploads and imports, as for updates.
	resp, b = sendForm(t, s, "POST", filesPath, s.Token, filePart("at-root.txt", "text/plain", []byte("root\n")),
		fieldPart("folderId", "0"), optionsPart(accessOpts("PRIVATE")))
	if f := checkCreatedFile(t, s, "upload with folderId 0", resp, b); jstr(f, "path") != "/at-root.txt" {
		t.Errorf("upload with folderId 0: path = %q, want /at-root.txt", jstr(f, "path"))
	}

	// Id lists are bounded: 1000 ids are a query, 1001 a clean 400.
	ids := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprint(i + 1)
		}
		return strings.Join(parts, ",")
	}
	if resp, b := s.do("GET", filesPath+"/search?ids="+ids(1000), nil, s.Token); resp.StatusCode != http.StatusOK {
		t.Errorf("search with 1000 ids: status = %d\n%s", resp.StatusCode, b)
	}
	resp, b = s.do("GET", filesPath+"/search?ids="+ids(1001), nil, s.Token)
	checkError(t, "search with 1001 ids", resp, b, http.StatusBadRequest, "VALIDATION_ERROR")
}

// TestDatabaseLock starts a second server on another data dir but the
// first one's database: the database file has a lock of its own.
func TestDatabaseLock(t *testing.T) {
	t.Parallel()
	if e2eBackend != backendDefault {
		t.Skip("the embedded database's lock; PostgreSQL is meant to be shared")
	}
	s := startServer(t)
	cmd := exec.Command(ferryBin, "serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--database", s.DataDir+"/ferry.db")
	cmd.Env = ferryFreeEnv()
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "in use by another ferry serve") {
		t.Errorf("a second serve on the same database: err=%v, output=%s; want a refusal", err, out)
	}
}

// TestSecurityReviewFixes pins what a security review found, as an
// attacker would try it.
func TestSecurityReviewFixes(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	writeOnly := s.createToken(1, "files.write")
	readWrite := s.createToken(1, "files.read,files.write")
	secret := []byte("hidden private content\n")
	hidden := uploadFile(t, s, "/secret", "hidden.txt", secret, accessOpts("HIDDEN_PRIVATE"))
	private := uploadFile(t, s, "/secret", "private.txt", []byte("private\n"), accessOpts("PRIVATE"))

	// Duplicate detection never matches a hidden file.
	resp, b := sendForm(t, s, "POST", filesPath, writeOnly, filePart("guess.txt", "text/plain", secret),
		fieldPart("folderPath", "/w"), optionsPart(map[string]any{"access": "PRIVATE", "duplicateValidationStrategy": "RETURN_EXISTING"}))
	if f := checkCreatedFile(t, s, "guessing a hidden file's content", resp, b); jstr(f, "id") == jstr(hidden, "id") {
		t.Errorf("RETURN_EXISTING returned the hidden file %s to a token without a hidden-read scope", jstr(f, "id"))
	}

	// Changing a hidden file needs a hidden-write scope.
	for _, tc := range []struct{ method, path string }{
		{"PATCH", filesPath + "/" + jstr(hidden, "id")},
		{"DELETE", filesPath + "/" + jstr(hidden, "id")},
		{"DELETE", filesPath + "/" + jstr(hidden, "id") + "/gdpr-delete"},
	} {
		var body any
		if tc.method == "PATCH" {
			body = map[string]any{"access": "PUBLIC_INDEXABLE"}
		}
		resp, b := s.do(tc.method, tc.path, body, readWrite)
		checkError(t, tc.method+" of a hidden file without a hidden-write scope", resp, b, http.StatusForbidden, "MISSING_SCOPES")
	}

	// The file host answers a missing file and a refused one alike.
	_, missing := s.do("GET", "/hubfs/1/secret/nope.txt", nil, "")
	_, refused := s.do("GET", strings.TrimPrefix(jstr(private, "url"), s.BaseURL), nil, "")
	if jstr(decodeJSON(t, missing), "message") != jstr(decodeJSON(t, refused), "message") {
		t.Errorf("the host tells a missing file (%s) from a private one (%s)", missing, refused)
	}

	// Bytes that are not UTF-8 name nothing: 404 or 400, never 500.
	for _, p := range []string{"/hubfs/1/a%FF/b.png", filesPath + "/import-from-url/async/tasks/a%FFb/status",
		filesPath + "/stat/a%FF/b.png", "/files/v3/folders/%2Fa%FFb", "/files/v3/folders/search?path=%2Fa%FF"} {
		if resp, b := s.do("GET", p, nil, s.Token); resp.StatusCode >= 500 {
			t.Errorf("GET %s: status = %d\n%s", p, resp.StatusCode, b)
		}
	}

	// A multipart request has a bounded number of parts.
	parts := []formPart{filePart("many.txt", "text/plain", []byte("x")), fieldPart("folderPath", "/many"), optionsPart(accessOpts("PRIVATE"))}
	for i := range 40 {
		parts = append(parts, fieldPart(fmt.Sprintf("junk%d", i), "junk"))
	}
	resp, b = sendForm(t, s, "POST", filesPath, s.Token, parts...)
	checkError(t, "a multipart request with 43 parts", resp, b, http.StatusBadRequest, "VALIDATION_ERROR")
}

// TestTokenRevoke revokes a token while the server runs, from another
// process (ferry token revoke), after the server has cached it: on the
// embedded database its very next call is refused. A token that the CLI
// creates works on the next call.
func TestTokenRevoke(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	tok := s.createToken(1, "files.read")
	for i := range 2 { // the first call reads the token, the second is served from the cache
		if resp, b := s.do("GET", filesPath+"/search", nil, tok); resp.StatusCode != http.StatusOK {
			t.Fatalf("search %d with a new token: status = %d\n%s", i+1, resp.StatusCode, b)
		}
	}
	s.revokeToken(tok)
	if s.store.database == "" {
		resp, b := s.do("GET", filesPath+"/search", nil, tok)
		checkError(t, "a revoked token", resp, b, http.StatusUnauthorized, "INVALID_AUTHENTICATION")
	} else {
		// On PostgreSQL the revocation reaches the server as a
		// notification after the CLI's commit, not before the CLI returns.
		waitRefused(t, s, tok)
	}
	tok2 := s.createToken(1, "files.read")
	if resp, b := s.do("GET", filesPath+"/search", nil, tok2); resp.StatusCode != http.StatusOK {
		t.Errorf("search with a token created after a revocation: status = %d\n%s", resp.StatusCode, b)
	}
}

// revokeToken runs "ferry token revoke --secret" against the server's
// database, while the server runs.
func (s *server) revokeToken(tok string) {
	s.t.Helper()
	args := []string{"token", "revoke", "--secret", tok}
	if db := s.store.database; db != "" {
		args = append(args, "--database", db)
	} else {
		args = append(args, "--data-dir", s.DataDir)
	}
	cmd := exec.Command(ferryBin, args...)
	cmd.Env = ferryFreeEnv()
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "revoked token") {
		s.t.Fatalf("ferry token revoke: %v\n%s", err, out)
	}
}

// waitRefused calls s with tok until it is refused with HubSpot's 401
// body. The wait is bounded (20 s) only so that a token that is never
// refused fails the test; it asserts no timing.
func waitRefused(t *testing.T, s *server, tok string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, b := s.do("GET", filesPath+"/search", nil, tok)
		if resp.StatusCode != http.StatusOK {
			checkError(t, "a revoked token", resp, b, http.StatusUnauthorized, "INVALID_AUTHENTICATION")
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("a revoked token is still accepted by %s", s.BaseURL)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
