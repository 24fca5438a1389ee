package httpapi

import (
	"net/http"
	"strings"

	"ferry/internal/ferry"
)

// fileID parses the {fileId} path parameter.
func fileID(r *http.Request) (ferry.FileID, error) {
	return ferry.ParseFileID(r.PathValue("fileId"), "fileId")
}

// handleUpload serves POST /files/v3/files.
func (s *server) handleUpload(w http.ResponseWriter, r *http.Request) {
	form, err := s.readMultipart(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	f, err := s.files.Upload(r.Context(), portal(r), form.uploadInput())
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.Header().Set("Location", s.link(apiBase(r)+"/files/"+f.ID.String()))
	encode(w, http.StatusCreated, s.newFileResponse(&f))
}

// handleGetFileByID serves GET /files/v3/files/{fileId}.
func (s *server) handleGetFileByID(w http.ResponseWriter, r *http.Request) {
	if f, ok := s.findFile(w, r); ok {
		encode(w, http.StatusOK, selectProperties(s.newFileResponse(&f), newQuery(r.URL.Query()).list("properties"), fileRequired...))
	}
}

// findFile returns the file that the {fileId} path parameter names, or
// writes the error and reports false.
func (s *server) findFile(w http.ResponseWriter, r *http.Request) (ferry.File, bool) {
	id, err := fileID(r)
	var f ferry.File
	if err == nil {
		f, err = s.files.FindFile(r.Context(), portal(r), id)
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return ferry.File{}, false
	}
	return f, true
}

// handleReplaceFile serves PUT /files/v3/files/{fileId}.
func (s *server) handleReplaceFile(w http.ResponseWriter, r *http.Request) {
	id, err := fileID(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	f, err := s.files.Replace(r.Context(), portal(r), id, func() (ferry.ReplaceInput, error) {
		form, err := s.readMultipart(r)
		if err != nil {
			return ferry.ReplaceInput{}, err
		}
		return form.replaceInput(), nil
	})
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	encode(w, http.StatusOK, s.newFileResponse(&f))
}

// handleUpdateFile serves PATCH /files/v3/files/{fileId}.
func (s *server) handleUpdateFile(w http.ResponseWriter, r *http.Request) {
	id, err := fileID(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	obj, err := decodeObject(w, r, s.opts.MaxJSONBytes)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	u, err := ferry.FileUpdateInput{Access: obj.str("access"), Name: obj.str("name"),
		ParentFolderID: obj.id("parentFolderId"), ParentFolderPath: obj.str("parentFolderPath"),
		IsUsableInContent: obj.boolean("isUsableInContent"), ClearExpires: obj.boolean("clearExpires"),
		ExpiresAt: obj.str("expiresAt")}.Validate(s.opts.Clock.Now())
	if err = obj.merge(err); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	f, err := s.files.UpdateFile(r.Context(), portal(r), id, u)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	encode(w, http.StatusOK, s.newFileResponse(&f))
}

// handleArchiveFile serves DELETE /files/v3/files/{fileId}.
func (s *server) handleArchiveFile(w http.ResponseWriter, r *http.Request) {
	s.noContent(w, r, func(id ferry.FileID) error { return s.files.ArchiveFile(r.Context(), portal(r), id) })
}

// handleGDPRDelete serves DELETE /files/v3/files/{fileId}/gdpr-delete.
func (s *server) handleGDPRDelete(w http.ResponseWriter, r *http.Request) {
	s.noContent(w, r, func(id ferry.FileID) error { return s.files.DeleteFile(r.Context(), portal(r), id) })
}

func (s *server) noContent(w http.ResponseWriter, r *http.Request, do func(ferry.FileID) error) {
	id, err := fileID(r)
	if err == nil {
		err = do(id)
	}
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleSearchFiles serves GET /files/v3/files/search.
func (s *server) handleSearchFiles(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r.URL.Query())
	f := ferry.FileFilter{
		IDs: toIDs[ferry.FileID](q.ids("ids")), ID: castRange[ferry.FileID](ferry.Range[int64]{Gte: q.int64p("idGte"), Lte: q.int64p("idLte")}),
		CreatedAt: q.timeRange("createdAt"), UpdatedAt: q.timeRange("updatedAt"), ExpiresAt: q.timeRange("expiresAt"),
		Name: q.str("name"), Path: q.str("path"), ParentFolderIDs: toIDs[ferry.FolderID](q.ids("parentFolderIds")),
		Size: q.int64Range("size"), Height: q.intRange("height"), Width: q.intRange("width"),
		Encoding: q.str("encoding"), Type: q.str("type"), Extension: strings.TrimPrefix(q.str("extension"), "."),
		IsUsableInContent: q.boolp("isUsableInContent"), AllowsAnonymous: q.boolp("allowsAnonymousAccess"),
		MD5: q.str("fileMd5"), Sort: q.sort(ferry.FileSortFields), Page: q.page(apiVersion(r).BackwardPaging),
	}
	urlPath, ours := "", true
	if u := q.str("url"); u != "" {
		urlPath, ours = s.pathFromURL(u, portal(r))
		f.Path = urlPath
	}
	if err := q.err(); err != nil {
		writeError(w, r, s.log, err)
		return
	}
	if !ours { // a URL that is not one of this portal's file URLs matches nothing
		encode(w, http.StatusOK, s.newCollection(r, []any{}, f.Page, false))
		return
	}
	files, more, err := s.files.SearchFiles(r.Context(), portal(r), f)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	props := q.list("properties")
	results := make([]any, len(files))
	for i := range files {
		results[i] = selectProperties(s.newFileResponse(&files[i]), props, fileRequired...)
	}
	encode(w, http.StatusOK, s.newCollection(r, results, f.Page, more))
}

// pathFromURL turns a file's hosting URL into its path, for search by url,
// and reports whether the URL is one of this portal's file URLs at all.
func (s *server) pathFromURL(u string, p ferry.PortalID) (string, bool) {
	prefix := s.link("/hubfs/" + p.String())
	if !strings.HasPrefix(u, prefix+"/") {
		return "", false
	}
	return unescapePath(strings.TrimPrefix(u, prefix)), true
}

// handleStat serves GET /files/v3/files/stat/{path...}.
func (s *server) handleStat(w http.ResponseWriter, r *http.Request) {
	p := "/" + strings.TrimPrefix(r.PathValue("path"), "/")
	f, folder, err := s.files.Stat(r.Context(), portal(r), p)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	props := newQuery(r.URL.Query()).list("properties")
	body := map[string]any{}
	if f != nil {
		body["file"] = selectProperties(s.newFileResponse(f), props, fileRequired...)
	}
	if folder != nil {
		body["folder"] = selectProperties(newFolderResponse(folder), props, folderRequired...)
	}
	encode(w, http.StatusOK, body)
}

// handleDownload serves GET /files/v3/files/{fileId}/download: the bytes of
// any live file to an authorised caller, the one way to read SENSITIVE
// files.
func (s *server) handleDownload(w http.ResponseWriter, r *http.Request) {
	id, err := fileID(r)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	f, err := s.files.FindLiveFile(r.Context(), portal(r), id)
	if err != nil {
		writeError(w, r, s.log, err)
		return
	}
	s.serveContent(w, r, &f, true)
}
