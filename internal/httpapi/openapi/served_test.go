package openapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"ferry/internal/ferry"
	"ferry/internal/httpapi"
	"ferry/internal/httpapi/openapi"
)

// noTokens refuses every credential, so that a request reaching a Files
// API route answers 401 before any service is called.
type noTokens struct{}

func (noTokens) Authenticate(context.Context, string) (ferry.Token, error) {
	return ferry.Token{}, ferry.Errorf(ferry.Unauthenticated, "no tokens in this test")
}

// noFiles is a file service that knows no file; only the file host calls
// it here.
type noFiles struct{ ferry.FileService }

func (noFiles) FindFileByPath(context.Context, ferry.PortalID, string) (ferry.File, error) {
	return ferry.File{}, ferry.Errorf(ferry.NotFound, "no files in this test")
}

// noWebhooks stands in for the webhook service, which no request
// reaches without a token.
type noWebhooks struct{ ferry.WebhookService }

func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	h, err := httpapi.NewHandler(slog.New(slog.DiscardHandler), noTokens{}, noFiles{}, nil, nil,
		httpapi.Options{PublicURL: "http://ferry.test", Control: http.NotFoundHandler(), // the emulator's routes, behind auth
			Webhooks: noWebhooks{}})
	if err != nil {
		t.Fatalf("NewHandler: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// sample values for the path parameters of the document.
var sample = map[string]string{
	"fileId": "122692044085", "taskId": "AAAAEZ6whGI", "path": "library/cat.png",
	"folderIdOrPath": "5", "portal": "1", "webhookId": "wh_x", "deliveryId": "1", "name": "base",
}

// TestDocumentMatchesRoutes sends a request to every operation of the
// document through Ferry's real handler, without a token. Every Files API
// operation, under every version prefix httpapi serves, must exist and
// refuse with 401, except under the versions its x-ferry-not-served-under
// names, where it must answer 404 as an unknown route does; Ferry's own endpoints must answer without one, unless
// they declare security (the emulator's control routes). A path
// the document lists but the server does not route answers 404 "No route".
func TestDocumentMatchesRoutes(t *testing.T) {
	srv := newServer(t)
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openapi.Document())
	if err != nil {
		t.Fatal(err)
	}
	var prefixes []string
	if err := json.Unmarshal(mustJSON(t, doc.Extensions["x-ferry-api-prefixes"]), &prefixes); err != nil {
		t.Fatalf("x-ferry-api-prefixes: %v", err)
	}
	if !slices.Equal(prefixes, httpapi.APIVersions) {
		t.Errorf("x-ferry-api-prefixes=%v, but httpapi serves %v", prefixes, httpapi.APIVersions)
	}
	for path, item := range doc.Paths.Map() {
		target := path
		for name, v := range sample {
			target = strings.ReplaceAll(target, "{"+name+"}", v)
		}
		if strings.Contains(target, "{") {
			t.Errorf("%s: no sample value for a path parameter", path)
			continue
		}
		for method, op := range item.Operations() {
			if rest, ok := strings.CutPrefix(target, "/files/v3/"); ok {
				var notUnder []string // the versions that drop the operation
				if raw, ok := op.Extensions["x-ferry-not-served-under"]; ok {
					if err := json.Unmarshal(mustJSON(t, raw), &notUnder); err != nil {
						t.Errorf("%s %s: x-ferry-not-served-under: %v", method, path, err)
					}
				}
				for _, v := range httpapi.Versions {
					code, body := do(t, srv, method, v.Prefix+"/"+rest)
					if slices.Contains(notUnder, v.Prefix) {
						if code != http.StatusNotFound || !strings.Contains(body, "No route") {
							t.Errorf("%s %s/%s: %d %s, want 404 No route: the document says the version drops it", method, v.Prefix, rest, code, body)
						}
						if served := v.Serves(httpapi.Operation{ID: op.OperationID}); served {
							t.Errorf("%s: the document says %s drops it, httpapi.Versions does not", op.OperationID, v.Prefix)
						}
						continue
					}
					if !v.Serves(httpapi.Operation{ID: op.OperationID}) {
						t.Errorf("%s: httpapi.Versions says %s drops it; list it in its x-ferry-not-served-under", op.OperationID, v.Prefix)
					}
					if code != http.StatusUnauthorized || !strings.Contains(body, `"INVALID_AUTHENTICATION"`) {
						t.Errorf("%s %s/%s without a token: %d %s, want 401 INVALID_AUTHENTICATION", method, v.Prefix, rest, code, body)
					}
				}
				continue
			}
			if strings.HasPrefix(target, "/ferry/v1/") {
				// Ferry's own API takes the same tokens as the Files API.
				code, body := do(t, srv, method, target)
				if code != http.StatusUnauthorized || !strings.Contains(body, `"INVALID_AUTHENTICATION"`) {
					t.Errorf("%s %s without a token: %d %s, want 401 INVALID_AUTHENTICATION", method, target, code, body)
				}
				continue
			}
			want := http.StatusOK
			if op.Security != nil && len(*op.Security) > 0 {
				want = http.StatusUnauthorized // Ferry's own routes that need a token
			}
			if strings.HasPrefix(path, "/hubfs/") {
				want = http.StatusNotFound // no file here, but the route is served, without a token
			}
			code, body := do(t, srv, method, target)
			if code != want || strings.Contains(body, "No route") {
				t.Errorf("%s %s without a token: %d %s, want %d", method, target, code, body, want)
			}
		}
	}
}

func TestServedWithoutAuth(t *testing.T) {
	srv := newServer(t)
	resp, err := http.Get(srv.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" || !json.Valid(body) {
		t.Errorf("GET /openapi.json: %d %q, valid JSON %v", resp.StatusCode, resp.Header.Get("Content-Type"), json.Valid(body))
	}
	if resp.Header.Get("X-HubSpot-Correlation-Id") == "" {
		t.Error("GET /openapi.json: no X-HubSpot-Correlation-Id; it should pass through the same middleware as the API")
	}
	resp, err = http.Get(srv.URL + "/docs")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(string(page), "/files/v3/files/import-from-url/async") {
		t.Errorf("GET /docs: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func do(t *testing.T, srv *httptest.Server, method, target string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+target, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if strings.Contains(resp.Header.Get("Content-Type"), "html") {
		b = b[:min(len(b), 80)]
	}
	return resp.StatusCode, string(b)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
