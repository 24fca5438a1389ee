package ferry_test

import (
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"ferry/internal/ferry"
	"ferry/internal/fetch"
)

// fuzzNow is the "now" every fuzzed Validate runs at.
var fuzzNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// importFields are the fields an import request can name in a problem.
var importFields = []string{"url", "access", "folderId", "folderPath", "name",
	"duplicateValidationStrategy", "duplicateValidationScope", "overwrite", "ttl", "expiresAt", "body"}

// FuzzImportInput builds an ImportInput from fuzzed strings, each present
// or absent as a bit of present says, and checks that Validate never
// panics, answers the same twice, and accepts only what the importer can
// safely act on.
func FuzzImportInput(f *testing.F) {
	type seed struct {
		present                                                       uint16
		url, access, folderID, folderPath, name, strategy, scope, ttl string
		expiresAt                                                     string
		overwrite                                                     bool
	}
	all := uint16(0x3ff)
	seeds := []seed{
		{0x00d, "https://example.com/cat.png", "PUBLIC_NOT_INDEXABLE", "", "/library/cats", "", "", "", "", "", false},
		{0x007, "http://example.com/a.png", "PRIVATE", "12", "", "", "", "", "", "", false},
		{all, "https://example.com/a.png", "PUBLIC_INDEXABLE", "12", "/x", "n", "REJECT", "EXACT_FOLDER", "P1D", "2027-01-01T00:00:00Z", true},
		{0x00d, "file:///etc/passwd", "PRIVATE", "", "/x", "", "", "", "", "", false},
		{0x00d, "gopher://127.0.0.2:70/_GET%20/", "PRIVATE", "", "/x", "", "", "", "", "", false},
		{0x00d, "ftp://example.com/x", "PRIVATE", "", "/x", "", "", "", "", "", false},
		{0x00d, "http://user:secret@10.0.0.1/x", "PRIVATE", "", "/x", "", "", "", "", "", false},
		{0x00d, "http://[::ffff:127.0.0.1]:8080/x", "PRIVATE", "", "/a/./b//c/", "", "", "", "", "", false},
		{0x00d, "https:///nohost", "PRIVATE", "", "/../etc", "", "", "", "", "", false},
		{0x00d, "  https://example.com/padded  ", "PRIVATE", "", "\x00", "", "", "", "", "", false},
		{0x00d, "https://example.com/" + strings.Repeat("a", fetch.DefaultMaxURLLength), "PRIVATE", "", "/x", "", "", "", "", "", false},
		{0x007, "//example.com/x", "private", "0", "", "", "", "", "", "", false},
		{0x007, "http:example.com", "SENSITIVE", "-1", "", "", "", "", "", "", false},
		{0x007, "HTTP://EXAMPLE.COM/X", "HIDDEN_PRIVATE", "9223372036854775808", "", "", "", "", "", "", false},
		{0x10d, "https://example.com/a", "PRIVATE", "", "/x", "", "", "", "P0D", "", false},
		{0x20d, "https://example.com/a", "PRIVATE", "", "/x", "", "", "", "", "1700000000000", false},
		{0x01d, "https://example.com/a", "PRIVATE", "", "/x", "a/b", "", "", "", "", false},
	}
	for _, s := range seeds {
		f.Add(s.present, s.url, s.access, s.folderID, s.folderPath, s.name, s.strategy, s.scope, s.ttl, s.expiresAt, s.overwrite)
	}
	f.Fuzz(func(t *testing.T, present uint16, rawURL, access, folderID, folderPath, name, strategy, scope, ttl, expiresAt string, overwrite bool) {
		opt := func(bit uint, v string) *string {
			if present&(1<<bit) == 0 {
				return nil
			}
			return &v
		}
		in := ferry.ImportInput{
			URL: opt(0, rawURL), Access: opt(1, access), FolderID: opt(2, folderID), FolderPath: opt(3, folderPath),
			Name: opt(4, name), DuplicateStrategy: opt(5, strategy), DuplicateScope: opt(6, scope),
			TTL: opt(8, ttl), ExpiresAt: opt(9, expiresAt),
		}
		if present&(1<<7) != 0 {
			in.Overwrite = &overwrite
		}
		checkImportValidate(t, in)
	})
}

