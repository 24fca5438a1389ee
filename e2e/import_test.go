package e2e

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"testing"
	"time"
)

// TestImportFromURL imports a PNG and a text file and checks the task
// status, the File it returns, GET by id, and the hosted bytes.
func TestImportFromURL(t *testing.T) {
	t.Parallel()
	skipShort(t)
	o := newOrigin(t)
	pngBytes := newPNG(t, 7, 5)
	txtBytes := []byte("Ferry e2e: plain text, imported from a URL.\nSecond line.\n")
	o.serve("/pixels.png", "image/png", pngBytes)
	o.serve("/notes.txt", "text/plain; charset=utf-8", txtBytes)
	s := startServer(t, "--allow-private-networks")

	cases := []struct {
		name, path                 string
		body                       []byte
		wantName, wantExt, wantTyp string
		wantContentType            string
		wantWidth, wantHeight      float64 // -1: absent
	}{
		{"png", "/pixels.png", pngBytes, "pixels", "png", "IMG", "image/png", 7, 5},
		{"txt", "/notes.txt", txtBytes, "notes", "txt", "DOCUMENT", "text/plain; charset=utf-8", -1, -1},
	}
	for _, tc := range cases {
		id, link := startImport(t, s, map[string]any{
			"url": o.url(tc.path), "access": "PUBLIC_NOT_INDEXABLE", "folderPath": "/e2e/imports",
		})
		waitTask(t, s, id, 20*time.Second, "COMPLETE")
		if names := taskBlobs(t, s, "1", id); !slices.Contains(names, "imports/1/"+id) {
			t.Errorf("%s: blob storage holds %q for task %s, want its content at imports/1/%s", tc.name, names, id, id)
		}

		// The status, read once more through links.status, exactly as a client would.
		resp, b := s.do("GET", link, nil, s.Token)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: GET links.status: status = %d, want 200\n%s", tc.name, resp.StatusCode, b)
		}
		if got := resp.Header.Get("Content-Type"); got != jsonType {
			t.Errorf("%s: status Content-Type = %q, want %q", tc.name, got, jsonType)
		}
		if resp.Header.Get("X-HubSpot-Correlation-Id") == "" {
			t.Errorf("%s: status response has no X-HubSpot-Correlation-Id header", tc.name)
		}
		st := decodeJSON(t, b)
		if got, want := jstr(st, "links", "source"), o.url(tc.path); got != want {
			t.Errorf("%s: links.source = %q, want the URL the bytes came from, %q", tc.name, got, want)
		}
		if got := jstr(st, "taskId"); got != id {
			t.Errorf("%s: taskId = %q, want %q", tc.name, got, id)
		}
		if got := jstr(st, "status"); got != "COMPLETE" {
			t.Errorf("%s: status = %q, want COMPLETE", tc.name, got)
		}
		for _, k := range []string{"requestedAt", "startedAt", "completedAt"} {
			if v, ok := st[k].(string); !ok || !wireTimeRE.MatchString(v) {
				t.Errorf("%s: %s = %#v, want a string like 2023-06-28T17:56:45.393Z", tc.name, k, st[k])
			}
		}
		if got := jnum(st, "numErrors"); got != 0 {
			t.Errorf("%s: numErrors = %v, want 0", tc.name, got)
		}
		f, ok := st["result"].(map[string]any)
		if !ok {
			t.Fatalf("%s: result = %#v, want a File\n%s", tc.name, st["result"], b)
		}

		// The File.
		sum := md5.Sum(tc.body)
		wantPath := "/e2e/imports/" + tc.wantName + "." + tc.wantExt
		fileID := jstr(f, "id")
		if !decimalRE.MatchString(fileID) {
			t.Errorf("%s: result.id = %#v, want a decimal string", tc.name, f["id"])
		}
		for _, c := range []struct {
			field string
			got   any
			want  any
		}{
			{"name", f["name"], tc.wantName},
			{"extension", f["extension"], tc.wantExt},
			{"type", f["type"], tc.wantTyp},
			{"path", f["path"], wantPath},
			{"size", f["size"], float64(len(tc.body))},
			{"fileMd5", f["fileMd5"], hex.EncodeToString(sum[:])},
			{"access", f["access"], "PUBLIC_NOT_INDEXABLE"},
			{"archived", f["archived"], false},
		} {
			if c.got != c.want {
				t.Errorf("%s: result.%s = %#v, want %#v", tc.name, c.field, c.got, c.want)
			}
		}
		if tc.wantWidth >= 0 {
			if got := jnum(f, "width"); got != tc.wantWidth {
				t.Errorf("%s: result.width = %v, want %v", tc.name, got, tc.wantWidth)
			}
			if got := jnum(f, "height"); got != tc.wantHeight {
				t.Errorf("%s: result.height = %v, want %v", tc.name, got, tc.wantHeight)
			}
		}
		if jstr(f, "parentFolderId") == "" {
			t.Errorf("%s: result.parentFolderId = %#v, want a folder id", tc.name, f["parentFolderId"])
		}
		for _, k := range []string{"createdAt", "updatedAt"} {
			if v, ok := f[k].(string); !ok || !wireTimeRE.MatchString(v) {
				t.Errorf("%s: result.%s = %#v, want an ISO-8601 UTC string with milliseconds", tc.name, k, f[k])
			}
		}
		for _, k := range []string{"url", "defaultHostingUrl"} {
			u, err := url.Parse(jstr(f, k))
			if err != nil || !u.IsAbs() || u.Host == "" {
				t.Errorf("%s: result.%s = %#v, want an absolute URL", tc.name, k, f[k])
			}
		}

		// GET by id returns the same File.
		resp, b = s.do("GET", "/files/v3/files/"+fileID, nil, s.Token)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: GET file %s: status = %d, want 200\n%s", tc.name, fileID, resp.StatusCode, b)
		}
		if got := decodeJSON(t, b); !reflect.DeepEqual(got, f) {
			t.Errorf("%s: GET file %s =\n%v\nwant the task's result\n%v", tc.name, fileID, got, f)
		}

		checkHostedFile(t, s, tc.name, jstr(f, "url"), tc.body, tc.wantContentType)
	}
}

