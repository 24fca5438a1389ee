package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"ferry/internal/ferry"
)

// A basePath with a trailing slash makes the Node SDK send "//files/...";
// the request must reach its route, not a redirect that multipart uploads
// do not follow.
func TestDoubleSlashIsRouted(t *testing.T) {
	t.Parallel()
	bd := setup(t)
	withSuccessFakes(bd)
	srv := httptest.NewServer(bd.handler)
	defer srv.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tc := range []struct {
		method, path, body string
		want               int
	}{
		{"GET", "//files/v3/files/122692044085", "", http.StatusOK},
		{"GET", "///files/v3/files/import-from-url/async/tasks/AAAAEZ6whGI/status", "", http.StatusOK},
		{"POST", "//files/v3/files/import-from-url/async", `{"url":"https://example.com/a.png","access":"PRIVATE","folderPath":"/"}`, http.StatusAccepted},
	} {
		req := newRequest(tc.method, srv.URL+tc.path, "tok-files", tc.body)
		req.RequestURI = ""
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.method, tc.path, err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s: status=%d (Location %q), want %d", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Location"), tc.want)
		}
	}
}

func TestUnknownRouteIsJSON404(t *testing.T) {
	t.Parallel()
	bd := setup(t)
	for _, target := range []string{"/files/v3/nope", "/", "/files/v4/files/1", "/files/v3/files/1/unknown"} {
		w := serve(bd.handler, newRequest("GET", target, "tok-files", ""))
		if w.Code != http.StatusNotFound {
			t.Errorf("GET %s: status=%d, want 404", target, w.Code)
		}
		body := decodeError(t, w)
		if body.Status != "error" || body.Category != "OBJECT_NOT_FOUND" || body.Message == "" {
			t.Errorf("GET %s: body=%+v, want an OBJECT_NOT_FOUND error", target, body)
		}
	}
}

// decodeError checks the JSON error body's content type and correlation id
// and decodes it.
func decodeError(tb testing.TB, w *httptest.ResponseRecorder) errorBody {
	tb.Helper()
	if got, want := w.Header().Get("Content-Type"), "application/json;charset=utf-8"; got != want {
		tb.Errorf("Content-Type=%q, want %q", got, want)
	}
	var body errorBody
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		tb.Fatalf("body is not JSON: %v\n%s", err, w.Body)
	}
	if got, want := body.CorrelationID, w.Header().Get("X-HubSpot-Correlation-Id"); got != want || got == "" {
		tb.Errorf("correlationId=%q, want the header's %q", got, want)
	}
	return body
}

func TestEveryResponseHasCorrelationID(t *testing.T) {
	t.Parallel()
	bd := setup(t)
	withSuccessFakes(bd)
	seen := map[string]string{}
	for _, tc := range []struct{ name, method, target, secret string }{
		{"Health", "GET", "/healthz", ""},
		{"Unknown", "GET", "/nope", ""},
		{"NoToken", "GET", "/files/v3/files/1", ""},
		{"BadToken", "GET", "/files/v3/files/1", "wrong"},
		{"MissingScope", "GET", "/files/v3/files/1", "tok-files.write"},
		{"BadID", "GET", "/files/v3/files/abc", "tok-files"},
		{"OK", "GET", "/files/v3/files/1", "tok-files"},
		{"HostedMissing", "GET", "/hubfs/43918798/nope.png", ""},
	} {
		w := serve(bd.handler, newRequest(tc.method, tc.target, tc.secret, ""))
		id := w.Header().Get("X-HubSpot-Correlation-Id")
		if !uuidRE.MatchString(id) {
			t.Errorf("%s: X-HubSpot-Correlation-Id=%q, want a version 4 UUID", tc.name, id)
			continue
		}
		if other, ok := seen[id]; ok {
			t.Errorf("%s: correlation id %s was also used by %s, want one per request", tc.name, id, other)
		}
		seen[id] = tc.name
	}
}

func TestPanicBecomes500(t *testing.T) {
	t.Parallel()
	bd := setup(t)
	bd.files.FindFileFunc = func(context.Context, ferry.PortalID, ferry.FileID) (ferry.File, error) {
		panic("boom: the secret is hunter2")
	}
	w := serve(bd.handler, newRequest("GET", "/files/v3/files/1", "tok-files", ""))
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status=%d, want 500", w.Code)
	}
	body := decodeError(t, w)
	if body.Status != "error" || body.Category != "INTERNAL_ERROR" || body.Message != internalMessage {
		t.Errorf("body=%+v, want the generic internal error", body)
	}
	if len(body.Errors) != 0 || body.Context != nil {
		t.Errorf("body=%+v, want nothing but the generic message", body)
	}
}
