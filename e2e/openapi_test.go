package e2e

// Response validation against HubSpot's official OpenAPI documents.
//
// Every response the end-to-end tests receive from the Files API (any path
// under /files/v3/, /files/2026-03/ or /files/2026-09-beta/) is checked with kin-openapi against
// the document of its version: the status code must be one the operation
// declares, the Content-Type one of the response's media types, and the
// body must match the schema. The check sits in the http.Client of every
// test server (validatingTransport, installed by startServer), so it sees
// every request a test sends through the harness, whichever helper sends
// it. Failures fail the test that owns the server.
//
// The documents are in the repository, structure only, in testdata/hubspot
// (see its README), or in $FERRY_SPEC_DIR. Where one is missing the check
// is skipped and TestMain prints "OPENAPI VALIDATION SKIPPED" once; with
// FERRY_REQUIRE_SPEC=1 (set by CI) a missing document fails the package.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// apiSpec is one loaded OpenAPI document and the API prefix it covers.
type apiSpec struct {
	prefix string // "/files/v3"
	file   string // the document's path, for messages
	doc    *openapi3.T
	router routers.Router
}

// specFiles maps each API prefix Ferry serves to HubSpot's document for it.
var specFiles = []struct{ prefix, name string }{
	{"/files/v3", "hubspot-files-v3.json"},
	{"/files/2026-03", "hubspot-files-2026-03.json"},
	{"/files/2026-09-beta", "hubspot-files-2026-09-beta.json"},
}

// apiSpecs holds the documents TestMain loaded, by prefix. A prefix whose
// document was absent has no entry, and its responses are not validated.
var apiSpecs = map[string]*apiSpec{}

// specDir is where the documents are looked for: $FERRY_SPEC_DIR (a
// relative value is taken from the repository root), else the in-repository
// copy in testdata/hubspot.
func specDir() string {
	root, err := filepath.Abs("..") // go test runs in e2e/; its parent is the repository root
	if err != nil {
		root = ".."
	}
	if d := os.Getenv("FERRY_SPEC_DIR"); d != "" {
		if !filepath.IsAbs(d) {
			d = filepath.Join(root, d)
		}
		return d
	}
	return filepath.Join(root, "testdata", "hubspot")
}

// docValidationOptions relax doc.Validate for HubSpot's documents:
//   - examples are not validated: HubSpot's own examples contradict their
//     schemas (ImportFromUrlTaskLocator.example has "links" as an array of
//     objects where the schema says a map of strings; Error.context.example
//     is the string "{invalidPropertyName=[propertyValue], ...}" for an
//     object). Examples play no part in validating responses.
//
// Schema formats stay at kin-openapi's defaults: "date-time" and "int32"/
// "int64" are checked on every value, and loadSpecs adds "uuid".
var docValidationOptions = []openapi3.ValidationOption{
	openapi3.DisableExamplesValidation(),
}

// validateDoc validates a HubSpot document with docValidationOptions and
// tolerates exactly one known defect: the document declares both
// {prefix}/folders/{folderId} and {prefix}/folders/{folderPath}. OpenAPI
// says templated paths that differ only in parameter names "MUST NOT
// exist", and kin-openapi reports them as conflicting paths; HubSpot tells
// them apart by the parameters' patterns (\d+ and .+). Any other finding
// fails.
func validateDoc(ctx context.Context, doc *openapi3.T, prefix string) error {
	opts := append([]openapi3.ValidationOption{openapi3.EnableMultiError()}, docValidationOptions...)
	var rest openapi3.MultiError
	for _, e := range flattenErrors(doc.Validate(ctx, opts...)) {
		var cp *openapi3.ConflictingPathsError
		if errors.As(e, &cp) && isFolderPathConflict(prefix, cp.Path1, cp.Path2) {
			continue
		}
		rest = append(rest, e)
	}
	if len(rest) > 0 {
		return rest
	}
	return nil
}

func isFolderPathConflict(prefix, a, b string) bool {
	id, path := prefix+"/folders/{folderId}", prefix+"/folders/{folderPath}"
	return (a == id && b == path) || (a == path && b == id)
}