// checkHostedFile checks a public, not indexable file at its hosting URL:
// the bytes, the headers, a range and a conditional request.
func checkHostedFile(t *testing.T, s *server, name, fileURL string, want []byte, wantType string) {
	t.Helper()
	resp, b := s.do("GET", fileURL, nil, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: GET %s: status = %d, want 200\n%.300s", name, fileURL, resp.StatusCode, b)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("%s: GET %s: got %d bytes %q, want %d bytes %q", name, fileURL, len(b), b, len(want), want)
	}
	h := resp.Header
	if got := h.Get("Content-Type"); got != wantType {
		t.Errorf("%s: hosted Content-Type = %q, want %q", name, got, wantType)
	}
	if got := h.Get("X-Robots-Tag"); got != "noindex" {
		t.Errorf("%s: hosted X-Robots-Tag = %q, want noindex (PUBLIC_NOT_INDEXABLE)", name, got)
	}
	etag := h.Get("ETag")
	if etag == "" {
		t.Errorf("%s: hosted file has no ETag", name)
	}
	if h.Get("Last-Modified") == "" {
		t.Errorf("%s: hosted file has no Last-Modified", name)
	}

	resp, b = s.doHeader("GET", fileURL, nil, "", http.Header{"Range": {"bytes=0-3"}})
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(b, want[:4]) {
		t.Errorf("%s: GET Range bytes=0-3: status = %d, body = %q; want 206 and %q", name, resp.StatusCode, b, want[:4])
	}
	if etag != "" {
		resp, b = s.doHeader("GET", fileURL, nil, "", http.Header{"If-None-Match": {etag}})
		if resp.StatusCode != http.StatusNotModified || len(b) != 0 {
			t.Errorf("%s: GET If-None-Match %s: status = %d, %d body bytes; want 304 and none", name, etag, resp.StatusCode, len(b))
		}
	}
}

