package openapi

import (
	"encoding/json"
	"errors"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"ferry/internal/ferry"
)

// loadFerry loads and validates the embedded document with kin-openapi.
func loadFerry(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(rawDocument)
	if err != nil {
		t.Fatalf("load ferry.json: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("ferry.json is not a valid OpenAPI document: %v", err)
	}
	return doc
}

func TestDocumentValidates(t *testing.T) {
	doc := loadFerry(t)
	if !strings.HasPrefix(doc.OpenAPI, "3.0.") {
		t.Errorf("openapi=%q, want a 3.0 document", doc.OpenAPI)
	}
	if !json.Valid(rawDocument) {
		t.Error("ferry.json is not valid JSON")
	}
}

// apiPrefix is where Ferry's document lists the Files API operations.
const apiPrefix = "/files/v3/"

// ferryTokenPrefix is where Ferry's own API lives, whose operations need a
// token with HubSpot's scopes, as the Files API's do.
const ferryTokenPrefix = "/ferry/v1/"

// Every operation outside the Files API is Ferry's own, needs no token and
// says so (but the emulator's control routes need a ferry.admin token);
// every Files API and /ferry/v1/ operation needs a bearer token with scopes
// from HubSpot's vocabulary.
func TestExtensionsAndSecurity(t *testing.T) {
	doc := loadFerry(t)
	scheme := doc.Components.SecuritySchemes["bearerAuth"]
	if scheme == nil || scheme.Value.Type != "http" || scheme.Value.Scheme != "bearer" {
		t.Fatalf("components.securitySchemes.bearerAuth must be an HTTP bearer scheme, got %+v", scheme)
	}
	known := []string{"files", "files.read", "files.write", "files.delete", "files.ui_hidden.read", "files.ui_hidden.write"}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			if op.Summary == "" || op.Description == "" || op.OperationID == "" {
				t.Errorf("%s: needs a summary, a description and an operationId", where)
			}
			if op.Security == nil {
				t.Errorf("%s: declares no security; every operation says whether it needs a token", where)
				continue
			}
			ext := op.Extensions["x-ferry-extension"] == true
			if strings.HasPrefix(path, "/ferry/v1/") && !ext {
				t.Errorf("%s: Ferry's own API must carry x-ferry-extension: true", where)
			}
			// Ferry's own API (/ferry/v1) takes the Files API's tokens.
			if !strings.HasPrefix(path, apiPrefix) && !strings.HasPrefix(path, "/ferry/v1/") {
				if !ext {
					t.Errorf("%s: not a HubSpot Files API path, so it must carry x-ferry-extension: true", where)
				}
				admin := []openapi3.SecurityRequirement{{"bearerAuth": {"ferry.admin"}}}
				switch {
				case strings.HasPrefix(path, "/_ferry/"):
					if !reflect.DeepEqual([]openapi3.SecurityRequirement(*op.Security), admin) {
						t.Errorf("%s: the emulator's control routes need a ferry.admin token, but security=%v", where, *op.Security)
					}
				case len(*op.Security) != 0:
					t.Errorf("%s: Ferry's own endpoints need no token, but security=%v", where, *op.Security)
				}
				continue
			}
			if len(*op.Security) == 0 {
				t.Errorf("%s: a Files API operation needs a token", where)
			}
			for _, req := range *op.Security {
				for name, scopes := range req {
					if name != "bearerAuth" {
						t.Errorf("%s: security scheme %q, want bearerAuth", where, name)
					}
					if len(scopes) != 1 || !slices.Contains(known, scopes[0]) {
						t.Errorf("%s: each requirement names one of HubSpot's scopes (OR semantics), got %v", where, scopes)
					}
				}
			}
			for _, code := range []string{"401", "403", "500", "default"} {
				if op.Responses.Value(code) == nil {
					t.Errorf("%s: no %s response", where, code)
				}
			}
		}
	}
}

