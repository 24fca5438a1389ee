// Package files implements Ferry's file use cases on a ferry.Store and a
// blob bucket: it streams content into storage, measures and classifies it,
// and applies the placement rules (duplicates, overwrite, rename) that
// uploads and imports share.
package files

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"ferry/internal/ferry"
)

// Service stores file content and metadata.
type Service struct {
	store  ferry.Store
	bucket *blob.Bucket
	log    *slog.Logger
	now    ferry.Clock
}

// New returns a Service on store and bucket.
func New(store ferry.Store, bucket *blob.Bucket, log *slog.Logger) *Service {
	return &Service{store: store, bucket: bucket, log: log, now: time.Now}
}

// ErrTooLarge is wrapped by the errors Put returns when the content is
// larger than Content.MaxBytes.
var ErrTooLarge = errors.New("content larger than the limit")

// Put streams c into blob storage and then records the file as p says. It
// returns the stored file, or the existing one when p asks to return
// duplicates. The file becomes visible only after its blob is complete; on
// any failure the blob is deleted.
func (s *Service) Put(ctx context.Context, c ferry.Content, p ferry.Placement) (ferry.File, error) {
	if c.Key == "" {
		c.Key = NewBlobKey(p.Portal)
	}
	m, err := s.write(ctx, c)
	if err != nil {
		s.deleteBlob(c.Key)
		return ferry.File{}, err
	}
	f, err := s.place(ctx, c, m, p)
	if err != nil || f.BlobKey != c.Key {
		s.deleteBlob(c.Key)
	}
	return f, err
}

// place applies the duplicate rules, saves the file row and runs c.Then,
// all in one transaction.
func (s *Service) place(ctx context.Context, c ferry.Content, m measured, p ferry.Placement) (ferry.File, error) {
	var out ferry.File
	err := s.store.Atomic(ctx, func(st ferry.Store) error {
		f, err := s.placeIn(ctx, st, c, m, p)
		if err == nil && c.Then != nil {
			err = c.Then(st, f)
		}
		out = f
		return err
	})
	if err != nil {
		return ferry.File{}, err
	}
	return out, nil
}

func (s *Service) placeIn(ctx context.Context, st ferry.Store, c ferry.Content, m measured, p ferry.Placement) (ferry.File, error) {
	if p.DuplicateStrategy == ferry.DuplicateReject || p.DuplicateStrategy == ferry.DuplicateReturnExisting {
		dup, err := st.FindDuplicate(ctx, p.Portal, m.md5, m.size, p.DuplicateScope == ferry.ScopeExactFolder, p.FolderID)
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
	now := s.now().UTC().Truncate(time.Millisecond)
	f := ferry.File{
		Portal: p.Portal, FolderID: p.FolderID, Access: p.Access,
		Size: m.size, MD5: m.md5, Width: m.width, Height: m.height,
		Type: m.kind, Encoding: m.encoding, ContentType: m.contentType,
		IsUsableInContent: true, SourceGroup: "CONTENT", BlobKey: c.Key,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: p.ExpiresAt,
	}
	f.Name, f.Extension = chooseName(p.Name, c.FileName, m)
	replaced, err := st.InsertFile(ctx, &f, p.Overwrite)
	if err != nil {
		return ferry.File{}, err
	}
	if replaced != nil {
		s.log.Info("file overwritten", "portal", p.Portal, "old", replaced.ID, "new", f.ID, "path", f.Path())
	}
	return f, nil
}

var (
	_ ferry.FileService  = (*Service)(nil)
	_ ferry.ContentStore = (*Service)(nil)
)

// FindFile implements ferry.FileService.
func (s *Service) FindFile(ctx context.Context, portal ferry.PortalID, id ferry.FileID) (ferry.File, error) {
	return s.store.FindFileByID(ctx, portal, id)
}

// FindFileByPath implements ferry.FileService.
func (s *Service) FindFileByPath(ctx context.Context, portal ferry.PortalID, p string) (ferry.File, error) {
	return s.store.FindFileByPath(ctx, portal, p)
}

// Open implements ferry.FileService.
func (s *Service) Open(ctx context.Context, f ferry.File) (io.ReadSeekCloser, error) {
	r, err := s.bucket.NewReader(ctx, f.BlobKey, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, ferry.Errorf(ferry.NotFound, "the content of file %s is gone", f.ID)
	}
	if err != nil {
		return nil, ferry.Wrap(err, "open blob")
	}
	return r, nil
}

// DeleteBlob removes a blob if it exists; a missing blob is not an error.
func (s *Service) DeleteBlob(ctx context.Context, key string) error {
	err := s.bucket.Delete(ctx, key)
	if err != nil && gcerrors.Code(err) != gcerrors.NotFound {
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
		s.log.Error("delete blob after failure", "key", key, "err", err)
	}
}

// NewBlobKey returns a fresh, unguessable blob key for a portal.
func NewBlobKey(portal ferry.PortalID) string {
	var b [16]byte
	rand.Read(b[:])
	return fmt.Sprintf("files/%d/%s", portal, hex.EncodeToString(b[:]))
}
