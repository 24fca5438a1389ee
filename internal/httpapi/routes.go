package httpapi

import (
	"net/http"
	"strings"

	"ferry/internal/ferry"
	"ferry/internal/httpapi/openapi"
)

// APIVersions are the path prefixes Ferry serves the Files API under: v3
// and its date-versioned twin, which has the same operations.
var APIVersions = []string{"/files/v3", "/files/2026-03"}

// addRoutes registers every route: the Files API under each version, the
// file host and the health check.
func (s *server) addRoutes(mux *http.ServeMux) {
	for _, base := range APIVersions {
		s.addAPIRoutes(mux, base)
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
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, s.log, ferry.Errorf(ferry.NotFound, "No route for %s %s.", r.Method, r.URL.Path))
	})
}

// addAPIRoutes registers every Files API operation under base. Literal
// segments (search, stat, update) are more specific than the wildcards
// beside them, so ServeMux picks them first.
func (s *server) addAPIRoutes(mux *http.ServeMux, base string) {
	read, write, del := ferry.ReadScopes, ferry.WriteScopes, ferry.DeleteScopes
	api := func(method, path string, scopes []ferry.Scope, h http.HandlerFunc) {
		mux.Handle(method+" "+base+path, s.withOperation(method, path, scopes, h))
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
		writeError(w, r, s.log, ferry.Errorf(ferry.NotFound, "No route for %s %s.", r.Method, r.URL.Path))
	}
}

// apiBase returns the API prefix a request came in under, so that the
// links in its response stay in the same version.
func apiBase(r *http.Request) string {
	for _, base := range APIVersions {
		if strings.HasPrefix(r.URL.Path, base+"/") {
			return base
		}
	}
	return APIVersions[0]
}
