package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
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

// TestHardenSlowAndTruncatedBodies: a body that stalls or trickles ends
// with 408 and leaves no blob; a body cut short answers 400 with a clear
// message and is logged at info level, never as an internal error; one
// token cannot hold more uploads open than its share.
func TestHardenSlowAndTruncatedBodies(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--body-idle-timeout", "1s", "--body-min-rate", "1000", "--max-uploads-per-token", "2")
	head := func(method, path string, length int) string {
		return fmt.Sprintf("%s %s HTTP/1.1\r\nHost: ferry\r\nAuthorization: Bearer %s\r\n"+
			"Content-Type: multipart/form-data; boundary=XX\r\nContent-Length: %d\r\n\r\n", method, path, s.Token, length)
	}
	const partHead = "--XX\r\nContent-Disposition: form-data; name=\"folderPath\"\r\n\r\n/slow\r\n" +
		"--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
	const tail = "\r\n--XX--\r\n"
	before := blobFiles(t, s)

	// Two uploads of one token send steadily (2000 B/s) for a while and
	// then stall; a third upload of that token is refused while they
	// last, one of another token is not. A third token's upload trickles
	// (one byte every 300 ms, under 1000 B/s).
	other := s.createToken(1, "files")
	type answer struct {
		what string
		resp *http.Response
		body []byte
	}
	slow := make(chan answer, 3)
	send := func(what, token string, chunk, n int, every time.Duration) {
		c := dialServer(t, s)
		defer c.Close()
		req := head("POST", "/files/v3/files", len(partHead)+100000+len(tail))
		req = strings.Replace(req, s.Token, token, 1)
		io.WriteString(c, req+partHead)
		for range n {
			if _, err := c.Write(bytes.Repeat([]byte{'x'}, chunk)); err != nil {
				break
			}
			time.Sleep(every)
		}
		resp, b := readAnswer(t, c, what)
		slow <- answer{what, resp, b}
	}
	go send("held upload 1, then stalled", s.Token, 200, 60, 100*time.Millisecond)
	go send("held upload 2, then stalled", s.Token, 200, 60, 100*time.Millisecond)
	go send("trickled upload", s.createToken(1, "files"), 1, 100, 300*time.Millisecond)
	waitFor(t, 30*time.Second, "two uploads in progress", func() bool {
		resp, _ := sendForm(t, s, "POST", filesPath, s.Token, filePart("c.txt", "text/plain", []byte("c")), fieldPart("folderPath", "/slow"))
		return resp.StatusCode == http.StatusTooManyRequests
	})
	resp, b := sendForm(t, s, "POST", filesPath, s.Token, filePart("c.txt", "text/plain", []byte("c")), fieldPart("folderPath", "/slow"))
	checkHubSpotError(t, "third upload of one token", resp, b, http.StatusTooManyRequests)
	resp, b = sendForm(t, s, "POST", filesPath, other, filePart("d.txt", "text/plain", []byte("d")), fieldPart("folderPath", "/slow"),
		optionsPart(accessOpts("PRIVATE")))
	wantStatus(t, "upload of another token", resp, b, http.StatusCreated)
	for range 3 {
		a := <-slow
		m := checkHubSpotError(t, a.what, a.resp, a.body, http.StatusRequestTimeout)
		if m != nil && m["subCategory"] != "BODY_TOO_SLOW" {
			t.Errorf("%s: subCategory=%v, want BODY_TOO_SLOW", a.what, m["subCategory"])
		}
	}

	// A body that stops inside the file part: cut by the client (it
	// half-closes before Content-Length), or complete in transport but
	// without the closing boundary. Both upload and replace.
	f := uploadFile(t, s, "/slow", "r.txt", []byte("r"), accessOpts("PRIVATE"))
	for _, target := range []struct{ method, path string }{{"POST", "/files/v3/files"}, {"PUT", "/files/2026-03/files/" + f["id"].(string)}} {
		full := partHead + strings.Repeat("y", 5000) + tail
		cut := full[:len(partHead)+2500]
		for _, c := range []struct{ name, req string }{
			{"client stops early", head(target.method, target.path, len(full)) + cut},
			{"no closing boundary", head(target.method, target.path, len(cut)) + cut},
		} {
			conn := dialServer(t, s)
			io.WriteString(conn, c.req)
			conn.(*net.TCPConn).CloseWrite()
			resp, b := readAnswer(t, conn, c.name)
			conn.Close()
			m := checkHubSpotError(t, target.method+" "+c.name, resp, b, http.StatusBadRequest)
			if m != nil && !strings.Contains(fmt.Sprint(m["message"]), "ended") {
				t.Errorf("%s %s: message %q does not say the body ended early", target.method, c.name, m["message"])
			}
		}
	}
	if got := getFile(t, s, f["id"].(string)); got["size"] != 1.0 {
		t.Errorf("replaced file after cut replaces: size=%v, want 1 (unchanged)", got["size"])
	}
	waitFor(t, 30*time.Second, "no blob left by the slow or cut bodies", func() bool { return len(newBlobs(before, blobFiles(t, s))) == 2 })
	log := s.log.String()
	if strings.Contains(log, "level=ERROR") {
		t.Errorf("the server logged an error for a slow or cut body:\n%s", log)
	}
	if !strings.Contains(log, "client went away") {
		t.Errorf("no info line says the client went away:\n%s", log)
	}
	checkHealthy(t, s)
}