// flattenErrors lists the leaves of kin-openapi's (possibly wrapped) multi
// errors.
func flattenErrors(err error) []error {
	if err == nil {
		return nil
	}
	var me openapi3.MultiError
	if errors.As(err, &me) && len(me) > 0 {
		var out []error
		for _, e := range me {
			out = append(out, flattenErrors(e)...)
		}
		return out
	}
	return []error{err}
}

// routingDoc is the document the router is built from: doc without
// {prefix}/folders/{folderPath}, which kin-openapi's router (and its
// doc.Validate) cannot hold beside {prefix}/folders/{folderId}. The router
// finds the shared template; disambiguate then picks the operation from
// the full document by the parameters' patterns.
func routingDoc(doc *openapi3.T, prefix string) *openapi3.T {
	paths := openapi3.NewPaths()
	for _, p := range doc.Paths.InMatchingOrder() {
		if p != prefix+"/folders/{folderPath}" {
			paths.Set(p, doc.Paths.Value(p))
		}
	}
	rd := *doc
	rd.Paths = paths
	return &rd
}

// loadSpecs loads every document that exists and builds its router. It
// returns the prefixes whose document is missing. A document that exists
// but cannot be loaded is an error.
func loadSpecs() (missing []string, err error) {
	// The documents declare correlationId as format "uuid", which
	// kin-openapi does not check unless told to. Ferry's correlation ids
	// are random (version 4) UUIDs, as HubSpot's are.
	openapi3.DefineStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC9562))

	dir := specDir()
	for _, sf := range specFiles {
		file := filepath.Join(dir, sf.name)
		if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
			missing = append(missing, file)
			continue
		}
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile(file)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", file, err)
		}
		if err := validateDoc(loader.Context, doc, sf.prefix); err != nil {
			return nil, fmt.Errorf("validate %s: %w", file, err)
		}
		// The documents name https://api.hubapi.com as their only server.
		// Test servers listen on 127.0.0.1 with a port that changes on
		// every restart, so route on the path alone: with no servers the
		// router matches the request path against the paths object.
		doc.Servers = nil
		router, err := legacy.NewRouter(routingDoc(doc, sf.prefix), docValidationOptions...)
		if err != nil {
			return nil, fmt.Errorf("router for %s: %w", file, err)
		}
		for p := range doc.Paths.Map() {
			if !strings.HasPrefix(p, sf.prefix+"/") {
				return nil, fmt.Errorf("%s: path %s is not under %s", file, p, sf.prefix)
			}
		}
		apiSpecs[sf.prefix] = &apiSpec{prefix: sf.prefix, file: file, doc: doc, router: router}
	}
	return missing, nil
}

// setUpOpenAPI is TestMain's part: load the documents, say once if the
// validation is skipped, and fail when FERRY_REQUIRE_SPEC=1 demands them.
// It returns false if the package must not run.
func setUpOpenAPI() bool {
	missing, err := loadSpecs()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: OpenAPI:", err)
		return false
	}
	if len(missing) == 0 {
		return true
	}
	for _, m := range missing {
		fmt.Printf("OPENAPI VALIDATION SKIPPED: %s not found; responses under its prefix are not checked against HubSpot's spec\n", m)
	}
	if os.Getenv("FERRY_REQUIRE_SPEC") == "1" {
		fmt.Fprintln(os.Stderr, "e2e: FERRY_REQUIRE_SPEC=1 but HubSpot's OpenAPI documents are missing (restore testdata/hubspot or set FERRY_SPEC_DIR)")
		return false
	}
	return true
}

// validatedResponses counts the responses checked against a document.
var validatedResponses atomic.Int64

// seenOps records, per operation ("GET /files/v3/files/{fileId}"), the
// status codes validated against it.
var seenOps = struct {
	sync.Mutex
	m map[string]map[int]int
}{m: map[string]map[int]int{}}

func recordSeen(route *routers.Route, status int) {
	seenOps.Lock()
	defer seenOps.Unlock()
	k := route.Method + " " + route.Path
	if seenOps.m[k] == nil {
		seenOps.m[k] = map[int]int{}
	}
	seenOps.m[k][status]++
}

