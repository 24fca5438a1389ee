package httpapi

import (
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"ferry/internal/ferry"
)

// The scope sets of HubSpot's spec, written out here rather than taken
// from package ferry so that this test checks ferry's sets too. A token
// with any one scope of the set may call the operation.
var (
	specRead   = []ferry.Scope{"files", "files.read", "files.ui_hidden.read"}
	specWrite  = []ferry.Scope{"files.ui_hidden.write", "files", "files.write"}
	specDelete = []ferry.Scope{"files.ui_hidden.write", "files", "files.delete"}
)

// allSpecScopes is every scope that appears in the spec's sets.
var allSpecScopes = []ferry.Scope{"files", "files.read", "files.write", "files.delete", "files.ui_hidden.read", "files.ui_hidden.write"}

// operation is one Files API route below a version prefix such as
// "/files/v3", a request that reaches it, and the scope set the spec
// requires for it.
type operation struct {
	method  string
	pattern string // the path pattern below the version, as routes.go registers it
	target  string // a path below the version that the pattern matches
	body    string
	scopes  []ferry.Scope
}

func (op operation) key() string { return op.method + " " + op.pattern }

// operations must list every Files API route that routes.go registers;
// TestRouteInventory fails when one is missing. The scopes are those of
// the spec's operation (testdata/hubspot/hubspot-files-v3.json). The
// folder routes' {folder...} wildcard serves both the id and the path
// operations.
var operations = []operation{
	{"POST", "/files", "/files", "", specWrite},
	{"POST", "/files/import-from-url/async", "/files/import-from-url/async",
		`{"url":"https://example.com/cat.png","access":"PRIVATE","folderPath":"/cats"}`, specWrite},
	{"GET", "/files/import-from-url/async/tasks/{taskId}/status", "/files/import-from-url/async/tasks/AAAAEZ6whGI/status", "", specRead},
	{"GET", "/files/search", "/files/search?name=cat", "", specRead},
	{"GET", "/files/stat/{path...}", "/files/stat/library/cat.png", "", specRead},
	{"GET", "/files/{fileId}", "/files/122692044085", "", specRead},
	{"PUT", "/files/{fileId}", "/files/122692044085", "", specWrite},
	{"PATCH", "/files/{fileId}", "/files/122692044085", `{"name":"dog"}`, specWrite},
	{"DELETE", "/files/{fileId}", "/files/122692044085", "", specDelete},
	{"GET", "/files/{fileId}/{sub...}", "/files/122692044085/download", "", specRead},
	{"GET", "/files/{fileId}/{sub...}", "/files/122692044085/signed-url", "", specRead},
	{"DELETE", "/files/{fileId}/gdpr-delete", "/files/122692044085/gdpr-delete", "", specDelete},
	{"POST", "/folders", "/folders", `{"name":"cats"}`, specWrite},
	{"GET", "/folders/search", "/folders/search", "", specRead},
	{"POST", "/folders/update/async", "/folders/update/async", `{"id":"5","name":"dogs"}`, specWrite},
	// The spec asks for the write scopes on this GET.
	{"GET", "/folders/update/async/tasks/{taskId}/status", "/folders/update/async/tasks/AAAAEZ6whGI/status", "", specWrite},
	{"GET", "/folders/{folder...}", "/folders/5", "", specRead},
	{"GET", "/folders/{folder...}", "/folders/%2Flibrary%2Fcats", "", specRead},
	{"GET", "/folders/{folder...}", "/folders/library/cats", "", specRead},
	{"PATCH", "/folders/{folder...}", "/folders/5", `{"name":"dogs"}`, specWrite},
	{"DELETE", "/folders/{folder...}", "/folders/5", "", specDelete},
	{"DELETE", "/folders/{folder...}", "/folders/library/cats", "", specDelete},
}

var httpMethodRE = regexp.MustCompile(`^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)$`)

// registeredOperations parses routes.go for the Files API operations it
// registers: calls whose first two arguments are a method and a path
// literal, as in api("GET", "/files/{fileId}", ...), and full patterns
// under a version prefix, as in mux.Handle("GET /files/v3/files", ...).
func registeredOperations(tb testing.TB) []string {
	tb.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "routes.go", nil, 0)
	if err != nil {
		tb.Fatalf("parse routes.go: %v", err)
	}
	literal := func(e ast.Expr) (string, bool) {
		lit, ok := e.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(lit.Value)
		return s, err == nil
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) < 2 {
			return true
		}
		first, ok := literal(call.Args[0])
		if !ok {
			return true
		}
		if second, ok := literal(call.Args[1]); ok && httpMethodRE.MatchString(first) && strings.HasPrefix(second, "/") {
			out = append(out, first+" "+second)
			return true
		}
		method, path, ok := strings.Cut(first, " ")
		if !ok {
			return true
		}
		for _, base := range APIVersions {
			if rest, ok := strings.CutPrefix(path, base); ok && strings.HasPrefix(rest, "/") {
				out = append(out, method+" "+rest)
			}
		}
		return true
	})
	return out
}

