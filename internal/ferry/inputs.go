package ferry

import (
	"strings"
	"time"
)

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

// FileUpdateInput is a file update as the client sent it, before
// validation. Nil means the field was absent.
type FileUpdateInput struct {
	Access            *string
	Name              *string
	ParentFolderID    *string
	ParentFolderPath  *string
	IsUsableInContent *bool
	ClearExpires      *bool
	ExpiresAt         *string
}

// Validate checks every field and returns the update, or an Invalid
// error that lists every problem found.
func (in FileUpdateInput) Validate(now time.Time) (FileUpdate, error) {
	var (
		u FileUpdate
		p Problems
	)
	if in.Access != nil {
		a := validateAccess(in.Access, "access", &p)
		u.Access = &a
	}
	if in.Name != nil {
		n := validateName(*in.Name, "name", &p)
		u.Name = &n
	}
	switch id, path := in.ParentFolderID, in.ParentFolderPath; {
	case id != nil && path != nil:
		p.Add("parentFolderId", "CONFLICT", "give parentFolderId or parentFolderPath, not both")
	case id != nil:
		fid := validateFolderID(*id, "parentFolderId", &p)
		u.ParentFolderID = &fid
	case path != nil:
		u.ParentFolderPath = path
	}
	u.IsUsableInContent = in.IsUsableInContent
	u.ClearExpires = in.ClearExpires != nil && *in.ClearExpires
	if in.ExpiresAt != nil {
		_, t := validateExpiry(nil, in.ExpiresAt, now, "", &p)
		u.ExpiresAt = &t
	}
	return u, p.Err()
}

// FolderCreateInput is a new folder as the client sent it, before
// validation. Nil means the field was absent.
type FolderCreateInput struct {
	Name           *string
	ParentFolderID *string
	ParentPath     *string
}

// Validate checks every field and returns the folder to create, or an
// Invalid error that lists every problem found. Neither parent: the root.
func (in FolderCreateInput) Validate() (FolderInput, error) {
	var (
		out FolderInput
		p   Problems
	)
	if in.Name == nil {
		p.Add("name", "REQUIRED", "name is required")
	} else {
		out.Name = validateName(*in.Name, "name", &p)
	}
	switch id, path := in.ParentFolderID, in.ParentPath; {
	case id != nil && path != nil:
		p.Add("parentFolderId", "CONFLICT", "give parentFolderId or parentPath, not both")
	case id != nil && *id != "0":
		fid := validateFolderID(*id, "parentFolderId", &p)
		out.ParentID = &fid
	case path != nil:
		out.ParentPath = path
	}
	return out, p.Err()
}

// FolderUpdateInput is a folder update as the client sent it, before
// validation. Nil means the field was absent.
type FolderUpdateInput struct {
	Name           *string
	ParentFolderID *string
}

// Validate checks every field and returns the update, or an Invalid
// error that lists every problem found.
func (in FolderUpdateInput) Validate() (FolderUpdate, error) {
	var (
		u FolderUpdate
		p Problems
	)
	if in.Name != nil {
		n := validateName(*in.Name, "name", &p)
		u.Name = &n
	}
	if in.ParentFolderID != nil {
		fid := validateFolderID(*in.ParentFolderID, "parentFolderId", &p)
		u.ParentFolderID = &fid
	}
	return u, p.Err()
}

// validateName trims a file or folder name, normalizes it to NFC and
// checks it.
func validateName(raw, in string, p *Problems) string {
	n := NormalizeName(strings.TrimSpace(raw))
	switch {
	case HasInvisible(n):
		p.Add(in, "INVALID_CHARACTER", "%s must not contain bidirectional controls or invisible formatting characters (such as U+202E or U+200B)", in)
	case !ValidName(n):
		p.Add(in, "INVALID_NAME", "%s must be 1 to 255 bytes without slashes or control characters", in)
	}
	return n
}

// validateFolderID reads a folder id field, where "0" is the root.
func validateFolderID(raw, in string, p *Problems) FolderID {
	if raw == "0" {
		return 0
	}
	id, err := ParseFolderID(raw, in)
	if err != nil {
		p.Add(in, "INVALID_ID", "%s must be a decimal integer (0 for the root), got %q", in, raw)
	}
	return id
}
