package httpapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"ferry/internal/ferry"
)

// Signed URL lifetimes: HubSpot documents no default; an hour is what
// most callers need, and a signed link never outlives a year.
const (
	signedURLDefault = time.Hour
)

// signature is the HMAC-SHA256 of everything a signed URL grants: the
// file (by id, so that a later file at the same path is not covered), its
// path, and the expiry and variant parameters exactly as issued, so that
// no other spelling of them verifies.
func signature(key []byte, f *ferry.File, exp, size, upscale string) string {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%d\n%d\n%s\n%s\n%s\n%s", f.Portal, f.ID, f.Path(), exp, size, upscale)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// handleSignedURL serves GET /files/v3/files/{fileId}/signed-url.
func (s *server) handleSignedURL(w http.ResponseWriter, r *http.Request) {
	id, err := fileID(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	q := newQuery(r.URL.Query())
	life := signedURLDefault
	if n := q.int64p("expirationSeconds"); n != nil { // within its range: see ferry.CheckNumber
		life = time.Duration(*n) * time.Second
	}
	size := q.str("size")
	if _, ok := ferry.SignedURLSizes[size]; size != "" && !ok {
		q.problems.Add("size", "INVALID_ENUM", "size %q is not one of icon, thumb, medium, preview", size)
	}
	upscale := q.boolp("upscale")
	if err := q.err(); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	f, err := s.files.FindLiveFile(r.Context(), portal(r), id)
	switch {
	case err != nil:
	case f.Access.Sensitive():
		err = &ferry.Error{Kind: ferry.NotFound, SubCategory: "SENSITIVE_FILE",
			Message: "Sensitive files have no signed URL; read them with GET /files/v3/files/{fileId}/download."}
	case size != "" && f.Type != "IMG":
		err = ferry.Invalidf("size", "size applies to images only; file %s is %s", id, f.Type)
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	key, err := s.files.SigningKey(r.Context())
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	exp := s.opts.Clock.Now().Add(life).Truncate(time.Second)
	encode(w, http.StatusOK, signedURLResponse{URL: SignedURL(s.base.String(), key, &f, exp, size, upscale != nil && *upscale), ExpiresAt: wireTime(exp),
		Name: f.Name, Extension: f.Extension, Size: f.Size, Type: f.Type, Height: f.Height, Width: f.Width})
}

// SignedURL returns the hosting URL of f under publicURL, signed with key
// so that it serves the file until exp; size, if not empty, asks for the
// image resized to one of ferry.SignedURLSizes. Both the API and the web
// console issue signed URLs through it.
func SignedURL(publicURL string, key []byte, f *ferry.File, exp time.Time, size string, upscale bool) string {
	v := url.Values{"exp": {strconv.FormatInt(exp.Unix(), 10)}}
	if size != "" {
		v.Set("size", size)
		v.Set("upscale", strconv.FormatBool(upscale))
	}
	v.Set("sig", signature(key, f, v.Get("exp"), v.Get("size"), v.Get("upscale")))
	return FileURL(publicURL, f) + "?" + v.Encode()
}

// signedURLResponse is HubSpot's SignedUrl schema.
type signedURLResponse struct {
	URL       string `json:"url"`
	ExpiresAt string `json:"expiresAt"`
	Name      string `json:"name"`
	Extension string `json:"extension"`
	Size      int64  `json:"size"`
	Type      string `json:"type"`
	Height    int    `json:"height,omitempty"`
	Width     int    `json:"width,omitempty"`
}

// signedGrant is what a valid signature on a hosting request grants.
type signedGrant struct {
	size    string
	upscale bool
}

// checkSignature verifies a hosting request's signature. It reports
// whether the request is signed at all, and an error if it is signed but
// the signature is wrong or expired.
func (s *server) checkSignature(r *http.Request, f *ferry.File) (*signedGrant, error) {
	q := r.URL.Query()
	sig := q.Get("sig")
	if sig == "" {
		return nil, nil
	}
	denied := ferry.Errorf(ferry.NotFound, "No file here.")
	exp, err := strconv.ParseInt(q.Get("exp"), 10, 64)
	if err != nil {
		return nil, denied
	}
	keys, err := s.files.VerifyingKeys(r.Context())
	if err != nil {
		return nil, err
	}
	g := &signedGrant{size: q.Get("size"), upscale: q.Get("upscale") == "true"}
	valid := false
	for _, key := range keys { // the current key, then one in its grace period after a rotation
		want := signature(key, f, q.Get("exp"), q.Get("size"), q.Get("upscale"))
		valid = valid || hmac.Equal([]byte(sig), []byte(want))
	}
	if !valid {
		return nil, denied
	}
	if !s.opts.Clock.Now().Before(time.Unix(exp, 0)) {
		return nil, &ferry.Error{Kind: ferry.NotFound, SubCategory: "SIGNED_URL_EXPIRED", Message: "This signed URL has expired."}
	}
	return g, nil
}
