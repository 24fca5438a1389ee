package httpapi

import (
	"net/http"

	"ferry/internal/ferry"
)

// handleGetFileByID serves GET /files/v3/files/{fileId}.
func (s *server) handleGetFileByID(w http.ResponseWriter, r *http.Request) {
	id, err := ferry.ParseFileID(r.PathValue("fileId"), "fileId")
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	f, err := s.files.FindFile(r.Context(), portal(r), id)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	encode(w, http.StatusOK, s.newFileResponse(&f))
}