// scopesOf returns the scopes an operation accepts, sorted.
func scopesOf(op *openapi3.Operation) []string {
	var out []string
	if op.Security != nil {
		for _, req := range *op.Security {
			for _, sc := range req {
				out = append(out, sc...)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

var templateVar = regexp.MustCompile(`\{[^}]*\}`)

// shape is a path with its template variable names erased: HubSpot's
// /folders/{folderId} and /folders/{folderPath} have the same shape, and
// Ferry serves both through /folders/{folderIdOrPath}.
func shape(path string) string { return templateVar.ReplaceAllString(path, "{}") }

// repoRoot is the directory holding go.mod, above the package directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the package directory")
		}
		dir = parent
	}
}

// specDir is where HubSpot's documents are: $FERRY_SPEC_DIR, else the
// structure-only copy in testdata/hubspot (as for the e2e tests).
func specDir(t *testing.T) string {
	if d := os.Getenv("FERRY_SPEC_DIR"); d != "" {
		return d
	}
	return filepath.Join(repoRoot(t), "testdata", "hubspot")
}

// loadHubSpot loads one of HubSpot's documents. A missing document skips
// the test, or fails it when FERRY_REQUIRE_SPEC=1 (as CI sets).
func loadHubSpot(t *testing.T, name string) *openapi3.T {
	t.Helper()
	file := filepath.Join(specDir(t), name)
	if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
		if os.Getenv("FERRY_REQUIRE_SPEC") == "1" {
			t.Fatalf("FERRY_REQUIRE_SPEC=1 but HubSpot's %s is missing at %s (set FERRY_SPEC_DIR)", name, file)
		}
		t.Skipf("HubSpot's %s not found at %s; the superset check is skipped (FERRY_REQUIRE_SPEC=1 makes this fail)", name, file)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(file)
	if err != nil {
		t.Fatalf("load %s: %v", file, err)
	}
	// No doc.Validate here: HubSpot's document fails it (its folderId and
	// folderPath paths conflict, and its examples contradict its schemas).
	return doc
}

// TestSupersetOfHubSpot checks Ferry's document against each of HubSpot's:
// every HubSpot operation is there, under the same method and URL shape,
// with the same scopes, every success and error status HubSpot declares,
// every query parameter and request field HubSpot declares, and every
// property HubSpot's response schemas require, declared and required.
func TestSupersetOfHubSpot(t *testing.T) {
	ferryDoc := loadFerry(t)
	ferryOps := map[string]*openapi3.Operation{} // "GET /files/v3/folders/{}"
	ferryPaths := map[string][]string{}          // shape → Ferry's paths of that shape
	for path, item := range ferryDoc.Paths.Map() {
		ferryPaths[shape(path)] = append(ferryPaths[shape(path)], path)
		for method, op := range item.Operations() {
			ferryOps[method+" "+shape(path)] = op
		}
	}
	for s, ps := range ferryPaths {
		if len(ps) > 1 {
			t.Errorf("Ferry's document has several paths of shape %s: %v", s, ps)
		}
	}
	for _, tc := range []struct{ file, prefix string }{
		{"hubspot-files-v3.json", "/files/v3/"},
		{"hubspot-files-2026-03.json", "/files/2026-03/"},
		{"hubspot-files-2026-09-beta.json", "/files/2026-09-beta/"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			hub := loadHubSpot(t, tc.file)
			count := 0
			byShape := map[string][]string{}
			for path, item := range hub.Paths.Map() {
				rest, ok := strings.CutPrefix(path, tc.prefix)
				if !ok {
					t.Errorf("HubSpot path %s is not under %s", path, tc.prefix)
					continue
				}
				ferryPath := apiPrefix + rest // Ferry serves every prefix alike
				byShape[shape(ferryPath)] = append(byShape[shape(ferryPath)], path)
				for method, hop := range item.Operations() {
					count++
					where := method + " " + path
					fop := ferryOps[method+" "+shape(ferryPath)]
					if fop == nil {
						t.Errorf("%s (%s): Ferry's document has no %s %s", where, hop.OperationID, method, ferryPath)
						continue
					}
					compareOperation(t, where, hop, fop)
				}
			}
			// HubSpot's /folders/{folderId} and /folders/{folderPath} are two
			// paths of one shape; both must land on one Ferry path that has
			// every method of either.
			for s, paths := range byShape {
				if len(paths) < 2 {
					continue
				}
				slices.Sort(paths)
				if len(ferryPaths[s]) != 1 {
					t.Errorf("HubSpot's %v share a URL shape; Ferry's document must serve them through one path, has %v", paths, ferryPaths[s])
					continue
				}
				t.Logf("HubSpot's %v are served by Ferry's %s", paths, ferryPaths[s][0])
			}
			if want := map[string]int{"hubspot-files-v3.json": 21, "hubspot-files-2026-03.json": 20, "hubspot-files-2026-09-beta.json": 19}[tc.file]; want != 0 && count != want {
				t.Errorf("HubSpot's %s has %d operations, want %d: update this test and docs/compatibility.md", tc.file, count, want)
			}
		})
	}
}

