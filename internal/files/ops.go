package files

import (
	"context"
	"crypto/rand"
	"time"

	"ferry/internal/ferry"
)

// FindFile implements ferry.FileService.
func (s *Service) FindFile(ctx context.Context, portal ferry.PortalID, id ferry.FileID) (ferry.File, error) {
	return s.store.FindFileByID(ctx, portal, id)
}

// FindFileByPath implements ferry.FileService.
func (s *Service) FindFileByPath(ctx context.Context, portal ferry.PortalID, p string) (ferry.File, error) {
	return s.store.FindFileByPath(ctx, portal, p)
}

// Upload implements ferry.FileService.
func (s *Service) Upload(ctx context.Context, portal ferry.PortalID, st ferry.Staged, req ferry.UploadRequest) (ferry.File, error) {
	folder, err := s.destination(ctx, portal, req.FolderID, req.FolderPath)
	if err != nil {
		s.Discard(st)
		return ferry.File{}, err
	}
	o := req.Options
	return s.Commit(ctx, st, ferry.Placement{Portal: portal, FolderID: folder, Name: req.Name, Access: o.Access,
		DuplicateStrategy: o.DuplicateStrategy, DuplicateScope: o.DuplicateScope, Overwrite: o.Overwrite, ExpiresAt: o.ExpiresAt}, nil)
}

// destination finds an upload's folder: by path (created if missing) or by
// id (which must exist).
func (s *Service) destination(ctx context.Context, portal ferry.PortalID, id ferry.FolderID, path string) (ferry.FolderID, error) {
	if path != "" {
		f, err := s.store.EnsureFolder(ctx, portal, path)
		return f.ID, err
	}
	if _, err := s.store.FindFolderByID(ctx, portal, id); ferry.KindOf(err) == ferry.NotFound {
		return 0, ferry.Invalidf("folderId", "folder %s does not exist", id)
	} else if err != nil {
		return 0, err
	}
	return id, nil
}

// Replace implements ferry.FileService. The new content gets a new blob;
// the old blob is deleted only after the record points at the new one.
func (s *Service) Replace(ctx context.Context, portal ferry.PortalID, id ferry.FileID, st ferry.Staged, o ferry.ReplaceOptions) (ferry.File, error) {
	var old string
	f, err := s.modify(ctx, portal, id, func(f *ferry.File) error {
		old = f.BlobKey
		f.BlobKey, f.Size, f.MD5, f.ContentType = st.Key, st.Size, st.MD5, st.ContentType
		f.Type, f.Encoding, f.Width, f.Height = st.Type, st.Encoding, st.Width, st.Height
		if o.Access != nil {
			f.Access = *o.Access
		}
		if o.ExpiresAt != nil {
			f.ExpiresAt = *o.ExpiresAt
		}
		return nil
	})
	if err != nil {
		s.Discard(st)
		return ferry.File{}, err
	}
	s.deleteBlob(old)
	return f, nil
}

// UpdateFile implements ferry.FileService.
func (s *Service) UpdateFile(ctx context.Context, portal ferry.PortalID, id ferry.FileID, u ferry.FileUpdate) (ferry.File, error) {
	if u.ParentFolderPath != nil {
		folder, err := s.store.FindFolderByPath(ctx, portal, *u.ParentFolderPath)
		if ferry.KindOf(err) == ferry.NotFound {
			return ferry.File{}, ferry.Invalidf("parentFolderPath", "folder %q does not exist", *u.ParentFolderPath)
		} else if err != nil {
			return ferry.File{}, err
		}
		u.ParentFolderID = &folder.ID
	}
	return s.modify(ctx, portal, id, func(f *ferry.File) error {
		if u.Access != nil {
			f.Access = *u.Access
		}
		if u.Name != nil {
			// The name never holds the extension, so a file's full name
			// splits back into the same name and extension. A file that
			// has no extension takes one from the new name.
			f.Name = *u.Name
			if f.Extension == "" {
				f.Name, f.Extension = ferry.SplitName(*u.Name)
			}
		}
		if u.ParentFolderID != nil {
			if _, err := s.store.FindFolderByID(ctx, portal, *u.ParentFolderID); ferry.KindOf(err) == ferry.NotFound {
				return ferry.Invalidf("parentFolderId", "folder %s does not exist", *u.ParentFolderID)
			}
			f.FolderID = *u.ParentFolderID
		}
		if u.IsUsableInContent != nil {
			f.IsUsableInContent = *u.IsUsableInContent
		}
		if u.ExpiresAt != nil {
			f.ExpiresAt = *u.ExpiresAt
		}
		if u.ClearExpires {
			f.ExpiresAt = time.Time{}
		}
		return nil
	})
}

