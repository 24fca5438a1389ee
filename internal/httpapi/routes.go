package httpapi

import (
	"net/http"

	"ferry/internal/ferry"
)

// handleFileSubresource serves GET /files/v3/files/{fileId}/download and
// GET /files/v3/files/{fileId}/signed-url. They share one pattern because
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

// addRoutes registers every route: the HubSpot Files v3 operations, the
// file host and the health check. Literal segments (search, stat, update)
// are more specific than the wildcards beside them, so ServeMux picks
// them first.
func (s *server) addRoutes(mux *http.ServeMux) {
	read, write, del := ferry.ReadScopes, ferry.WriteScopes, ferry.DeleteScopes
	api := func(pattern string, scopes []ferry.Scope, h http.HandlerFunc) {
		mux.Handle(pattern, s.requireScopes(scopes, h))
	}

	api("POST /files/v3/files", write, s.handleUpload)
	api("POST /files/v3/files/import-from-url/async", write, s.handleImportFromURL)
	api("GET /files/v3/files/import-from-url/async/tasks/{taskId}/status", read, s.handleCheckImport)
	api("GET /files/v3/files/search", read, s.handleSearchFiles)
	api("GET /files/v3/files/stat/{path...}", read, s.handleStat)
	api("GET /files/v3/files/{fileId}", read, s.handleGetFileByID)
	api("PUT /files/v3/files/{fileId}", write, s.handleReplaceFile)
	api("PATCH /files/v3/files/{fileId}", write, s.handleUpdateFile)
	api("DELETE /files/v3/files/{fileId}", del, s.handleArchiveFile)
	api("GET /files/v3/files/{fileId}/{sub...}", read, s.handleFileSubresource) // download, signed-url
	api("DELETE /files/v3/files/{fileId}/gdpr-delete", del, s.handleGDPRDelete)

	api("POST /files/v3/folders", write, s.handleCreateFolder)
	api("GET /files/v3/folders/search", read, s.handleSearchFolders)
	api("POST /files/v3/folders/update/async", write, s.handleUpdateFolderAsync)
	api("GET /files/v3/folders/update/async/tasks/{taskId}/status", write, s.handleCheckFolderUpdate) // the spec asks write scopes here
	api("GET /files/v3/folders/{folder...}", read, s.handleGetFolder)
	api("PATCH /files/v3/folders/{folder...}", write, s.handleUpdateFolder)
	api("DELETE /files/v3/folders/{folder...}", del, s.handleArchiveFolder)

	mux.HandleFunc("GET /hubfs/{portal}/{path...}", s.handleHostedFile)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, s.log, ferry.Errorf(ferry.NotFound, "No route for %s %s.", r.Method, r.URL.Path))
	})
}