func compareOperation(t *testing.T, where string, hop, fop *openapi3.Operation) {
	t.Helper()
	if h, f := scopesOf(hop), scopesOf(fop); !slices.Equal(h, f) {
		t.Errorf("%s: Ferry accepts scopes %v, HubSpot %v", where, f, h)
	}
	for _, hp := range hop.Parameters {
		p := hp.Value
		if fop.Parameters.GetByInAndName(p.In, p.Name) == nil && p.In == openapi3.ParameterInQuery {
			t.Errorf("%s: Ferry does not declare HubSpot's query parameter %q (declare it, even if Ferry ignores it)", where, p.Name)
		}
	}
	if hop.RequestBody != nil {
		if fop.RequestBody == nil {
			t.Errorf("%s: HubSpot takes a request body, Ferry's document declares none", where)
		} else {
			for mt, hm := range hop.RequestBody.Value.Content {
				fm := fop.RequestBody.Value.Content[mt]
				if fm == nil {
					t.Errorf("%s: Ferry's request body has no %s", where, mt)
					continue
				}
				for name := range hm.Schema.Value.Properties {
					if fm.Schema.Value.Properties[name] == nil {
						t.Errorf("%s: Ferry's %s body does not declare HubSpot's field %q", where, mt, name)
					}
				}
			}
		}
	}
	for code, hr := range hop.Responses.Map() {
		fr := fop.Responses.Value(code)
		if fr == nil {
			t.Errorf("%s: HubSpot declares response %s, Ferry's document does not", where, code)
			continue
		}
		for mt, hm := range hr.Value.Content {
			if hm.Schema == nil {
				continue
			}
			fm := jsonContent(fr.Value.Content)
			if fm == nil || fm.Schema == nil {
				t.Errorf("%s: response %s: HubSpot has a %s body, Ferry's document has no JSON body", where, code, mt)
				continue
			}
			coversRequired(t, where+" → "+code, hm.Schema, fm.Schema, map[[2]*openapi3.Schema]bool{})
		}
	}
}

func jsonContent(c openapi3.Content) *openapi3.MediaType {
	if m := c.Get("application/json"); m != nil {
		return m
	}
	return c.Get("*/*")
}

// coversRequired checks that every property HubSpot's schema requires is
// declared and required in Ferry's, recursing into the properties, items
// and map values both declare.
func coversRequired(t *testing.T, where string, hub, fer *openapi3.SchemaRef, seen map[[2]*openapi3.Schema]bool) {
	t.Helper()
	h, f := hub.Value, fer.Value
	if h == nil || f == nil || seen[[2]*openapi3.Schema{h, f}] {
		return
	}
	seen[[2]*openapi3.Schema{h, f}] = true
	for _, name := range h.Required {
		if f.Properties[name] == nil {
			t.Errorf("%s: HubSpot requires %q, Ferry's schema does not declare it", where, name)
		} else if !slices.Contains(f.Required, name) {
			t.Errorf("%s: HubSpot requires %q, Ferry's schema declares it but not as required", where, name)
		}
	}
	for name, hp := range h.Properties {
		if fp := f.Properties[name]; fp != nil {
			coversRequired(t, where+"."+name, hp, fp, seen)
		}
	}
	if h.Items != nil && f.Items != nil {
		coversRequired(t, where+"[]", h.Items, f.Items, seen)
	}
	if ha, fa := h.AdditionalProperties.Schema, f.AdditionalProperties.Schema; ha != nil && fa != nil {
		coversRequired(t, where+"{}", ha, fa, seen)
	}
}

