package httpapi

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"ferry/internal/ferry"
)

// The HTTP decoders under fuzzing: Range headers, query strings, JSON
// bodies, multipart bodies and request paths. .ci/run runs each briefly;
// docs/hardening.md records a longer run.

// FuzzBoundRanges: whatever the header, a bounded one has at most
// maxRanges sorted, disjoint ranges inside the file.
func FuzzBoundRanges(f *testing.F) {
	for _, s := range []string{"bytes=0-9", "bytes=-5,0-0,3-", "bytes=0-1,0-1,5-9", "bytes=a-b", "bytes=9999999999999999999-"} {
		f.Add(s, int64(1000))
	}
	f.Fuzz(func(t *testing.T, h string, size int64) {
		out, ok := boundRanges(h, size)
		if !ok || out == "" {
			return
		}
		parts := strings.Split(strings.TrimPrefix(out, "bytes="), ",")
		if len(parts) > maxRanges {
			t.Fatalf("boundRanges(%q, %d) = %q: %d ranges", h, size, out, len(parts))
		}
		last := int64(-1)
		for _, p := range parts {
			a, b, _ := strings.Cut(p, "-")
			first, err1 := strconv.ParseInt(a, 10, 64)
			end, err2 := strconv.ParseInt(b, 10, 64)
			if err1 != nil || err2 != nil || first <= last || end < first || end >= size {
				t.Fatalf("boundRanges(%q, %d) = %q: bad range %q", h, size, out, p)
			}
			last = end
		}
	})
}

// FuzzQuery: the query decoders never panic, and whatever they accept is
// within its range.
func FuzzQuery(f *testing.F) {
	for _, s := range []string{"limit=10&after=5", "limit=3&before=2", "sizeGte=1&createdAt=2026-01-01T00:00:00Z", "ids=1,2,3&sort=-name", "limit=%zz", "expirationSeconds=9223372037"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q := newQuery(v)
		p := q.page(true) // the beta's paging, which reads before as well as after
		r := q.int64Range("size")
		tr := q.timeRange("createdAt")
		q.ids("ids")
		q.sort([]string{"name", "createdAt"})
		q.int64p("expirationSeconds")
		if q.err() != nil {
			return
		}
		if p.Limit < 1 || p.Limit > ferry.SearchLimitMax {
			t.Fatalf("%q: limit %d accepted", raw, p.Limit)
		}
		if p.Offset < 0 || p.Offset > ferry.SearchOffsetMax {
			t.Fatalf("%q: offset %d accepted", raw, p.Offset)
		}
		for _, n := range []*int64{r.Eq, r.Gte, r.Lte} {
			if n != nil && (*n < 0 || *n > ferry.MaxSafeInteger) {
				t.Fatalf("%q: size %d accepted", raw, *n)
			}
		}
		if tr.Gte != nil && (tr.Gte.Before(ferry.MinTime) || tr.Gte.After(ferry.MaxTime)) {
			t.Fatalf("%q: time %v accepted", raw, tr.Gte)
		}
	})
}

// FuzzDecodeObject: a JSON body is an object or an Invalid/TooLarge
// error, never a panic or an internal error.
func FuzzDecodeObject(f *testing.F) {
	for _, s := range []string{`{"name":"a"}`, `[]`, `null`, `{"id":12,"b":true}`, `{"a":`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("POST", "/x", bytes.NewReader(body))
		o, err := decodeObject(w, r, 1<<10)
		if err != nil {
			if k := ferry.KindOf(err); k != ferry.Invalid && k != ferry.TooLarge {
				t.Fatalf("decodeObject(%q): kind %v", body, k)
			}
			return
		}
		o.str("name")
		o.id("id")
		o.boolean("b")
	})
}

// stagingFiles stages by reading the part to its end, as blob storage
// does, and discards nothing.
type stagingFiles struct{ fakeFiles }

func (stagingFiles) Stage(_ context.Context, c ferry.Content) (ferry.Staged, error) {
	n, err := io.Copy(io.Discard, c.Body)
	return ferry.Staged{Size: n}, err
}
func (stagingFiles) Discard(ferry.Staged) {}

// FuzzMultipart: a multipart body is read or refused as the client's
// fault, never answered as an internal error.
func FuzzMultipart(f *testing.F) {
	f.Add("XX", "--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhello\r\n--XX--\r\n")
	f.Add("XX", "--XX\r\nContent-Disposition: form-data; name=\"options\"\r\n\r\n{}\r\n--XX")
	f.Add("b", "--b\r\n\r\n--b--")
	f.Fuzz(func(t *testing.T, boundary, body string) {
		s := newTestServer(t)
		s.files = &stagingFiles{}
		s.opts.MaxUploadBytes = 1 << 12
		r := httptest.NewRequest("POST", "/files/v3/files", strings.NewReader(body))
		r.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		r = r.WithContext(ferry.WithToken(r.Context(), ferry.Token{Portal: testPortal}))
		if _, err := s.readMultipart(r); err != nil && ferry.KindOf(err) == ferry.Internal {
			t.Fatalf("readMultipart(%q, %q): internal error %v", boundary, body, err)
		}
	})
}

// FuzzPath: any request path gets an answer that is not a redirect, and
// API paths answer JSON with a correlation id.
func FuzzPath(f *testing.F) {
	for _, p := range []string{"/files/v3/files/1", "/files/v3//files/1", "/files/v3/folders/../x", "/files/2026-03/files/stat/a/b.txt", "/hubfs/1/a.txt", "/x"} {
		f.Add(p)
	}
	bd := setup(f)
	f.Fuzz(func(t *testing.T, p string) {
		u, err := url.Parse(p)
		if err != nil || u.Path == "" || u.Path[0] != '/' || u.Host != "" || u.Scheme != "" {
			return
		}
		r := httptest.NewRequest("GET", "http://files.example.com/", nil)
		r.URL = &url.URL{Path: u.Path, RawPath: u.RawPath}
		r.RequestURI = u.EscapedPath()
		r.Header.Set("Authorization", "Bearer tok-files")
		w := serve(bd.handler, r)
		if w.Code >= 300 && w.Code < 400 {
			t.Fatalf("GET %q: %d redirect to %q", p, w.Code, w.Header().Get("Location"))
		}
		if strings.HasPrefix(u.Path, "/files/") && w.Code >= 400 {
			if !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") || w.Header().Get("X-Hubspot-Correlation-Id") == "" {
				t.Fatalf("GET %q: %d %q without HubSpot's error body", p, w.Code, w.Header().Get("Content-Type"))
			}
		}
	})
}