// TestImportNameRules checks renaming, the duplicate strategies, overwrite
// and an explicit name.
func TestImportNameRules(t *testing.T) {
	t.Parallel()
	skipShort(t)
	o := newOrigin(t)
	body := textBody("name rules", 300)
	o.serve("/dup.txt", "text/plain", body)
	s := startServer(t, "--allow-private-networks")
	req := func(extra map[string]any) map[string]any {
		m := map[string]any{"url": o.url("/dup.txt"), "access": "PUBLIC_INDEXABLE", "folderPath": "/e2e/names"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	complete := func(what string, extra map[string]any) map[string]any {
		t.Helper()
		id, _ := startImport(t, s, req(extra))
		st := waitTask(t, s, id, 20*time.Second, "COMPLETE")
		f, ok := st["result"].(map[string]any)
		if !ok {
			t.Fatalf("%s: COMPLETE without a result: %v", what, st)
		}
		return f
	}

	first := complete("first import", nil)
	if got, want := jstr(first, "path"), "/e2e/names/dup.txt"; got != want {
		t.Errorf("first import: path = %q, want %q", got, want)
	}
	second := complete("second import", nil)
	if jstr(second, "id") == jstr(first, "id") {
		t.Errorf("second import: id = %s, the same as the first; want a new file", jstr(second, "id"))
	}
	if got, want := jstr(second, "name"), "dup-1"; got != want {
		t.Errorf("second import: name = %q, want %q", got, want)
	}
	if got, want := jstr(second, "path"), "/e2e/names/dup-1.txt"; got != want {
		t.Errorf("second import: path = %q, want %q", got, want)
	}

	// REJECT: the same bytes exist, so the task is canceled with a conflict.
	id, _ := startImport(t, s, req(map[string]any{"duplicateValidationStrategy": "REJECT"}))
	st := waitTask(t, s, id, 20*time.Second, "CANCELED")
	if got := jnum(st, "numErrors"); got != 1 {
		t.Errorf("REJECT: numErrors = %v, want 1", got)
	}
	if got := jstr(st, "errors", 0, "category"); got != "CONFLICT" {
		t.Errorf("REJECT: errors[0].category = %q, want CONFLICT\n%v", got, st)
	}
	if got := jstr(st, "errors", 0, "errors", 0, "subCategory"); got != "DUPLICATE_FILE" {
		t.Errorf("REJECT: errors[0].errors[0].subCategory = %q, want DUPLICATE_FILE", got)
	}
	if jstr(st, "errors", 0, "message") == "" {
		t.Errorf("REJECT: errors[0].message is empty")
	}
	if st["result"] != nil {
		t.Errorf("REJECT: result = %v, want none", st["result"])
	}
	checkHostedMissing(t, s, "/e2e/names/dup-2.txt")
	checkNoBlob(t, s, "1", id)

	// RETURN_EXISTING: the task completes with an existing file and stores nothing new.
	id, _ = startImport(t, s, req(map[string]any{"duplicateValidationStrategy": "RETURN_EXISTING"}))
	existing, _ := waitTask(t, s, id, 20*time.Second, "COMPLETE")["result"].(map[string]any)
	checkNoBlob(t, s, "1", id)
	if got := jstr(existing, "id"); got != jstr(first, "id") && got != jstr(second, "id") {
		t.Errorf("RETURN_EXISTING: result.id = %q, want an existing file (%s or %s)", got, jstr(first, "id"), jstr(second, "id"))
	}
	checkHostedMissing(t, s, "/e2e/names/dup-2.txt")

	// overwrite: the new file takes the name, with a new id; the old one is archived.
	replaced := complete("overwrite", map[string]any{"overwrite": true})
	if got, want := jstr(replaced, "path"), "/e2e/names/dup.txt"; got != want {
		t.Errorf("overwrite: path = %q, want %q", got, want)
	}
	if jstr(replaced, "id") == jstr(first, "id") {
		t.Errorf("overwrite: id = %s, the old file's id; want a new id", jstr(replaced, "id"))
	}
	resp, b := s.do("GET", "/files/v3/files/"+jstr(first, "id"), nil, s.Token)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET overwritten file: status = %d, want 200\n%s", resp.StatusCode, b)
	} else if old := decodeJSON(t, b); old["archived"] != true {
		t.Errorf("GET overwritten file: archived = %#v, want true", old["archived"])
	}
	checkHostedMissing(t, s, "/e2e/names/dup-2.txt")

	// An explicit name is used; the extension still comes from the content.
	named := complete("explicit name", map[string]any{"name": "chosen"})
	if got, want := jstr(named, "path"), "/e2e/names/chosen.txt"; got != want {
		t.Errorf("name \"chosen\": path = %q, want %q", got, want)
	}
	if got := jstr(named, "name"); got != "chosen" {
		t.Errorf("name \"chosen\": name = %q, want chosen", got)
	}
}

// TestImportFailures checks that a failed fetch ends the task CANCELED,
// says why, and leaves no file behind.
func TestImportFailures(t *testing.T) {
	t.Parallel()
	skipShort(t)
	o := newOrigin(t)
	o.notFound("/missing.png")
	o.truncated("/cut.txt")
	refused := closedPortAddr(t)
	s := startServer(t, "--allow-private-networks", "--import-attempts", "1")

	cases := []struct {
		name, url, wantPath               string
		wantStatus, wantCategory, wantSub string
		wantContext                       map[string][]string
	}{
		{"origin 404", o.url("/missing.png"), "/e2e/failures/missing.png",
			"502", "FETCH_FAILED", "ORIGIN_CLIENT_ERROR", map[string][]string{"statusCode": {"404"}}},
		{"refused", "http://" + refused + "/refused.txt", "/e2e/failures/refused.txt",
			"502", "FETCH_FAILED", "CONNECTION_REFUSED", nil},
		{"truncated", o.url("/cut.txt"), "/e2e/failures/cut.txt",
			"502", "FETCH_FAILED", "BODY_TRUNCATED", nil},
	}
	ids := make([]string, len(cases))
	for i, tc := range cases {
		ids[i], _ = startImport(t, s, map[string]any{"url": tc.url, "access": "PUBLIC_INDEXABLE", "folderPath": "/e2e/failures"})
	}
	for i, tc := range cases {
		st := waitTask(t, s, ids[i], 20*time.Second, "CANCELED")
		if got := jnum(st, "numErrors"); got < 1 {
			t.Errorf("%s: numErrors = %v, want >= 1", tc.name, got)
		}
		for _, c := range []struct{ field, got, want string }{
			{"errors[0].status", jstr(st, "errors", 0, "status"), tc.wantStatus},
			{"errors[0].category", jstr(st, "errors", 0, "category"), tc.wantCategory},
			{"errors[0].errors[0].subCategory", jstr(st, "errors", 0, "errors", 0, "subCategory"), tc.wantSub},
		} {
			if c.got != c.want {
				t.Errorf("%s: %s = %q, want %q\nerrors: %v", tc.name, c.field, c.got, c.want, st["errors"])
			}
		}
		if jstr(st, "errors", 0, "message") == "" {
			t.Errorf("%s: errors[0].message is empty", tc.name)
		}
		for k, want := range tc.wantContext {
			if got := jstrings(st, "errors", 0, "context", k); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: errors[0].context.%s = %v, want %v", tc.name, k, got, want)
			}
		}
		if st["result"] != nil {
			t.Errorf("%s: result = %v, want none", tc.name, st["result"])
		}
		checkNoBlob(t, s, "1", ids[i])
		checkHostedMissing(t, s, tc.wantPath)
	}
}

