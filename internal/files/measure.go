package files

import (
	"context"
	"fmt"
	"image"
	_ "image/gif" // register decoders for image dimensions
	_ "image/jpeg"
	_ "image/png"
	"io"
	"mime"
	"path"
	"strings"

	"github.com/gabriel-vasile/mimetype"
	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"

	"gocloud.dev/blob"

	"ferry/internal/ferry"
)

// sniffLen is how much of the start of the content is kept for type
// detection; mimetype reads at most this much.
const sniffLen = 3072

// headBuffer keeps the first sniffLen bytes written to it.
type headBuffer struct{ b []byte }

func (h *headBuffer) Write(p []byte) (int, error) {
	if room := sniffLen - len(h.b); room > 0 {
		h.b = append(h.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// Stage implements ferry.ContentStore: it streams c.Body into the bucket,
// hashing and counting as it goes, then reads back what it needs for image
// dimensions.
func (s *Service) Stage(ctx context.Context, c ferry.Content) (ferry.Staged, error) {
	if c.Key == "" {
		c.Key = NewBlobKey(c.Portal)
	}
	st, err := s.write(ctx, c)
	if err != nil {
		s.deleteBlob(c.Key)
	}
	return st, err
}

func (s *Service) write(ctx context.Context, c ferry.Content) (ferry.Staged, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // a canceled context makes the blob writer discard
	w, err := s.bucket.NewWriter(ctx, c.Key, &blob.WriterOptions{ContentType: "application/octet-stream"})
	if err != nil {
		s.obs.BlobError("write")
		return ferry.Staged{}, ferry.Wrap(err, "open blob writer")
	}
	head := &headBuffer{}
	body := c.Body
	if c.MaxBytes > 0 {
		body = io.LimitReader(body, c.MaxBytes+1)
	}
	cp, err := copyHashed(w, body, head)
	n := cp.n
	if err == nil && c.MaxBytes > 0 && n > c.MaxBytes {
		err = tooLarge(c.MaxBytes)
	}
	if err != nil {
		cancel()
		w.Close()
		return ferry.Staged{}, storageFull(err)
	}
	if err := w.Close(); err != nil {
		s.obs.BlobError("write")
		return ferry.Staged{}, storageFull(ferry.Wrap(err, "close blob writer"))
	}
	s.obs.BlobStored(n)
	return s.measured(ctx, c.Key, c.FileName, head.b, n, cp.md5, cp.sha256), nil
}

// measured describes content stored under key from its first bytes
// (head), its size and hashes.
func (s *Service) measured(ctx context.Context, key, fileName string, head []byte, n int64, md5, sha string) ferry.Staged {
	st := classify(head, fileName)
	st.Key, st.FileName, st.Size, st.MD5, st.SHA256 = key, fileName, n, md5, sha
	if st.Type == "IMG" {
		st.Width, st.Height = s.dimensions(ctx, key)
	}
	return st
}

// tooLarge is the error of content over its limit.
func tooLarge(limit int64) error {
	return &ferry.Error{Kind: ferry.TooLarge, SubCategory: "TOO_LARGE",
		Message: fmt.Sprintf("the file is larger than the limit of %d bytes", limit),
		Context: map[string][]string{"limit": {fmt.Sprint(limit)}}, Err: ErrTooLarge}
}

// dimensions decodes just enough of an image to know its size.
func (s *Service) dimensions(ctx context.Context, key string) (int, int) {
	r, err := s.bucket.NewReader(ctx, key, nil)
	if err != nil {
		return 0, 0
	}
	defer r.Close()
	cfg, _, err := image.DecodeConfig(io.LimitReader(r, 32<<20))
	if err != nil {
		return 0, 0
	}
	return cfg.Width, cfg.Height
}

// classify decides a file's media type and kind from its first bytes,
// using the name only when the bytes say nothing specific. A declared type
// is never trusted: the bytes decide.
func classify(head []byte, fileName string) ferry.Staged {
	det := mimetype.Detect(head)
	ct, ext := det.String(), strings.TrimPrefix(det.Extension(), ".")
	generic := det.Is("application/octet-stream") || det.Is("text/plain")
	if generic {
		_, nameExt := ferry.SplitName(path.Base(fileName))
		if byName := mime.TypeByExtension("." + nameExt); nameExt != "" && byName != "" && !ferry.IsActive(byName) && textCompatible(det, byName) {
			ct, ext = byName, nameExt
		}
	}
	mt, _, _ := mime.ParseMediaType(ct)
	return ferry.Staged{ContentType: ct, Extension: ext, Type: kindOf(mt), Encoding: ext}
}

// textCompatible reports whether a type found by name may replace a generic
// detection: binary content may take any non-active type by name, but text
// must keep a text-like type.
func textCompatible(det *mimetype.MIME, byName string) bool {
	if !det.Is("text/plain") {
		return true
	}
	return strings.HasPrefix(byName, "text/") || strings.HasSuffix(byName, "+json") || byName == "application/json"
}

// kindOf maps a media type to HubSpot's file type.
func kindOf(mt string) string {
	switch {
	case strings.HasPrefix(mt, "image/"):
		return "IMG"
	case strings.HasPrefix(mt, "video/"):
		return "MOVIE"
	case strings.HasPrefix(mt, "audio/"):
		return "AUDIO"
	case strings.HasPrefix(mt, "text/"), mt == "application/pdf", mt == "application/json", mt == "application/rtf",
		strings.HasPrefix(mt, "application/vnd.openxmlformats"), strings.HasPrefix(mt, "application/vnd.ms-"),
		strings.HasPrefix(mt, "application/vnd.oasis.opendocument"), mt == "application/msword":
		return "DOCUMENT"
	}
	return "OTHER"
}

// chooseName picks the stored name and extension from the requested name,
// else the content's file name, else "file". The caller's extension is
// kept, as HubSpot keeps it, except where the bytes or the extension are a
// type a browser runs (HTML, SVG, script, XML) and the two disagree: then
// the detected extension is used, so that a name can never make active
// content pass for something else, nor the reverse. The served type comes
// from the bytes either way.
func chooseName(requested string, m ferry.Staged) (string, string) {
	src := strings.TrimSpace(requested)
	if src == "" {
		// A part's file name or a URL's last segment is not the caller's
		// choice of name: invisible characters are stripped, not refused.
		src = strings.TrimSpace(path.Base(strings.ReplaceAll(m.FileName, "\\", "/")))
		src = ferry.NormalizeName(ferry.StripInvisible(src))
	}
	if !ferry.ValidName(src) || src == "/" {
		src = "file"
	}
	name, ext := ferry.SplitName(src)
	byExt := mime.TypeByExtension("." + ext)
	switch {
	case ext == "":
		return name, m.Extension
	case (ferry.IsActive(byExt) || ferry.IsActive(m.ContentType)) && !sameMediaType(byExt, m.ContentType):
		if requested != "" {
			return src, m.Extension // keep the whole name the caller asked for
		}
		return name, m.Extension
	}
	return name, ext
}

func sameMediaType(a, b string) bool {
	ma, _, _ := mime.ParseMediaType(a)
	mb, _, _ := mime.ParseMediaType(b)
	return ma != "" && ma == mb
}