// TestHardenAmplification: a Range header cannot make a public file's
// answer much larger than the file; an image with too many pixels is
// refused from its header, before decoding; and resizes share the work
// without failing the requests beside them.
func TestHardenAmplification(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--max-image-pixels", "1000000")
	content := textBody("range", 100_000)
	f := uploadFile(t, s, "/amp", "big.txt", content, accessOpts("PUBLIC_NOT_INDEXABLE"))
	u := jstr(f, "url")

	var many []string
	for i := range 40_000 {
		many = append(many, fmt.Sprintf("%d-%d", i*2, i*2))
	}
	var sparse []string
	for i := range 40 {
		sparse = append(sparse, fmt.Sprintf("%d-%d", i*2000, i*2000+9))
	}
	cases := []struct {
		name, rng string
		status    int
		parts     int // multipart/byteranges parts; 0: a single body
		body      []byte
	}{
		{"40,000 one-byte ranges", "bytes=" + strings.Join(many, ","), 206, 0, content[:79_999]},
		{"40 sparse ranges", "bytes=" + strings.Join(sparse, ","), 200, 0, content},
		{"adjacent ranges merge", "bytes=0-9,10-19,15-29", 206, 0, content[:30]},
		{"two distant ranges", "bytes=0-9,50000-50009", 206, 2, nil},
		{"suffix range", "bytes=-10", 206, 0, content[len(content)-10:]},
		{"unsatisfiable", "bytes=200000-", 416, 0, nil},
	}
	for _, c := range cases {
		resp, b := hostGet(t, s, u, http.Header{"Range": {c.rng}})
		if resp.StatusCode != c.status {
			t.Errorf("%s: status=%d, want %d", c.name, resp.StatusCode, c.status)
			continue
		}
		if len(b) > len(content)+4096 {
			t.Errorf("%s: answer of %d bytes for a %d-byte file", c.name, len(b), len(content))
		}
		if c.body != nil && !bytes.Equal(b, c.body) {
			t.Errorf("%s: body of %d bytes, want %d bytes", c.name, len(b), len(c.body))
		}
		if c.parts > 0 && bytes.Count(b, []byte("Content-Range:")) != c.parts {
			t.Errorf("%s: %d parts, want %d", c.name, bytes.Count(b, []byte("Content-Range:")), c.parts)
		}
	}

	// One pixel past the limit is refused from the header; at the limit
	// it is resized.
	over := uploadFile(t, s, "/amp", "over.png", newPNG(t, 1001, 1000), accessOpts("PRIVATE"))
	resp, b := hostGet(t, s, jstr(signedURL(t, s, jstr(over, "id"), "size=thumb"), "url"), nil)
	m := checkHubSpotError(t, "resize 1001x1000", resp, b, http.StatusBadRequest)
	if m != nil && m["subCategory"] != "IMAGE_TOO_LARGE" {
		t.Errorf("resize 1001x1000: subCategory=%v, want IMAGE_TOO_LARGE", m["subCategory"])
	}
	at := uploadFile(t, s, "/amp", "at.png", newPNG(t, 1000, 1000), accessOpts("PRIVATE"))
	resp, b = hostGet(t, s, jstr(signedURL(t, s, jstr(at, "id"), "size=thumb"), "url"), nil)
	wantStatus(t, "resize 1000x1000", resp, b, http.StatusOK)

	// Many resizes at once, with file reads beside them: none fails.
	var urls []string
	for i := range 6 {
		img := uploadFile(t, s, "/amp", fmt.Sprintf("c%d.png", i), newPNG(t, 600+i, 500), accessOpts("PRIVATE"))
		for _, size := range []string{"icon", "thumb", "medium"} {
			urls = append(urls, jstr(signedURL(t, s, jstr(img, "id"), "size="+size), "url"))
		}
	}
	var wg sync.WaitGroup
	codes := make(chan int, len(urls)*2)
	for _, v := range urls {
		wg.Go(func() {
			resp, _ := hostGet(t, s, v, nil)
			codes <- resp.StatusCode
			resp, _ = hostGet(t, s, u, nil)
			codes <- resp.StatusCode
		})
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != http.StatusOK {
			t.Errorf("concurrent resize or read: status %d, want 200", c)
		}
	}
	checkHealthy(t, s)
}

