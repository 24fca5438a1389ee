package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"ferry/internal/ferry"
)

// wireTime formats a time as HubSpot does: ISO-8601 UTC with milliseconds.
func wireTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// entryResponse holds the fields that HubSpot's File and Folder schemas
// share, in the order both put them first.
type entryResponse struct {
	ID             string `json:"id"`
	CreatedAt      string `json:"createdAt"`
	UpdatedAt      string `json:"updatedAt"`
	Archived       bool   `json:"archived"`
	ArchivedAt     string `json:"archivedAt,omitempty"`
	ParentFolderID string `json:"parentFolderId,omitempty"`
	Name           string `json:"name"`
	Path           string `json:"path"`
}

// newEntryResponse fills the shared fields: archivedAt only for an archived
// entry, parentFolderId only below the root (parent 0).
func newEntryResponse(id int64, parent ferry.FolderID, created, updated time.Time, archived bool, archivedAt time.Time, name, path string) entryResponse {
	r := entryResponse{ID: strconv.FormatInt(id, 10), CreatedAt: wireTime(created), UpdatedAt: wireTime(updated),
		Archived: archived, Name: name, Path: path}
	if parent != 0 {
		r.ParentFolderID = parent.String()
	}
	if archived {
		r.ArchivedAt = wireTime(archivedAt)
	}
	return r
}

// fileResponse is HubSpot's File schema.
type fileResponse struct {
	entryResponse
	Size              int64  `json:"size"`
	Height            int    `json:"height,omitempty"`
	Width             int    `json:"width,omitempty"`
	Encoding          string `json:"encoding,omitempty"`
	Type              string `json:"type"`
	Extension         string `json:"extension"`
	DefaultHostingURL string `json:"defaultHostingUrl"`
	URL               string `json:"url"`
	IsUsableInContent bool   `json:"isUsableInContent"`
	Access            string `json:"access"`
	ExpiresAt         int64  `json:"expiresAt,omitempty"`
	FileMD5           string `json:"fileMd5"`
	SourceGroup       string `json:"sourceGroup,omitempty"`
}

func (s *server) newFileResponse(f *ferry.File) fileResponse {
	u := s.fileURL(f)
	r := fileResponse{
		entryResponse: newEntryResponse(int64(f.ID), f.FolderID, f.CreatedAt, f.UpdatedAt, f.Archived, f.ArchivedAt, f.Name, f.Path()),
		Size:          f.Size, Height: f.Height, Width: f.Width, Encoding: f.Encoding,
		Type: f.Type, Extension: f.Extension, DefaultHostingURL: u, URL: u, IsUsableInContent: f.IsUsableInContent,
		Access: string(f.Access), FileMD5: f.MD5, SourceGroup: f.SourceGroup,
	}
	if !f.ExpiresAt.IsZero() {
		r.ExpiresAt = f.ExpiresAt.UnixMilli()
	}
	return r
}

// taskLocator is HubSpot's ImportFromUrlTaskLocator and
// FolderUpdateTaskLocator.
type taskLocator struct {
	ID    string            `json:"id"`
	Links map[string]string `json:"links"`
}

// standardError is HubSpot's StandardError, used inside task responses.
// The precise cause travels in errors[0].subCategory: the spec types the
// top-level subCategory as an object, which no client reads.
type standardError struct {
	Status   string              `json:"status"`
	Category string              `json:"category"`
	Message  string              `json:"message"`
	Errors   []errorDetail       `json:"errors"`
	Context  map[string][]string `json:"context"`
	Links    map[string]string   `json:"links"`
}

// taskResponse is HubSpot's FileActionResponse (R = fileResponse) and
// FolderActionResponse (R = folderResponse): the same fields around a
// different result.
type taskResponse[R any] struct {
	TaskID      string            `json:"taskId"`
	Status      string            `json:"status"`
	RequestedAt string            `json:"requestedAt"`
	StartedAt   string            `json:"startedAt"`
	CompletedAt string            `json:"completedAt"`
	NumErrors   int               `json:"numErrors"`
	Errors      []standardError   `json:"errors"`
	Links       map[string]string `json:"links"`
	Result      *R                `json:"result,omitempty"`
}

