package ferry

import "time"

// SignedURLSizes are the image sizes a signed URL may ask for, with the
// edge of the square box each one fits in.
var SignedURLSizes = map[string]int{"icon": 32, "thumb": 100, "medium": 300, "preview": 1000}

// UploadRequest says where an uploaded file goes and how to store it.
type UploadRequest struct {
	FolderID   FolderID
	FolderPath string // used when not empty; created if missing
	Name       string // the requested name; empty: the part's file name
	Options    UploadOptions
}

// UploadOptions are the "options" of an upload.
type UploadOptions struct {
	Access            Access
	ExpiresAt         time.Time
	Overwrite         bool
	DuplicateStrategy DuplicateStrategy
	DuplicateScope    DuplicateScope
}

// ReplaceOptions are the "options" of a replace; nil keeps the value.
type ReplaceOptions struct {
	Access    *Access
	ExpiresAt *time.Time
}

// FileUpdate changes a file's properties; nil fields stay unchanged.
type FileUpdate struct {
	Access            *Access
	Name              *string
	ParentFolderID    *FolderID
	ParentFolderPath  *string
	IsUsableInContent *bool
	ExpiresAt         *time.Time
	ClearExpires      bool
}

// FolderInput creates a folder under a parent given by id or by path
// (neither: the root).
type FolderInput struct {
	Name       string
	ParentID   *FolderID
	ParentPath *string
}

// FolderUpdate renames and/or moves a folder; nil fields stay unchanged.
type FolderUpdate struct {
	Name           *string
	ParentFolderID *FolderID
}
