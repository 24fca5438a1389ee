package console

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"ferry/internal/ferry"
)

// Text previews show at most this many bytes of a file.
const textPreviewBytes = 64 << 10

// fileView is the file page's data.
type fileView struct {
	F         ferry.File
	Live      bool   // neither archived nor expired
	Preview   string // "image", "text", "pdf", "video", "audio" or ""
	Text      string
	Truncated bool
	PublicURL string // the hosting URL, for files anyone may read
	Signed    *signedURL
	Sizes     []string
}

type signedURL struct {
	URL       string
	ExpiresAt time.Time
	Size      string
}

// Label names the signed URL on the file page.
func (s *signedURL) Label() string {
	l := "Signed URL"
	if s.Size != "" {
		l += " (" + s.Size + ")"
	}
	return l + ", valid until " + formatTime(s.ExpiresAt)
}

// file returns the file the request names, if the visitor may read it:
// hidden files need a hidden-read scope, as in the API.
func (c *Console) file(r *http.Request) (ferry.File, error) {
	id, err := ferry.ParseFileID(r.PathValue("id"), "fileId")
	if err != nil {
		return ferry.File{}, err
	}
	return c.svc.Files.FindFile(r.Context(), visitorFrom(r.Context()).Portal(), id)
}

// writableFile is file for a change: hidden files need a hidden-write
// scope as well.
func (c *Console) writableFile(r *http.Request) (ferry.File, error) {
	f, err := c.file(r)
	if err == nil {
		err = ferry.CheckHidden(r.Context(), &f, ferry.HiddenWriteScopes)
	}
	return f, err
}

func (c *Console) live(f *ferry.File) bool { return f.Live(c.opts.Clock.Now()) }

// handleFile serves GET /console/files/{id}, with ?sign=1 (expires,
// size) to issue a signed URL.
func (c *Console) handleFile(w http.ResponseWriter, r *http.Request) {
	f, err := c.file(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	fv := &fileView{F: f, Live: c.live(&f), Preview: previewKind(&f), Sizes: []string{"icon", "thumb", "medium", "preview"}}
	if fv.Live && f.Access.Public() {
		fv.PublicURL = c.opts.FileURL(&f)
	}
	if fv.Live && fv.Preview == "text" {
		fv.Text, fv.Truncated, err = c.readText(r, &f)
		if err != nil {
			c.fail(w, r, err)
			return
		}
	}
	if r.URL.Query().Get("sign") != "" {
		if fv.Signed, err = c.sign(r, &f); err != nil {
			c.fail(w, r, err)
			return
		}
	}
	c.render(w, r, http.StatusOK, "file", fv)
}

// previewKind says how the console may show a file. Text of any kind,
// HTML and SVG included, is shown as escaped text; images, PDF, video
// and audio through the content route, whose answer can never run.
func previewKind(f *ferry.File) string {
	ct := f.ContentType
	switch {
	case ferry.IsActive(ct), strings.HasPrefix(ct, "text/"), ct == "application/json":
		return "text"
	case strings.HasPrefix(ct, "image/"):
		return "image"
	case ct == "application/pdf":
		return "pdf"
	case strings.HasPrefix(ct, "video/"):
		return "video"
	case strings.HasPrefix(ct, "audio/"):
		return "audio"
	}
	return ""
}

func (c *Console) readText(r *http.Request, f *ferry.File) (string, bool, error) {
	rc, err := c.svc.Files.Open(r.Context(), *f)
	if err != nil {
		return "", false, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, textPreviewBytes+1))
	if err != nil {
		return "", false, ferry.Wrap(err, "read file for preview")
	}
	cut := len(b) > textPreviewBytes
	if cut {
		b = b[:textPreviewBytes]
	}
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	if cut && !utf8.ValidString(string(b)) { // a rune cut in two at the end
		s = strings.TrimRight(s, "\uFFFD")
	}
	return s, cut, nil
}

// sign issues a signed URL as GET .../signed-url does.
func (c *Console) sign(r *http.Request, f *ferry.File) (*signedURL, error) {
	q := r.URL.Query()
	secs, err := strconv.ParseInt(q.Get("expires"), 10, 64)
	if err != nil || secs < 1 || secs > 366*24*3600 {
		return nil, ferry.Invalidf("expires", "the expiry must be between 1 second and 366 days, in seconds")
	}
	size := q.Get("size")
	if _, ok := ferry.SignedURLSizes[size]; size != "" && (!ok || f.Type != "IMG") {
		return nil, ferry.Invalidf("size", "size %q applies to images only and is one of icon, thumb, medium, preview", size)
	}
	switch {
	case !c.live(f):
		return nil, ferry.Errorf(ferry.NotFound, "This file is archived or expired; it has no signed URL.")
	case f.Access.Sensitive():
		return nil, ferry.Errorf(ferry.Invalid, "Sensitive files have no signed URL; download them instead.")
	}
	key, err := c.svc.Files.SigningKey(r.Context())
	if err != nil {
		return nil, err
	}
	exp := c.opts.Clock.Now().Add(time.Duration(secs) * time.Second).Truncate(time.Second)
	return &signedURL{URL: c.opts.SignedURL(key, f, exp, size), ExpiresAt: exp, Size: size}, nil
}

// handleContent serves GET /console/files/{id}/content, the bytes behind
// a preview. Only types a browser shows as media are served inline; the
// rest, HTML and SVG among them, only as attachments. Nothing served
// here may run: the same sandbox as the file host applies.
func (c *Console) handleContent(w http.ResponseWriter, r *http.Request) {
	c.serveFile(w, r, false)
}

// handleDownload serves GET /console/files/{id}/download.
func (c *Console) handleDownload(w http.ResponseWriter, r *http.Request) {
	c.serveFile(w, r, true)
}

func inlineSafe(kind string) bool {
	return kind == "image" || kind == "pdf" || kind == "video" || kind == "audio"
}

func (c *Console) serveFile(w http.ResponseWriter, r *http.Request, attachment bool) {
	f, err := c.file(r)
	if err == nil && !c.live(&f) {
		err = ferry.Errorf(ferry.NotFound, "This file is archived or expired.")
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	rc, err := c.svc.Files.Open(r.Context(), f)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	defer rc.Close()
	kind := previewKind(&f)
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	if attachment || !inlineSafe(kind) || f.ContentType == "image/svg+xml" {
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.FileName()}))
	}
	csp := "default-src 'none'; sandbox"
	if kind == "pdf" && !attachment {
		csp = "default-src 'none'; object-src 'self'" // Chrome's PDF viewer refuses to run in a sandbox
	}
	h.Set("Content-Security-Policy", csp)
	h.Set("ETag", fmt.Sprintf("%q", f.MD5))
	http.ServeContent(w, r, f.FileName(), f.UpdatedAt, rc)
}