// FuzzDecodeImport runs raw request bodies through the same steps as the
// HTTP layer (internal/httpapi decode.go and imports.go): a JSON object,
// string fields, an id that may be a number, a boolean, then Validate.
// Whatever the body, nothing panics, and an accepted request is one the
// importer can safely act on.
func FuzzDecodeImport(f *testing.F) {
	for _, s := range []string{
		`{"url":"https://example.com/cat.png","access":"PUBLIC_NOT_INDEXABLE","folderPath":"/library/cats"}`,
		`{"url":"http://example.com/a","access":"PRIVATE","folderId":12,"overwrite":true,"ttl":"P1M"}`,
		`{"url":"http://example.com/a","access":"PRIVATE","folderId":"12","name":"x","duplicateValidationStrategy":"RETURN_EXISTING","duplicateValidationScope":"EXACT_FOLDER"}`,
		`{"url":"http://example.com/a","access":"PRIVATE","folderId":1.5e3}`,
		`{"url":"http://example.com/a","access":"PRIVATE","folderId":-0}`,
		`{"url":"file:///etc/passwd","access":"PRIVATE","folderPath":"/x"}`,
		`{"url":"gopher://127.0.0.2:70/","access":"PRIVATE","folderPath":"/x"}`,
		`{"url":"http://user:secret@[::1]/","access":"PRIVATE","folderPath":"/x"}`,
		`{"url":"h\u0074tp://example.com/\u0000","access":"PRIVATE","folderPath":"/a/../b"}`,
		`{"url":["http://example.com"],"access":7,"folderPath":{},"overwrite":"yes","expiresAt":null}`,
		`{"url":"http://example.com","url":"ftp://example.com","access":"PRIVATE","folderPath":"/x"}`,
		`{"access":"NOPE","folderId":"abc","folderPath":"/x","duplicateValidationStrategy":"MAYBE","overwrite":"yes","ttl":"forever","url":"ftp://x"}`,
		`[1,2]`, `null`, `"x"`, `{}`, `{"url":`, ``, "\xff",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
			return // the HTTP layer answers 400 "not a JSON object"
		}
		var typeProblems []string
		raw := func(name string) (json.RawMessage, bool) {
			v, ok := fields[name]
			return v, ok && string(v) != "null"
		}
		str := func(name string) *string {
			v, ok := raw(name)
			if !ok {
				return nil
			}
			var s string
			if json.Unmarshal(v, &s) != nil {
				typeProblems = append(typeProblems, name)
				return nil
			}
			return &s
		}
		id := func(name string) *string {
			v, ok := raw(name)
			if !ok {
				return nil
			}
			var n json.Number
			if json.Unmarshal(v, &n) == nil {
				s := n.String()
				return &s
			}
			return str(name)
		}
		boolean := func(name string) *bool {
			v, ok := raw(name)
			if !ok {
				return nil
			}
			var b bool
			if json.Unmarshal(v, &b) != nil {
				typeProblems = append(typeProblems, name)
				return nil
			}
			return &b
		}
		in := ferry.ImportInput{
			URL: str("url"), Access: str("access"), FolderID: id("folderId"), FolderPath: str("folderPath"),
			Name: str("name"), DuplicateStrategy: str("duplicateValidationStrategy"),
			DuplicateScope: str("duplicateValidationScope"), Overwrite: boolean("overwrite"),
			TTL: str("ttl"), ExpiresAt: str("expiresAt"),
		}
		req, err := checkImportValidate(t, in)
		if err != nil || len(typeProblems) > 0 {
			return // refused: 400
		}
		// Accepted: the URL is the one the body sent, trimmed, not a
		// re-encoding of it.
		if sent := strings.TrimSpace(*in.URL); req.URL != sent {
			t.Errorf("accepted URL %q, but the body sent %q", req.URL, sent)
		}
	})
}

// checkImportValidate runs Validate on in and checks its answer.
func checkImportValidate(t *testing.T, in ferry.ImportInput) (ferry.ImportRequest, error) {
	t.Helper()
	req, err := in.Validate(fuzzNow, policyURLCheck)
	req2, err2 := in.Validate(fuzzNow, policyURLCheck)
	if !reflect.DeepEqual(req, req2) || (err == nil) != (err2 == nil) {
		t.Fatalf("Validate is not deterministic: %+v, %v; then %+v, %v", req, err, req2, err2)
	}
	if err != nil {
		var fe *ferry.Error
		if !errors.As(err, &fe) || fe.Kind != ferry.Invalid || len(fe.Details) == 0 {
			t.Fatalf("Validate error = %T %v, want an Invalid *ferry.Error with details", err, err)
		}
		for _, d := range fe.Details {
			if !slices.Contains(importFields, d.In) || d.Code == "" || d.Message == "" {
				t.Errorf("problem %+v: want a known field, a code and a message", d)
			}
		}
		return req, err
	}
	checkAcceptedImport(t, in, req)
	return req, nil
}