func TestRouteInventory(t *testing.T) {
	t.Parallel()
	registered := registeredOperations(t)
	if len(registered) == 0 {
		t.Fatal("found no Files API routes in routes.go; update registeredOperations to how routes.go registers them")
	}
	for _, op := range registered {
		if !slices.ContainsFunc(operations, func(o operation) bool { return o.key() == op }) {
			t.Errorf("routes.go registers %q, which operations does not list with its spec scopes", op)
		}
	}
	// Every listed target reaches its pattern under every version.
	s := newTestServer(t)
	mux := http.NewServeMux()
	s.addRoutes(mux)
	for _, base := range APIVersions {
		for _, op := range operations {
			_, got := mux.Handler(newRequest(op.method, base+op.target, "", ""))
			if want := op.method + " " + base + op.pattern; got != want {
				t.Errorf("%s %s%s: routed to %q, want %q", op.method, base, op.target, got, want)
			}
		}
	}
}

func TestSpecScopeSets(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		got, want []ferry.Scope
	}{
		{"ReadScopes", ferry.ReadScopes, specRead},
		{"WriteScopes", ferry.WriteScopes, specWrite},
		{"DeleteScopes", ferry.DeleteScopes, specDelete},
	} {
		got, want := slices.Sorted(slices.Values(tc.got)), slices.Sorted(slices.Values(tc.want))
		if !slices.Equal(got, want) {
			t.Errorf("ferry.%s=%v, want %v", tc.name, got, want)
		}
	}
	// ferry.admin is Ferry's own scope, for the emulator's control routes.
	got, want := slices.Sorted(slices.Values(ferry.AllScopes)), slices.Sorted(slices.Values(append(slices.Clone(allSpecScopes), ferry.ScopeAdmin)))
	if !slices.Equal(got, want) {
		t.Errorf("ferry.AllScopes=%v, want %v", got, want)
	}
}

// withSuccessFakes makes the faked service calls succeed.
func withSuccessFakes(bd *testBundle) {
	file := sampleFile()
	task := ferry.Task{ID: "AAAAEZ6whGI", Portal: testPortal, Kind: ferry.TaskImport, Status: ferry.TaskPending, RequestedAt: testNow}
	bd.files.FindFileFunc = func(context.Context, ferry.PortalID, ferry.FileID) (ferry.File, error) { return file, nil }
	bd.imports.StartImportFunc = func(context.Context, ferry.PortalID, ferry.ImportRequest) (ferry.Task, error) { return task, nil }
	bd.imports.ImportStatusFunc = func(context.Context, ferry.PortalID, ferry.TaskID) (ferry.Task, *ferry.File, error) {
		return task, nil, nil
	}
}

// TestRouteScopes checks, for every route under every version, that a
// token holding a single scope is refused with 403 exactly when the spec's
// set for the operation does not contain that scope. Requests that pass
// may fail later for other reasons (the fakes know little); only 401 and
// 403 count here.
func TestRouteScopes(t *testing.T) {
	t.Parallel()
	for _, v := range Versions {
		for _, op := range operations {
			if !v.Serves(routeOperations[op.key()]) {
				continue // TestDroppedOperations
			}
			target := v.Prefix + op.target
			for _, sc := range allSpecScopes {
				t.Run(op.method+" "+target+"/"+string(sc), func(t *testing.T) {
					t.Parallel()
					bd := setup(t)
					withSuccessFakes(bd)
					w := serve(bd.handler, newRequest(op.method, target, "tok-"+string(sc), op.body))
					allowed := slices.Contains(op.scopes, sc)
					switch {
					case allowed && (w.Code == http.StatusForbidden || w.Code == http.StatusUnauthorized):
						t.Errorf("status=%d, want the request let through: %s is in the spec's set %v\n%s", w.Code, sc, op.scopes, w.Body)
					case !allowed && w.Code != http.StatusForbidden:
						t.Errorf("status=%d, want 403: %s is not in the spec's set %v\n%s", w.Code, sc, op.scopes, w.Body)
					case !allowed:
						checkMissingScopesBody(t, w.Body.Bytes(), op.scopes)
					}
				})
			}
			t.Run(op.method+" "+target+"/NoToken", func(t *testing.T) {
				t.Parallel()
				bd := setup(t)
				w := serve(bd.handler, newRequest(op.method, target, "", op.body))
				if w.Code != http.StatusUnauthorized {
					t.Errorf("status=%d, want 401", w.Code)
				}
				if got, want := w.Header().Get("X-HubSpot-Auth-Failure"), "401 Unauthorized"; got != want {
					t.Errorf("X-HubSpot-Auth-Failure=%q, want %q", got, want)
				}
			})
		}
	}
}

