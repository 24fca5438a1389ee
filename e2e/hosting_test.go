package e2e

import (
	"bytes"
	"image"
	_ "image/png" // decode resized variants
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestHostingAccessLevels checks, for each of the eight access levels, the
// plain hosting URL, the signed URL, the download endpoint and search.
func TestHostingAccessLevels(t *testing.T) {
	t.Parallel()
	skipShort(t)
	s := startServer(t)
	levels := []struct {
		access  string
		plain   bool // served at the plain url
		noindex bool // X-Robots-Tag: noindex
		signed  bool // has a signed URL
		listed  bool // found by search
	}{
		{"PUBLIC_INDEXABLE", true, false, true, true},
		{"PUBLIC_NOT_INDEXABLE", true, true, true, true},
		{"HIDDEN_INDEXABLE", true, false, true, false},
		{"HIDDEN_NOT_INDEXABLE", true, true, true, false},
		{"PRIVATE", false, true, true, true},
		{"HIDDEN_PRIVATE", false, true, true, false},
		{"SENSITIVE", false, true, false, true},
		{"HIDDEN_SENSITIVE", false, true, false, false},
	}
	ids := make([]string, len(levels))
	contents := make([][]byte, len(levels))
	files := make([]map[string]any, len(levels))
	for i, l := range levels {
		contents[i] = textBody("access "+l.access, 300+i)
		files[i] = uploadFile(t, s, "/host", strings.ToLower(l.access)+".txt", contents[i], accessOpts(l.access))
		ids[i] = jstr(files[i], "id")
		if got := jstr(files[i], "access"); got != l.access {
			t.Errorf("%s: uploaded access = %q", l.access, got)
		}
	}

	var wantListed []string
	for i, l := range levels {
		f, content := files[i], contents[i]
		u := jstr(f, "url")

		// The plain URL.
		resp, b := hostGet(t, s, u, nil)
		switch {
		case l.plain && resp.StatusCode != http.StatusOK:
			t.Errorf("%s: GET url: status = %d, want 200\n%.200s", l.access, resp.StatusCode, b)
		case l.plain && !bytes.Equal(b, content):
			t.Errorf("%s: GET url: got %d bytes, want the uploaded %d", l.access, len(b), len(content))
		case !l.plain && resp.StatusCode != http.StatusNotFound:
			t.Errorf("%s: GET url: status = %d, want 404\n%.200s", l.access, resp.StatusCode, b)
		case !l.plain && bytes.Contains(b, content[:40]):
			t.Errorf("%s: GET url: the 404 body holds the content", l.access)
		}
		if l.plain {
			checkRobots(t, l.access+" url", resp, l.noindex)
		}

		// The signed URL.
		resp, b = s.do("GET", filesPath+"/"+ids[i]+"/signed-url", nil, s.Token)
		if !l.signed {
			wantError(t, l.access+": GET signed-url", resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")
		} else if wantStatus(t, l.access+": GET signed-url", resp, b, http.StatusOK) {
			su := decodeJSON(t, b)
			signed := jstr(su, "url")
			if !strings.HasPrefix(signed, u+"?") {
				t.Errorf("%s: signed url = %q, want the file url %q with a query", l.access, signed, u)
			}
			resp := checkServed(t, s, l.access+" signed url", signed, content)
			checkRobots(t, l.access+" signed url", resp, l.noindex)
			if cc := resp.Header.Get("Cache-Control"); (l.access == "PRIVATE" || l.access == "HIDDEN_PRIVATE") && strings.Contains(cc, "public") {
				t.Errorf("%s: signed url Cache-Control = %q, want a private file not cached publicly", l.access, cc)
			}
		}

		// Download: any file, with a token; never without one.
		resp, b = s.do("GET", filesPath+"/"+ids[i]+"/download", nil, s.Token)
		if wantStatus(t, l.access+": download", resp, b, http.StatusOK) && !bytes.Equal(b, content) {
			t.Errorf("%s: download: got %d bytes, want the uploaded %d", l.access, len(b), len(content))
		}
		resp, b = s.do("GET", filesPath+"/"+ids[i]+"/download", nil, "")
		wantError(t, l.access+": download without a token", resp, b, http.StatusUnauthorized, "INVALID_AUTHENTICATION")

		// GET by id works for every level.
		if got := getFile(t, s, ids[i]); jstr(got, "access") != l.access {
			t.Errorf("%s: GET by id: access = %q", l.access, jstr(got, "access"))
		}
		if l.listed {
			wantListed = append(wantListed, ids[i])
		}
	}

	// Search lists exactly the visible levels, whatever the filter.
	for _, q := range []url.Values{{}, {"ids": ids}, {"path": {"/host"}}, {"extension": {"txt"}}} {
		got := searchAll(t, s, fileSearch, q)
		if ok, diff := sameSet(got, wantListed); !ok {
			t.Errorf("search %s: %s (hidden levels must never be listed)", q.Encode(), diff)
		}
	}
	for i, l := range levels {
		got := resultIDs(searchPage(t, s, fileSearch, url.Values{"ids": {ids[i]}}))
		if (len(got) == 1) != l.listed {
			t.Errorf("%s: search ids=%s = %v, want listed=%t", l.access, ids[i], got, l.listed)
		}
	}

	// Changing access changes hosting at once.
	priv := 4 // PRIVATE
	su := signedURL(t, s, ids[priv], "")
	resp, b := s.do("PATCH", filesPath+"/"+ids[priv], map[string]any{"access": "SENSITIVE"}, s.Token)
	wantStatus(t, "PATCH PRIVATE to SENSITIVE", resp, b, http.StatusOK)
	checkNotServed(t, s, "signed url of a file now SENSITIVE", jstr(su, "url"))
	resp, b = s.do("PATCH", filesPath+"/"+ids[priv], map[string]any{"access": "PUBLIC_INDEXABLE"}, s.Token)
	wantStatus(t, "PATCH SENSITIVE to PUBLIC_INDEXABLE", resp, b, http.StatusOK)
	checkServed(t, s, "PRIVATE made PUBLIC_INDEXABLE", jstr(files[priv], "url"), contents[priv])
	resp, b = s.do("PATCH", filesPath+"/"+ids[0], map[string]any{"access": "PRIVATE"}, s.Token)
	wantStatus(t, "PATCH PUBLIC_INDEXABLE to PRIVATE", resp, b, http.StatusOK)
	checkNotServed(t, s, "PUBLIC_INDEXABLE made PRIVATE", jstr(files[0], "url"))
}

// TestHostingSignedURL checks signed URLs of a private image: the SignedUrl
// body, expiry, tampering, resized variants, and a restart.
func TestHostingSignedURL(t *testing.T) {
	t.Parallel()
	skipShort(t)
	s := startServer(t)
	img := newPNG(t, 400, 200)
	f := uploadFile(t, s, "/signed", "wide.png", img, accessOpts("PRIVATE"))
	id := jstr(f, "id")
	checkNotServed(t, s, "PRIVATE plain url", jstr(f, "url"))

	// A link that lives one second, checked at the end.
	short := signedURL(t, s, id, "expirationSeconds=1")
	shortAt := time.Now()

	// The SignedUrl body; the default lifetime is in the future.
	su := signedURL(t, s, id, "")
	checkFileFields(t, "SignedUrl", su, map[string]any{"name": "wide", "extension": "png", "size": float64(len(img)),
		"type": "IMG", "width": float64(400), "height": float64(200)})
	if exp := parseWireTime(t, "SignedUrl.expiresAt", jstr(su, "expiresAt")); !exp.After(time.Now().Add(time.Minute)) {
		t.Errorf("SignedUrl.expiresAt = %s, want well in the future by default", jstr(su, "expiresAt"))
	}
	signed := jstr(su, "url")
	resp := checkServed(t, s, "signed url", signed, img)
	if got := resp.Header.Get("Content-Type"); got != "image/png" {
		t.Errorf("signed url: Content-Type = %q, want image/png", got)
	}
	long := signedURL(t, s, id, "expirationSeconds=3600")
	if exp := parseWireTime(t, "expiresAt", jstr(long, "expiresAt")); exp.Sub(time.Now()) < 3590*time.Second || exp.Sub(time.Now()) > 3610*time.Second {
		t.Errorf("expirationSeconds=3600: expiresAt = %s, want an hour from now", jstr(long, "expiresAt"))
	}

	// Tampering with any part of the link makes it worthless.
	u, err := url.Parse(signed)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if q.Get("sig") == "" || q.Get("exp") == "" {
		t.Fatalf("signed url %q has no sig or exp parameter", signed)
	}
	tamper := func(change func(url.Values)) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = append([]string(nil), vs...)
		}
		change(v)
		u2 := *u
		u2.RawQuery = v.Encode()
		return u2.String()
	}
	sig := q.Get("sig")
	flipped := string(sig[0]^1) + sig[1:]
	exp, _ := strconv.ParseInt(q.Get("exp"), 10, 64)
	for what, bad := range map[string]string{
		"sig changed":       tamper(func(v url.Values) { v.Set("sig", flipped) }),
		"sig cut short":     tamper(func(v url.Values) { v.Set("sig", sig[:len(sig)-2]) }),
		"sig removed":       tamper(func(v url.Values) { v.Del("sig") }),
		"exp extended":      tamper(func(v url.Values) { v.Set("exp", strconv.FormatInt(exp+86400, 10)) }),
		"exp removed":       tamper(func(v url.Values) { v.Del("exp") }),
		"size added":        tamper(func(v url.Values) { v.Set("size", "thumb") }),
		"another file path": strings.Replace(tamper(func(url.Values) {}), "/wide.png?", "/other.png?", 1),
	} {
		checkNotServed(t, s, "tampered signed url ("+what+")", bad)
	}
	other := uploadFile(t, s, "/signed", "other.png", newPNG(t, 8, 8), accessOpts("PRIVATE"))
	checkNotServed(t, s, "a signature used on another file", strings.Replace(signed, "/wide.png?", "/"+jstr(other, "name")+".png?", 1))

	// A private file whose path needs escaping.
	oddImg := newPNG(t, 6, 6)
	odd := uploadFile(t, s, "/signed/my files", "café #2.png", oddImg, accessOpts("PRIVATE"))
	checkServed(t, s, "signed url of an escaped path", jstr(signedURL(t, s, jstr(odd, "id"), ""), "url"), oddImg)
	resp, b := hostGet(t, s, jstr(signedURL(t, s, jstr(odd, "id"), "size=thumb"), "url"), nil)
	wantStatus(t, "thumb of an escaped path", resp, b, http.StatusOK)

	// Resized variants: each fits its box; preview does not upscale unless asked.
	for _, c := range []struct {
		query string
		w, h  int
	}{
		{"size=thumb", 100, 50},
		{"size=icon", 32, 16},
		{"size=medium", 300, 150},
		{"size=preview", 400, 200},
		{"size=preview&upscale=true", 1000, 500},
	} {
		v := signedURL(t, s, id, c.query)
		resp, b := hostGet(t, s, jstr(v, "url"), nil)
		if !wantStatus(t, "signed url "+c.query, resp, b, http.StatusOK) {
			continue
		}
		if got := resp.Header.Get("Content-Type"); got != "image/png" {
			t.Errorf("signed url %s: Content-Type = %q, want image/png", c.query, got)
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
		if err != nil || format != "png" {
			t.Errorf("signed url %s: not a PNG (%s, %v)", c.query, format, err)
			continue
		}
		if cfg.Width != c.w || cfg.Height != c.h {
			t.Errorf("signed url %s: %dx%d, want %dx%d", c.query, cfg.Width, cfg.Height, c.w, c.h)
		}
		// The same variant again, from the cache.
		resp, b2 := hostGet(t, s, jstr(v, "url"), nil)
		if resp.StatusCode != http.StatusOK || !bytes.Equal(b, b2) {
			t.Errorf("signed url %s, second time: status %d, %d bytes; want 200 and the same %d bytes", c.query, resp.StatusCode, len(b2), len(b))
		}
	}
	thumb := signedURL(t, s, id, "size=thumb&expirationSeconds=3600")

	// Bad requests for a signed URL.
	txt := uploadFile(t, s, "/signed", "notes.txt", textBody("signed text", 100), accessOpts("PRIVATE"))
	for _, c := range []struct{ id, query, in string }{
		{id, "expirationSeconds=0", "expirationSeconds"},
		{id, "expirationSeconds=-5", "expirationSeconds"},
		{id, "expirationSeconds=soon", "expirationSeconds"},
		{id, "size=huge", "size"},
		{id, "upscale=maybe", "upscale"},
		{jstr(txt, "id"), "size=thumb", "size"},
	} {
		resp, b := s.do("GET", filesPath+"/"+c.id+"/signed-url?"+c.query, nil, s.Token)
		checkInvalid(t, "signed-url?"+c.query, resp, b, c.in)
	}
	resp, b = s.do("GET", filesPath+"/"+id+"/signed-url", nil, "")
	wantError(t, "signed-url without a token", resp, b, http.StatusUnauthorized, "INVALID_AUTHENTICATION")

	// The one-second link has expired.
	if wait := time.Until(shortAt.Add(2 * time.Second)); wait > 0 {
		time.Sleep(wait)
	}
	checkNotServed(t, s, "expired signed url", jstr(short, "url"))

	// The signing key survives a restart (the address changes, the path and query stay).
	s.restart()
	checkServed(t, s, "signed url after a restart", onServer(t, s, jstr(long, "url")), img)
	resp, b = hostGet(t, s, onServer(t, s, jstr(thumb, "url")), nil)
	if wantStatus(t, "thumb signed url after a restart", resp, b, http.StatusOK) {
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(b)); err != nil || cfg.Width > 100 || cfg.Height > 100 {
			t.Errorf("thumb after a restart: %v, %v; want a PNG within 100x100", cfg, err)
		}
	}
	checkNotServed(t, s, "expired signed url after a restart", onServer(t, s, jstr(short, "url")))

	// Archiving ends every signed link.
	resp, b = s.do("DELETE", filesPath+"/"+id, nil, s.Token)
	wantStatus(t, "DELETE", resp, b, http.StatusNoContent)
	checkNotServed(t, s, "signed url of an archived file", onServer(t, s, jstr(long, "url")))
	checkNotServed(t, s, "thumb of an archived file", onServer(t, s, jstr(thumb, "url")))
}

