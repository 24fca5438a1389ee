package console

import (
	"net/http"
	"strings"

	"ferry/internal/ferry"
)

// handleImportForm serves GET /console/import?path=.
func (c *Console) handleImportForm(w http.ResponseWriter, r *http.Request) {
	c.renderFolderForm(w, r, "import")
}

// handleImport serves POST /console/import: it starts the import as the
// API's import-from-url/async does and shows its task.
func (c *Console) handleImport(w http.ResponseWriter, r *http.Request) {
	in := ferry.ImportInput{URL: formField(r, "url"), Access: formField(r, "access"), FolderPath: formField(r, "folderPath"),
		Name: formField(r, "name"), DuplicateStrategy: formField(r, "duplicateValidationStrategy"),
		DuplicateScope: formField(r, "duplicateValidationScope"), TTL: formField(r, "ttl")}
	if e := formField(r, "expiresAt"); e != nil {
		s := *e
		if len(s) == len("2006-01-02T15:04") { // a datetime-local control, taken as UTC
			s += ":00Z"
		}
		in.ExpiresAt = &s
	}
	overwrite := r.PostFormValue("overwrite") == "true"
	in.Overwrite = &overwrite
	req, err := in.Validate(c.opts.Clock.Now(), c.svc.Imports.CheckURL)
	var t ferry.Task
	if err == nil {
		t, err = c.svc.Imports.StartImport(r.Context(), visitorFrom(r.Context()).Portal(), req)
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/tasks/"+urlPathEscape(string(t.ID)), http.StatusSeeOther)
}

// formField returns a trimmed form field, nil if it is empty.
func formField(r *http.Request, name string) *string {
	v := strings.TrimSpace(r.PostFormValue(name))
	if v == "" {
		return nil
	}
	return &v
}
