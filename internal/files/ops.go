package files

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"time"

	"ferry/internal/ferry"
)

// FindFile implements ferry.FileService.
func (s *Service) FindFile(ctx context.Context, portal ferry.PortalID, id ferry.FileID) (ferry.File, error) {
	return s.find(ctx, s.store, portal, id, ferry.HiddenReadScopes)
}

// FindLiveFile implements ferry.FileService.
func (s *Service) FindLiveFile(ctx context.Context, portal ferry.PortalID, id ferry.FileID) (ferry.File, error) {
	f, err := s.FindFile(ctx, portal, id)
	if err == nil {
		err = f.CheckLive(s.clock.Now())
	}
	return f, err
}

// find loads a file that the caller may see with hidden, the scopes a
// hidden file needs for what the caller is about to do.
func (s *Service) find(ctx context.Context, st ferry.Store, portal ferry.PortalID, id ferry.FileID, hidden []ferry.Scope) (ferry.File, error) {
	f, err := st.FindFileByID(ctx, portal, id)
	if err == nil {
		err = ferry.CheckHidden(ctx, &f, hidden)
	}
	if err != nil {
		return ferry.File{}, err
	}
	return f, nil
}

// FindFileByPath implements ferry.FileService.
func (s *Service) FindFileByPath(ctx context.Context, portal ferry.PortalID, p string) (ferry.File, error) {
	return s.store.FindFileByPath(ctx, portal, p)
}

// Upload implements ferry.FileService.
func (s *Service) Upload(ctx context.Context, portal ferry.PortalID, in ferry.UploadInput) (ferry.File, error) {
	req, err := in.Validate(s.clock.Now())
	if err != nil {
		s.discard(in.Staged)
		return ferry.File{}, err
	}
	folder, err := ferry.ResolveFolder(ctx, s.store, portal, req.FolderID, req.FolderPath)
	if err != nil {
		s.Discard(*in.Staged)
		return ferry.File{}, err
	}
	o := req.Options
	return s.Commit(ctx, *in.Staged, ferry.Placement{Portal: portal, FolderID: folder.ID, Name: req.Name, Access: o.Access,
		DuplicateStrategy: o.DuplicateStrategy, DuplicateScope: o.DuplicateScope, Overwrite: o.Overwrite, ExpiresAt: o.ExpiresAt}, nil)
}

