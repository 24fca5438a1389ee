package ferry

import (
	"fmt"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Access is a file's visibility, one of HubSpot's eight values.
type Access string

// The access levels.
const (
	AccessPublicIndexable    Access = "PUBLIC_INDEXABLE"
	AccessPublicNotIndexable Access = "PUBLIC_NOT_INDEXABLE"
	AccessHiddenIndexable    Access = "HIDDEN_INDEXABLE"
	AccessHiddenNotIndexable Access = "HIDDEN_NOT_INDEXABLE"
	AccessPrivate            Access = "PRIVATE"
	AccessHiddenPrivate      Access = "HIDDEN_PRIVATE"
	AccessSensitive          Access = "SENSITIVE"
	AccessHiddenSensitive    Access = "HIDDEN_SENSITIVE"
)

// Accesses lists every access level, in the spec's order.
var Accesses = []Access{AccessHiddenIndexable, AccessHiddenNotIndexable, AccessHiddenPrivate,
	AccessHiddenSensitive, AccessPrivate, AccessPublicIndexable, AccessPublicNotIndexable, AccessSensitive}

// Valid reports whether a is one of the eight access levels.
func (a Access) Valid() bool {
	for _, v := range Accesses {
		if a == v {
			return true
		}
	}
	return false
}

// Hidden reports whether files of this level are left out of search.
func (a Access) Hidden() bool { return strings.HasPrefix(string(a), "HIDDEN_") }

// Public reports whether a file of this level is served to anyone who has
// its URL.
func (a Access) Public() bool {
	switch a {
	case AccessPublicIndexable, AccessPublicNotIndexable, AccessHiddenIndexable, AccessHiddenNotIndexable:
		return true
	}
	return false
}

// Indexable reports whether search engines may index the file.
func (a Access) Indexable() bool {
	return a == AccessPublicIndexable || a == AccessHiddenIndexable
}

// Sensitive reports whether the file may only be read through the
// authenticated download route.
func (a Access) Sensitive() bool { return a == AccessSensitive || a == AccessHiddenSensitive }

// DuplicateStrategy says what to do when an identical file already exists.
type DuplicateStrategy string

// The duplicate strategies.
const (
	DuplicateNone           DuplicateStrategy = "NONE"
	DuplicateReject         DuplicateStrategy = "REJECT"
	DuplicateReturnExisting DuplicateStrategy = "RETURN_EXISTING"
)

// Valid reports whether s is a known strategy.
func (s DuplicateStrategy) Valid() bool {
	return s == DuplicateNone || s == DuplicateReject || s == DuplicateReturnExisting
}

// DuplicateScope says where to look for duplicates.
type DuplicateScope string

// The duplicate scopes.
const (
	ScopeEntirePortal DuplicateScope = "ENTIRE_PORTAL"
	ScopeExactFolder  DuplicateScope = "EXACT_FOLDER"
)

// Valid reports whether s is a known scope.
func (s DuplicateScope) Valid() bool { return s == ScopeEntirePortal || s == ScopeExactFolder }

// File is a stored file's metadata. Its content lives in blob storage under
// BlobKey.
type File struct {
	ID                FileID
	Portal            PortalID
	FolderID          FolderID // zero: the portal's root folder
	FolderPath        string   // "/" for the root, else "/a/b" without a trailing slash
	Name              string   // without extension
	Extension         string   // without the dot; may be empty
	Access            Access
	Size              int64
	Width, Height     int // zero when unknown or not an image
	Type              string
	Encoding          string
	ContentType       string // the media type served with the content
	MD5               string // lower-case hex
	SHA256            string // lower-case hex; empty for files stored before Ferry kept it
	IsUsableInContent bool
	SourceGroup       string
	BlobKey           string
	Archived          bool
	ArchivedAt        time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
	ExpiresAt         time.Time // zero: never expires
}

// FileName returns the name with its extension.
func (f *File) FileName() string { return JoinName(f.Name, f.Extension) }

// Path returns the file's full path, such as "/library/cat.png".
func (f *File) Path() string { return path.Join(f.FolderPath, f.FileName()) }

// Expired reports whether the file has an expiry time at or before now.
func (f *File) Expired(now time.Time) bool {
	return !f.ExpiresAt.IsZero() && !now.Before(f.ExpiresAt)
}

// Live reports whether the file exists for clients at now: neither
// archived nor expired.
func (f *File) Live(now time.Time) bool { return !f.Archived && !f.Expired(now) }

// CheckLive returns NotFound unless the file is live at now: to clients,
// an archived or expired file is not there.
func (f *File) CheckLive(now time.Time) error {
	if f.Live(now) {
		return nil
	}
	return Errorf(NotFound, "file %s is archived or expired", f.ID)
}

// HumanSize formats a byte count for people, in binary units: "512 B",
// "1.5 MiB".
func HumanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// JoinName joins a name and an extension with a dot.
func JoinName(name, ext string) string {
	if ext == "" {
		return name
	}
	return name + "." + ext
}

// SplitName splits "cat.png" into "cat" and "png". A leading dot does not
// start an extension (".env" has none), and a trailing dot is dropped.
func SplitName(full string) (name, ext string) {
	i := strings.LastIndexByte(full, '.')
	if i <= 0 {
		return full, ""
	}
	return full[:i], strings.ToLower(full[i+1:])
}

// Folder is a folder's metadata.
type Folder struct {
	ID         FolderID
	Portal     PortalID
	ParentID   FolderID // zero: the root
	Name       string
	Path       string // "/a/b"
	Archived   bool
	ArchivedAt time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// CleanFolderPath normalises a folder path: it is in NFC (NormalizeName),
// always starts with "/",
// never ends with one (except the root itself), and has no empty, "." or ".."
// segments. It reports false for a path that cannot be cleaned safely.
func CleanFolderPath(p string) (string, bool) {
	if strings.ContainsAny(p, "\x00\\") || !utf8.ValidString(p) {
		return "", false
	}
	p = NormalizeName(p)
	segs := strings.Split(p, "/")
	out := make([]string, 0, len(segs))
	for _, s := range segs {
		switch s {
		case "", ".":
			continue
		case "..":
			return "", false
		}
		if !ValidName(s) || strings.TrimSpace(s) != s {
			return "", false // folder names are trimmed everywhere else, so a padded segment cannot exist
		}
		out = append(out, s)
	}
	return "/" + strings.Join(out, "/"), true
}

// ValidName reports whether s can be a file or folder name: not empty, at
// most 255 bytes, in NFC (see NormalizeName), and free of slashes, control
// characters, bidirectional controls and invisible format characters.
func ValidName(s string) bool {
	if s == "" || len(s) > 255 || s == "." || s == ".." || !utf8.ValidString(s) || HasInvisible(s) || !norm.NFC.IsNormalString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '/' || r == '\\' {
			return false
		}
	}
	return true
}
