package httpapi

import (
	"net/http"
	"net/url"
	"strings"

	"ferry/internal/ferry"
)

// handleCreateFolder serves POST /files/v3/folders.
func (s *server) handleCreateFolder(w http.ResponseWriter, r *http.Request) {
	obj, err := decodeObject(w, r, s.opts.MaxJSONBytes)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	in, err := folderCreateInput(obj).Validate()
	if err = obj.merge(err); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	f, err := s.files.CreateFolder(r.Context(), portal(r), in)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.Header().Set("Location", s.link(apiBase(r)+"/folders/"+f.ID.String()))
	encode(w, http.StatusCreated, newFolderResponse(&f))
}

// folderCreateInput reads a FolderInput. It accepts parentPath (the spec)
// and parentFolderPath (HubSpot's guide), and parentFolderId as a string
// or a number.
func folderCreateInput(obj *jsonObject) ferry.FolderCreateInput {
	path := obj.str("parentPath")
	if alt := obj.str("parentFolderPath"); path == nil {
		path = alt
	}
	return ferry.FolderCreateInput{Name: obj.str("name"), ParentFolderID: obj.id("parentFolderId"), ParentPath: path}
}

// folderUpdateInput reads a FolderUpdateInput.
func folderUpdateInput(obj *jsonObject) ferry.FolderUpdateInput {
	return ferry.FolderUpdateInput{Name: obj.str("name"), ParentFolderID: obj.id("parentFolderId")}
}

// folderRef is the {folder...} segment of the folder routes: an all-digit
// segment is an id; anything else is a path, sent raw ("a/b") or
// percent-encoded as one segment ("%2Fa%2Fb").
func folderRef(r *http.Request) (ferry.FolderID, string) {
	v := r.PathValue("folder")
	if id, err := ferry.ParseFolderID(v, "folderId"); err == nil && !strings.Contains(v, "/") {
		return id, ""
	}
	return 0, "/" + strings.TrimPrefix(v, "/")
}

// findFolder resolves a folder reference.
func (s *server) findFolder(r *http.Request) (ferry.Folder, error) {
	id, path := folderRef(r)
	if path != "" {
		return s.files.FindFolderByPath(r.Context(), portal(r), path)
	}
	return s.files.FindFolder(r.Context(), portal(r), id)
}

// handleGetFolder serves GET /files/v3/folders/{folderId} and
// GET /files/v3/folders/{folderPath}.
func (s *server) handleGetFolder(w http.ResponseWriter, r *http.Request) {
	f, err := s.findFolder(r)
	if err == nil && f.ID == 0 {
		err = ferry.Errorf(ferry.NotFound, "the root folder has no record")
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	encode(w, http.StatusOK, selectProperties(newFolderResponse(&f), newQuery(r.URL.Query()).list("properties"), folderRequired...))
}

// handleArchiveFolder serves DELETE /files/v3/folders/{folderId} and
// DELETE /files/v3/folders/{folderPath}: it archives the folder and
// everything below it.
func (s *server) handleArchiveFolder(w http.ResponseWriter, r *http.Request) {
	f, err := s.findFolder(r)
	if err == nil {
		err = s.files.ArchiveFolder(r.Context(), portal(r), f.ID)
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleUpdateFolder serves PATCH /files/v3/folders/{folderId}.
func (s *server) handleUpdateFolder(w http.ResponseWriter, r *http.Request) {
	id, path := folderRef(r)
	if path != "" {
		writeError(w, r, s.log, ferry.Invalidf("folderId", "PATCH needs a numeric folder id"))
		return
	}
	obj, err := decodeObject(w, r, s.opts.MaxJSONBytes)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	u, err := folderUpdateInput(obj).Validate()
	if err = obj.merge(err); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	f, err := s.files.UpdateFolder(r.Context(), portal(r), id, u)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	encode(w, http.StatusOK, newFolderResponse(&f))
}

// handleSearchFolders serves GET /files/v3/folders/search.
func (s *server) handleSearchFolders(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r.URL.Query())
	f := ferry.FolderFilter{
		IDs: toIDs[ferry.FolderID](q.ids("ids")), ID: castRange[ferry.FolderID](ferry.Range[int64]{Gte: q.int64p("idGte"), Lte: q.int64p("idLte")}),
		CreatedAt: q.timeRange("createdAt"), UpdatedAt: q.timeRange("updatedAt"), Name: q.str("name"), Path: q.str("path"),
		ParentFolderIDs: toIDs[ferry.FolderID](q.ids("parentFolderIds")), Sort: q.sort(ferry.FolderSortFields), Page: q.page(apiVersion(r).BackwardPaging),
	}
	if err := q.err(); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	folders, more, err := s.files.SearchFolders(r.Context(), portal(r), f)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	props := q.list("properties")
	results := make([]any, len(folders))
	for i := range folders {
		results[i] = selectProperties(newFolderResponse(&folders[i]), props, folderRequired...)
	}
	encode(w, http.StatusOK, s.newCollection(r, results, f.Page, more))
}

// handleUpdateFolderAsync serves POST /files/v3/folders/update/async.
func (s *server) handleUpdateFolderAsync(w http.ResponseWriter, r *http.Request) {
	obj, err := decodeObject(w, r, s.opts.MaxJSONBytes)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	var id ferry.FolderID
	if raw := obj.id("id"); raw == nil {
		obj.problems.Add("id", "REQUIRED", "id is required")
	} else if id, err = ferry.ParseFolderID(*raw, "id"); err != nil {
		obj.problems.Add("id", "INVALID_ID", "id must be a positive decimal integer, got %q", *raw)
	}
	u, err := folderUpdateInput(obj).Validate()
	if err = obj.merge(err); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	t, err := s.folders.StartFolderUpdate(r.Context(), portal(r), id, u)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	encode(w, http.StatusAccepted, taskLocator{ID: string(t.ID), Links: map[string]string{"status": s.folderStatusLink(r, t.ID)}})
}

// handleCheckFolderUpdate serves GET /files/v3/folders/update/async/tasks/{taskId}/status.
func (s *server) handleCheckFolderUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := taskID(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	t, f, err := s.folders.FolderUpdateStatus(r.Context(), portal(r), id)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	encode(w, http.StatusOK, newFolderActionResponse(&t, f, s.folderStatusLink(r, t.ID)))
}

func (s *server) folderStatusLink(r *http.Request, id ferry.TaskID) string {
	return s.link(apiBase(r) + "/folders/update/async/tasks/" + url.PathEscape(string(id)) + "/status")
}