// openAPISummary is printed by TestMain under -v: how many responses were
// validated, and per operation of each loaded document the status codes
// seen.
func openAPISummary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "OpenAPI: %d Files API responses validated against HubSpot's documents (%d of %d documents loaded)\n",
		validatedResponses.Load(), len(apiSpecs), len(specFiles))
	seenOps.Lock()
	defer seenOps.Unlock()
	for _, sf := range specFiles {
		spec := apiSpecs[sf.prefix]
		if spec == nil {
			continue
		}
		paths := spec.doc.Paths.InMatchingOrder()
		slices.Sort(paths)
		for _, p := range paths {
			ops := spec.doc.Paths.Value(p).Operations()
			methods := make([]string, 0, len(ops))
			for m := range ops {
				methods = append(methods, m)
			}
			slices.Sort(methods)
			for _, m := range methods {
				fmt.Fprintf(&b, "  %-7s %-60s %v\n", m, p, seenOps.m[m+" "+p])
			}
		}
	}
	var other []string
	for k := range seenOps.m {
		if strings.Contains(k, "(no operation") {
			other = append(other, k)
		}
	}
	slices.Sort(other)
	for _, k := range other {
		fmt.Fprintf(&b, "  %-68s %v\n", k, seenOps.m[k])
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// specFor returns the document for a request path, or nil when the path is
// not an API path (/hubfs/..., /healthz) or its document was not loaded.
func specFor(path string) *apiSpec {
	for _, sf := range specFiles {
		if strings.HasPrefix(path, sf.prefix+"/") {
			return apiSpecs[sf.prefix]
		}
	}
	return nil
}

// isAPIPath reports whether a request path belongs to a Files API version.
func isAPIPath(path string) bool {
	for _, sf := range specFiles {
		if strings.HasPrefix(path, sf.prefix+"/") {
			return true
		}
	}
	return false
}

// validatingTransport validates every Files API response that passes
// through it and hands the caller a body that can still be read in full.
type validatingTransport struct {
	base   http.RoundTripper
	report func(format string, args ...any) // t.Errorf of the test that owns the server
}

func (vt *validatingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := vt.base.RoundTrip(req)
	if err != nil || req.Method == http.MethodHead {
		return resp, err
	}
	path := routingPath(req.URL)
	if !isAPIPath(path) {
		return resp, nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read response body: %w", err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	msg, route := validateResponse(req, resp, body)
	if route != nil {
		validatedResponses.Add(1)
		recordSeen(route, resp.StatusCode)
	}
	if msg != "" {
		vt.report("OpenAPI: %s %s: status %d: %s\nbody: %.600s", req.Method, req.URL.RequestURI(), resp.StatusCode, msg, body)
	}
	return resp, nil
}

// routingPath is the escaped request path as the server routes it: the
// server collapses leading slashes (a basePath with a trailing slash makes
// the Node SDK send //files/...).
func routingPath(u *url.URL) string {
	p := u.EscapedPath()
	if strings.HasPrefix(p, "//") {
		p = "/" + strings.TrimLeft(p, "/")
	}
	return p
}

// validateResponse checks one response against the document of its
// version. It returns "" if it conforms (or no document is loaded for its
// version), else what is wrong; and the operation it was checked against,
// nil if none.
func validateResponse(req *http.Request, resp *http.Response, body []byte) (string, *routers.Route) {
	spec := specFor(routingPath(req.URL))
	if spec == nil {
		return "", nil
	}
	route, params, err := spec.findRoute(req)
	if err != nil {
		// The document has no operation for this request. Tests send such
		// requests on purpose (unknown routes, wrong methods); the server
		// must then answer with an error, and every error body in the
		// document is the Error response.
		er := spec.errorRoute(req)
		if resp.StatusCode < 400 {
			return fmt.Sprintf("%s has no operation for this request (%v), yet the server answered %d", filepath.Base(spec.file), err, resp.StatusCode), er
		}
		return validateAgainst(er, nil, req, resp, body), er
	}
	return validateAgainst(route, params, req, resp, body), route
}

// validateAgainst runs kin-openapi's ValidateResponse, plus the two checks
// it leaves out because every operation has a "default" response: that a
// success status is one the operation declares, and that a response the
// document declares without content has an empty body.
func validateAgainst(route *routers.Route, params map[string]string, req *http.Request, resp *http.Response, body []byte) string {
	op := route.Operation
	status := resp.StatusCode
	declared := declaredSuccess(op)
	if status >= 200 && status < 300 && op.Responses.Status(status) == nil {
		if len(declared) == 0 && downloadException(route) {
			return ""
		}
		return fmt.Sprintf("status %d is not declared for %s %s (declared: %v)", status, route.Method, route.Path, declared)
	}
	if r := op.Responses.Status(status); r != nil && r.Value != nil && len(r.Value.Content) == 0 && len(body) != 0 {
		return fmt.Sprintf("%s %s declares no content for %d, but the body has %d bytes", route.Method, route.Path, status, len(body))
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    req,
			PathParams: params,
			Route:      route,
		},
		Status: status,
		Header: resp.Header,
		Body:   io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{
			MultiError:            true,
			IncludeResponseStatus: true,
			// The report quotes the body; the schema dump would drown it.
			SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()},
		},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Sprintf("%s %s: %v", route.Method, route.Path, err)
	}
	return ""
}

