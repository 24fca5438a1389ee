package e2e

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// multipart posts a multipart form (fields in order, then a file part)
// to the console.
func (c *consoleClient) multipart(path string, fields [][2]string, fileName string, content []byte) (*http.Response, string) {
	c.t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, f := range fields {
		w.WriteField(f[0], f[1])
	}
	if fileName != "" {
		fw, _ := w.CreateFormFile("file", fileName)
		fw.Write(content)
	}
	w.Close()
	resp, err := c.http.Post(c.s.BaseURL+path, w.FormDataContentType(), &b)
	if err != nil {
		c.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// TestConsoleFileActions changes a file through the console's forms, the
// way a browser without JavaScript sends them, and checks each change
// through the API.
func TestConsoleFileActions(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := newConsoleClient(t, s)
	csrf := c.signIn(s.Token)
	file := uploadFile(t, s, "/docs", "notes.txt", []byte("first version"), map[string]any{"access": "PRIVATE"})
	id := fmt.Sprint(file["id"])
	page := "/console/files/" + id
	post := func(action string, form url.Values) {
		t.Helper()
		form.Set("csrf", csrf)
		resp, body := c.post(page+"/"+action, form)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s %v: %d, want 303\n%s", action, form, resp.StatusCode, body)
		}
	}

	post("update", url.Values{"name": {"renamed"}})
	if resp, body := c.post("/console/folders", url.Values{"csrf": {csrf}, "name": {"archive"}, "parentPath": {"/"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create /archive: %d\n%s", resp.StatusCode, body)
	}
	post("update", url.Values{"folderPath": {"/archive"}})
	post("update", url.Values{"access": {"PUBLIC_NOT_INDEXABLE"}})
	post("update", url.Values{"expiresAt": {"2099-01-02T03:04"}})
	got := getFile(t, s, id)
	if got["path"] != "/archive/renamed.txt" || got["access"] != "PUBLIC_NOT_INDEXABLE" || got["expiresAt"] != float64(4071006240000) /* 2099-01-02T03:04Z */ {
		t.Errorf("after the console's changes the file is %v", got)
	}
	post("update", url.Values{"clearExpires": {"1"}})
	if got := getFile(t, s, id); got["expiresAt"] != nil {
		t.Errorf("expiresAt=%v after clearing it, want none", got["expiresAt"])
	}
	resp, _ := c.post(page+"/update", url.Values{"csrf": {csrf}, "access": {"EVERYONE"}})
	mustStatus(t, "a bad access level", resp, http.StatusBadRequest)
	resp, _ = c.post(page+"/update", url.Values{"csrf": {csrf}, "name": {"a/b"}})
	mustStatus(t, "a name with a slash", resp, http.StatusBadRequest)

	// Replace: a plain form sends the CSRF token as its first part.
	resp, _ = c.multipart(page+"/replace", nil, "v2.txt", []byte("second version"))
	mustStatus(t, "replace without the CSRF token", resp, http.StatusForbidden)
	resp, _ = c.multipart(page+"/replace", [][2]string{{"csrf", "wrong"}}, "v2.txt", []byte("second version"))
	mustStatus(t, "replace with a wrong CSRF token", resp, http.StatusForbidden)
	resp, body := c.multipart(page+"/replace", [][2]string{{"csrf", csrf}}, "v2.txt", []byte("second version"))
	mustStatus(t, "replace", resp, http.StatusSeeOther)
	if _, content := c.get(page + "/download"); content != "second version" {
		t.Errorf("download after replace=%q, want the new content (%s)", content, body)
	}
	resp, _ = c.get(page + "/download")
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") || !strings.Contains(cd, "renamed.txt") {
		t.Errorf("download Content-Disposition=%q, want an attachment named renamed.txt", cd)
	}

	// Upload through the console: the header carries the CSRF token.
	up := func(header string) (*http.Response, string) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		w.WriteField("folderPath", "/docs")
		w.WriteField("access", "PRIVATE")
		w.WriteField("duplicateValidationStrategy", "REJECT")
		fw, _ := w.CreateFormFile("file", "dup.txt")
		fw.Write([]byte("second version"))
		w.Close()
		req, _ := http.NewRequest("POST", s.BaseURL+"/console/upload", &b)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("Accept", "application/json")
		if header != "" {
			req.Header.Set("X-CSRF-Token", header)
		}
		resp, err := c.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp, string(out)
	}
	resp, _ = up("")
	mustStatus(t, "upload without the CSRF token", resp, http.StatusForbidden)
	resp, body = up(csrf)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "message") {
		t.Errorf("upload of a duplicate with REJECT: %d %s, want 409 with a message", resp.StatusCode, body)
	}

	// Archive, then the GDPR delete, which wants the file's name typed.
	post("archive", url.Values{})
	if got := getFile(t, s, id); got["archived"] != true {
		t.Errorf("archived=%v after archiving, want true", got["archived"])
	}
	resp, _ = c.post(page+"/delete", url.Values{"csrf": {csrf}, "confirm": {"not the name"}})
	mustStatus(t, "delete with a wrong confirmation", resp, http.StatusBadRequest)
	post("delete", url.Values{"confirm": {"renamed.txt"}})
	if resp, _ := s.do("GET", filesPath+"/"+id, nil, s.Token); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET after the GDPR delete: %d, want 404", resp.StatusCode)
	}
}

