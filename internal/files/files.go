// Package files implements Ferry's file and folder use cases on a
// ferry.Store and a blob bucket: it streams content into storage, measures
// and classifies it, applies the placement rules (duplicates, overwrite,
// rename) that uploads and imports share, and keeps metadata and content
// consistent through updates, replacement, archiving and deletion.
package files

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"syscall"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"ferry/internal/ferry"
)

// Service implements ferry.FileService and ferry.ContentStore.
type Service struct {
	store  ferry.Store
	bucket *blob.Bucket
	log    *slog.Logger
	clock  ferry.Clock
	images imageWork // bounds on resizing
	obs    BlobObserver
}

// BlobObserver is told of blob storage work, for metrics. Its methods must
// be cheap and safe for concurrent use.
type BlobObserver interface {
	BlobStored(n int64)  // a blob of n bytes was written
	BlobError(op string) // a write, read or delete failed (a missing blob is not a failure)
}

type noBlobObserver struct{}

func (noBlobObserver) BlobStored(int64) {}
func (noBlobObserver) BlobError(string) {}

// SetObserver makes s report blob storage work to o.
func (s *Service) SetObserver(o BlobObserver) { s.obs = o }

var _ ferry.FileService = (*Service)(nil)

// New returns a Service on store and bucket that reads the time from clock
// (nil: ferry.SystemClock).
func New(store ferry.Store, bucket *blob.Bucket, log *slog.Logger, clock ferry.Clock) *Service {
	return &Service{store: store, bucket: bucket, log: log, clock: ferry.OrSystem(clock), images: newImageWork(ImageLimits{}), obs: noBlobObserver{}}
}

// Commit implements ferry.ContentStore.
func (s *Service) Commit(ctx context.Context, staged ferry.Staged, p ferry.Placement, then func(ferry.Store, ferry.File) error) (ferry.File, error) {
	var out ferry.File
	err := s.store.Atomic(ctx, func(st ferry.Store) error {
		f, err := s.place(ctx, st, staged, p)
		if err == nil && then != nil {
			err = then(st, f)
		}
		out = f
		return err
	})
	if err != nil || out.BlobKey != staged.Key {
		s.Discard(staged)
	}
	if err != nil {
		return ferry.File{}, err
	}
	return out, nil
}

// place applies the duplicate rules and saves the file row.
func (s *Service) place(ctx context.Context, st ferry.Store, staged ferry.Staged, p ferry.Placement) (ferry.File, error) {
	if p.DuplicateStrategy == ferry.DuplicateReject || p.DuplicateStrategy == ferry.DuplicateReturnExisting {
		dup, err := st.FindDuplicate(ctx, p.Portal, staged.MD5, staged.Size, p.DuplicateScope == ferry.ScopeExactFolder, p.FolderID)
		switch {
		case err == nil && p.DuplicateStrategy == ferry.DuplicateReturnExisting:
			return dup, nil
		case err == nil:
			return ferry.File{}, &ferry.Error{Kind: ferry.Conflict, SubCategory: "DUPLICATE_FILE",
				Message: fmt.Sprintf("a file with the same content exists already: %s (id %s)", dup.Path(), dup.ID),
				Context: map[string][]string{"duplicateFileId": {dup.ID.String()}, "duplicatePath": {dup.Path()}}}
		case ferry.KindOf(err) != ferry.NotFound:
			return ferry.File{}, err
		}
	}
	now := s.clock.Now().UTC().Truncate(time.Millisecond)
	f := ferry.File{
		Portal: p.Portal, FolderID: p.FolderID, Access: p.Access,
		Size: staged.Size, MD5: staged.MD5, SHA256: staged.SHA256, Width: staged.Width, Height: staged.Height,
		Type: staged.Type, Encoding: staged.Encoding, ContentType: staged.ContentType,
		IsUsableInContent: true, SourceGroup: "CONTENT", BlobKey: staged.Key,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: p.ExpiresAt,
	}
	f.Name, f.Extension = chooseName(p.Name, staged)
	replaced, err := st.InsertFile(ctx, &f, p.Overwrite)
	if err != nil {
		return ferry.File{}, err
	}
	if replaced != nil {
		s.log.Info("file overwritten", "portal", p.Portal, "old", replaced.ID, "new", f.ID, "path", f.Path())
	}
	return f, nil
}

// Discard implements ferry.ContentStore.
func (s *Service) Discard(st ferry.Staged) { s.deleteBlob(st.Key) }

// discard deletes staged content, if there is any.
func (s *Service) discard(st *ferry.Staged) {
	if st != nil {
		s.Discard(*st)
	}
}

// Open implements ferry.FileService. A blob in a local file is read
// straight from the file, so that net/http can send it with sendfile.
func (s *Service) Open(ctx context.Context, f ferry.File) (io.ReadSeekCloser, error) {
	r, err := s.openKey(ctx, f.BlobKey, f.ID)
	if err != nil {
		return nil, err
	}
	var under io.Reader
	if r.As(&under) {
		if file, ok := under.(*os.File); ok {
			return localBlob{File: file, r: r}, nil
		}
	}
	return r, nil
}

// localBlob is a blob read from its local file (fileblob). The file's
// SyscallConn is what lets net/http use sendfile; closing closes the blob
// reader, which owns the file.
type localBlob struct {
	*os.File
	r *blob.Reader
}

func (l localBlob) Close() error { return l.r.Close() }

func (s *Service) openKey(ctx context.Context, key string, id ferry.FileID) (*blob.Reader, error) {
	r, err := s.bucket.NewReader(ctx, key, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, ferry.Errorf(ferry.NotFound, "the content of file %s is gone", id)
	}
	if err != nil {
		s.obs.BlobError("read")
		return nil, ferry.Wrap(err, "open blob")
	}
	return r, nil
}

// DeleteBlob removes a blob if it exists; a missing blob is not an error.
func (s *Service) DeleteBlob(ctx context.Context, key string) error {
	err := s.bucket.Delete(ctx, key)
	if err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		s.obs.BlobError("delete")
		return ferry.Wrap(err, "delete blob")
	}
	return nil
}

// deleteBlob cleans up after a failure, with its own deadline so that a
// canceled request still cleans up.
func (s *Service) deleteBlob(key string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.DeleteBlob(ctx, key); err != nil {
		s.log.Error("delete blob", "key", key, "err", err)
	}
}

// NewBlobKey returns a fresh, unguessable blob key for a portal.
func NewBlobKey(portal ferry.PortalID) string {
	var b [16]byte
	rand.Read(b[:])
	return fmt.Sprintf("files/%d/%s", portal, hex.EncodeToString(b[:]))
}

// storageFull turns a write that failed for want of space into a
// StorageFull error, which clients see as 507 and imports wait out; any
// other error is returned as it is.
func storageFull(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return &ferry.Error{Kind: ferry.StorageFull, SubCategory: "STORAGE_FULL",
			Message: "The file storage is full; the content was not stored.", Err: err}
	}
	return err
}

// ErrTooLarge is the cause of the TooLarge error that Stage returns when
// content exceeds its limit.
var ErrTooLarge = errors.New("content larger than the limit")