// declaredSuccess lists the 2xx codes an operation declares.
func declaredSuccess(op *openapi3.Operation) []string {
	var codes []string
	for code := range op.Responses.Map() {
		if strings.HasPrefix(code, "2") {
			codes = append(codes, code)
		}
	}
	slices.Sort(codes)
	return codes
}

// downloadException: GET /files/v3/files/{fileId}/download is in the v3
// document (and the 2026-09-beta one) with only a "default" (Error)
// response and no success response at all. HubSpot's own 2026-09-beta
// text says it downloads the file; a success is the file's bytes, which
// the documents do not describe. So a
// 2xx from this one operation, which declares no 2xx, is not checked. Its
// errors still are.
func downloadException(route *routers.Route) bool {
	return route.Method == http.MethodGet && strings.HasSuffix(route.Path, "/files/{fileId}/download")
}

// findRoute finds the operation for a request. It routes on the escaped
// path, so that a percent-encoded folder path or stat path
// (/files/v3/folders/%2Fa%2Fb) stays one segment, as the Node SDK sends
// it. The document types folderPath and path with pattern ".+": they may
// also arrive as raw segments (/files/v3/folders/a/b); those are folded
// into one segment before a second try.
func (spec *apiSpec) findRoute(req *http.Request) (*routers.Route, map[string]string, error) {
	path := routingPath(req.URL)
	route, params, err := spec.match(req, path)
	if err == nil {
		return route, params, nil
	}
	for _, multi := range []string{"/files/stat/", "/folders/"} {
		head := spec.prefix + multi
		if rest, ok := strings.CutPrefix(path, head); ok && strings.Contains(rest, "/") {
			if r2, p2, err2 := spec.match(req, head+strings.ReplaceAll(rest, "/", "%2F")); err2 == nil {
				return r2, p2, nil
			}
		}
	}
	return nil, nil, err
}

// match routes a request by an escaped path.
func (spec *apiSpec) match(req *http.Request, escapedPath string) (*routers.Route, map[string]string, error) {
	r2 := req.Clone(context.Background())
	r2.URL = &url.URL{Path: escapedPath, RawQuery: req.URL.RawQuery}
	route, params, err := spec.router.FindRoute(r2)
	if err != nil {
		return nil, nil, err
	}
	return spec.disambiguate(route, params), params, nil
}

