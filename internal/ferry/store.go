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
	// ListTokens returns every token, oldest first.
	ListTokens(ctx context.Context) ([]Token, error)
	// DeleteToken deletes the one token whose hash starts with hashPrefix
	// and returns it: NotFound if none does, Invalid if several do.
	DeleteToken(ctx context.Context, hashPrefix string) (Token, error)

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

	// UpdateFile saves a file's mutable fields: name, extension, folder,
	// access, usability, expiry, content (size, type, MD5, dimensions,
	// blob key), archived state and updatedAt. Conflict if a live file
	// with the new name and extension is already in the folder; NotFound
	// if the file or its new folder does not exist.
	UpdateFile(ctx context.Context, f *File) error
	// DeleteFile removes a file's row for good (GDPR delete). NotFound if
	// there is none.
	DeleteFile(ctx context.Context, portal PortalID, id FileID) error
	// SearchFiles returns the live, non-hidden files that match, sorted
	// (by id when no sort is given, always with id as the last key) and
	// paged, and whether more follow.
	SearchFiles(ctx context.Context, portal PortalID, f FileFilter) ([]File, bool, error)
	// ListExpiredFiles returns up to limit live files of any portal whose
	// expiry is at or before t.
	ListExpiredFiles(ctx context.Context, t time.Time, limit int) ([]File, error)
	// ListArchivedFiles returns up to limit archived files of any portal
	// (archived by DELETE, or replaced by an overwriting upload) archived
	// at or before t.
	ListArchivedFiles(ctx context.Context, t time.Time, limit int) ([]File, error)

	// CreateFolder creates a folder in a live parent (0: the root).
	// Conflict if the parent has a live folder of that name; NotFound if
	// the parent does not exist.
	CreateFolder(ctx context.Context, portal PortalID, parent FolderID, name string) (Folder, error)
	// FindFolderByPath returns the live folder at path ("/" is the root),
	// or NotFound.
	FindFolderByPath(ctx context.Context, portal PortalID, path string) (Folder, error)
	// MoveFolder renames a folder and/or moves it under a new parent,
	// rewriting the path of every folder below it. Invalid if the new
	// parent is the folder itself or inside it; Conflict if the new parent
	// has a live folder of that name; NotFound if either does not exist.
	MoveFolder(ctx context.Context, portal PortalID, id FolderID, parent FolderID, name string) (Folder, error)
	// ArchiveFolder archives a folder, every folder below it and every
	// file in them, and returns how many files it archived.
	ArchiveFolder(ctx context.Context, portal PortalID, id FolderID, at time.Time) (int, error)
	// SearchFolders returns the live folders that match, sorted and
	// paged, and whether more follow.
	SearchFolders(ctx context.Context, portal PortalID, f FolderFilter) ([]Folder, bool, error)

	// CreateTask saves a new task.
	CreateTask(ctx context.Context, t *Task) error
	// FindTask returns a portal's task, or NotFound.
	FindTask(ctx context.Context, portal PortalID, id TaskID) (Task, error)
	// FindTaskFile is FindTask that also returns, in the same read, the
	// file the task names (FileID), or nil if it names none or the file
	// is gone.
	FindTaskFile(ctx context.Context, portal PortalID, id TaskID) (Task, *File, error)
	// UpdateTask saves a task's status, attempts, errors, results,
	// timestamps, retry state, progress, sealed headers and resume state,
	// and records the change as a state event. It saves only over the
	// stored version t.Version, which it then increments: Conflict if the
	// task has changed since it was read; NotFound if it no longer exists.
	UpdateTask(ctx context.Context, t *Task) error
	// SaveProgress is UpdateTask recorded as a progress event.
	SaveProgress(ctx context.Context, t *Task) error
	// BeatTask records, by the database's clock, that the attempt t
	// describes (its Attempts and JobID) still runs the PROCESSING task:
	// Conflict if the task is no longer PROCESSING in that attempt and
	// job; NotFound if it no longer exists. UpdateTask and SaveProgress
	// record a heartbeat too.
	BeatTask(ctx context.Context, t *Task) error
	// ListSilentTasks returns up to limit PROCESSING tasks, not waiting
	// to retry, whose last heartbeat is older than silence by the
	// database's clock; the longest silent first. A task that never had
	// a heartbeat is not listed.
	ListSilentTasks(ctx context.Context, silence time.Duration, limit int) ([]Task, error)
	// ReclaimTask is UpdateTask, made only while the stored task's last
	// heartbeat is older than silence: Conflict otherwise.
	ReclaimTask(ctx context.Context, t *Task, silence time.Duration) error
	// ListTasks returns a portal's tasks that match, newest first, and
	// whether more follow.
	ListTasks(ctx context.Context, portal PortalID, f TaskFilter) ([]Task, bool, error)
	// ListTaskEvents returns up to limit events of a portal's task with a
	// sequence number above after, in order.
	ListTaskEvents(ctx context.Context, portal PortalID, id TaskID, after int64, limit int) ([]TaskEvent, error)
	// TaskWaitingElsewhere reports whether a portal other than portal has
	// a task of kind still PENDING: waiting for a worker.
	TaskWaitingElsewhere(ctx context.Context, portal PortalID, kind TaskKind) (bool, error)
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
	// PutSetting stores value under key, replacing any value there.
	PutSetting(ctx context.Context, key string, value []byte) error

	// ListEvents returns a page of a portal's events after f.After, in
	// commit order, and whether more follow. Events are written by the
	// store itself, in the transaction of the change they describe; an
	// event's Seq is assigned so that no event with a lower Seq can commit
	// later, so a reader that resumes after the last Seq it saw never
	// misses one.
	ListEvents(ctx context.Context, portal PortalID, f EventFilter) ([]Event, bool, error)
	// FindEvent returns a portal's event by Seq, or NotFound.
	FindEvent(ctx context.Context, portal PortalID, seq int64) (Event, error)
	// DeleteEventsBefore deletes events of any portal that occurred before
	// t and returns how many it deleted.
	DeleteEventsBefore(ctx context.Context, t time.Time) (int, error)

	// CreateWebhook saves a new subscription. Conflict if its id exists.
	CreateWebhook(ctx context.Context, w *Webhook) error
	// FindWebhook returns a portal's subscription, or NotFound.
	FindWebhook(ctx context.Context, portal PortalID, id WebhookID) (Webhook, error)
	// ListWebhooks returns a portal's subscriptions, oldest first.
	ListWebhooks(ctx context.Context, portal PortalID) ([]Webhook, error)
	// UpdateWebhook saves a subscription's mutable fields. Turning it from
	// enabled to disabled emits a webhook.disabled event. NotFound if it
	// does not exist.
	UpdateWebhook(ctx context.Context, w *Webhook) error
	// DeleteWebhook deletes a subscription and its deliveries. NotFound if
	// it does not exist.
	DeleteWebhook(ctx context.Context, portal PortalID, id WebhookID) error
	// FindDelivery returns a portal's delivery, or NotFound.
	FindDelivery(ctx context.Context, portal PortalID, id DeliveryID) (Delivery, error)
	// ListDeliveries returns a page of a subscription's deliveries, newest
	// first, and whether more follow.
	ListDeliveries(ctx context.Context, portal PortalID, id WebhookID, f DeliveryFilter) ([]Delivery, bool, error)
	// UpdateDelivery saves a delivery's state and attempts. NotFound if it
	// no longer exists.
	UpdateDelivery(ctx context.Context, d *Delivery) error
	// Redeliver creates a new delivery of an existing delivery's event to
	// the same subscription. NotFound if either no longer exists.
	Redeliver(ctx context.Context, portal PortalID, id DeliveryID) (Delivery, error)
}