// TestHardenLookAlikeNames: names and paths are NFC wherever they enter,
// so a composed and a decomposed "é" are one name; bidirectional controls
// and invisible format characters are refused with 400 where a caller
// chose the name, and stripped from a part's file name.
func TestHardenLookAlikeNames(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	const composed, decomposed, rlo = "\u00e9", "e\u0301", "\u202e"
	a := uploadFile(t, s, "/n"+composed, composed+".txt", []byte("one"), accessOpts("PRIVATE"))
	b := uploadFile(t, s, "/n"+decomposed, decomposed+".txt", []byte("two"), accessOpts("PRIVATE"))
	if jstr(a, "parentFolderId") != jstr(b, "parentFolderId") {
		t.Errorf("folders /n%q and /n%q are two folders, want one", composed, decomposed)
	}
	if jstr(a, "path") == jstr(b, "path") || jstr(b, "path") != "/n"+composed+"/"+composed+"-1.txt" {
		t.Errorf("paths %q and %q: want the second renamed beside the first, in NFC", jstr(a, "path"), jstr(b, "path"))
	}
	resp, body := s.do("GET", filesPath+"/stat/n"+decomposed+"/"+decomposed+".txt", nil, s.Token)
	if wantStatus(t, "stat by the decomposed path", resp, body, http.StatusOK) && jstr(decodeJSON(t, body)["file"].(map[string]any), "id") != jstr(a, "id") {
		t.Errorf("stat by the decomposed path found %s, want file %s", body, jstr(a, "id"))
	}
	if got := searchAll(t, s, filesPath+"/search", url.Values{"name": {decomposed}}); len(got) != 2 {
		t.Errorf("search name=%q: %d files, want 2", decomposed, len(got))
	}

	// A name the caller chose may not hide its direction or characters.
	for _, c := range []struct {
		what       string
		method, p  string
		body       any
		parts      []formPart
		wantStatus int
	}{
		{what: "upload fileName", method: "POST", p: filesPath, parts: []formPart{filePart("x.txt", "text/plain", []byte("x")),
			fieldPart("folderPath", "/n"), fieldPart("fileName", "cod"+rlo+"txt.exe"), optionsPart(accessOpts("PRIVATE"))}},
		{what: "upload folderPath", method: "POST", p: filesPath, parts: []formPart{filePart("x.txt", "text/plain", []byte("x")),
			fieldPart("folderPath", "/a"+rlo+"b"), optionsPart(accessOpts("PRIVATE"))}},
		{what: "folder name", method: "POST", p: foldersPath, body: map[string]any{"name": "a\u200bb", "parentFolderId": "0"}},
		{what: "PATCH name", method: "PATCH", p: filesPath + "/" + jstr(a, "id"), body: map[string]any{"name": "x" + rlo}},
		{what: "import name", method: "POST", p: importPath, body: map[string]any{"url": "https://example.com/a.txt", "access": "PRIVATE",
			"folderPath": "/n", "name": "x\ufeffy"}},
	} {
		var resp *http.Response
		var body []byte
		if c.parts != nil {
			resp, body = sendForm(t, s, c.method, c.p, s.Token, c.parts...)
		} else {
			resp, body = s.do(c.method, c.p, c.body, s.Token)
		}
		checkHubSpotError(t, c.what, resp, body, http.StatusBadRequest)
	}
	// A part's file name is not chosen: its invisible characters go.
	raw := "--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ab" + rlo + "c.txt\"\r\nContent-Type: text/plain\r\n\r\nthree\r\n" +
		"--XX\r\nContent-Disposition: form-data; name=\"folderPath\"\r\n\r\n/n\r\n" +
		"--XX\r\nContent-Disposition: form-data; name=\"options\"\r\n\r\n{\"access\":\"PRIVATE\"}\r\n--XX--\r\n"
	resp, body = s.doHeader("POST", filesPath, raw, s.Token, http.Header{"Content-Type": {"multipart/form-data; boundary=XX"}})
	f := checkCreatedFile(t, s, "upload with U+202E in the part's file name", resp, body)
	if jstr(f, "name") != "abc" {
		t.Errorf("part file name with U+202E stored as %q, want %q", jstr(f, "name"), "abc")
	}
}