// disambiguate picks between operations whose path templates differ only
// in parameter names: /folders/{folderId} and /folders/{folderPath} are
// one route to the router, which keeps whichever it saw last. The document
// tells them apart by the parameters' patterns (\d+ and .+); the first
// template, in sorted order, whose patterns all match wins.
func (spec *apiSpec) disambiguate(route *routers.Route, params map[string]string) *routers.Route {
	shape := templateRE.ReplaceAllString(route.Path, "{}")
	values := templateRE.FindAllString(route.Path, -1)
	var vals []string
	for _, v := range values {
		vals = append(vals, params[strings.Trim(v, "{}")])
	}
	paths := spec.doc.Paths.InMatchingOrder()
	slices.Sort(paths)
	for _, p := range paths {
		if templateRE.ReplaceAllString(p, "{}") != shape {
			continue
		}
		item := spec.doc.Paths.Value(p)
		op := item.GetOperation(route.Method)
		if op == nil {
			continue
		}
		names := templateRE.FindAllString(p, -1)
		ok := len(names) == len(vals)
		for i := 0; ok && i < len(names); i++ {
			ok = paramMatches(op, item, strings.Trim(names[i], "{}"), vals[i])
		}
		if ok {
			return &routers.Route{Spec: spec.doc, Path: p, PathItem: item, Method: route.Method, Operation: op}
		}
	}
	return route
}

var templateRE = regexp.MustCompile(`\{[^{}]+\}`)

// paramMatches reports whether a path parameter's (escaped) value matches
// the pattern its schema declares, if any.
func paramMatches(op *openapi3.Operation, item *openapi3.PathItem, name, escaped string) bool {
	value, err := url.PathUnescape(escaped)
	if err != nil {
		value = escaped
	}
	for _, ps := range []openapi3.Parameters{op.Parameters, item.Parameters} {
		for _, pr := range ps {
			p := pr.Value
			if p == nil || p.In != openapi3.ParameterInPath || p.Name != name {
				continue
			}
			if p.Schema == nil || p.Schema.Value == nil || p.Schema.Value.Pattern == "" {
				return true
			}
			re, err := regexp.Compile(p.Schema.Value.Pattern)
			if err != nil {
				return true
			}
			// OpenAPI patterns are unanchored; HubSpot's ("\d+", ".+") are
			// meant for the whole value.
			loc := re.FindStringIndex(value)
			return loc != nil && loc[0] == 0 && loc[1] == len(value)
		}
	}
	return true
}

// errorRoute is a stand-in operation for a request the document has no
// operation for: its only response is the document's shared Error
// response (components.responses.Error, media type */*), which every
// operation uses as its "default".
func (spec *apiSpec) errorRoute(req *http.Request) *routers.Route {
	resps := openapi3.NewResponses()
	resps.Set("default", &openapi3.ResponseRef{Ref: "#/components/responses/Error", Value: spec.doc.Components.Responses["Error"].Value})
	op := &openapi3.Operation{Responses: resps}
	return &routers.Route{Spec: spec.doc, Path: spec.prefix + "/... (no operation: Error response)", Method: req.Method, Operation: op}
}

