package fetch_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"testing"

	"ferry/internal/fetch"
)

const testLimit = 1000

// sizedHandler serves n bytes, with a Content-Length unless chunked.
func sizedHandler(n int, chunked bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		data := bytes.Repeat([]byte("x"), n)
		if !chunked {
			w.Header().Set("Content-Length", strconv.Itoa(n))
			w.Write(data)
			return
		}
		for len(data) > 0 { // flushing forces chunked encoding
			k := min(len(data), 300)
			w.Write(data[:k])
			http.NewResponseController(w).Flush()
			data = data[k:]
		}
	})
}

func TestFetchSizeLimit(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name      string
		size      int
		chunked   bool
		want      fetch.Code // "" means success
		early     bool       // refused by Fetch, before the body
		wantCtx   map[string]string
		wantFetch int64 // Response.ContentLength
	}{
		{name: "UnderLimitWithLength", size: testLimit - 1, wantFetch: testLimit - 1},
		{name: "AtLimitWithLength", size: testLimit, wantFetch: testLimit},
		{name: "AtLimitChunked", size: testLimit, chunked: true, wantFetch: -1},
		{name: "EmptyBody", size: 0, wantFetch: 0},
		{
			name: "OverLimitWithLength", size: testLimit + 1, want: fetch.CodeTooLarge, early: true,
			wantCtx: map[string]string{"limit": "1000", "contentLength": "1001"},
		},
		{
			name: "OverLimitChunked", size: testLimit + 1, chunked: true, want: fetch.CodeTooLarge,
			wantCtx: map[string]string{"limit": "1000", "bytesReceived": "1001"}, wantFetch: -1,
		},
		{
			name: "FarOverLimitChunked", size: 50 * testLimit, chunked: true, want: fetch.CodeTooLarge,
			wantCtx: map[string]string{"limit": "1000", "bytesReceived": "1001"}, wantFetch: -1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			origin := newOrigin(t, originIP, sizedHandler(tc.size, tc.chunked))
			cfg := testConfig(t, origin)
			cfg.MaxBytes = testLimit
			f := mustNew(t, cfg)

			resp, err := f.Fetch(context.Background(), urlOf(t, originIP, origin, "/"))
			if tc.early {
				e := asError(t, err, tc.want)
				checkContext(t, e, tc.wantCtx)
				if e.Message != "the file is larger than the limit of 1000 bytes" {
					t.Fatalf("Message=%q", e.Message)
				}
				return
			}
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			defer resp.Body.Close()
			if resp.ContentLength != tc.wantFetch {
				t.Fatalf("ContentLength=%d, want %d", resp.ContentLength, tc.wantFetch)
			}
			body, err := io.ReadAll(resp.Body)
			if tc.want == "" {
				if err != nil || len(body) != tc.size {
					t.Fatalf("read %d bytes, err=%v; want %d bytes", len(body), err, tc.size)
				}
				return
			}
			e := asError(t, err, tc.want)
			checkContext(t, e, tc.wantCtx)
			if len(body) > testLimit {
				t.Fatalf("delivered %d bytes, want at most %d", len(body), testLimit)
			}
			if _, err := resp.Body.Read(make([]byte, 10)); err != e {
				t.Fatalf("second Read error=%v, want the same *Error", err)
			}
		})
	}
}

// checkContext checks several context values.
func checkContext(tb testing.TB, e *fetch.Error, want map[string]string) {
	tb.Helper()
	for k, v := range want {
		wantContext(tb, e, k, v)
	}
}

// rawHandler writes a raw HTTP response on a hijacked connection and
// closes it.
func rawHandler(tb testing.TB, raw string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		conn, rw := hijack(tb, w)
		defer conn.Close()
		rw.WriteString(raw)
		rw.Flush()
	})
}

