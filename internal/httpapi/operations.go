package httpapi

import (
	"context"
	"net/http"

	"ferry/internal/ferry"
)

// Operation names a Files API operation.
type Operation struct {
	// ID is the operationId in Ferry's own document (/openapi.json),
	// unique across the API: "uploadFile", "searchFiles", ...
	ID string
	// HubSpot is the name that HubSpot's spec and SDKs give it ("upload",
	// "doSearch", ...); the files and folders APIs share some of them.
	HubSpot string
}

// Matches reports whether name is the operation's id or HubSpot name.
func (op Operation) Matches(name string) bool {
	return name != "" && (name == op.ID || name == op.HubSpot)
}

// Wrapper wraps the handler of one Files API operation.
type Wrapper func(op Operation, next http.Handler) http.Handler

// routeOperations maps each route that addAPIRoutes registers ("METHOD path",
// the path after the version prefix) to its operation.
var routeOperations = map[string]Operation{
	"POST /files":                       {"uploadFile", "upload"},
	"POST /files/import-from-url/async": {"importFromUrl", "importFromUrl"},
	"GET /files/import-from-url/async/tasks/{taskId}/status": {"checkImport", "checkImport"},
	"GET /files/search":                               {"searchFiles", "doSearch"},
	"GET /files/stat/{path...}":                       {"statPath", "getMetadata"},
	"GET /files/{fileId}":                             {"getFile", "getById"},
	"PUT /files/{fileId}":                             {"replaceFile", "replace"},
	"PATCH /files/{fileId}":                           {"updateFile", "updateProperties"},
	"DELETE /files/{fileId}":                          {"archiveFile", "archive"},
	"GET /files/{fileId}/download":                    {"downloadFile", "download"},
	"GET /files/{fileId}/signed-url":                  {"getSignedUrl", "getSignedUrl"},
	"DELETE /files/{fileId}/gdpr-delete":              {"gdprDeleteFile", "gdprDelete"},
	"POST /folders":                                   {"createFolder", "create"},
	"GET /folders/search":                             {"searchFolders", "doSearch"},
	"POST /folders/update/async":                      {"updateFolderAsync", "updatePropertiesRecursively"},
	"GET /folders/update/async/tasks/{taskId}/status": {"checkFolderUpdate", "checkUpdateStatus"},
	"GET /folders/{folder...}":                        {"getFolder", "getById"},
	"PATCH /folders/{folder...}":                      {"updateFolder", "updateProperties"},
	"DELETE /folders/{folder...}":                     {"archiveFolder", "archive"},
}

// Operations lists every Files API operation.
func Operations() []Operation {
	seen := map[string]bool{}
	var out []Operation
	for _, op := range routeOperations {
		if !seen[op.ID] {
			seen[op.ID] = true
			out = append(out, op)
		}
	}
	return out
}

type operationKey struct{}

// OperationFrom returns the Files API operation a request is for, if any.
func OperationFrom(ctx context.Context) (Operation, bool) {
	op, ok := ctx.Value(operationKey{}).(Operation)
	return op, ok
}

// operationOf returns the operation of a request to the route "method
// path"; the one route that serves two routeOperations is told apart by its
// last segment.
func operationOf(method, path string, r *http.Request) Operation {
	if path == "/files/{fileId}/{sub...}" {
		path = "/files/{fileId}/" + r.PathValue("sub")
	}
	return routeOperations[method+" "+path]
}

// withOperation puts the request's operation in its context and lets the
// configured wrappers see it: outer before authentication, inner after.
func (s *server) withOperation(method, path string, scopes []ferry.Scope, h http.HandlerFunc) http.Handler {
	inner := http.Handler(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := operationOf(method, path, r)
		r = r.WithContext(context.WithValue(r.Context(), operationKey{}, op))
		in := inner
		if s.opts.Inner != nil {
			in = s.opts.Inner(op, in)
		}
		if s.opts.RateLimit != nil {
			in = s.rateLimited(in)
		}
		var next http.Handler = s.requireScopes(scopes, in.ServeHTTP)
		if s.opts.Outer != nil {
			next = s.opts.Outer(op, next)
		}
		next.ServeHTTP(w, r)
	})
}
