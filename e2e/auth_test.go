package e2e

import (
	"net/http"
	"slices"
	"testing"
	"time"
)

// TestImportAuth checks authentication, scopes and portal isolation on the
// import endpoints.
func TestImportAuth(t *testing.T) {
	t.Parallel()
	skipShort(t)
	o := newOrigin(t)
	o.serve("/auth.txt", "text/plain", textBody("auth", 200))
	s := startServer(t, "--allow-private-networks")
	readOnly := s.createToken(1, "files.read")
	portal2 := s.createToken(2, "files")

	importBody := map[string]any{"url": o.url("/auth.txt"), "access": "PUBLIC_INDEXABLE", "folderPath": "/e2e/auth"}
	id, _ := startImport(t, s, importBody)
	st := waitTask(t, s, id, 20*time.Second, "COMPLETE")
	fileID := jstr(st, "result", "id")

	// No token, or a wrong one.
	resp, b := s.do("POST", importPath, importBody, "")
	checkError(t, "POST without a token", resp, b, http.StatusUnauthorized, "INVALID_AUTHENTICATION")
	resp, b = s.do("GET", taskPath(id), nil, "")
	checkError(t, "GET status without a token", resp, b, http.StatusUnauthorized, "INVALID_AUTHENTICATION")
	resp, b = s.do("POST", importPath, importBody, "ferry-not-a-real-token")
	checkError(t, "POST with a wrong token", resp, b, http.StatusUnauthorized, "INVALID_AUTHENTICATION")

	// A read-only token may read a status but not start an import.
	resp, b = s.do("POST", importPath, importBody, readOnly)
	m := checkError(t, "POST with files.read", resp, b, http.StatusForbidden, "MISSING_SCOPES")
	want := []string{"files", "files.ui_hidden.write", "files.write"}
	for _, where := range [][]any{{"context"}, {"errors", 0, "context"}} {
		got := jstrings(m, append(where, "requiredGranularScopes")...)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("POST with files.read: %v.requiredGranularScopes = %q, want %q (any order)\n%s", where, got, want, b)
		}
	}
	resp, b = s.do("GET", taskPath(id), nil, readOnly)
	if resp.StatusCode != http.StatusOK || jstr(decodeJSON(t, b), "status") != "COMPLETE" {
		t.Errorf("GET status with files.read: status = %d, want 200 and a COMPLETE task\n%s", resp.StatusCode, b)
	}

	// Another portal sees neither the task nor the file, exactly as if they did not exist.
	resp, b = s.do("GET", taskPath(id), nil, portal2)
	foreign := checkError(t, "portal 2 GET portal 1's task", resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")
	resp, b = s.do("GET", taskPath("does-not-exist"), nil, portal2)
	unknown := checkError(t, "portal 2 GET an unknown task", resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")
	for _, k := range []string{"status", "category", "subCategory"} {
		if foreign[k] != unknown[k] {
			t.Errorf("foreign task %s = %#v, unknown task %s = %#v; want them the same", k, foreign[k], k, unknown[k])
		}
	}
	resp, b = s.do("GET", "/files/v3/files/"+fileID, nil, portal2)
	checkError(t, "portal 2 GET portal 1's file", resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")
	resp, b = s.do("GET", "/files/v3/files/"+fileID, nil, s.Token)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("portal 1 GET its own file %s: status = %d, want 200\n%s", fileID, resp.StatusCode, b)
	}

	// Unknown and odd task ids.
	resp, b = s.do("GET", taskPath("does-not-exist"), nil, s.Token)
	checkError(t, "GET an unknown task", resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")
	resp, b = s.do("GET", importPath+"/tasks/a%2Fb%20c/status", nil, s.Token)
	checkError(t, "GET task a%2Fb%20c", resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")
	s.waitHealthy() // still up
}
