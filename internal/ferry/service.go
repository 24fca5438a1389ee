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
	// CheckURL is the URLCheck of the fetch policy, for ImportInput.Validate.
	CheckURL(url string) *Detail
	// StartImport records a PENDING task for a validated request and
	// queues its work, atomically. Invalid if the request names a folder
	// that does not exist.
	StartImport(ctx context.Context, portal PortalID, req ImportRequest) (Task, error)
	// ImportStatus returns a portal's import task and, once it is
	// COMPLETE, the resulting file. NotFound for unknown or foreign ids.
	ImportStatus(ctx context.Context, portal PortalID, id TaskID) (Task, *File, error)
}

// TaskService is Ferry's own task API: every kind of task, listed,
// watched, canceled and retried.
type TaskService interface {
	// ListTasks returns a portal's tasks, newest first, and whether more
	// follow.
	ListTasks(ctx context.Context, portal PortalID, f TaskFilter) ([]Task, bool, error)
	// GetTask returns a portal's task and, once a COMPLETE import, its
	// file. NotFound for unknown or foreign ids.
	GetTask(ctx context.Context, portal PortalID, id TaskID) (Task, *File, error)
	// CancelTask ends a PENDING or PROCESSING task CANCELED: its work
	// stops and never runs again. Conflict if it has finished already.
	CancelTask(ctx context.Context, portal PortalID, id TaskID) (Task, error)
	// RetryTask starts a canceled import again as a new task with the same
	// request. Source headers are not kept after a task ends, so an import
	// that had them needs them again in headers. Conflict unless the task
	// is a CANCELED import; Invalid if headers are missing.
	RetryTask(ctx context.Context, portal PortalID, id TaskID, headers map[string]string) (Task, error)
	// TaskEvents returns up to limit changes of a task after sequence
	// number after, in order.
	TaskEvents(ctx context.Context, portal PortalID, id TaskID, after int64, limit int) ([]TaskEvent, error)
}

// FileService is every file and folder operation of Files v3 except the
// asynchronous tasks. Each method sees only the given portal's objects.
type FileService interface {
	ContentStore

	// FindFile returns a file, archived or not, or NotFound; Forbidden if
	// it is hidden from the caller (see CheckHidden).
	FindFile(ctx context.Context, portal PortalID, id FileID) (File, error)
	// FindLiveFile is FindFile for a file that must be live: NotFound if
	// it is archived or expired.
	FindLiveFile(ctx context.Context, portal PortalID, id FileID) (File, error)
	// FindFileByPath returns the live file at a full path, or NotFound.
	FindFileByPath(ctx context.Context, portal PortalID, path string) (File, error)
	// Open returns the file's content; the caller closes it.
	Open(ctx context.Context, f File) (io.ReadSeekCloser, error)
	// OpenVariant returns an image resized to one of the SignedURLSizes,
	// made once and kept, and its media type. Invalid for files that are
	// not images Ferry can decode.
	OpenVariant(ctx context.Context, f File, size string, upscale bool) (io.ReadSeekCloser, string, error)
	// Upload validates an upload and records its staged content as a new
	// file. The staged content is deleted if it does not become a file.
	Upload(ctx context.Context, portal PortalID, in UploadInput) (File, error)
	// Replace swaps a live file's content for new content, keeping its id
	// and path. It checks the file first and only then calls read, which
	// stages the new content; staged content that is not used is deleted.
	Replace(ctx context.Context, portal PortalID, id FileID, read func() (ReplaceInput, error)) (File, error)
	// The methods that change a file answer NotFound if it is not live,
	// and Forbidden if it is hidden from the caller (see CheckHidden).

	// UpdateFile changes a file's properties.
	UpdateFile(ctx context.Context, portal PortalID, id FileID, u FileUpdate) (File, error)
	// ArchiveFile archives a file: it leaves search and is no longer
	// served, but its record stays.
	ArchiveFile(ctx context.Context, portal PortalID, id FileID) error
	// DeleteFile deletes a file's content and record for good, archived
	// or not.
	DeleteFile(ctx context.Context, portal PortalID, id FileID) error
	// SearchFiles finds live, non-hidden files.
	SearchFiles(ctx context.Context, portal PortalID, f FileFilter) ([]File, bool, error)
	// Stat returns the file or the folder at a path; NotFound if neither,
	// Forbidden if the file is hidden from the caller.
	Stat(ctx context.Context, portal PortalID, path string) (*File, *Folder, error)
	// SigningKey returns the server's secret for signed URLs, created once
	// and kept in the database so that it survives restarts.
	SigningKey(ctx context.Context) ([]byte, error)
	// VerifyingKeys returns the keys a signed URL may be signed with: the
	// current one, then the one it replaced while its grace period after
	// a rotation lasts.
	VerifyingKeys(ctx context.Context) ([][]byte, error)

	// CreateFolder creates a folder.
	CreateFolder(ctx context.Context, portal PortalID, in FolderInput) (Folder, error)
	// FindFolder returns a live folder, or NotFound.
	FindFolder(ctx context.Context, portal PortalID, id FolderID) (Folder, error)
	// FindFolderByPath returns the live folder at a path, or NotFound.
	FindFolderByPath(ctx context.Context, portal PortalID, path string) (Folder, error)
	// UpdateFolder renames and/or moves a folder with its subtree.
	UpdateFolder(ctx context.Context, portal PortalID, id FolderID, u FolderUpdate) (Folder, error)
	// ArchiveFolder archives a folder and everything below it.
	ArchiveFolder(ctx context.Context, portal PortalID, id FolderID) error
	// SearchFolders finds live folders.
	SearchFolders(ctx context.Context, portal PortalID, f FolderFilter) ([]Folder, bool, error)
}