// modify loads a live file, changes it and saves it in one transaction.
func (s *Service) modify(ctx context.Context, portal ferry.PortalID, id ferry.FileID, change func(*ferry.File) error) (ferry.File, error) {
	var out ferry.File
	err := s.store.Atomic(ctx, func(st ferry.Store) error {
		f, err := st.FindFileByID(ctx, portal, id)
		if err != nil {
			return err
		}
		if f.Archived || f.Expired(s.clock.Now()) {
			return ferry.Errorf(ferry.NotFound, "file %s is archived or expired", id)
		}
		if err := change(&f); err != nil {
			return err
		}
		f.UpdatedAt = s.clock.Now().UTC().Truncate(time.Millisecond)
		if err := st.UpdateFile(ctx, &f); err != nil {
			return err
		}
		out = f
		return nil
	})
	return out, err
}

// ArchiveFile implements ferry.FileService.
func (s *Service) ArchiveFile(ctx context.Context, portal ferry.PortalID, id ferry.FileID) error {
	_, err := s.modify(ctx, portal, id, func(f *ferry.File) error {
		f.Archived, f.ArchivedAt = true, s.clock.Now().UTC().Truncate(time.Millisecond)
		return nil
	})
	return err
}

// DeleteFile implements ferry.FileService: the record goes first, so that
// nothing can serve the content while its blob is being deleted.
func (s *Service) DeleteFile(ctx context.Context, portal ferry.PortalID, id ferry.FileID) error {
	f, err := s.store.FindFileByID(ctx, portal, id)
	if err != nil {
		return err
	}
	if err := s.store.DeleteFile(ctx, portal, id); err != nil {
		return err
	}
	if err := s.DeleteBlob(ctx, f.BlobKey); err != nil {
		return err
	}
	return s.deleteVariants(ctx, f)
}

// ExpireFiles implements ferry.ContentStore.
func (s *Service) ExpireFiles(ctx context.Context, now time.Time) (int, error) {
	n := 0
	for {
		batch, err := s.store.ListExpiredFiles(ctx, now, 100)
		if err != nil || len(batch) == 0 {
			return n, err
		}
		for _, f := range batch {
			if err := s.DeleteFile(ctx, f.Portal, f.ID); err != nil && ferry.KindOf(err) != ferry.NotFound {
				return n, err
			}
			n++
		}
	}
}

// SearchFiles implements ferry.FileService.
func (s *Service) SearchFiles(ctx context.Context, portal ferry.PortalID, f ferry.FileFilter) ([]ferry.File, bool, error) {
	return s.store.SearchFiles(ctx, portal, f)
}

// Stat implements ferry.FileService.
func (s *Service) Stat(ctx context.Context, portal ferry.PortalID, p string) (*ferry.File, *ferry.Folder, error) {
	if f, err := s.store.FindFileByPath(ctx, portal, p); err == nil {
		return &f, nil, nil
	} else if ferry.KindOf(err) != ferry.NotFound {
		return nil, nil, err
	}
	folder, err := s.store.FindFolderByPath(ctx, portal, p)
	if err != nil || folder.ID == 0 { // the root has no record to return
		return nil, nil, ferry.Errorf(ferry.NotFound, "nothing at %q", p)
	}
	return nil, &folder, nil
}

const signingKeySetting = "signing_key"

// SigningKey implements ferry.FileService.
func (s *Service) SigningKey(ctx context.Context) ([]byte, error) {
	key := make([]byte, 32)
	rand.Read(key)
	return s.store.PutSettingIfAbsent(ctx, signingKeySetting, key)
}
