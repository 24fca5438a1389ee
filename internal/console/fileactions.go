package console

import (
	"net/http"
	"strings"

	"ferry/internal/ferry"
)

// handleUpdateFile serves POST /console/files/{id}/update. Each form on
// the file page sends the fields it changes: access, name, folderPath,
// expiresAt (or clearExpires).
func (c *Console) handleUpdateFile(w http.ResponseWriter, r *http.Request) {
	f, err := c.writableFile(r)
	var u ferry.FileUpdate
	if err == nil {
		u, err = c.fileUpdate(r)
	}
	if err == nil {
		f, err = c.svc.Files.UpdateFile(r.Context(), f.Portal, f.ID, u)
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	redirectDone(w, r, "/console/files/"+f.ID.String(), "updated")
}

// fileUpdate reads the file page's forms into the input the API's PATCH
// takes and validates it there.
func (c *Console) fileUpdate(r *http.Request) (ferry.FileUpdate, error) {
	if r.PostForm == nil {
		r.ParseForm()
	}
	in := ferry.FileUpdateInput{Access: sentField(r, "access"), Name: sentField(r, "name"),
		ParentFolderPath: sentField(r, "folderPath"), ExpiresAt: formTime(r, "expiresAt")}
	if r.PostFormValue("clearExpires") == "1" {
		clear := true
		in.ClearExpires = &clear
	}
	return in.Validate(c.opts.Clock.Now())
}

// handleReplace serves POST /console/files/{id}/replace: new content,
// same id and path.
func (c *Console) handleReplace(w http.ResponseWriter, r *http.Request) {
	id, err := ferry.ParseFileID(r.PathValue("id"), "fileId")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	f, err := c.svc.Files.Replace(r.Context(), visitorFrom(r.Context()).Portal(), id, func() (ferry.ReplaceInput, error) {
		form, err := c.readMultipart(r)
		if err != nil {
			return ferry.ReplaceInput{}, err
		}
		return ferry.ReplaceInput{Staged: form.Staged}, nil
	})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if wantsJSON(r) {
		writeJSON(w, map[string]string{"id": f.ID.String(), "url": "/console/files/" + f.ID.String()})
		return
	}
	redirectDone(w, r, "/console/files/"+f.ID.String(), "replaced")
}

// handleArchiveFile serves POST /console/files/{id}/archive.
func (c *Console) handleArchiveFile(w http.ResponseWriter, r *http.Request) {
	f, err := c.writableFile(r)
	if err == nil {
		err = c.svc.Files.ArchiveFile(r.Context(), f.Portal, f.ID)
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	redirectDone(w, r, "/console/files/"+f.ID.String(), "archived")
}

// handleDeleteForm serves GET /console/files/{id}/delete: the GDPR
// delete's confirmation.
func (c *Console) handleDeleteForm(w http.ResponseWriter, r *http.Request) {
	f, err := c.writableFile(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "delete", &f)
}

// handleDeleteFile serves POST /console/files/{id}/delete. The visitor
// must type the file's name: the delete cannot be undone.
func (c *Console) handleDeleteFile(w http.ResponseWriter, r *http.Request) {
	f, err := c.writableFile(r)
	if err == nil && strings.TrimSpace(r.PostFormValue("confirm")) != f.FileName() {
		err = ferry.Invalidf("confirm", "type the file's name, %s, to confirm the delete", f.FileName())
	}
	if err == nil {
		err = c.svc.Files.DeleteFile(r.Context(), f.Portal, f.ID)
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	parent := browseURL(f.FolderPath)
	redirectDone(w, r, parent, "deleted")
}