// TestHardenArchiveRetention: archived and overwritten files keep their
// content for --archive-retention, then maintenance deletes it; GDPR
// delete does not wait.
func TestHardenArchiveRetention(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--archive-retention", "1s")
	before := blobFiles(t, s)
	var live map[string]any
	for i := range 6 {
		live = uploadFile(t, s, "/keep", "a.txt", textBody(fmt.Sprint("v", i), 100), map[string]any{"access": "PRIVATE", "overwrite": true})
	}
	gone := uploadFile(t, s, "/keep", "b.txt", []byte("b"), accessOpts("PRIVATE"))
	resp, b := s.do("DELETE", filesPath+"/"+jstr(gone, "id"), nil, s.Token)
	wantStatus(t, "archive b.txt", resp, b, http.StatusNoContent)
	if n := len(newBlobs(before, blobFiles(t, s))); n != 7 {
		t.Fatalf("before retention: %d blobs, want 7 (6 versions of a.txt and b.txt)", n)
	}
	gdpr := uploadFile(t, s, "/keep", "c.txt", []byte("c"), accessOpts("PRIVATE"))
	resp, b = s.do("DELETE", filesPath+"/"+jstr(gdpr, "id")+"/gdpr-delete", nil, s.Token)
	wantStatus(t, "GDPR delete c.txt", resp, b, http.StatusNoContent)
	if n := len(newBlobs(before, blobFiles(t, s))); n != 7 {
		t.Errorf("after GDPR delete: %d blobs, want 7 (its content gone at once)", n)
	}
	time.Sleep(1100 * time.Millisecond)
	s.restart() // maintenance runs at start, and every minute after
	waitFor(t, 60*time.Second, "archived content past retention to be deleted", func() bool {
		return len(newBlobs(before, blobFiles(t, s))) == 1
	})
	resp, b = s.do("GET", filesPath+"/"+jstr(live, "id")+"/download", nil, s.Token)
	wantStatus(t, "download the live a.txt", resp, b, http.StatusOK)
}

// TestHardenKeyRotation: "ferry keys rotate" replaces the signing key
// while the server runs; URLs signed before keep working for --grace and
// are refused after it; --grace 0 revokes every outstanding URL at once.
func TestHardenKeyRotation(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	content := []byte("rotate me")
	f := uploadFile(t, s, "/keys", "k.txt", content, accessOpts("PRIVATE"))
	old := jstr(signedURL(t, s, jstr(f, "id"), ""), "url")
	checkServed(t, s, "URL signed before the rotation", old, content)

	ferryOnStore(t, s, "keys", "rotate", "--grace", "3s")
	fresh := jstr(signedURL(t, s, jstr(f, "id"), ""), "url")
	if fresh == old {
		t.Fatalf("a URL signed after the rotation is the same as before it: %s", fresh)
	}
	checkServed(t, s, "URL signed before the rotation, within its grace", old, content)
	checkServed(t, s, "URL signed after the rotation", fresh, content)
	waitFor(t, 30*time.Second, "the old key's grace to end", func() bool {
		resp, _ := hostGet(t, s, old, nil)
		return resp.StatusCode == http.StatusNotFound
	})
	checkNotServed(t, s, "URL signed before the rotation, after its grace", old)
	checkServed(t, s, "URL signed after the rotation, after the old key's grace", fresh, content)

	ferryOnStore(t, s, "keys", "rotate", "--grace", "0")
	checkNotServed(t, s, "URL signed before a rotation with --grace 0", fresh)
	checkServed(t, s, "URL signed after every rotation", jstr(signedURL(t, s, jstr(f, "id"), ""), "url"), content)
}