// The task states in the document are Ferry's. (The task error vocabulary
// is checked against the engine's in internal/tasks.)
func TestTaskStatusVocabulary(t *testing.T) {
	doc := loadFerry(t)
	status := doc.Components.Schemas["FileActionResponse"].Value.Properties["status"].Value
	for _, st := range []ferry.TaskStatus{ferry.TaskPending, ferry.TaskProcessing, ferry.TaskComplete, ferry.TaskCanceled} {
		if !slices.Contains(status.Enum, any(string(st))) {
			t.Errorf("FileActionResponse.status enum lacks %s", st)
		}
	}
}

// The defaults the document states are Ferry's.
func TestDocumentedDefaults(t *testing.T) {
	doc := loadFerry(t)
	param := func(path, method, name string) *openapi3.Schema {
		t.Helper()
		item := doc.Paths.Value(path)
		if item == nil || item.GetOperation(method) == nil {
			t.Fatalf("no %s %s", method, path)
		}
		p := item.GetOperation(method).Parameters.GetByInAndName("query", name)
		if p == nil {
			t.Fatalf("%s %s has no query parameter %s", method, path, name)
		}
		return p.Schema.Value
	}
	for _, path := range []string{"/files/v3/files/search", "/files/v3/folders/search"} {
		limit := param(path, "GET", "limit")
		if limit.Default != float64(ferry.SearchLimitDefault) || limit.Max == nil || *limit.Max != float64(ferry.SearchLimitMax) {
			t.Errorf("%s limit: default %v max %v, want %d and %d", path, limit.Default, limit.Max, ferry.SearchLimitDefault, ferry.SearchLimitMax)
		}
		after := doc.Paths.Value(path).Get.Parameters.GetByInAndName("query", "after")
		if after == nil || !strings.Contains(after.Description, "10000") || ferry.SearchOffsetMax != 10000 {
			t.Errorf("%s after: the description must state the offset cap %d", path, ferry.SearchOffsetMax)
		}
		before := doc.Paths.Value(path).Get.Parameters.GetByInAndName("query", "before")
		if before == nil || before.Extensions["x-ferry-extension"] != true || !strings.Contains(before.Description, "ignored") {
			t.Errorf("%s before: Ferry ignores it; the document must say so and mark it", path)
		}
	}
	exp := param("/files/v3/files/{fileId}/signed-url", "GET", "expirationSeconds")
	if exp.Default != float64(3600) || exp.Max == nil || *exp.Max != 366*24*3600 {
		t.Errorf("expirationSeconds: default %v max %v, want 3600 and %d (internal/httpapi/signed.go)", exp.Default, exp.Max, 366*24*3600)
	}
}

func TestJSONHandler(t *testing.T) {
	h := JSONHandler()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/openapi.json", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("status=%d, want 200", w.Code)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type=%q, want application/json", ct)
	}
	body := w.Body.Bytes()
	if !json.Valid(body) || string(body) != string(rawDocument) {
		t.Fatal("the body is not the embedded document")
	}
	if _, err := openapi3.NewLoader().LoadFromData(body); err != nil {
		t.Errorf("the served document does not load: %v", err)
	}
	// A client that has it already gets 304.
	r := httptest.NewRequest("GET", "/openapi.json", nil)
	r.Header.Set("If-None-Match", w.Header().Get("ETag"))
	w2 := httptest.NewRecorder()
	h.ServeHTTP(w2, r)
	if w2.Code != http.StatusNotModified {
		t.Errorf("with If-None-Match: status=%d, want 304", w2.Code)
	}
}

var (
	anchorRE = regexp.MustCompile(`href="#([^"]*)"`)
	idRE     = regexp.MustCompile(`id="([^"]*)"`)
)