// checkAcceptedImport checks what an accepted import request promises.
func checkAcceptedImport(t *testing.T, in ferry.ImportInput, req ferry.ImportRequest) {
	t.Helper()
	// An absolute http or https URL with a host, within the length limit.
	if len(req.URL) == 0 || len(req.URL) > fetch.DefaultMaxURLLength {
		t.Errorf("accepted URL of %d bytes, want 1 to %d", len(req.URL), fetch.DefaultMaxURLLength)
	}
	u, err := url.Parse(req.URL)
	switch {
	case err != nil:
		t.Errorf("accepted URL %q does not parse: %v", req.URL, err)
	case !u.IsAbs() || (u.Scheme != "http" && u.Scheme != "https"):
		t.Errorf("accepted URL %q: scheme %q, want an absolute http or https URL", req.URL, u.Scheme)
	case u.Host == "" || u.Hostname() == "" || u.Opaque != "":
		t.Errorf("accepted URL %q has no host", req.URL)
	}
	if req.URL != strings.TrimSpace(req.URL) {
		t.Errorf("accepted URL %q has surrounding spaces", req.URL)
	}
	// A valid access level, as sent.
	if !req.Access.Valid() || in.Access == nil || string(req.Access) != *in.Access {
		t.Errorf("accepted access %q (sent %v), want one of %v as sent", req.Access, in.Access, ferry.Accesses)
	}
	// Exactly one destination: a positive folder id, the root (folderId
	// "0", which becomes the path "/"), or a clean folder path.
	switch {
	case in.FolderID != nil && in.FolderPath != nil:
		t.Errorf("accepted both folderId %q and folderPath %q", *in.FolderID, *in.FolderPath)
	case in.FolderID != nil && *in.FolderID == "0":
		if req.FolderID != 0 || req.FolderPath != "/" {
			t.Errorf("accepted folderId \"0\" as id %d, path %q; want the root path", req.FolderID, req.FolderPath)
		}
	case in.FolderID != nil:
		if req.FolderID <= 0 || req.FolderPath != "" {
			t.Errorf("accepted folderId %q as id %d, path %q; want a positive id and no path", *in.FolderID, req.FolderID, req.FolderPath)
		}
	case in.FolderPath != nil:
		clean, ok := ferry.CleanFolderPath(req.FolderPath)
		if req.FolderID != 0 || !ok || clean != req.FolderPath || !strings.HasPrefix(req.FolderPath, "/") ||
			strings.Contains(req.FolderPath, "//") || slices.Contains(strings.Split(req.FolderPath, "/"), "..") {
			t.Errorf("accepted folderPath %q as %q (id %d), want a clean absolute path", *in.FolderPath, req.FolderPath, req.FolderID)
		}
	default:
		t.Errorf("accepted a request with neither folderId nor folderPath")
	}
	if req.Name != "" && !ferry.ValidName(req.Name) {
		t.Errorf("accepted name %q, which is not a valid name", req.Name)
	}
	if in.Name != nil && req.Name == "" {
		t.Errorf("accepted name %q as no name", *in.Name)
	}
	if !req.DuplicateStrategy.Valid() || !req.DuplicateScope.Valid() {
		t.Errorf("accepted duplicate strategy %q and scope %q", req.DuplicateStrategy, req.DuplicateScope)
	}
	if (in.Overwrite != nil && *in.Overwrite) != req.Overwrite {
		t.Errorf("overwrite = %v, sent %v", req.Overwrite, in.Overwrite)
	}
	if (in.TTL != nil || in.ExpiresAt != nil) && !req.ExpiresAt.After(fuzzNow) {
		t.Errorf("accepted an expiry %v not after now %v", req.ExpiresAt, fuzzNow)
	}
	if in.TTL == nil && in.ExpiresAt == nil && !req.ExpiresAt.IsZero() {
		t.Errorf("expiresAt = %v without ttl or expiresAt", req.ExpiresAt)
	}
}
