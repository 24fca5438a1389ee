package ferry

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"time"
)

// ImportService starts imports from URLs and reports on them.
type ImportService interface {
	// StartImport records a PENDING task and queues its work, atomically.
	// Invalid if the request names a URL the fetch policy refuses or a
	// folder that does not exist.
	StartImport(ctx context.Context, portal PortalID, req ImportRequest) (Task, error)
	// ImportStatus returns a portal's import task and, once it is
	// COMPLETE, the resulting file. NotFound for unknown or foreign ids.
	ImportStatus(ctx context.Context, portal PortalID, id TaskID) (Task, *File, error)
}

// FileService reads files and their content.
type FileService interface {
	// FindFile returns a portal's file, archived or not, or NotFound.
	FindFile(ctx context.Context, portal PortalID, id FileID) (File, error)
	// FindFileByPath returns the live file at a full path, or NotFound.
	FindFileByPath(ctx context.Context, portal PortalID, path string) (File, error)
	// Open returns the file's content; the caller closes it.
	Open(ctx context.Context, f File) (io.ReadSeekCloser, error)
}

// ContentStore stores new files: it streams their content into blob
// storage and records them under the placement rules that uploads and
// imports share.
type ContentStore interface {
	// Put stores c and records the file as p says. Conflict (subcategory
	// DUPLICATE_FILE) if p rejects duplicates and one exists; TooLarge if
	// the content exceeds c.MaxBytes. Nothing is left behind on failure.
	Put(ctx context.Context, c Content, p Placement) (File, error)
	// DeleteBlob removes a blob; a missing blob is not an error.
	DeleteBlob(ctx context.Context, key string) error
}

// Content is a stream to be stored as a file.
type Content struct {
	// Key is the blob key to write. Imports pass a key derived from the
	// task, so that a retried attempt overwrites its own earlier try
	// instead of leaving an orphan; uploads leave it empty for a fresh one.
	Key      string
	Body     io.Reader
	MaxBytes int64 // 0: no limit
	// FileName is the name the content arrived with ("cat.png"), from
	// the request, a Content-Disposition header or a URL path.
	FileName string
	// DeclaredType is the Content-Type the sender declared, if any. It is
	// only a hint: the stored type comes from the bytes.
	DeclaredType string
	// Then, if set, runs in the same transaction that records the file,
	// so that a task can complete exactly when its file appears.
	Then func(st Store, f File) error
}

// Authenticator turns a bearer secret into the token it names.
type Authenticator interface {
	// Authenticate returns the token, or Unauthenticated.
	Authenticate(ctx context.Context, secret string) (Token, error)
}

// HashToken returns the stored form of a token secret.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// NewTokenSecret returns a fresh random token secret.
func NewTokenSecret() string {
	var b [32]byte
	rand.Read(b[:])
	return "ferry-" + base64.RawURLEncoding.EncodeToString(b[:])
}

// NewTaskID returns a fresh, unguessable, URL-safe task id.
func NewTaskID() TaskID {
	var b [16]byte
	rand.Read(b[:])
	return TaskID(base64.RawURLEncoding.EncodeToString(b[:]))
}

// StoreAuthenticator authenticates against the tokens in a Store.
type StoreAuthenticator struct{ Store Store }

// Authenticate implements Authenticator.
func (a StoreAuthenticator) Authenticate(ctx context.Context, secret string) (Token, error) {
	if secret == "" {
		return Token{}, Errorf(Unauthenticated, "Authentication credentials not found. Send an access token as \"Authorization: Bearer <token>\".")
	}
	t, err := a.Store.FindToken(ctx, HashToken(secret))
	if KindOf(err) == NotFound {
		return Token{}, Errorf(Unauthenticated, "The access token is not valid.")
	}
	return t, err
}

// EnsureToken saves a token for secret unless one exists, as the bootstrap
// token does at every start.
func EnsureToken(ctx context.Context, s Store, secret string, portal PortalID, scopes []Scope, now time.Time) error {
	_, err := s.FindToken(ctx, HashToken(secret))
	if err == nil || KindOf(err) != NotFound {
		return err
	}
	err = s.CreateToken(ctx, Token{Hash: HashToken(secret), Portal: portal, Scopes: scopes, Name: "bootstrap", CreatedAt: now})
	if KindOf(err) == Conflict {
		return nil
	}
	return err
}
