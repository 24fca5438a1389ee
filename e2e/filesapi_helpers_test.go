package e2e

// Helpers for the file, hosting, search and folder tests: multipart
// uploads (buffered and streamed), searches that page to the end, blob
// storage listings and small JSON conveniences.

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The API paths these tests use.
const (
	filesPath   = "/files/v3/files"
	foldersPath = "/files/v3/folders"
	fileSearch  = "/files/v3/files/search"
	folderSrch  = "/files/v3/folders/search"
	folderAsync = "/files/v3/folders/update/async"
)

// formPart is one part of a multipart/form-data body. A part with a
// fileName is a file part.
type formPart struct {
	name     string
	fileName string
	ctype    string
	body     []byte
}

// filePart is the "file" part, as the Node SDK sends it: a file name and a
// Content-Type guessed from it.
func filePart(fileName, ctype string, body []byte) formPart {
	return formPart{name: "file", fileName: fileName, ctype: ctype, body: body}
}

// fieldPart is a text part without a Content-Type.
func fieldPart(name, value string) formPart { return formPart{name: name, body: []byte(value)} }

// optionsPart is the "options" part: a JSON string.
func optionsPart(opts map[string]any) formPart {
	b, err := json.Marshal(opts)
	if err != nil {
		panic(err)
	}
	return fieldPart("options", string(b))
}

