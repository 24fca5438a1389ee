package ferry

import (
	"time"
)

// TaskStatus is the state of an asynchronous task. There are exactly four;
// a task that fails ends CANCELED with errors, as on HubSpot.
type TaskStatus string

// The task states.
const (
	TaskPending    TaskStatus = "PENDING"
	TaskProcessing TaskStatus = "PROCESSING"
	TaskComplete   TaskStatus = "COMPLETE"
	TaskCanceled   TaskStatus = "CANCELED"
)

// Terminal reports whether no further transition can happen.
func (s TaskStatus) Terminal() bool { return s == TaskComplete || s == TaskCanceled }

// TaskKind says which operation a task performs.
type TaskKind string

// The task kinds.
const (
	TaskImport       TaskKind = "import_from_url"
	TaskFolderUpdate TaskKind = "folder_update"
)

// Task is an asynchronous operation and its outcome.
type Task struct {
	ID        TaskID
	Portal    PortalID
	Kind      TaskKind
	Status    TaskStatus
	Request   []byte // the validated request, as JSON
	Attempts  int    // how many times a worker has started it
	JobID     int64  // the queue's job that works the task
	SourceURL string // an import's final URL after redirects, credentials removed
	// CorrelationID is the id of the request that created the task: its
	// log lines carry it, and imports send it to the origin.
	CorrelationID string
	Errors        []TaskError
	FileID        FileID   // the result of a completed import
	FolderID      FolderID // the result of a completed folder update
	RequestedAt   time.Time
	StartedAt     time.Time // zero until a worker starts it
	CompletedAt   time.Time // zero until it is terminal

	// Version counts the saved changes of the task. UpdateTask saves only
	// over the version it was given, so that two writers (a worker and a
	// user canceling) never overwrite each other unseen.
	Version       int64
	MaxAttempts   int        // attempts allowed before a transient failure ends the task
	NextAttemptAt time.Time  // when a task waiting to retry runs again; zero otherwise
	LastError     *TaskError // the failure that made it wait to retry
	Progress      Progress
	SHA256        string // of the imported bytes, lower-case hex, once complete
	// Sealed holds an import's source headers, encrypted with a key that
	// is not in the database. It is emptied when the task ends.
	Sealed []byte
	// Resume records how far an interrupted fetch got, so that the next
	// attempt can continue it; opaque to the store.
	Resume []byte
}

// Progress is how far a task's transfer has come.
type Progress struct {
	BytesDone      int64
	BytesTotal     int64 // -1 when the origin sent no length
	BytesPerSecond int64
}

// TaskEvent is one saved change of a task: its state after the change.
type TaskEvent struct {
	Seq  int64  // the task's Version after the change
	Type string // "state" or "progress"
	At   time.Time
	Task Task // without Request, Sealed and Resume
}

// The task event types.
const (
	EventState    = "state"
	EventProgress = "progress"
)

// TaskFilter selects a portal's tasks, newest first.
type TaskFilter struct {
	Statuses      []TaskStatus // any of these; empty: all
	Kind          TaskKind     // empty: all
	CreatedAfter  time.Time
	CreatedBefore time.Time
	Limit         int
	// After is the cursor of the last task of the previous page: its
	// request time and id.
	After *TaskCursor
}

// TaskCursor is a position in the newest-first order of tasks.
type TaskCursor struct {
	RequestedAt time.Time
	ID          TaskID
}

// TaskError is one reason a task failed. Its Kind gives the status and
// category on HubSpot's wire (Kind.Status, Kind.Category); SubCategory
// names the precise cause from a stable, documented vocabulary.
type TaskError struct {
	Kind        Kind
	SubCategory string
	Message     string
	Context     map[string][]string
}

// ImportRequest is a validated import-from-URL request.
type ImportRequest struct {
	URL               string            `json:"url"`
	Access            Access            `json:"access"`
	FolderID          FolderID          `json:"folderId,omitempty"`
	FolderPath        string            `json:"folderPath,omitempty"`
	Name              string            `json:"name,omitempty"`
	DuplicateStrategy DuplicateStrategy `json:"duplicateValidationStrategy,omitempty"`
	DuplicateScope    DuplicateScope    `json:"duplicateValidationScope,omitempty"`
	Overwrite         bool              `json:"overwrite,omitempty"`
	TTL               string            `json:"ttl,omitempty"`
	ExpiresAt         time.Time         `json:"expiresAt,omitzero"`
	// Expected are checks the imported bytes must pass.
	Expected Expected `json:"expected,omitzero"`
	// SourceHeaderNames names the headers sent to the origin; their values
	// never appear in the request.
	SourceHeaderNames []string `json:"sourceHeaderNames,omitempty"`
	// SourceHeaders are request headers for the origin. They are never
	// encoded with the request: the task seals them apart.
	SourceHeaders map[string]string `json:"-"`
}

// Expected is what the caller knows of the bytes to import. A mismatch
// ends the import without storing anything.
type Expected struct {
	Size   *int64 `json:"size,omitempty"` // nil: not checked
	MD5    string `json:"md5,omitempty"`  // lower-case hex
	SHA256 string `json:"sha256,omitempty"`
}

// Placement says where a new file goes and what to do on collisions. Imports
// and uploads share it, so both follow one set of rules.
type Placement struct {
	Portal            PortalID
	FolderID          FolderID
	Name              string // the requested name, perhaps with an extension; empty: derive it
	Access            Access
	DuplicateStrategy DuplicateStrategy
	DuplicateScope    DuplicateScope
	Overwrite         bool
	ExpiresAt         time.Time
}