// FolderTaskService runs folder updates asynchronously.
type FolderTaskService interface {
	// StartFolderUpdate validates the update against the folder as it is
	// now and queues it; Invalid, NotFound or Conflict if it cannot apply.
	StartFolderUpdate(ctx context.Context, portal PortalID, id FolderID, u FolderUpdate) (Task, error)
	// FolderUpdateStatus returns a folder-update task and, once COMPLETE,
	// the folder as it is now.
	FolderUpdateStatus(ctx context.Context, portal PortalID, id TaskID) (Task, *Folder, error)
}

// ContentStore stores new files: it streams their content into blob
// storage and records them under the placement rules that uploads and
// imports share.
type ContentStore interface {
	// Stage streams c into blob storage and measures it, without
	// recording a file. TooLarge if it exceeds c.MaxBytes; nothing is left
	// behind on failure.
	Stage(ctx context.Context, c Content) (Staged, error)
	// Commit records staged content as a file as p says, running then
	// (if not nil) in the same transaction. Conflict (subcategory
	// DUPLICATE_FILE) if p rejects duplicates and one exists. On failure,
	// or when an existing duplicate is returned, the staged blob is
	// deleted.
	Commit(ctx context.Context, st Staged, p Placement, then func(Store, File) error) (File, error)
	// Discard deletes staged content that will not be committed.
	Discard(st Staged)
	// CreatePart opens a blob for a part of content still arriving (an
	// import's bytes so far, kept so that an interrupted fetch can
	// continue). Nothing is visible under key until Close.
	CreatePart(ctx context.Context, key string) (PartWriter, error)
	// ExtendPart reopens the part at key to write after its first size
	// bytes (any bytes after them are dropped), where the storage can grow
	// a blob in place (local disk); ok is false where it cannot, and the
	// caller creates a new part instead.
	ExtendPart(ctx context.Context, key string, size int64) (w PartWriter, ok bool, err error)
	// OpenPart reads a part back.
	OpenPart(ctx context.Context, key string) (io.ReadCloser, error)
	// StageParts stages the content that parts hold, in order, as Stage
	// would, with the hashes the caller took as it wrote them. On local
	// disk a single part becomes the staged blob without a copy. The
	// parts that remain are the caller's to delete.
	StageParts(ctx context.Context, c PartsContent) (Staged, error)
	// DeletePart deletes a part; a missing one is not an error.
	DeletePart(key string)
	// ExpireFiles deletes, content and all, the files whose expiry is at
	// or before now, and returns how many.
	ExpireFiles(ctx context.Context, now time.Time) (int, error)
	// PurgeArchived deletes, content and all, the files archived at or
	// before t, and returns how many.
	PurgeArchived(ctx context.Context, t time.Time) (int, error)
}

// PartWriter writes one part. Close makes it durable; Abort discards it.
type PartWriter interface {
	io.Writer
	Close() error
	Abort()
}

// Staged is content in blob storage that is not yet a file.
type Staged struct {
	Key           string
	FileName      string // the name it arrived with, used when no name is requested
	Size          int64
	MD5           string // lower-case hex
	SHA256        string // lower-case hex
	ContentType   string // the media type detected from the bytes
	Extension     string // the extension that goes with ContentType
	Type          string // IMG, DOCUMENT, AUDIO, MOVIE or OTHER
	Encoding      string
	Width, Height int
}

// Content is a stream to be stored as a file.
type Content struct {
	// Key is the blob key to write. Imports pass a key derived from the
	// task, so that a retried attempt overwrites its own earlier try
	// instead of leaving an orphan; uploads leave it empty for a fresh one.
	Key      string
	Portal   PortalID // the owner, for the blob key when Key is empty
	Body     io.Reader
	MaxBytes int64 // 0: no limit
	// FileName is the name the content arrived with ("cat.png"), from
	// the request, a Content-Disposition header or a URL path.
	FileName string
	// DeclaredType is the Content-Type the sender declared, if any. It is
	// only a hint: the stored type comes from the bytes.
	DeclaredType string
}

// PartsContent is content already written into parts, to be staged.
type PartsContent struct {
	Key      string // the blob key to stage it under
	Parts    []Part
	MD5      string // lower-case hex, of all the parts' bytes
	SHA256   string // lower-case hex
	MaxBytes int64  // 0: no limit
	FileName string // as in Content
}

// Part is one part of content: its blob key and how many of its bytes
// belong to the content (a part grown in place may hold more after a
// crash; they are not the content's).
type Part struct {
	Key  string
	Size int64
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

// NewTaskID returns a fresh, unguessable, URL-safe task id. It never
// starts with "-" or "_", so that a command line never takes it for a flag.
func NewTaskID() TaskID {
	for {
		var b [16]byte
		rand.Read(b[:])
		id := base64.RawURLEncoding.EncodeToString(b[:])
		if id[0] != '-' && id[0] != '_' {
			return TaskID(id)
		}
	}
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
