package httpapi

import (
	"net/http"

	"ferry/internal/ferry"
)

// addRoutes registers every route: the HubSpot Files v3 operations that
// Ferry serves, the file host, and the health check.
func (s *server) addRoutes(mux *http.ServeMux) {
	read, write := ferry.ReadScopes, ferry.WriteScopes

	mux.Handle("POST /files/v3/files/import-from-url/async", s.requireScopes(write, s.handleImportFromURL))
	mux.Handle("GET /files/v3/files/import-from-url/async/tasks/{taskId}/status", s.requireScopes(read, s.handleCheckImport))
	mux.Handle("GET /files/v3/files/{fileId}", s.requireScopes(read, s.handleGetFileByID))

	mux.HandleFunc("GET /hubfs/{portal}/{path...}", s.handleHostedFile)
	mux.HandleFunc("HEAD /hubfs/{portal}/{path...}", s.handleHostedFile)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, s.log, ferry.Errorf(ferry.NotFound, "No route for %s %s.", r.Method, r.URL.Path))
	})
}
