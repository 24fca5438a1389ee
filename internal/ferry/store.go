package ferry

import (
	"context"
	"time"
)

// Store persists Ferry's metadata: tokens, folders, files and tasks. Every
// method that takes a PortalID only ever sees that portal's rows: an object
// of another portal is NotFound, exactly like one that does not exist.
type Store interface {
	// Atomic runs fn with a Store whose writes commit together, or not at
	// all if fn returns an error. Calls nest: inside fn, Atomic just runs.
	Atomic(ctx context.Context, fn func(Store) error) error

	// CreateToken saves a token. Conflict if its hash exists already.
	CreateToken(ctx context.Context, t Token) error
	// FindToken returns the token with the given hash, or NotFound.
	FindToken(ctx context.Context, hash string) (Token, error)

	// EnsureFolder returns the live folder at path, creating it and any
	// missing ancestors. The root ("/") is returned as a Folder with ID 0.
	EnsureFolder(ctx context.Context, portal PortalID, path string) (Folder, error)
	// FindFolderByID returns a live folder, or NotFound.
	FindFolderByID(ctx context.Context, portal PortalID, id FolderID) (Folder, error)

	// InsertFile assigns f an ID and saves it in its folder. If a live
	// file with the same name and extension is there already, overwrite
	// archives that file and returns it; otherwise f is renamed
	// ("name-1", "name-2", ...) until it fits.
	InsertFile(ctx context.Context, f *File, overwrite bool) (replaced *File, err error)
	// FindFileByID returns a file, archived or not, or NotFound.
	FindFileByID(ctx context.Context, portal PortalID, id FileID) (File, error)
	// FindFileByPath returns the live file at a full path, or NotFound.
	FindFileByPath(ctx context.Context, portal PortalID, path string) (File, error)
	// FindDuplicate returns a live file with the same MD5 and size, in the
	// given folder only if inFolder is true, or NotFound.
	FindDuplicate(ctx context.Context, portal PortalID, md5 string, size int64, inFolder bool, folder FolderID) (File, error)

	// CreateTask saves a new task.
	CreateTask(ctx context.Context, t *Task) error
	// FindTask returns a portal's task, or NotFound.
	FindTask(ctx context.Context, portal PortalID, id TaskID) (Task, error)
	// UpdateTask saves a task's status, attempts, errors, results and
	// timestamps. NotFound if the task no longer exists.
	UpdateTask(ctx context.Context, t *Task) error
	// ListUnfinishedTasks returns up to limit tasks of any portal that are
	// not terminal and were requested before t, oldest first.
	ListUnfinishedTasks(ctx context.Context, before time.Time, limit int) ([]Task, error)
	// DeleteTasksFinishedBefore deletes terminal tasks that completed
	// before t and returns how many it deleted.
	DeleteTasksFinishedBefore(ctx context.Context, t time.Time) (int, error)

	// Setting returns a stored server setting, or NotFound.
	Setting(ctx context.Context, key string) ([]byte, error)
	// PutSettingIfAbsent stores value under key unless the key exists, and
	// returns the value that is stored afterwards.
	PutSettingIfAbsent(ctx context.Context, key string, value []byte) ([]byte, error)
}