// The status of a finished import shows its file as it is now: renamed,
// moved with its folder, archived, deleted for good. (On SQLite the server
// answers finished tasks from memory; this is what keeps that honest.)
func TestImportStatusFollowsItsFile(t *testing.T) {
	t.Parallel()
	o := newOrigin(t)
	o.serve("/follow.txt", "text/plain; charset=utf-8", []byte("a file whose task is read while it changes\n"))
	s := startServer(t, "--allow-private-networks")
	id, link := startImport(t, s, map[string]any{"url": o.url("/follow.txt"), "access": "PRIVATE", "folderPath": "/e2e/follow"})
	waitTask(t, s, id, 20*time.Second, "COMPLETE")
	status := func(step string) map[string]any {
		t.Helper()
		var last map[string]any
		for range 2 { // the second read is the one a cache would answer
			resp, b := s.do("GET", link, nil, s.Token)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: GET status = %d\n%s", step, resp.StatusCode, b)
			}
			last = decodeJSON(t, b)
		}
		return last
	}
	st := status("at first")
	fileID, folderID := jstr(st, "result", "id"), jstr(st, "result", "parentFolderId")
	if got := jstr(st, "result", "path"); got != "/e2e/follow/follow.txt" {
		t.Fatalf("at first: result.path = %q", got)
	}
	if resp, b := s.do("PATCH", "/files/v3/files/"+fileID, map[string]any{"name": "renamed"}, s.Token); resp.StatusCode != http.StatusOK {
		t.Fatalf("rename the file: %d\n%s", resp.StatusCode, b)
	}
	if got := jstr(status("after a rename"), "result", "path"); got != "/e2e/follow/renamed.txt" {
		t.Errorf("after a rename: result.path = %q, want /e2e/follow/renamed.txt", got)
	}
	if resp, b := s.do("PATCH", "/files/v3/folders/"+folderID, map[string]any{"name": "moved"}, s.Token); resp.StatusCode != http.StatusOK {
		t.Fatalf("rename the folder: %d\n%s", resp.StatusCode, b)
	}
	if got := jstr(status("after its folder was renamed"), "result", "path"); got != "/e2e/moved/renamed.txt" {
		t.Errorf("after its folder was renamed: result.path = %q, want /e2e/moved/renamed.txt", got)
	}
	if resp, b := s.do("DELETE", "/files/v3/files/"+fileID, nil, s.Token); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("archive the file: %d\n%s", resp.StatusCode, b)
	}
	if got := status("after the file was archived")["result"]; got != nil {
		if archived, _ := got.(map[string]any)["archived"].(bool); !archived {
			t.Errorf("after the file was archived: result = %v, want it archived or gone", got)
		}
	}
	if resp, b := s.do("DELETE", "/files/v3/files/"+fileID+"/gdpr-delete", nil, s.Token); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete the file for good: %d\n%s", resp.StatusCode, b)
	}
	if st := status("after the file was deleted for good"); st["result"] != nil || jstr(st, "status") != "COMPLETE" {
		t.Errorf("after the file was deleted for good: status %q, result %v; want COMPLETE and no result", jstr(st, "status"), st["result"])
	}
}