// TestOpenAPIValidator checks the validator itself on hand-made responses,
// so that a vacuous validator cannot pass the suite: it must accept what
// HubSpot's documents allow and reject the rest. It needs no server.
func TestOpenAPIValidator(t *testing.T) {
	t.Parallel()
	if apiSpecs["/files/v3"] == nil || apiSpecs["/files/2026-03"] == nil || apiSpecs[vBeta] == nil {
		t.Skip("HubSpot's OpenAPI documents are not loaded (see OPENAPI VALIDATION SKIPPED)")
	}
	const (
		cid  = "3f1c2a9e-5b7d-4c1e-9a2b-6d8e0f1a2b3c"
		file = `{"id":"12","createdAt":"2026-01-02T03:04:05.006Z","updatedAt":"2026-01-02T03:04:05.006Z","archived":false,"access":"PRIVATE"`
		fldr = `{"id":"7","createdAt":"2026-01-02T03:04:05.006Z","updatedAt":"2026-01-02T03:04:05.006Z","archived":false,"path":"/a/b"}`
		errb = `{"status":"error","message":"no","correlationId":"` + cid + `","category":"OBJECT_NOT_FOUND"}`
	)
	cases := []struct {
		name, method, path string
		status             int
		ctype, body        string
		wantErr            string // "" = valid; else a substring of the finding
	}{
		{"file", "GET", "/files/v3/files/12", 200, jsonType, file + `,"expiresAt":1767322800000}`, ""},
		{"file without id", "GET", "/files/v3/files/12", 200, jsonType, `{"createdAt":"2026-01-02T03:04:05.006Z","updatedAt":"2026-01-02T03:04:05.006Z","archived":false,"access":"PRIVATE"}`, `property "id" is missing`},
		{"file expiresAt as a string", "GET", "/files/v3/files/12", 200, jsonType, file + `,"expiresAt":"2026-01-02T03:04:05.006Z"}`, "expiresAt"},
		{"file createdAt not a date-time", "GET", "/files/v3/files/12", 200, jsonType, `{"id":"12","createdAt":"yesterday","updatedAt":"2026-01-02T03:04:05.006Z","archived":false,"access":"PRIVATE"}`, "createdAt"},
		{"file bad access", "GET", "/files/v3/files/12", 200, jsonType, `{"id":"12","createdAt":"2026-01-02T03:04:05.006Z","updatedAt":"2026-01-02T03:04:05.006Z","archived":false,"access":"PUBLIC"}`, "access"},
		{"file as text/plain", "GET", "/files/v3/files/12", 200, "text/plain; charset=utf-8", file + `}`, "Content-Type"},
		{"file without Content-Type", "GET", "/files/v3/files/12", 200, "", file + `}`, "Content-Type"},
		{"upload answered 200", "POST", "/files/v3/files", 200, jsonType, file + `}`, "status 200 is not declared"},
		{"upload answered 201", "POST", "/files/v3/files", 201, jsonType, file + `}`, ""},
		{"delete 204", "DELETE", "/files/v3/files/12", 204, "", "", ""},
		{"delete 204 with a body", "DELETE", "/files/v3/files/12", 204, jsonType, `{}`, "declares no content"},
		{"error with status:error", "GET", "/files/v3/files/12", 404, jsonType, errb, ""},
		{"error without correlationId", "GET", "/files/v3/files/12", 404, jsonType, `{"message":"no","category":"X"}`, "correlationId"},
		{"error with a non-UUID correlationId", "GET", "/files/v3/files/12", 404, jsonType, `{"message":"no","category":"X","correlationId":"abc"}`, "correlationId"},
		{"error as text/plain", "GET", "/files/v3/files/12", 404, "text/plain", "not found", "must be an object"},
		{"folder by path, encoded", "GET", "/files/v3/folders/%2Fa%2Fb", 200, jsonType, fldr, ""},
		{"folder by path, raw segments", "GET", "/files/v3/folders/a/b", 200, jsonType, fldr, ""},
		{"folder by id", "PATCH", "/files/v3/folders/7", 200, jsonType, fldr, ""},
		{"stat by encoded path", "GET", "/files/v3/files/stat/%2Fa%2Fb.png", 200, jsonType, `{"folder":` + fldr + `}`, ""},
		{"no such operation, 404", "GET", "/files/v3/nope", 404, jsonType, errb, ""},
		{"no such operation, 200", "GET", "/files/v3/nope", 200, jsonType, `{}`, "no operation"},
		{"download bytes (no 2xx declared)", "GET", "/files/v3/files/12/download", 200, "image/png", "\x89PNG", ""},
		{"download error", "GET", "/files/v3/files/12/download", 404, jsonType, `{}`, "message"},
		{"task with a StandardError", "GET", "/files/v3/files/import-from-url/async/tasks/x/status", 200, jsonType,
			`{"taskId":"x","status":"CANCELED","startedAt":"2026-01-02T03:04:05.006Z","completedAt":"2026-01-02T03:04:05.006Z",` +
				`"errors":[{"status":"400","category":"VALIDATION_ERROR","message":"m","errors":[{"message":"m","subCategory":"S"}],"context":{},"links":{},"subCategory":{}}]}`, ""},
		{"task StandardError subCategory a string", "GET", "/files/v3/files/import-from-url/async/tasks/x/status", 200, jsonType,
			`{"taskId":"x","status":"CANCELED","startedAt":"2026-01-02T03:04:05.006Z","completedAt":"2026-01-02T03:04:05.006Z",` +
				`"errors":[{"status":"400","category":"VALIDATION_ERROR","message":"m","errors":[],"context":{},"links":{},"subCategory":"S"}]}`, "subCategory"},
		{"task status FAILED", "GET", "/files/v3/files/import-from-url/async/tasks/x/status", 200, jsonType,
			`{"taskId":"x","status":"FAILED","startedAt":"2026-01-02T03:04:05.006Z","completedAt":"2026-01-02T03:04:05.006Z"}`, "status"},
		{"v3 signed URL needs name", "GET", "/files/v3/files/12/signed-url", 200, jsonType, `{"url":"u","expiresAt":"2026-01-02T03:04:05.006Z"}`, "missing"},
		{"2026-03 signed URL needs only url, expiresAt", "GET", "/files/2026-03/files/12/signed-url", 200, jsonType, `{"url":"u","expiresAt":"2026-01-02T03:04:05.006Z"}`, ""},
		{"2026-03 has no download", "GET", "/files/2026-03/files/12/download", 200, "image/png", "\x89PNG", "no operation"},
		{"beta has download again", "GET", "/files/2026-09-beta/files/12/download", 200, "image/png", "\x89PNG", ""},
		{"beta has no folder update", "POST", "/files/2026-09-beta/folders/update/async", 202, jsonType, `{"id":"t","links":{}}`, "no operation"},
		{"beta folder update is an unknown route", "POST", "/files/2026-09-beta/folders/update/async", 404, jsonType, errb, ""},
		{"beta search with paging.prev", "GET", "/files/2026-09-beta/files/search", 200, jsonType,
			`{"results":[],"paging":{"next":{"after":"20","link":"l"},"prev":{"before":"10","link":"l"}}}`, ""},
		{"beta paging.prev needs before", "GET", "/files/2026-09-beta/folders/search", 200, jsonType,
			`{"results":[],"paging":{"prev":{"link":"l"}}}`, "before"},
		{"hosting is not checked", "GET", "/hubfs/1/a.png", 200, "image/png", "\x89PNG", ""},
		{"leading // is the API", "POST", "//files/v3/files", 200, jsonType, file + `}`, "status 200 is not declared"},
	}
	for _, tc := range cases {
		req, err := http.NewRequest(tc.method, "http://127.0.0.1:1"+tc.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp := &http.Response{StatusCode: tc.status, Header: http.Header{}}
		if tc.ctype != "" {
			resp.Header.Set("Content-Type", tc.ctype)
		}
		got, _ := validateResponse(req, resp, []byte(tc.body))
		switch {
		case tc.wantErr == "" && got != "":
			t.Errorf("%s: %s %s %d: want valid, got: %s", tc.name, tc.method, tc.path, tc.status, got)
		case tc.wantErr != "" && !strings.Contains(got, tc.wantErr):
			t.Errorf("%s: %s %s %d: want a finding containing %q, got %q", tc.name, tc.method, tc.path, tc.status, tc.wantErr, got)
		case got != "":
			t.Logf("%s: rejected as expected: %s", tc.name, got)
		}
	}

	// The folder templates that differ only in their parameter's name
	// resolve by the parameter's pattern.
	for path, want := range map[string]string{
		"/files/v3/folders/7":                 "/files/v3/folders/{folderId}",
		"/files/v3/folders/%2Fa%2Fb":          "/files/v3/folders/{folderPath}",
		"/files/v3/folders/a7":                "/files/v3/folders/{folderPath}",
		"/files/2026-03/folders/a/b/c":        "/files/2026-03/folders/{folderPath}",
		"/files/v3/folders/search":            "/files/v3/folders/search",
		"/files/v3/files/stat/a/b.png":        "/files/v3/files/stat/{path}",
		"/files/v3/files/12/signed-url":       "/files/v3/files/{fileId}/signed-url",
		"/files/2026-03/files/12/gdpr-delete": "/files/2026-03/files/{fileId}/gdpr-delete",
	} {
		method := "GET"
		if strings.HasSuffix(path, "gdpr-delete") {
			method = "DELETE"
		}
		req, _ := http.NewRequest(method, "http://127.0.0.1:1"+path, nil)
		route, _, err := specFor(routingPath(req.URL)).findRoute(req)
		if err != nil {
			t.Errorf("route %s %s: %v", method, path, err)
		} else if route.Path != want {
			t.Errorf("route %s %s = %s, want %s", method, path, route.Path, want)
		}
	}
}
