package ferry

import "time"

// Range bounds a value: Eq, Gte and Lte each apply when set.
type Range[T any] struct {
	Eq, Gte, Lte *T
}

// Set reports whether any bound is set.
func (r Range[T]) Set() bool { return r.Eq != nil || r.Gte != nil || r.Lte != nil }

// SortKey orders search results by one field.
type SortKey struct {
	Field string // a File or Folder property name, such as "createdAt"
	Desc  bool
}

// Page selects a slice of results: Limit results after skipping Offset.
type Page struct {
	Offset int
	Limit  int
}

// Next is the page after p when a search said more results follow. ok is
// false past SearchOffsetMax, where a search cannot page: a client that
// follows the next pages to their end stops there instead of meeting a
// 400.
func (p Page) Next(more bool) (next Page, ok bool) {
	next = Page{Offset: p.Offset + p.Limit, Limit: p.Limit}
	return next, more && next.Offset <= SearchOffsetMax
}

// The paging bounds of HubSpot's search endpoints.
const (
	SearchLimitDefault = 10
	SearchLimitMax     = 100
	SearchOffsetMax    = 10000
)

// FileFilter selects files in a search. Zero fields do not filter. Hidden
// and archived files are never selected.
type FileFilter struct {
	IDs               []FileID
	ID                Range[FileID]
	CreatedAt         Range[time.Time]
	UpdatedAt         Range[time.Time]
	ExpiresAt         Range[time.Time]
	Name              string // contained in the name, case-insensitively
	Path              string // the full path, or a folder path whose files to select
	ParentFolderIDs   []FolderID
	Size              Range[int64]
	Height            Range[int]
	Width             Range[int]
	Encoding          string
	Type              string
	Extension         string
	IsUsableInContent *bool
	AllowsAnonymous   *bool // true: public access levels only; false: the others
	MD5               string
	Sort              []SortKey
	Page              Page
}

// FolderFilter selects folders in a search. Archived folders are never
// selected.
type FolderFilter struct {
	IDs             []FolderID
	ID              Range[FolderID]
	CreatedAt       Range[time.Time]
	UpdatedAt       Range[time.Time]
	Name            string // contained in the name, case-insensitively
	Path            string
	ParentFolderIDs []FolderID
	Sort            []SortKey
	Page            Page
}

// FileSortFields and FolderSortFields are the properties a search may sort
// by.
var (
	FileSortFields   = []string{"id", "createdAt", "updatedAt", "name", "path", "size", "height", "width", "extension", "type", "expiresAt"}
	FolderSortFields = []string{"id", "createdAt", "updatedAt", "name", "path"}
)