func newTaskResponse[R any](t *ferry.Task, result *R, statusLink string) taskResponse[R] {
	r := taskResponse[R]{TaskID: string(t.ID), Status: string(t.Status), NumErrors: len(t.Errors),
		Errors: []standardError{}, Links: map[string]string{"status": statusLink}, Result: result}
	r.RequestedAt, r.StartedAt, r.CompletedAt = newTaskTimes(t)
	for _, e := range t.Errors {
		r.Errors = append(r.Errors, newStandardError(e))
	}
	return r
}

// newTaskTimes fills the three timestamps that clients require, even before
// the events they name: until a task starts, startedAt is its request time,
// and until it ends, completedAt is its start time. They are never in the
// future and never out of order.
func newTaskTimes(t *ferry.Task) (requested, started, completed string) {
	st := t.StartedAt
	if st.IsZero() {
		st = t.RequestedAt
	}
	ct := t.CompletedAt
	if ct.IsZero() {
		ct = st
	}
	return wireTime(t.RequestedAt), wireTime(st), wireTime(ct)
}

func (s *server) newFileActionResponse(t *ferry.Task, f *ferry.File, statusLink string) taskResponse[fileResponse] {
	var result *fileResponse
	if f != nil {
		fr := s.newFileResponse(f)
		result = &fr
	}
	return newTaskResponse(t, result, statusLink)
}

func newStandardError(e ferry.TaskError) standardError {
	ctx := e.Context
	if ctx == nil {
		ctx = map[string][]string{}
	}
	return standardError{
		Status: strconv.Itoa(e.Kind.Status()), Category: e.Kind.Category(), Message: e.Message, Context: ctx, Links: map[string]string{},
		Errors: []errorDetail{{Message: e.Message, Code: e.SubCategory, SubCategory: e.SubCategory, Context: e.Context}},
	}
}

// folderResponse is HubSpot's Folder schema: the shared fields alone.
type folderResponse = entryResponse

func newFolderResponse(f *ferry.Folder) folderResponse {
	return newEntryResponse(int64(f.ID), f.ParentID, f.CreatedAt, f.UpdatedAt, f.Archived, f.ArchivedAt, f.Name, f.Path)
}

func newFolderActionResponse(t *ferry.Task, f *ferry.Folder, statusLink string) taskResponse[folderResponse] {
	var result *folderResponse
	if f != nil {
		fr := newFolderResponse(f)
		result = &fr
	}
	return newTaskResponse(t, result, statusLink)
}

// collection is HubSpot's CollectionResponse with its Paging.
type collection struct {
	Results []any   `json:"results"`
	Paging  *paging `json:"paging,omitempty"`
}

type paging struct {
	Next *nextPage `json:"next,omitempty"`
	Prev *prevPage `json:"prev,omitempty"`
}

type nextPage struct {
	After string `json:"after"`
	Link  string `json:"link,omitempty"`
}

type prevPage struct {
	Before string `json:"before"`
	Link   string `json:"link,omitempty"`
}

// newCollection wraps a page of search results; when more follow,
// paging.next holds the cursor and the link to the next page (the same
// query with after replaced). Under a version that pages backward (the
// 2026-09 beta), a page that does not start at the first result also has
// paging.prev: before is the page's offset, and the link the same query
// with before in place of after. Each link carries one cursor only, since
// a request with both is refused.
func (s *server) newCollection(r *http.Request, results []any, p ferry.Page, more bool) collection {
	var pg paging
	if next, ok := p.Next(more); ok {
		after := strconv.Itoa(next.Offset)
		pg.Next = &nextPage{After: after, Link: s.searchPageLink(r, "after", after)}
	}
	if p.Offset > 0 && apiVersion(r).BackwardPaging {
		before := strconv.Itoa(p.Offset)
		pg.Prev = &prevPage{Before: before, Link: s.searchPageLink(r, "before", before)}
	}
	c := collection{Results: results}
	if pg.Next != nil || pg.Prev != nil {
		c.Paging = &pg
	}
	return c
}

// searchPageLink is the link to another page of r's search: the same
// query with cursor (after or before) set to value and the other cursor
// removed.
func (s *server) searchPageLink(r *http.Request, cursor, value string) string {
	v := r.URL.Query()
	v.Del("after")
	v.Del("before")
	v.Set(cursor, value)
	return s.link(r.URL.EscapedPath() + "?" + v.Encode())
}
