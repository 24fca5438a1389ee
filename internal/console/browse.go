package console

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"ferry/internal/ferry"
)

// sortOption is a column the browser sorts by.
type sortOption struct{ Field, Label string }

var fileSorts = []sortOption{{"name", "Name"}, {"type", "Type"}, {"size", "Size"}, {"updatedAt", "Updated"}, {"createdAt", "Created"}}

// listing is one page of the folder browser.
type listing struct {
	Folder     ferry.Folder
	Folders    []ferry.Folder
	MoreDirs   bool
	Files      []ferry.File
	Sort       string
	Desc       bool
	Sorts      []sortOption
	Page       int
	Prev, Next string // URLs of the neighbouring pages; empty at an end
	LastPage   bool   // the offset limit of search stops paging here
}

// handleBrowse serves GET /console/browse?path=&sort=&desc=&page=: a
// folder's sub-folders and one page of its files.
func (c *Console) handleBrowse(w http.ResponseWriter, r *http.Request) {
	v, q := visitorFrom(r.Context()), r.URL.Query()
	path, ok := ferry.CleanFolderPath(q.Get("path"))
	if !ok {
		c.fail(w, r, ferry.Invalidf("path", "%q is not a folder path", q.Get("path")))
		return
	}
	l, err := c.list(r, v.Portal(), path)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "browse", l)
}

func (c *Console) list(r *http.Request, portal ferry.PortalID, path string) (*listing, error) {
	q := r.URL.Query()
	l := &listing{Sort: q.Get("sort"), Desc: q.Get("desc") == "1", Sorts: fileSorts}
	if !slices.ContainsFunc(fileSorts, func(s sortOption) bool { return s.Field == l.Sort }) {
		l.Sort = "name"
	}
	l.Page, _ = strconv.Atoi(q.Get("page"))
	l.Page = max(l.Page, 1)
	folder, err := c.svc.Files.FindFolderByPath(r.Context(), portal, path)
	if err != nil {
		return nil, err
	}
	l.Folder = folder
	folderSort := "name"
	if slices.Contains(ferry.FolderSortFields, l.Sort) {
		folderSort = l.Sort
	}
	l.Folders, l.MoreDirs, err = c.svc.Files.SearchFolders(r.Context(), portal, ferry.FolderFilter{
		ParentFolderIDs: []ferry.FolderID{folder.ID}, Sort: sortKeys(folderSort, l.Desc), Page: ferry.Page{Limit: ferry.SearchLimitMax}})
	if err != nil {
		return nil, err
	}
	size := c.opts.PageSize
	offset := (l.Page - 1) * size
	if offset > ferry.SearchOffsetMax {
		return nil, ferry.Invalidf("page", "page %d is past the last page the browser can show; use search to narrow the folder", l.Page)
	}
	page := ferry.Page{Offset: offset, Limit: size}
	files, more, err := c.svc.Files.SearchFiles(r.Context(), portal, ferry.FileFilter{
		ParentFolderIDs: []ferry.FolderID{folder.ID}, Sort: sortKeys(l.Sort, l.Desc), Page: page})
	if err != nil {
		return nil, err
	}
	l.Files = files
	if l.Page > 1 {
		l.Prev = l.pageURL(l.Page - 1)
	}
	if _, ok := page.Next(more); ok {
		l.Next = l.pageURL(l.Page + 1)
	}
	l.LastPage = more && l.Next == ""
	return l, nil
}

// sortKeys sorts by one field, breaking ties by id.
func sortKeys(field string, desc bool) []ferry.SortKey {
	return []ferry.SortKey{{Field: field, Desc: desc}}
}

// pageURL returns the browser's URL for another page of this listing.
func (l *listing) pageURL(page int) string {
	return l.SortURL(l.Sort, l.Desc) + "&page=" + strconv.Itoa(page)
}

// SortURL returns the URL of this folder sorted by field.
func (l *listing) SortURL(field string, desc bool) string {
	u := browseURL(l.Folder.Path)
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	u += sep + "sort=" + field
	if desc {
		u += "&desc=1"
	}
	return u
}

// handleFolder serves GET /console/folders/{id}: a folder's details and
// the forms to rename, move and archive it.
func (c *Console) handleFolder(w http.ResponseWriter, r *http.Request) {
	f, err := c.folder(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "folder", f)
}

func (c *Console) folder(r *http.Request) (ferry.Folder, error) {
	id, err := ferry.ParseFolderID(r.PathValue("id"), "folderId")
	if err != nil {
		return ferry.Folder{}, err
	}
	return c.svc.Files.FindFolder(r.Context(), visitorFrom(r.Context()).Portal(), id)
}

// handleCreateFolder serves POST /console/folders.
func (c *Console) handleCreateFolder(w http.ResponseWriter, r *http.Request) {
	name, parent := r.PostFormValue("name"), r.PostFormValue("parentPath")
	in, err := ferry.FolderCreateInput{Name: &name, ParentPath: &parent}.Validate()
	if err == nil {
		_, err = c.svc.Files.CreateFolder(r.Context(), visitorFrom(r.Context()).Portal(), in)
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	redirectDone(w, r, browseURL(parent), "created")
}

// handleRenameFolder serves POST /console/folders/{id}/rename, a
// synchronous rename in place.
func (c *Console) handleRenameFolder(w http.ResponseWriter, r *http.Request) {
	f, err := c.folder(r)
	var u ferry.FolderUpdate
	if err == nil {
		name := r.PostFormValue("name")
		u, err = ferry.FolderUpdateInput{Name: &name}.Validate()
	}
	if err == nil {
		f, err = c.svc.Files.UpdateFolder(r.Context(), f.Portal, f.ID, u)
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	redirectDone(w, r, "/console/folders/"+f.ID.String(), "renamed")
}

// handleMoveFolder serves POST /console/folders/{id}/move: it starts the
// asynchronous folder update, as the API's update/async does, and shows
// its task.
func (c *Console) handleMoveFolder(w http.ResponseWriter, r *http.Request) {
	f, err := c.folder(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	dest, ok := ferry.CleanFolderPath(r.PostFormValue("parentPath"))
	if !ok {
		c.fail(w, r, ferry.Invalidf("parentPath", "%q is not a folder path", r.PostFormValue("parentPath")))
		return
	}
	parent, err := c.svc.Files.FindFolderByPath(r.Context(), f.Portal, dest)
	if ferry.KindOf(err) == ferry.NotFound {
		err = ferry.Invalidf("parentPath", "there is no folder %s", dest)
	}
	var t ferry.Task
	if err == nil {
		t, err = c.svc.Folders.StartFolderUpdate(r.Context(), f.Portal, f.ID, ferry.FolderUpdate{ParentFolderID: &parent.ID})
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/tasks/"+urlPathEscape(string(t.ID)), http.StatusSeeOther)
}

// handleArchiveFolder serves POST /console/folders/{id}/archive.
func (c *Console) handleArchiveFolder(w http.ResponseWriter, r *http.Request) {
	f, err := c.folder(r)
	if err == nil {
		err = c.svc.Files.ArchiveFolder(r.Context(), f.Portal, f.ID)
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	parent := f.Path[:strings.LastIndexByte(f.Path, '/')]
	redirectDone(w, r, browseURL(parent), "archived")
}

// redirectDone sends the browser on to url after an action, naming one
// of the fixed notices.
func redirectDone(w http.ResponseWriter, r *http.Request, url, done string) {
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	http.Redirect(w, r, url+sep+"done="+done, http.StatusSeeOther)
}
