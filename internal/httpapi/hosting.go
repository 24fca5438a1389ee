package httpapi

import (
	"fmt"
	"mime"
	"net/http"
	"strconv"

	"ferry/internal/ferry"
)

// handleHostedFile serves a file's content at its hosting URL,
// /hubfs/{portal}/{path}. Public access levels are served to anyone;
// the others only to a bearer token of the file's portal with a read
// scope. Anything not served answers 404, so that the host never confirms
// that a private file exists.
func (s *server) handleHostedFile(w http.ResponseWriter, r *http.Request) {
	p, err := strconv.ParseInt(r.PathValue("portal"), 10, 64)
	if err != nil || p <= 0 {
		writeError(w, r, s.log, ferry.Errorf(ferry.NotFound, "No file here."))
		return
	}
	portal := ferry.PortalID(p)
	f, err := s.files.FindFileByPath(r.Context(), portal, "/"+r.PathValue("path"))
	if err == nil && f.Expired(s.opts.Now()) {
		err = ferry.Errorf(ferry.NotFound, "No file here.")
	}
	if err == nil && !f.Access.Public() && !s.mayRead(r, portal) {
		err = ferry.Errorf(ferry.NotFound, "No file here.")
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	s.serveContent(w, r, &f)
}

// mayRead reports whether the request carries a token of portal with a
// read scope.
func (s *server) mayRead(r *http.Request, portal ferry.PortalID) bool {
	tok, err := s.auth.Authenticate(r.Context(), bearer(r))
	return err == nil && tok.Portal == portal && tok.HasAny(ferry.ReadScopes)
}

// serveContent writes a file's bytes with the headers a file host owes:
// type, validators, ranges, conditional requests, indexing and safety.
func (s *server) serveContent(w http.ResponseWriter, r *http.Request, f *ferry.File) {
	rc, err := s.files.Open(r.Context(), *f)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	h.Set("ETag", fmt.Sprintf("%q", f.MD5))
	h.Set("X-Content-Type-Options", "nosniff")
	if !f.Access.Indexable() {
		h.Set("X-Robots-Tag", "noindex")
	}
	if f.Access.Public() {
		h.Set("Cache-Control", "public, max-age=300")
	} else {
		h.Set("Cache-Control", "private, no-store")
	}
	if ferry.IsActive(f.ContentType) {
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.FileName()}))
		h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	}
	http.ServeContent(w, r, f.FileName(), f.UpdatedAt, rc)
}