// TestConsoleFolderActions renames and archives a folder through the
// console's forms and checks both through the API.
func TestConsoleFolderActions(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := newConsoleClient(t, s)
	csrf := c.signIn(s.Token)
	uploadFile(t, s, "/old/inner", "a.txt", []byte("inside"), map[string]any{"access": "PRIVATE"})
	resp, body := s.do("GET", "/files/v3/folders/old", nil, s.Token)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET folder /old: %d %s", resp.StatusCode, body)
	}
	id := fmt.Sprint(decodeJSON(t, body)["id"])
	if resp, page := c.get("/console/folders/" + id); resp.StatusCode != http.StatusOK || !strings.Contains(page, `action="/console/folders/`+id+`/move"`) {
		t.Fatalf("folder page: %d, want 200 with the move form", resp.StatusCode)
	}
	resp, _ = c.post("/console/folders/"+id+"/rename", url.Values{"csrf": {csrf}, "name": {"new"}})
	mustStatus(t, "rename", resp, http.StatusSeeOther)
	if resp, _ := s.do("GET", "/files/v3/files/stat/new/inner/a.txt", nil, s.Token); resp.StatusCode != http.StatusOK {
		t.Errorf("after the rename /new/inner/a.txt: %d, want 200", resp.StatusCode)
	}
	resp, _ = c.post("/console/folders/"+id+"/move", url.Values{"csrf": {csrf}, "parentPath": {"/nowhere"}})
	mustStatus(t, "move into a folder that does not exist", resp, http.StatusBadRequest)
	resp, _ = c.post("/console/folders/"+id+"/archive", url.Values{"csrf": {csrf}})
	mustStatus(t, "archive", resp, http.StatusSeeOther)
	if resp.Header.Get("Location") != "/console/browse?done=archived" {
		t.Errorf("archive leads to %q, want the parent folder", resp.Header.Get("Location"))
	}
	if resp, _ := s.do("GET", "/files/v3/files/stat/new/inner/a.txt", nil, s.Token); resp.StatusCode != http.StatusNotFound {
		t.Errorf("after archiving the folder its file answers %d, want 404", resp.StatusCode)
	}
}

// TestConsoleUploadWithoutScript sends the upload form as a browser
// without JavaScript does: the CSRF token as its first part, one file,
// and the answer leads to the new file's page.
func TestConsoleUploadWithoutScript(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := newConsoleClient(t, s)
	csrf := c.signIn(s.Token)
	fields := [][2]string{{"csrf", csrf}, {"folderPath", "/plain"}, {"access", "PRIVATE"}, {"duplicateValidationStrategy", "NONE"},
		{"duplicateValidationScope", "ENTIRE_PORTAL"}, {"overwrite", "false"}}
	resp, body := c.multipart("/console/upload", fields, "plain.txt", []byte("sent by a form"))
	mustStatus(t, "upload by form", resp, http.StatusSeeOther)
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/console/files/") {
		t.Fatalf("upload by form leads to %q, want the file's page\n%s", loc, body)
	}
	if resp, _ := s.do("GET", "/files/v3/files/stat/plain/plain.txt", nil, s.Token); resp.StatusCode != http.StatusOK {
		t.Errorf("the uploaded file is not in the API: %d", resp.StatusCode)
	}
	resp, _ = c.multipart("/console/upload", fields[1:], "plain.txt", []byte("no token"))
	mustStatus(t, "upload by form without the token", resp, http.StatusForbidden)
}

// TestConsoleUploadPartsLimit checks the bound on a console form's parts:
// 16 in all, the CSRF token's part counted when a plain form sends it
// first.
func TestConsoleUploadPartsLimit(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := newConsoleClient(t, s)
	csrf := c.signIn(s.Token)
	// fields returns the CSRF token's part and the upload's fields, then
	// unread ones up to parts in all, the file part included.
	fields := func(parts int) [][2]string {
		f := [][2]string{{"csrf", csrf}, {"folderPath", "/limit"}, {"access", "PRIVATE"}, {"duplicateValidationStrategy", "NONE"},
			{"duplicateValidationScope", "ENTIRE_PORTAL"}, {"overwrite", "true"}}
		for i := 0; len(f) < parts-1; i++ {
			f = append(f, [2]string{fmt.Sprintf("extra%d", i), "x"})
		}
		return f
	}
	resp, _ := c.multipart("/console/upload", fields(16), "a.txt", []byte("sixteen parts"))
	mustStatus(t, "16 parts, the token first", resp, http.StatusSeeOther)
	resp, body := c.multipart("/console/upload", fields(17), "a.txt", []byte("seventeen parts"))
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("17 parts, the token first: %d, want 400\n%s", resp.StatusCode, body)
	}
}
