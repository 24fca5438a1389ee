package console

import (
	"mime/multipart"
	"net/http"

	"ferry/internal/ferry"
	"ferry/internal/formdata"
)

// formLimits bound a console upload form: MaxParts counts every part,
// the CSRF token's among them.
var formLimits = formdata.Limits{MaxParts: 16, MaxFieldBytes: 8 << 10}

// upload is a console upload form, read as a stream (formdata.Read): the
// file part goes straight into blob storage.
type upload struct{ *formdata.Form }

// field returns a text part, nil if it was not sent or is empty: the
// console's forms send every field, empty when not filled in.
func (u upload) field(name string) *string {
	if v := u.Field(name); v != nil && *v != "" {
		return v
	}
	return nil
}

// readMultipart streams a multipart form. When the request did not carry
// its CSRF token in a header (a plain HTML form), the first part must be
// the token: nothing is stored before it is checked.
func (c *Console) readMultipart(r *http.Request) (upload, error) {
	mr, err := formdata.Open(r)
	if err != nil {
		return upload{}, err
	}
	v := visitorFrom(r.Context())
	lim := formLimits
	if r.Header.Get(csrfHeader) == "" { // else page() has compared it
		if err := checkFormCSRF(mr, v.CSRF); err != nil {
			return upload{}, err
		}
		lim.MaxParts-- // the token's part was one of them
	}
	form, err := formdata.Read(r.Context(), mr, c.svc.Files, ferry.Content{Portal: v.Portal(), MaxBytes: c.opts.MaxUploadBytes}, lim)
	return upload{form}, err
}

// checkFormCSRF reads the form's first part, which must be the CSRF token.
func checkFormCSRF(mr *multipart.Reader, want string) error {
	part, err := mr.NextPart()
	if err != nil || part.FormName() != csrfField {
		return csrfMissing()
	}
	b, err := formdata.ReadField(part, formLimits.MaxFieldBytes)
	if err != nil || !equalSecrets(string(b), want) {
		return csrfMissing()
	}
	return nil
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
	overwrite := form.Fields["overwrite"] == "true"
	in := ferry.UploadInput{Staged: form.Staged, FolderPath: form.field("folderPath"), FileName: form.field("fileName"),
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
