package httpapi

import (
	"net/http"
	"slices"
	"strings"

	"ferry/internal/ferry"
	"ferry/internal/httpapi/openapi"
)

// APIVersion is a path prefix Ferry serves the Files API under, with what
// HubSpot's spec for that version changes from v3.
type APIVersion struct {
	Prefix string // "/files/v3"
	// Drops lists the operations (Operation.ID) the version does not
	// have; their routes answer as any unknown route does.
	Drops []string
	// BackwardPaging makes search read before as a backward cursor and
	// answer paging.prev, as the 2026-09 beta documents it.
	BackwardPaging bool
}

// Serves reports whether the version has the operation.
func (v APIVersion) Serves(op Operation) bool { return !slices.Contains(v.Drops, op.ID) }

// Versions are the Files API versions Ferry serves: v3, its date-versioned
// twin 2026-03 (the same operations), and the 2026-09 beta, which drops
// the asynchronous folder update and pages both ways.
var Versions = []APIVersion{
	{Prefix: "/files/v3"},
	{Prefix: "/files/2026-03"},
	{Prefix: "/files/2026-09-beta", Drops: []string{"updateFolderAsync", "checkFolderUpdate"}, BackwardPaging: true},
}

// APIVersions are the Versions' prefixes.
var APIVersions = func() []string {
	out := make([]string, len(Versions))
	for i, v := range Versions {
		out[i] = v.Prefix
	}
	return out
}()

// addRoutes registers every route: the Files API under each version, the
// file host and the health check.
func (s *server) addRoutes(mux *http.ServeMux) {
	for _, v := range Versions {
		s.addAPIRoutes(mux, v)
	}
	s.addTaskRoutes(mux)
	if s.opts.Webhooks != nil {
		s.addWebhookRoutes(mux)
	}
	mux.HandleFunc("GET /hubfs/{portal}/{path...}", s.handleHostedFile)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", s.handleReady)
	openapi.Register(mux) // GET /openapi.json and GET /docs, without a token
	if s.opts.Control != nil {
		// The emulator's control routes (ferry serve --emulator only).
		mux.Handle("/_ferry/", s.requireScopes([]ferry.Scope{ferry.ScopeAdmin}, s.opts.Control.ServeHTTP))
	}
	mux.HandleFunc("/", s.handleNoRoute)
}

// handleNoRoute answers a request no route serves.
func (s *server) handleNoRoute(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, s.log, ferry.Errorf(ferry.NotFound, "No route for %s %s.", r.Method, r.URL.Path))
}

// addAPIRoutes registers every Files API operation of version v under its
// prefix. Literal segments (search, stat, update) are more specific than
// the wildcards beside them, so ServeMux picks them first; that is why an
// operation the version drops keeps its route, answering as an unknown
// route does, rather than falling through to a wildcard beside it.
func (s *server) addAPIRoutes(mux *http.ServeMux, v APIVersion) {
	read, write, del := ferry.ReadScopes, ferry.WriteScopes, ferry.DeleteScopes
	api := func(method, path string, scopes []ferry.Scope, h http.HandlerFunc) {
		pattern := method + " " + v.Prefix + path
		if !v.Serves(routeOperations[method+" "+path]) {
			mux.HandleFunc(pattern, s.handleNoRoute)
			return
		}
		mux.Handle(pattern, s.withOperation(method, path, scopes, h))
	}

	api("POST", "/files", write, s.limitUploads(s.handleUpload))
	api("POST", "/files/import-from-url/async", write, s.handleImportFromURL)
	api("GET", "/files/import-from-url/async/tasks/{taskId}/status", read, s.handleCheckImport)
	api("GET", "/files/search", read, s.handleSearchFiles)
	api("GET", "/files/stat/{path...}", read, s.handleStat)
	api("GET", "/files/{fileId}", read, s.handleGetFileByID)
	api("PUT", "/files/{fileId}", write, s.limitUploads(s.handleReplaceFile))
	api("PATCH", "/files/{fileId}", write, s.handleUpdateFile)
	api("DELETE", "/files/{fileId}", del, s.handleArchiveFile)
	api("GET", "/files/{fileId}/{sub...}", read, s.handleFileSubresource) // download, signed-url
	api("DELETE", "/files/{fileId}/gdpr-delete", del, s.handleGDPRDelete)

	api("POST", "/folders", write, s.handleCreateFolder)
	api("GET", "/folders/search", read, s.handleSearchFolders)
	api("POST", "/folders/update/async", write, s.handleUpdateFolderAsync)
	api("GET", "/folders/update/async/tasks/{taskId}/status", write, s.handleCheckFolderUpdate) // the spec asks write scopes here
	api("GET", "/folders/{folder...}", read, s.handleGetFolder)
	api("PATCH", "/folders/{folder...}", write, s.handleUpdateFolder)
	api("DELETE", "/folders/{folder...}", del, s.handleArchiveFolder)
}

// handleFileSubresource serves GET .../files/{fileId}/download and
// GET .../files/{fileId}/signed-url. They share one pattern because
// ServeMux cannot rank "{fileId}/download" against "stat/{path...}".
func (s *server) handleFileSubresource(w http.ResponseWriter, r *http.Request) {
	switch r.PathValue("sub") {
	case "download":
		s.handleDownload(w, r)
	case "signed-url":
		s.handleSignedURL(w, r)
	default:
		s.handleNoRoute(w, r)
	}
}

// apiBase returns the API prefix a request came in under, so that the
// links in its response stay in the same version.
func apiBase(r *http.Request) string { return apiVersion(r).Prefix }

// apiVersion returns the version a request came in under (v3 for any
// other path).
func apiVersion(r *http.Request) APIVersion {
	for _, v := range Versions {
		if strings.HasPrefix(r.URL.Path, v.Prefix+"/") {
			return v
		}
	}
	return Versions[0]
}