// Replace implements ferry.FileService. The new content gets a new blob;
// the old blob is deleted only after the record points at the new one.
func (s *Service) Replace(ctx context.Context, portal ferry.PortalID, id ferry.FileID, read func() (ferry.ReplaceInput, error)) (ferry.File, error) {
	// Refuse before streaming a body that cannot be used.
	if _, err := s.findLive(ctx, s.store, portal, id); err != nil {
		return ferry.File{}, err
	}
	in, err := read()
	if err != nil {
		s.discard(in.Staged)
		return ferry.File{}, err
	}
	o, err := in.Validate(s.clock.Now())
	if err != nil {
		s.discard(in.Staged)
		return ferry.File{}, err
	}
	st, old := *in.Staged, ""
	f, err := s.modify(ctx, portal, id, func(_ ferry.Store, f *ferry.File) error {
		old = f.BlobKey
		f.BlobKey, f.Size, f.MD5, f.SHA256, f.ContentType = st.Key, st.Size, st.MD5, st.SHA256, st.ContentType
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
	return s.modify(ctx, portal, id, func(st ferry.Store, f *ferry.File) error {
		if u.ParentFolderPath != nil {
			folder, err := st.FindFolderByPath(ctx, portal, *u.ParentFolderPath)
			if ferry.KindOf(err) == ferry.NotFound {
				return ferry.Invalidf("parentFolderPath", "folder %q does not exist", *u.ParentFolderPath)
			} else if err != nil {
				return err
			}
			u.ParentFolderID = &folder.ID
		}
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
			if _, err := st.FindFolderByID(ctx, portal, *u.ParentFolderID); ferry.KindOf(err) == ferry.NotFound {
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

// findLive loads a live file that the caller may change.
func (s *Service) findLive(ctx context.Context, st ferry.Store, portal ferry.PortalID, id ferry.FileID) (ferry.File, error) {
	f, err := s.find(ctx, st, portal, id, ferry.HiddenWriteScopes)
	if err == nil {
		err = f.CheckLive(s.clock.Now())
	}
	return f, err
}

// modify loads a live file that the caller may change, changes it and
// saves it in one transaction.
func (s *Service) modify(ctx context.Context, portal ferry.PortalID, id ferry.FileID, change func(ferry.Store, *ferry.File) error) (ferry.File, error) {
	var out ferry.File
	err := s.store.Atomic(ctx, func(st ferry.Store) error {
		f, err := s.findLive(ctx, st, portal, id)
		if err != nil {
			return err
		}
		if err := change(st, &f); err != nil {
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
	_, err := s.modify(ctx, portal, id, func(_ ferry.Store, f *ferry.File) error {
		f.Archived, f.ArchivedAt = true, s.clock.Now().UTC().Truncate(time.Millisecond)
		return nil
	})
	return err
}

// DeleteFile implements ferry.FileService.
func (s *Service) DeleteFile(ctx context.Context, portal ferry.PortalID, id ferry.FileID) error {
	f, err := s.find(ctx, s.store, portal, id, ferry.HiddenWriteScopes)
	if err != nil {
		return err
	}
	return s.delete(ctx, f)
}

// delete deletes a file: the record goes first, so that nothing can serve
// the content while its blob is being deleted.
func (s *Service) delete(ctx context.Context, f ferry.File) error {
	if err := s.store.DeleteFile(ctx, f.Portal, f.ID); err != nil {
		return err
	}
	if err := s.DeleteBlob(ctx, f.BlobKey); err != nil {
		return err
	}
	return s.deleteVariants(ctx, f)
}

// ExpireFiles implements ferry.ContentStore.
func (s *Service) ExpireFiles(ctx context.Context, now time.Time) (int, error) {
	return s.deleteListed(ctx, func() ([]ferry.File, error) { return s.store.ListExpiredFiles(ctx, now, 100) })
}

// PurgeArchived implements ferry.ContentStore.
func (s *Service) PurgeArchived(ctx context.Context, t time.Time) (int, error) {
	return s.deleteListed(ctx, func() ([]ferry.File, error) { return s.store.ListArchivedFiles(ctx, t, 100) })
}

// deleteListed deletes, content and all, the files list returns, batch
// after batch until it returns none.
func (s *Service) deleteListed(ctx context.Context, list func() ([]ferry.File, error)) (int, error) {
	n := 0
	for {
		batch, err := list()
		if err != nil || len(batch) == 0 {
			return n, err
		}
		for _, f := range batch {
			if err := s.delete(ctx, f); err != nil && ferry.KindOf(err) != ferry.NotFound {
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
		if err := ferry.CheckHidden(ctx, &f, ferry.HiddenReadScopes); err != nil {
			return nil, nil, err
		}
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

// The settings that hold the signing keys: the current key, and the key
// a rotation replaced, after the end of its grace period (8 bytes of
// big-endian Unix milliseconds).
const (
	signingKeySetting  = "signing_key"
	previousKeySetting = "signing_key_previous"
)

// SigningKey implements ferry.FileService.
func (s *Service) SigningKey(ctx context.Context) ([]byte, error) {
	key := make([]byte, 32)
	rand.Read(key)
	return s.store.PutSettingIfAbsent(ctx, signingKeySetting, key)
}

// VerifyingKeys implements ferry.FileService.
func (s *Service) VerifyingKeys(ctx context.Context) ([][]byte, error) {
	cur, err := s.SigningKey(ctx)
	if err != nil {
		return nil, err
	}
	keys := [][]byte{cur}
	prev, err := s.store.Setting(ctx, previousKeySetting)
	switch {
	case ferry.KindOf(err) == ferry.NotFound:
	case err != nil:
		return nil, err
	case len(prev) > 8 && s.clock.Now().UnixMilli() < int64(binary.BigEndian.Uint64(prev[:8])):
		keys = append(keys, prev[8:])
	}
	return keys, nil
}

// RotateSigningKey replaces the key that signs URLs with a new one. URLs
// signed with the old key are honoured for grace more, then refused; a
// grace of zero revokes every outstanding signed URL at once.
func RotateSigningKey(ctx context.Context, store ferry.Store, now time.Time, grace time.Duration) error {
	return store.Atomic(ctx, func(st ferry.Store) error {
		fresh := make([]byte, 32)
		rand.Read(fresh)
		old, err := st.PutSettingIfAbsent(ctx, signingKeySetting, fresh)
		if err != nil {
			return err
		}
		prev := binary.BigEndian.AppendUint64(nil, uint64(now.Add(grace).UnixMilli()))
		if err := st.PutSetting(ctx, previousKeySetting, append(prev, old...)); err != nil {
			return err
		}
		rand.Read(fresh)
		return st.PutSetting(ctx, signingKeySetting, fresh)
	})
}
