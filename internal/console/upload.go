package console

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"ferry/internal/ferry"
)

// maxFieldBytes bounds each text part of a console upload.
const maxFieldBytes = 8 << 10

// upload is a multipart form read as a stream: the file part goes
// straight into blob storage.
type upload struct {
	staged *ferry.Staged
	fields map[string]string
}

func (u *upload) discard(c *Console) {
	if u.staged != nil {
		c.svc.Files.Discard(*u.staged)
		u.staged = nil
	}
}

// field returns a text part, nil if it was not sent or is empty.
func (u *upload) field(name string) *string {
	v, ok := u.fields[name]
	if v = strings.TrimSpace(v); !ok || v == "" {
		return nil
	}
	return &v
}

// readMultipart streams a multipart form. When the request did not carry
// its CSRF token in a header (a plain HTML form), the first part must be
// the token: nothing is stored before it is checked.
func (c *Console) readMultipart(r *http.Request) (*upload, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return nil, ferry.Invalidf("Content-Type", "the form must be sent as multipart/form-data")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, ferry.Invalidf("body", "the form is malformed")
	}
	v := visitorFrom(r.Context())
	checked := r.Header.Get(csrfHeader) != "" // page() has compared it
	u := &upload{fields: map[string]string{}}
	for n := 0; n < 16; n++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			if !checked {
				return nil, csrfMissing()
			}
			return u, nil
		}
		if err != nil {
			u.discard(c)
			return nil, ferry.Invalidf("body", "the form is malformed or was cut short")
		}
		name := part.FormName()
		if !checked && name != csrfField {
			return nil, csrfMissing()
		}
		if name == "file" {
			if u.staged != nil {
				u.discard(c)
				return nil, ferry.Invalidf("file", "send one file per request")
			}
			st, err := c.svc.Files.Stage(r.Context(), ferry.Content{Portal: v.Portal(), Body: part, MaxBytes: c.opts.MaxUploadBytes, FileName: part.FileName()})
			if err != nil {
				return nil, err
			}
			u.staged = &st
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
		if err != nil || len(b) > maxFieldBytes {
			u.discard(c)
			return nil, ferry.Invalidf(name, "the %s field is too long or was cut short", name)
		}
		if name == csrfField && !checked {
			if !equalSecrets(string(b), v.CSRF) {
				return nil, csrfMissing()
			}
			checked = true
		}
		u.fields[name] = string(b)
	}
	u.discard(c)
	return nil, ferry.Invalidf("body", "the form has too many fields")
}

func csrfMissing() error {
	return ferry.Errorf(ferry.Forbidden, "This request did not carry the form's security token. Reload the page and try again.")
}

// handleUploadForm serves GET /console/upload?path=.
func (c *Console) handleUploadForm(w http.ResponseWriter, r *http.Request) {
	c.renderFolderForm(w, r, "upload")
}

// renderFolderForm renders a page whose form acts in the folder named by
// ?path= (the root when it is missing or not a folder path).
func (c *Console) renderFolderForm(w http.ResponseWriter, r *http.Request, page string) {
	path, ok := ferry.CleanFolderPath(r.URL.Query().Get("path"))
	if !ok {
		path = "/"
	}
	c.render(w, r, http.StatusOK, page, map[string]any{"Path": path})
}

// handleUpload serves POST /console/upload: one file per request, so
// that the page can show one progress bar per file. The page's script
// gets JSON; the plain form is sent on to the new file's page.
func (c *Console) handleUpload(w http.ResponseWriter, r *http.Request) {
	form, err := c.readMultipart(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	strategy, scope := form.field("duplicateValidationStrategy"), form.field("duplicateValidationScope")
	overwrite := form.fields["overwrite"] == "true"
	in := ferry.UploadInput{Staged: form.staged, FolderPath: form.field("folderPath"), FileName: form.field("fileName"),
		Options: &ferry.OptionsInput{Access: form.field("access"), TTL: form.field("ttl"), Overwrite: &overwrite,
			DuplicateStrategy: strategy, DuplicateScope: scope}}
	f, err := c.svc.Files.Upload(r.Context(), visitorFrom(r.Context()).Portal(), in) // it owns the staged file now
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if !wantsJSON(r) { // the form sent without the script: one file, then its page
		redirectDone(w, r, "/console/files/"+f.ID.String(), "uploaded")
		return
	}
	writeJSON(w, map[string]any{"id": f.ID.String(), "name": f.FileName(), "path": f.Path(), "url": "/console/files/" + f.ID.String()})
}