func TestDocsPage(t *testing.T) {
	w := httptest.NewRecorder()
	DocsHandler().ServeHTTP(w, httptest.NewRequest("GET", "/docs", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("status=%d, want 200: %s", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type=%q", ct)
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy=%q, want default-src 'none'", csp)
	}
	page := w.Body.String()
	doc := loadFerry(t)
	for path, item := range doc.Paths.Map() {
		if !strings.Contains(page, html.EscapeString(path)) {
			t.Errorf("the page does not mention %s", path)
		}
		for method, op := range item.Operations() {
			if !strings.Contains(page, html.EscapeString(op.Summary)) {
				t.Errorf("the page does not show the summary of %s %s", method, path)
			}
		}
	}
	for name := range doc.Components.Schemas {
		if !strings.Contains(page, `id="schema-`+name+`"`) {
			t.Errorf("the page has no section for schema %s", name)
		}
	}
	// Self-contained: no scripts, nothing loaded from elsewhere.
	lower := strings.ToLower(page)
	for _, bad := range []string{"<script", "<link", "<img", "<iframe", "src=", "@import", "url("} {
		if strings.Contains(lower, bad) {
			t.Errorf("the page contains %q; it must be self-contained", bad)
		}
	}
	// Every in-page link has a target.
	ids := map[string]bool{}
	for _, m := range idRE.FindAllStringSubmatch(page, -1) {
		ids[m[1]] = true
	}
	for _, m := range anchorRE.FindAllStringSubmatch(page, -1) {
		if !ids[m[1]] {
			t.Errorf("link to #%s has no target", m[1])
		}
	}
	for _, want := range []string{"Ferry extension", "/files/2026-03/files/{fileId}", "x-ferry-extension", "files.ui_hidden.read"} {
		if !strings.Contains(page, html.EscapeString(want)) {
			t.Errorf("the page does not mention %q", want)
		}
	}
}

// prose escapes what it is given before it adds its own markup.
func TestProseEscapes(t *testing.T) {
	got := string(prose("a <b> & `<i>`\n\n- one\n- `two`"))
	want := "<p>a &lt;b&gt; &amp; <code>&lt;i&gt;</code></p><ul><li>one</li><li><code>two</code></li></ul>"
	if got != want {
		t.Errorf("prose=%q, want %q", got, want)
	}
}

func TestRenderRejectsBrokenReferences(t *testing.T) {
	broken := strings.Replace(string(rawDocument), `"#/components/schemas/File"`, `"#/components/schemas/NoSuchSchema"`, 1)
	if _, err := renderPage([]byte(broken)); err == nil || !strings.Contains(err.Error(), "NoSuchSchema") {
		t.Errorf("renderPage with a dangling reference: err=%v, want one naming NoSuchSchema", err)
	}
}

// docs/compatibility.md lists every HubSpot operation, as the document does.
func TestCompatibilityListsEveryOperation(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "docs", "compatibility.md"))
	if err != nil {
		t.Fatalf("read docs/compatibility.md: %v", err)
	}
	text := string(b)
	doc := loadFerry(t)
	for path, item := range doc.Paths.Map() {
		if !strings.HasPrefix(path, apiPrefix) {
			continue
		}
		for method := range item.Operations() {
			p := path
			if strings.Contains(p, "{folderIdOrPath}") {
				// The table lists HubSpot's two spellings of this path.
				for _, hp := range []string{strings.Replace(p, "{folderIdOrPath}", "{folderId}", 1), strings.Replace(p, "{folderIdOrPath}", "{folderPath}", 1)} {
					if method == "PATCH" && strings.Contains(hp, "folderPath") {
						continue
					}
					if !strings.Contains(text, "`"+method+" "+hp+"`") {
						t.Errorf("docs/compatibility.md does not list `%s %s`", method, hp)
					}
				}
				continue
			}
			if !strings.Contains(text, "`"+method+" "+p+"`") {
				t.Errorf("docs/compatibility.md does not list `%s %s`", method, p)
			}
		}
	}
}