// TestDroppedOperations checks that an operation a version drops (the
// asynchronous folder update in the 2026-09 beta) answers under that
// version exactly as a route that does not exist: 404 "No route", with
// or without a token, and does not fall through to the folder wildcard.
func TestDroppedOperations(t *testing.T) {
	t.Parallel()
	dropped := 0
	for _, v := range Versions {
		for _, op := range operations {
			if v.Serves(routeOperations[op.key()]) {
				continue
			}
			dropped++
			for _, tok := range []string{"", "tok-files"} {
				bd := setup(t)
				withSuccessFakes(bd)
				w := serve(bd.handler, newRequest(op.method, v.Prefix+op.target, tok, op.body))
				if w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "No route for "+op.method) {
					t.Errorf("%s %s%s (token %q): %d %s, want 404 No route", op.method, v.Prefix, op.target, tok, w.Code, w.Body)
				}
				if w.Header().Get("X-HubSpot-Auth-Failure") != "" {
					t.Errorf("%s %s%s: X-HubSpot-Auth-Failure set on an unknown route", op.method, v.Prefix, op.target)
				}
			}
		}
	}
	if dropped != 2 {
		t.Errorf("%d operations are dropped by some version, want 2 (the beta's folder update and its status)", dropped)
	}
}

// checkMissingScopesBody checks a 403 body names the scopes, as HubSpot
// does, in errors[0].context.
func checkMissingScopesBody(tb testing.TB, body []byte, scopes []ferry.Scope) {
	tb.Helper()
	var e struct {
		Category string `json:"category"`
		Errors   []struct {
			Context map[string][]string `json:"context"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		tb.Fatalf("403 body: %v", err)
	}
	if e.Category != "MISSING_SCOPES" {
		tb.Errorf("category=%q, want MISSING_SCOPES", e.Category)
	}
	if len(e.Errors) == 0 {
		tb.Fatalf("errors is empty, want the required scopes in errors[0].context")
	}
	var want []string
	for _, sc := range scopes {
		want = append(want, string(sc))
	}
	slices.Sort(want)
	for _, key := range []string{"requiredGranularScopes", "requiredScopes"} {
		got := slices.Sorted(slices.Values(e.Errors[0].Context[key]))
		if !slices.Equal(got, want) {
			tb.Errorf("errors[0].context.%s=%v, want %v", key, got, want)
		}
	}
}

// The status codes the Node SDK insists on, for the operations whose
// services the fakes can answer.
func TestRouteSuccessStatus(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		method, target, body string
		want                 int
	}{
		{"POST", "/files/import-from-url/async", `{"url":"https://example.com/a.png","access":"PRIVATE","folderPath":"/"}`, http.StatusAccepted},
		{"GET", "/files/import-from-url/async/tasks/AAAAEZ6whGI/status", "", http.StatusOK},
		{"GET", "/files/122692044085", "", http.StatusOK},
	} {
		for _, base := range APIVersions {
			bd := setup(t)
			withSuccessFakes(bd)
			w := serve(bd.handler, newRequest(tc.method, base+tc.target, "tok-files", tc.body))
			if w.Code != tc.want {
				t.Errorf("%s %s%s: status=%d, want %d\n%s", tc.method, base, tc.target, w.Code, tc.want, w.Body)
			}
			if got, want := w.Header().Get("Content-Type"), jsonType; got != want {
				t.Errorf("%s %s%s: Content-Type=%q, want %q", tc.method, base, tc.target, got, want)
			}
		}
	}
}

// A task's status link stays under the API version the request used.
func TestStatusLinkKeepsVersion(t *testing.T) {
	t.Parallel()
	for _, base := range APIVersions {
		bd := setup(t)
		withSuccessFakes(bd)
		w := serve(bd.handler, newRequest("POST", base+"/files/import-from-url/async", "tok-files",
			`{"url":"https://example.com/a.png","access":"PRIVATE","folderPath":"/"}`))
		var loc struct {
			ID    string            `json:"id"`
			Links map[string]string `json:"links"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &loc); err != nil {
			t.Fatalf("%s: body: %v\n%s", base, err, w.Body)
		}
		want := "https://files.example.com" + base + "/files/import-from-url/async/tasks/AAAAEZ6whGI/status"
		if loc.ID != "AAAAEZ6whGI" || loc.Links["status"] != want {
			t.Errorf("%s: locator=%+v, want id AAAAEZ6whGI and status link %q", base, loc, want)
		}
	}
}