// TestHostingHTTP checks the HTTP semantics of a hosted file: headers,
// ranges, conditional requests, HEAD, active content and portals.
func TestHostingHTTP(t *testing.T) {
	t.Parallel()
	skipShort(t)
	s := startServer(t)
	content := textBody("http semantics", 1000)
	f := uploadFile(t, s, "/http", "page.txt", content, accessOpts("PUBLIC_INDEXABLE"))
	u := jstr(f, "url")

	resp := checkServed(t, s, "plain GET", u, content)
	h := resp.Header
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type = %q, want text/plain", ct)
	}
	if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
	}
	if got := h.Get("Content-Disposition"); got != "" {
		t.Errorf("plain text: Content-Disposition = %q, want none (shown inline)", got)
	}
	etag, lastMod := h.Get("ETag"), h.Get("Last-Modified")
	if etag == "" || lastMod == "" {
		t.Fatalf("ETag = %q, Last-Modified = %q; want both", etag, lastMod)
	}

	// Ranges.
	resp, b := hostGet(t, s, u, http.Header{"Range": {"bytes=0-3"}})
	if wantStatus(t, "Range bytes=0-3", resp, b, http.StatusPartialContent) {
		if !bytes.Equal(b, content[:4]) {
			t.Errorf("Range bytes=0-3: body = %q, want %q", b, content[:4])
		}
		if got := resp.Header.Get("Content-Range"); got != "bytes 0-3/1000" {
			t.Errorf("Range bytes=0-3: Content-Range = %q, want bytes 0-3/1000", got)
		}
	}
	resp, b = hostGet(t, s, u, http.Header{"Range": {"bytes=990-"}})
	if wantStatus(t, "Range bytes=990-", resp, b, http.StatusPartialContent) && !bytes.Equal(b, content[990:]) {
		t.Errorf("Range bytes=990-: body = %q, want %q", b, content[990:])
	}
	resp, b = hostGet(t, s, u, http.Header{"Range": {"bytes=5000-6000"}})
	if wantStatus(t, "Range beyond the end", resp, b, http.StatusRequestedRangeNotSatisfiable) {
		if got := resp.Header.Get("Content-Range"); got != "bytes */1000" {
			t.Errorf("Range beyond the end: Content-Range = %q, want bytes */1000", got)
		}
	}

	// Conditional requests.
	resp, b = hostGet(t, s, u, http.Header{"If-None-Match": {etag}})
	if wantStatus(t, "If-None-Match", resp, b, http.StatusNotModified) && len(b) != 0 {
		t.Errorf("If-None-Match: %d body bytes, want none", len(b))
	}
	resp, b = hostGet(t, s, u, http.Header{"If-None-Match": {`"something-else"`}})
	wantStatus(t, "If-None-Match another tag", resp, b, http.StatusOK)
	resp, b = hostGet(t, s, u, http.Header{"If-Modified-Since": {lastMod}})
	if wantStatus(t, "If-Modified-Since", resp, b, http.StatusNotModified) && len(b) != 0 {
		t.Errorf("If-Modified-Since: %d body bytes, want none", len(b))
	}
	resp, b = hostGet(t, s, u, http.Header{"If-Modified-Since": {time.Now().Add(-24 * time.Hour).UTC().Format(http.TimeFormat)}})
	wantStatus(t, "If-Modified-Since a day ago", resp, b, http.StatusOK)

	// HEAD: headers, no body.
	resp, b = s.do("HEAD", u, nil, "")
	if wantStatus(t, "HEAD", resp, b, http.StatusOK) {
		if len(b) != 0 || resp.Header.Get("Content-Length") != "1000" {
			t.Errorf("HEAD: %d body bytes, Content-Length %q; want none and 1000", len(b), resp.Header.Get("Content-Length"))
		}
	}

	// Content a browser would run is served as an attachment, never inline.
	for _, c := range []struct{ name, body, wantType string }{
		{"page.html", "<!DOCTYPE html><html><head><title>x</title></head><body><script>alert(document.cookie)</script></body></html>", "text/html"},
		{"pic.svg", `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>`, "image/svg+xml"},
		{"disguised.txt", "<!DOCTYPE html><html><body><script>alert(2)</script></body></html>", "text/html"},
	} {
		af := uploadFile(t, s, "/http/active", c.name, []byte(c.body), accessOpts("PUBLIC_INDEXABLE"))
		resp := checkServed(t, s, c.name, jstr(af, "url"), []byte(c.body))
		if got := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(got, "attachment") {
			t.Errorf("%s: Content-Disposition = %q, want attachment", c.name, got)
		}
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options = %q, want nosniff", c.name, got)
		}
		if got := resp.Header.Get("Content-Type"); !strings.HasPrefix(got, c.wantType) {
			t.Errorf("%s: Content-Type = %q, want %s", c.name, got, c.wantType)
		}
	}

	// Names that need escaping in a URL are served at the url the API gives.
	for _, name := range []string{"with space.txt", "a+b #1 100%.txt", "café menü.txt", "q?x=1&y=2.txt"} {
		body := textBody("odd name "+name, 120)
		of := uploadFile(t, s, "/http/odd names", name, body, accessOpts("PUBLIC_INDEXABLE"))
		if got := jstr(of, "path"); got != "/http/odd names/"+name {
			t.Errorf("upload %q: path = %q", name, got)
		}
		checkServed(t, s, "file named "+name, jstr(of, "url"), body)
		if _, err := url.Parse(jstr(of, "url")); err != nil {
			t.Errorf("upload %q: url %q does not parse: %v", name, jstr(of, "url"), err)
		}
	}

	// The host is per portal, and archived files are gone.
	checkNotServed(t, s, "portal 2's host", s.BaseURL+"/hubfs/2/http/page.txt")
	checkNotServed(t, s, "a portal that is not a number", s.BaseURL+"/hubfs/abc/http/page.txt")
	checkNotServed(t, s, "a missing file", s.BaseURL+"/hubfs/1/http/missing.txt")
	resp, b = s.do("DELETE", filesPath+"/"+jstr(f, "id"), nil, s.Token)
	wantStatus(t, "DELETE", resp, b, http.StatusNoContent)
	checkNotServed(t, s, "archived file", u)
	resp, b = hostGet(t, s, u, http.Header{"Range": {"bytes=0-3"}})
	wantStatus(t, "Range on an archived file", resp, b, http.StatusNotFound)
}

