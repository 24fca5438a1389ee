package httpapi

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"ferry/internal/ferry"
)

// handleHostedFile serves a file's content at its hosting URL,
// /hubfs/{portal}/{path}:
//   - PUBLIC_* and HIDDEN_INDEXABLE/HIDDEN_NOT_INDEXABLE to anyone (hidden
//     files are only left out of search);
//   - PRIVATE and HIDDEN_PRIVATE only with a valid signature from
//     GET .../signed-url;
//   - SENSITIVE and HIDDEN_SENSITIVE never: only GET .../download serves them.
//
// Anything not served answers 404, so that the host never confirms that a
// private file exists. Archived and expired files are not served.
func (s *server) handleHostedFile(w http.ResponseWriter, r *http.Request) {
	notHere := ferry.Errorf(ferry.NotFound, "No file here.")
	p, err := strconv.ParseInt(r.PathValue("portal"), 10, 64)
	if err != nil || p <= 0 {
		writeError(w, r, s.log, notHere)
		return
	}
	f, err := s.files.FindFileByPath(r.Context(), ferry.PortalID(p), "/"+r.PathValue("path"))
	if k := ferry.KindOf(err); k == ferry.NotFound || k == ferry.Invalid {
		err = notHere // one answer for missing and refused, so that nothing is confirmed
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	grant, err := s.checkSignature(r, &f)
	switch {
	case err != nil:
	case !f.Live(s.opts.Clock.Now()), f.Access.Sensitive():
		err = notHere
	case grant == nil && !f.Access.Public():
		err = notHere
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if grant != nil && grant.size != "" {
		s.serveVariant(w, r, &f, grant)
		return
	}
	s.serveContent(w, r, &f, false)
}

// serveContent writes a file's bytes with the headers a file host owes:
// type, validators, ranges, conditional requests, indexing and safety.
func (s *server) serveContent(w http.ResponseWriter, r *http.Request, f *ferry.File, attachment bool) {
	rc, err := s.files.Open(r.Context(), *f)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	defer rc.Close()
	s.contentHeaders(w, f, f.ContentType, attachment)
	w.Header().Set("ETag", fmt.Sprintf("%q", f.MD5))
	serveBytes(w, r, f.FileName(), f.UpdatedAt, rc, f.Size)
}

// serveVariant serves a resized image that a signed URL asked for.
func (s *server) serveVariant(w http.ResponseWriter, r *http.Request, f *ferry.File, g *signedGrant) {
	rc, ct, err := s.files.OpenVariant(r.Context(), *f, g.size, g.upscale)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	defer rc.Close()
	s.contentHeaders(w, f, ct, false)
	w.Header().Set("ETag", fmt.Sprintf("%q", f.MD5+"-"+g.size))
	size, err := rc.Seek(0, io.SeekEnd)
	if err == nil {
		_, err = rc.Seek(0, io.SeekStart)
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	serveBytes(w, r, f.FileName(), f.UpdatedAt, rc, size)
}

func (s *server) contentHeaders(w http.ResponseWriter, f *ferry.File, ct string, attachment bool) {
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("X-Content-Type-Options", "nosniff")
	if !f.Access.Indexable() {
		h.Set("X-Robots-Tag", "noindex")
	}
	if f.Access.Public() {
		h.Set("Cache-Control", "public, max-age=300")
	} else {
		h.Set("Cache-Control", "private, no-store")
	}
	if attachment || ferry.IsActive(ct) {
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.FileName()}))
	}
	// Nothing served from the file host may run: a sandbox with no
	// sources holds for every type, whatever a browser makes of it.
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
}

// unescapePath undoes the escaping of a hosting URL's path.
func unescapePath(p string) string {
	u, err := url.PathUnescape(p)
	if err != nil {
		return p
	}
	return u
}