// writeParts writes parts with w, the file part in chunks of at most 32 KiB.
func writeParts(w *multipart.Writer, parts []formPart) error {
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		if p.fileName != "" {
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, p.name, p.fileName))
			if p.ctype != "" {
				h.Set("Content-Type", p.ctype)
			}
		} else {
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q`, p.name))
		}
		pw, err := w.CreatePart(h)
		if err != nil {
			return err
		}
		for off := 0; off < len(p.body); off += 32 << 10 {
			if _, err := pw.Write(p.body[off:min(off+32<<10, len(p.body))]); err != nil {
				return err
			}
		}
	}
	return w.Close()
}

// encodeForm returns a multipart body and its Content-Type. The boundary
// looks like the form-data package's, as the Node SDK sends it.
func encodeForm(t *testing.T, parts []formPart) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if err := w.SetBoundary("--------------------------" + randomHex(t, 12)); err != nil {
		t.Fatal(err)
	}
	if err := writeParts(w, parts); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), w.FormDataContentType()
}

// sendForm sends a multipart request with a Content-Length through the
// harness.
func sendForm(t *testing.T, s *server, method, path, token string, parts ...formPart) (*http.Response, []byte) {
	t.Helper()
	body, ct := encodeForm(t, parts)
	return s.doHeader(method, path, body, token, http.Header{"Content-Type": {ct}})
}

// streamForm sends a multipart request the way the Node SDK 14 does:
// chunked, with no Content-Length, written while the server reads it.
func streamForm(t *testing.T, s *server, method, path, token string, parts ...formPart) (*http.Response, []byte) {
	t.Helper()
	pr, pw := io.Pipe()
	w := multipart.NewWriter(pw)
	go func() { pw.CloseWithError(writeParts(w, parts)) }()
	req, err := http.NewRequest(method, s.BaseURL+path, pr)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = -1 // unknown: the transport sends it chunked
	req.Header.Set("Content-Type", w.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		pr.CloseWithError(err)
		t.Fatalf("%s %s (chunked): %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s (chunked): read body: %v", method, path, err)
	}
	pr.Close()
	return resp, b
}

// checkCreatedFile checks an upload's 201, its Location header and its JSON
// content type, and returns the File.
func checkCreatedFile(t *testing.T, s *server, what string, resp *http.Response, b []byte) map[string]any {
	t.Helper()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("%s: status = %d, want 201\n%s", what, resp.StatusCode, b)
	}
	if got := resp.Header.Get("Content-Type"); got != jsonType {
		t.Errorf("%s: Content-Type = %q, want %q", what, got, jsonType)
	}
	f := decodeJSON(t, b)
	id := jstr(f, "id")
	if !decimalRE.MatchString(id) {
		t.Fatalf("%s: id = %#v, want a decimal string\n%s", what, f["id"], b)
	}
	if got, want := resp.Header.Get("Location"), s.BaseURL+filesPath+"/"+id; got != want {
		t.Errorf("%s: Location = %q, want %q", what, got, want)
	}
	return f
}

// uploadFile uploads content to folderPath as fileName with options, in the
// Node SDK's part order, and returns the File.
func uploadFile(t *testing.T, s *server, folderPath, fileName string, content []byte, opts map[string]any) map[string]any {
	t.Helper()
	resp, b := sendForm(t, s, "POST", filesPath, s.Token,
		filePart(fileName, guessType(fileName), content), fieldPart("folderPath", folderPath), optionsPart(opts))
	return checkCreatedFile(t, s, "upload "+folderPath+"/"+fileName, resp, b)
}

// accessOpts returns upload options with just an access level.
func accessOpts(a string) map[string]any { return map[string]any{"access": a} }

// guessType guesses a part's Content-Type from a file name, as the SDK does.
func guessType(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".png":
		return "image/png"
	case ".txt":
		return "text/plain"
	case ".html":
		return "text/html"
	case ".svg":
		return "image/svg+xml"
	case ".json":
		return "application/json"
	}
	return "application/octet-stream"
}

// getFile reads a file by id with the bootstrap token and wants 200.
func getFile(t *testing.T, s *server, id string) map[string]any {
	t.Helper()
	resp, b := s.do("GET", filesPath+"/"+id, nil, s.Token)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET file %s: status = %d, want 200\n%s", id, resp.StatusCode, b)
	}
	return decodeJSON(t, b)
}

// wantStatus checks a status code.
func wantStatus(t *testing.T, what string, resp *http.Response, b []byte, want int) bool {
	t.Helper()
	if resp.StatusCode != want {
		t.Errorf("%s: status = %d, want %d\n%.400s", what, resp.StatusCode, want, b)
		return false
	}
	return true
}

// wantIn checks that a 400 error body names the field in errors[].in.
func wantIn(t *testing.T, what string, m map[string]any, field string) {
	t.Helper()
	if in := errorFields(m); !slices.Contains(in, field) {
		t.Errorf("%s: errors[].in = %q, want an entry for %q\n%v", what, in, field, m)
	}
}

// checkInvalid checks a 400 VALIDATION_ERROR that names field.
func checkInvalid(t *testing.T, what string, resp *http.Response, b []byte, field string) {
	t.Helper()
	m := wantError(t, what, resp, b, http.StatusBadRequest, "VALIDATION_ERROR")
	if field != "" && resp.StatusCode == http.StatusBadRequest {
		wantIn(t, what, m, field)
	}
}

// hostGet fetches an absolute or server-relative URL without a token.
func hostGet(t *testing.T, s *server, u string, h http.Header) (*http.Response, []byte) {
	t.Helper()
	return s.doHeader("GET", u, nil, "", h)
}

// checkServed checks that a URL serves want.
func checkServed(t *testing.T, s *server, what, u string, want []byte) *http.Response {
	t.Helper()
	resp, b := hostGet(t, s, u, nil)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("%s: GET %s: status = %d, want 200\n%.200s", what, u, resp.StatusCode, b)
		return resp
	}
	if !bytes.Equal(b, want) {
		t.Errorf("%s: GET %s: got %d bytes, want %d bytes %.60q", what, u, len(b), len(want), want)
	}
	return resp
}

// checkNotServed checks that a URL answers 404.
func checkNotServed(t *testing.T, s *server, what, u string) {
	t.Helper()
	resp, b := hostGet(t, s, u, nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("%s: GET %s: status = %d, want 404\n%.200s", what, u, resp.StatusCode, b)
	}
}

// signedURL asks for a signed URL with the given query and wants 200.
func signedURL(t *testing.T, s *server, id, query string) map[string]any {
	t.Helper()
	p := filesPath + "/" + id + "/signed-url"
	if query != "" {
		p += "?" + query
	}
	resp, b := s.do("GET", p, nil, s.Token)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status = %d, want 200\n%s", p, resp.StatusCode, b)
	}
	return decodeJSON(t, b)
}

// onServer re-bases an absolute URL on the server's current address (it
// changes across restarts), keeping path and query.
func onServer(t *testing.T, s *server, u string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatalf("parse %q: %v", u, err)
	}
	return s.BaseURL + p.RequestURI()
}

// blobFiles lists every key under files/ in the server's blob storage.
func blobFiles(t *testing.T, s *server) []string {
	t.Helper()
	return listBlobs(t, s, "files/")
}

// newBlobs returns the entries of after that are not in before.
func newBlobs(before, after []string) []string {
	var out []string
	for _, p := range after {
		if !slices.Contains(before, p) {
			out = append(out, p)
		}
	}
	return out
}

// searchPage runs one search and returns the decoded collection.
func searchPage(t *testing.T, s *server, path string, q url.Values) map[string]any {
	t.Helper()
	u := path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	resp, b := s.do("GET", u, nil, s.Token)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s: status = %d, want 200\n%s", u, resp.StatusCode, b)
		return nil
	}
	return decodeJSON(t, b)
}

// resultIDs returns the ids of a collection's results, in order.
func resultIDs(m map[string]any) []string {
	rs, _ := m["results"].([]any)
	ids := make([]string, 0, len(rs))
	for _, r := range rs {
		ids = append(ids, jstr(r, "id"))
	}
	return ids
}

// searchAll runs a search with limit 100 and follows paging.next.after to
// the end, returning every id in order. It fails on a page that repeats
// an id.
func searchAll(t *testing.T, s *server, path string, q url.Values) []string {
	t.Helper()
	q2 := url.Values{}
	for k, v := range q {
		q2[k] = slices.Clone(v)
	}
	if q2.Get("limit") == "" {
		q2.Set("limit", "100")
	}
	var all []string
	for page := 0; page < 200; page++ {
		m := searchPage(t, s, path, q2)
		if m == nil {
			return all
		}
		all = append(all, resultIDs(m)...)
		after := jstr(m, "paging", "next", "after")
		if after == "" {
			return all
		}
		q2.Set("after", after)
	}
	t.Errorf("search %s?%s: more than 200 pages", path, q.Encode())
	return all
}

// sameSet reports whether a and b hold the same strings, ignoring order,
// and describes the difference.
func sameSet(a, b []string) (bool, string) {
	ca, cb := map[string]int{}, map[string]int{}
	for _, x := range a {
		ca[x]++
	}
	for _, x := range b {
		cb[x]++
	}
	var extra, missing, dups []string
	for x, n := range ca {
		if n > 1 {
			dups = append(dups, x)
		}
		if cb[x] == 0 {
			extra = append(extra, x)
		}
	}
	for x := range cb {
		if ca[x] == 0 {
			missing = append(missing, x)
		}
	}
	if len(extra)+len(missing)+len(dups) == 0 {
		return true, ""
	}
	sort.Strings(extra)
	sort.Strings(missing)
	sort.Strings(dups)
	return false, fmt.Sprintf("%d results, want %d; unexpected %v, missing %v, repeated %v", len(a), len(b), extra, missing, dups)
}

// isoMS formats a time as the Node SDK sends dates: toISOString().
func isoMS(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// epochMS formats a time as epoch milliseconds.
func epochMS(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// parseWireTime parses a response timestamp.
func parseWireTime(t *testing.T, what, v string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		t.Fatalf("%s: %q is not an ISO-8601 time: %v", what, v, err)
	}
	return tm
}

// createFolder posts a FolderInput (raw JSON or a map) and wants 201 with
// a Location header; it returns the Folder.
func createFolder(t *testing.T, s *server, body any) map[string]any {
	t.Helper()
	resp, b := s.do("POST", foldersPath, body, s.Token)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST %s %v: status = %d, want 201\n%s", foldersPath, body, resp.StatusCode, b)
	}
	f := decodeJSON(t, b)
	id := jstr(f, "id")
	if !decimalRE.MatchString(id) {
		t.Fatalf("POST %s: id = %#v, want a decimal string", foldersPath, f["id"])
	}
	if got, want := resp.Header.Get("Location"), s.BaseURL+foldersPath+"/"+id; got != want {
		t.Errorf("POST %s: Location = %q, want %q", foldersPath, got, want)
	}
	return f
}

// getFolder reads a folder by id or path reference and wants 200.
func getFolder(t *testing.T, s *server, ref string) map[string]any {
	t.Helper()
	resp, b := s.do("GET", foldersPath+"/"+ref, nil, s.Token)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET folder %s: status = %d, want 200\n%s", ref, resp.StatusCode, b)
	}
	return decodeJSON(t, b)
}

// objKeys returns an object's keys, sorted.
func objKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// numID parses a decimal id for numeric comparisons.
func numID(t *testing.T, id string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		t.Fatalf("id %q is not decimal", id)
	}
	return n
}

func contentMD5(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

// checkFileFields compares a File's fields with the wanted values.
func checkFileFields(t *testing.T, what string, f map[string]any, want map[string]any) {
	t.Helper()
	for k, w := range want {
		if got := f[k]; !reflect.DeepEqual(got, w) {
			t.Errorf("%s: %s = %#v, want %#v", what, k, got, w)
		}
	}
}

// runPool runs do(i) for i in [0, n) on a bounded pool of workers.
func runPool(n, workers int, do func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				do(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// firstDiff returns the first index where a and b differ.
func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// firstN returns at most the first n strings of s.
func firstN(s []string, n int) []string { return s[:min(n, len(s))] }

// jsonEqual compares two decoded JSON values.
func jsonEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// checkRobots checks the X-Robots-Tag header of a served file.
func checkRobots(t *testing.T, what string, resp *http.Response, noindex bool) {
	t.Helper()
	got := resp.Header.Get("X-Robots-Tag")
	if noindex && got != "noindex" {
		t.Errorf("%s: X-Robots-Tag = %q, want noindex", what, got)
	}
	if !noindex && got != "" {
		t.Errorf("%s: X-Robots-Tag = %q, want none (indexable)", what, got)
	}
}

// wantError is checkError with a single, short failure when the status
// code is already wrong.
func wantError(t *testing.T, what string, resp *http.Response, b []byte, wantCode int, wantCategory string) map[string]any {
	t.Helper()
	if resp.StatusCode != wantCode {
		t.Errorf("%s: status = %d, want %d %s\n%.400s", what, resp.StatusCode, wantCode, wantCategory, b)
		return map[string]any{}
	}
	return checkError(t, what, resp, b, wantCode, wantCategory)
}
