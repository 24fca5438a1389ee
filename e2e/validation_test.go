package e2e

import (
	"net/http"
	"slices"
	"testing"
	"time"
)

// TestImportValidation checks that a bad request is refused with 400 and
// that every bad field is reported at once.
func TestImportValidation(t *testing.T) {
	t.Parallel()
	skipShort(t)
	s := startServer(t)

	resp, b := s.do("POST", importPath, `{"access":"NOPE","folderId":"abc","folderPath":"/x",`+
		`"duplicateValidationStrategy":"MAYBE","overwrite":"yes","ttl":"forever","url":"ftp://x"}`, s.Token)
	m := checkError(t, "every field bad", resp, b, http.StatusBadRequest, "VALIDATION_ERROR")
	in := errorFields(m)
	for _, want := range []string{"url", "access", "folderId", "duplicateValidationStrategy", "overwrite", "ttl"} {
		if !slices.Contains(in, want) {
			t.Errorf("every field bad: errors[].in = %q, want an entry for %q\n%s", in, want, b)
		}
	}
	errs, _ := m["errors"].([]any)
	for i, e := range errs {
		if jstr(e, "message") == "" {
			t.Errorf("every field bad: errors[%d].message is empty", i)
		}
	}

	resp, b = s.do("POST", importPath, `{"url": "https://example.com/a.png", "access":`, s.Token)
	checkError(t, "malformed JSON", resp, b, http.StatusBadRequest, "VALIDATION_ERROR")

	resp, b = s.do("POST", importPath, "", s.Token)
	checkError(t, "empty body", resp, b, http.StatusBadRequest, "VALIDATION_ERROR")

	resp, b = s.do("POST", importPath, `[1, 2]`, s.Token)
	checkError(t, "array body", resp, b, http.StatusBadRequest, "VALIDATION_ERROR")

	resp, b = s.do("POST", importPath, map[string]any{"access": "PUBLIC_INDEXABLE", "folderPath": "/e2e"}, s.Token)
	m = checkError(t, "missing url", resp, b, http.StatusBadRequest, "VALIDATION_ERROR")
	if in := errorFields(m); !slices.Contains(in, "url") {
		t.Errorf("missing url: errors[].in = %q, want an entry for \"url\"\n%s", in, b)
	}
}

// TestImportPrivateNetworkGuard checks that, by default, an import cannot
// reach this machine: not by IP literal and not by a name for it.
func TestImportPrivateNetworkGuard(t *testing.T) {
	t.Parallel()
	skipShort(t)
	o := newOrigin(t)
	o.serve("/x", "text/plain", textBody("guard", 100))
	s := startServer(t) // no --allow-private-networks

	// An IP literal is refused while the request is open.
	resp, b := s.do("POST", importPath, map[string]any{
		"url": "http://127.0.0.1:" + o.port() + "/x", "access": "PUBLIC_INDEXABLE", "folderPath": "/e2e/guard",
	}, s.Token)
	m := checkError(t, "import of 127.0.0.1", resp, b, http.StatusBadRequest, "VALIDATION_ERROR")
	if in := errorFields(m); !slices.Contains(in, "url") {
		t.Errorf("import of 127.0.0.1: errors[].in = %q, want an entry for \"url\"\n%s", in, b)
	}

	// A name for loopback is refused now, or accepted and then canceled.
	resp, b = s.do("POST", importPath, map[string]any{
		"url": "http://localhost:" + o.port() + "/x", "access": "PUBLIC_INDEXABLE", "folderPath": "/e2e/guard",
	}, s.Token)
	switch resp.StatusCode {
	case http.StatusBadRequest:
		m := checkError(t, "import of localhost", resp, b, http.StatusBadRequest, "VALIDATION_ERROR")
		if in := errorFields(m); !slices.Contains(in, "url") {
			t.Errorf("import of localhost: errors[].in = %q, want an entry for \"url\"\n%s", in, b)
		}
	case http.StatusAccepted:
		id := jstr(decodeJSON(t, b), "id")
		st := waitTask(t, s, id, 20*time.Second, "CANCELED")
		if got := jstr(st, "errors", 0, "errors", 0, "subCategory"); got != "ADDRESS_NOT_ALLOWED" {
			t.Errorf("import of localhost: errors[0].errors[0].subCategory = %q, want ADDRESS_NOT_ALLOWED\n%v", got, st["errors"])
		}
		if st["result"] != nil {
			t.Errorf("import of localhost: result = %v, want none", st["result"])
		}
		checkNoBlob(t, s, "1", id)
	default:
		t.Errorf("import of localhost: status = %d, want 400 or 202\n%s", resp.StatusCode, b)
	}

	if n := o.hitCount("/x"); n != 0 {
		t.Errorf("origin was asked for /x %d times, want 0", n)
	}
	checkHostedMissing(t, s, "/e2e/guard/x")
	checkHostedMissing(t, s, "/e2e/guard/x.txt")
}