// TestFileExpiry checks that a file stops being served, signed, downloaded
// and listed the moment its expiresAt passes, before the periodic job that
// deletes expired files runs.
func TestFileExpiry(t *testing.T) {
	t.Parallel()
	skipShort(t)
	s := startServer(t)
	expiresAt := time.Now().Add(2500 * time.Millisecond).Truncate(time.Millisecond)
	opts := func(a string) map[string]any { return map[string]any{"access": a, "expiresAt": isoMS(expiresAt)} }
	pubContent := textBody("expiring public", 200)
	pub := uploadFile(t, s, "/expiry", "soon.txt", pubContent, opts("PUBLIC_INDEXABLE"))
	privContent := textBody("expiring private", 210)
	priv := uploadFile(t, s, "/expiry", "soon-private.txt", privContent, opts("PRIVATE"))
	keep := uploadFile(t, s, "/expiry", "stays.txt", textBody("not expiring", 220), accessOpts("PUBLIC_INDEXABLE"))
	checkFileFields(t, "expiring upload", pub, map[string]any{"expiresAt": float64(expiresAt.UnixMilli())})

	signed := signedURL(t, s, jstr(priv, "id"), "expirationSeconds=3600")
	checkServed(t, s, "before expiry", jstr(pub, "url"), pubContent)
	checkServed(t, s, "signed, before expiry", jstr(signed, "url"), privContent)
	all := []string{jstr(pub, "id"), jstr(priv, "id"), jstr(keep, "id")}
	if got := searchAll(t, s, fileSearch, url.Values{"path": {"/expiry"}}); len(got) != 3 {
		t.Errorf("search before expiry: %v, want the 3 files %v", got, all)
	}
	if time.Now().After(expiresAt) {
		t.Fatalf("the checks before expiry took longer than 2.5 s; the test cannot tell expiry apart")
	}

	time.Sleep(time.Until(expiresAt.Add(300 * time.Millisecond)))
	checkNotServed(t, s, "expired file", jstr(pub, "url"))
	checkNotServed(t, s, "expired file's signed url", jstr(signed, "url"))
	for _, f := range []map[string]any{pub, priv} {
		resp, b := s.do("GET", filesPath+"/"+jstr(f, "id")+"/download", nil, s.Token)
		wantError(t, "download of an expired file", resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")
		resp, b = s.do("GET", filesPath+"/"+jstr(f, "id")+"/signed-url", nil, s.Token)
		wantError(t, "signed-url of an expired file", resp, b, http.StatusNotFound, "OBJECT_NOT_FOUND")
	}
	got := searchAll(t, s, fileSearch, url.Values{"path": {"/expiry"}})
	if ok, diff := sameSet(got, []string{jstr(keep, "id")}); !ok {
		t.Errorf("search after expiry (before the periodic job): %s; want only the file that does not expire", diff)
	}
	got = searchAll(t, s, fileSearch, url.Values{"ids": all})
	if ok, diff := sameSet(got, []string{jstr(keep, "id")}); !ok {
		t.Errorf("search ids after expiry: %s; want only the file that does not expire", diff)
	}
	checkServed(t, s, "file without expiry", jstr(keep, "url"), textBody("not expiring", 220))

	// An expired file is gone for the upload rules too: its bytes are no
	// duplicate to return or reject, and its name is free again.
	resp, b := sendForm(t, s, "POST", filesPath, s.Token, filePart("again.txt", "text/plain", pubContent), fieldPart("folderPath", "/expiry"),
		optionsPart(map[string]any{"access": "PUBLIC_INDEXABLE", "duplicateValidationStrategy": "RETURN_EXISTING"}))
	if wantStatus(t, "RETURN_EXISTING after the duplicate expired", resp, b, http.StatusCreated) {
		again := decodeJSON(t, b)
		if jstr(again, "id") == jstr(pub, "id") {
			t.Errorf("RETURN_EXISTING after the duplicate expired: returned the expired file %s, which is no longer served", jstr(pub, "id"))
		}
		checkServed(t, s, "RETURN_EXISTING after the duplicate expired", jstr(again, "url"), pubContent)
	}
	resp, b = sendForm(t, s, "POST", filesPath, s.Token, filePart("again2.txt", "text/plain", privContent), fieldPart("folderPath", "/expiry"),
		optionsPart(map[string]any{"access": "PUBLIC_INDEXABLE", "duplicateValidationStrategy": "REJECT"}))
	wantStatus(t, "REJECT after the duplicate expired", resp, b, http.StatusCreated)
	reborn := uploadFile(t, s, "/expiry", "soon.txt", textBody("reborn", 230), accessOpts("PUBLIC_INDEXABLE"))
	if got := jstr(reborn, "path"); got != "/expiry/soon.txt" {
		t.Errorf("upload of soon.txt after the old one expired: path = %q, want /expiry/soon.txt (the expired file's name is free)", got)
	}
}
