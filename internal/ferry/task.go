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
	ID          TaskID
	Portal      PortalID
	Kind        TaskKind
	Status      TaskStatus
	Request     []byte // the validated request, as JSON
	Attempts    int    // how many times a worker has started it
	JobID       int64  // the queue's job that works the task
	SourceURL   string // an import's final URL after redirects, credentials removed
	Errors      []TaskError
	FileID      FileID   // the result of a completed import
	FolderID    FolderID // the result of a completed folder update
	RequestedAt time.Time
	StartedAt   time.Time // zero until a worker starts it
	CompletedAt time.Time // zero until it is terminal
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
