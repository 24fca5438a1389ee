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
		DuplicateScope: formField(r, "duplicateValidationScope"), TTL: formField(r, "ttl"), ExpiresAt: formTime(r, "expiresAt")}
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

// sentField returns a form field as sent, trimmed, even when empty; nil if
// the form does not have it. An update form sends only what it changes.
func sentField(r *http.Request, name string) *string {
	if r.PostForm == nil {
		r.ParseForm()
	}
	v, ok := r.PostForm[name]
	if !ok || len(v) == 0 {
		return nil
	}
	s := strings.TrimSpace(v[0])
	return &s
}

// formTime returns a time field as the API takes it, nil if empty. A
// datetime-local control (YYYY-MM-DDTHH:MM) is taken as UTC.
func formTime(r *http.Request, name string) *string {
	e := formField(r, name)
	if e != nil && len(*e) == len("2006-01-02T15:04") {
		s := *e + ":00Z"
		return &s
	}
	return e
}