func TestFetchContentLengthLies(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name     string
		raw      string
		wantBody string
		want     fetch.Code
		wantCtx  map[string]string
	}{
		{
			name:     "DeclaredShorterThanSent",
			raw:      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n0123456789",
			wantBody: "01234",
		},
		{
			name:    "DeclaredLongerThanSent",
			raw:     "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789",
			want:    fetch.CodeBodyTruncated,
			wantCtx: map[string]string{"bytesReceived": "10", "contentLength": "100"},
		},
		{
			name:    "ChunkedCutMidStream",
			raw:     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
			want:    fetch.CodeBodyTruncated,
			wantCtx: map[string]string{"bytesReceived": "5"},
		},
		{
			name:     "NoLengthReadToClose",
			raw:      "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it",
			wantBody: "all of it",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			origin := newOrigin(t, originIP, rawHandler(t, tc.raw))
			f := mustNew(t, testConfig(t, origin))
			body, _, err := fetchAll(t, f, urlOf(t, originIP, origin, "/"))
			if tc.want == "" {
				if err != nil || string(body) != tc.wantBody {
					t.Fatalf("body=%q err=%v, want %q", body, err, tc.wantBody)
				}
				return
			}
			e := asError(t, err, tc.want)
			checkContext(t, e, tc.wantCtx)
			if !e.Transient {
				t.Fatalf("Transient=false, want true")
			}
		})
	}
}

func TestFetchConnectionResetMidBody(t *testing.T) {
	t.Parallel()

	readSome := make(chan struct{})
	origin := newOrigin(t, originIP, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		conn, rw := hijack(t, w)
		rw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
		rw.WriteString(string(bytes.Repeat([]byte("y"), 100)))
		rw.Flush()
		<-readSome
		conn.(*net.TCPConn).SetLinger(0) // Close now sends RST
		conn.Close()
	}))
	f := mustNew(t, testConfig(t, origin))

	resp, err := f.Fetch(context.Background(), urlOf(t, originIP, origin, "/"))
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	defer resp.Body.Close()
	if _, err := io.ReadFull(resp.Body, make([]byte, 100)); err != nil {
		t.Fatalf("reading the first 100 bytes: %v", err)
	}
	close(readSome)
	_, err = io.ReadAll(resp.Body)
	e := asError(t, err, fetch.CodeConnectionReset)
	checkContext(t, e, map[string]string{"bytesReceived": "100", "contentLength": "1000"})
	if !e.Transient {
		t.Fatalf("Transient=false, want true")
	}
}

func TestFetchGzipBombStaysCompressed(t *testing.T) {
	t.Parallel()

	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	zw.Write(make([]byte, 4<<20)) // 4 MiB of zeros, a few KiB compressed
	zw.Close()
	compressed := buf.Bytes()

	origin := newOrigin(t, originIP, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Accept-Encoding"); got != "identity" {
			t.Errorf("Accept-Encoding=%q, want identity", got)
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(compressed)
	}))
	cfg := testConfig(t, origin)
	cfg.MaxBytes = 1 << 20
	f := mustNew(t, cfg)

	body, resp, err := fetchAll(t, f, urlOf(t, originIP, origin, "/bomb"))
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if !bytes.Equal(body, compressed) {
		t.Fatalf("body is %d bytes, want the %d raw compressed bytes", len(body), len(compressed))
	}
	if resp.ContentType != "application/octet-stream" {
		t.Fatalf("ContentType=%q, want application/octet-stream", resp.ContentType)
	}

	// The limit applies to the compressed bytes, never to the inflated ones.
	cfg.MaxBytes = int64(len(compressed) - 1)
	_, _, err = fetchAll(t, mustNew(t, cfg), urlOf(t, originIP, origin, "/bomb"))
	asError(t, err, fetch.CodeTooLarge)
}

func TestFetchResponseFields(t *testing.T) {
	t.Parallel()

	origin := newOrigin(t, originIP, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("User-Agent"); got != "Ferry/1 (+import-from-url)" {
			t.Errorf("User-Agent=%q, want the default", got)
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="../report.csv"`)
		w.Write([]byte("a,b\n"))
	}))
	f := mustNew(t, testConfig(t, origin))
	raw := urlOf(t, originIP, origin, "/data?x=1#section")
	body, resp, err := fetchAll(t, f, raw)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"Body", string(body), "a,b\n"},
		{"StatusCode", resp.StatusCode, 200},
		{"ContentType", resp.ContentType, "text/csv; charset=utf-8"},
		{"ContentLength", resp.ContentLength, int64(4)},
		{"FileName", resp.FileName, "report.csv"},
		{"FinalURL", resp.FinalURL, urlOf(t, originIP, origin, "/data?x=1")},
		{"Redirects", resp.Redirects, 0},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s=%v, want %v", c.name, c.got, c.want)
		}
	}
	if err := resp.Body.Close(); err != nil {
		t.Fatalf("second Close=%v, want nil", err)
	}
}
