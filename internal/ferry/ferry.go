// Package ferry is Ferry's vocabulary: the domain types, the error type and
// the interfaces that the implementation packages provide. It imports only
// the standard library.
package ferry

import "strconv"

// PortalID identifies a portal (HubSpot's word for an account). Every file,
// folder, task and token belongs to exactly one portal, and no operation ever
// crosses from one portal to another.
type PortalID int64

// FileID identifies a file. On the wire it is a decimal string.
type FileID int64

// FolderID identifies a folder. On the wire it is a decimal string. The zero
// FolderID is the root folder of a portal, which has no row of its own.
type FolderID int64

// TaskID identifies an asynchronous task. It is opaque and URL-safe.
type TaskID string

// String returns id in decimal.
func (id FileID) String() string { return strconv.FormatInt(int64(id), 10) }

// String returns id in decimal.
func (id FolderID) String() string { return strconv.FormatInt(int64(id), 10) }

// String returns id in decimal.
func (id PortalID) String() string { return strconv.FormatInt(int64(id), 10) }

// ParseFileID parses a decimal file id. It returns an Invalid error naming
// the parameter in for anything that is not a positive decimal integer.
func ParseFileID(s, in string) (FileID, error) {
	n, err := parsePositive(s, in)
	return FileID(n), err
}

// ParseFolderID parses a decimal folder id, as ParseFileID does.
func ParseFolderID(s, in string) (FolderID, error) {
	n, err := parsePositive(s, in)
	return FolderID(n), err
}

func parsePositive(s, in string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || s[0] < '1' || s[0] > '9' {
		return 0, Invalidf(in, "%s must be a positive decimal integer, got %q", in, s)
	}
	return n, nil
}
