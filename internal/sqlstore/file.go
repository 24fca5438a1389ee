package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path"
	"time"

	"ferry/internal/ferry"
)

// fileSelect reads files joined with their folder, whose path is the
// file's directory; the root folder (id 0) has no row.
const fileSelect = `SELECT ` + fileColumns + ` FROM files f ` + fileFolderJoin

// fileColumns are the columns scanFile reads, of files f and their folder fo
// (fileFolderJoin).
const fileColumns = `f.id, f.portal, f.folder_id, COALESCE(fo.path, '/'), f.name, f.extension, f.access,
	f.size, f.width, f.height, f.type, f.encoding, f.content_type, f.md5, f.sha256, f.usable, f.source_group, f.blob_key,
	f.archived, f.archived_at, f.created_at, f.updated_at, f.expires_at`

// fileFolderJoin joins files f with their folder fo.
const fileFolderJoin = `LEFT JOIN folders fo ON fo.id = f.folder_id AND f.folder_id <> 0`

func scanFile(row interface{ Scan(...any) error }) (ferry.File, error) {
	var (
		f                                     ferry.File
		id, portal, folder                    int64
		archivedAt, created, updated, expires int64
		access                                string
	)
	err := row.Scan(&id, &portal, &folder, &f.FolderPath, &f.Name, &f.Extension, &access,
		&f.Size, &f.Width, &f.Height, &f.Type, &f.Encoding, &f.ContentType, &f.MD5, &f.SHA256, &f.IsUsableInContent, &f.SourceGroup, &f.BlobKey,
		&f.Archived, &archivedAt, &created, &updated, &expires)
	if err != nil {
		return ferry.File{}, err
	}
	f.ID, f.Portal, f.FolderID, f.Access = ferry.FileID(id), ferry.PortalID(portal), ferry.FolderID(folder), ferry.Access(access)
	f.ArchivedAt, f.CreatedAt, f.UpdatedAt, f.ExpiresAt = fromMS(archivedAt), fromMS(created), fromMS(updated), fromMS(expires)
	return f, nil
}

// FindFileByID implements ferry.Store.
func (s *Store) FindFileByID(ctx context.Context, portal ferry.PortalID, id ferry.FileID) (ferry.File, error) {
	f, err := scanFile(s.queryRow(ctx, fileSelect+` WHERE f.portal = ? AND f.id = ?`, int64(portal), int64(id)))
	if err != nil {
		return ferry.File{}, notFound(err, "file "+id.String())
	}
	return f, nil
}

// FindFileByPath implements ferry.Store.
func (s *Store) FindFileByPath(ctx context.Context, portal ferry.PortalID, p string) (ferry.File, error) {
	if s.paths != nil && s.tx == nil {
		return s.findFileByPathCached(ctx, portal, p)
	}
	return s.findFileByPath(ctx, portal, p)
}

func (s *Store) findFileByPath(ctx context.Context, portal ferry.PortalID, p string) (ferry.File, error) {
	dir, base := path.Split(ferry.NormalizeName(p))
	clean, ok := ferry.CleanFolderPath(dir)
	if !ok || !ferry.ValidName(base) {
		return ferry.File{}, ferry.Errorf(ferry.NotFound, "no file at %q", p)
	}
	name, ext := ferry.SplitName(base)
	// Resolve the folder first, so that the file lookup is one probe of
	// the (portal, folder_id, name, extension) index: this runs on every
	// request to the file host.
	folder, err := s.FindFolderByPath(ctx, portal, clean)
	if ferry.KindOf(err) == ferry.NotFound {
		return ferry.File{}, ferry.Errorf(ferry.NotFound, "file at %q not found", p)
	} else if err != nil {
		return ferry.File{}, err
	}
	f, err := scanFile(s.queryRow(ctx, fileSelect+`
		WHERE f.portal = ? AND f.folder_id = ? AND f.name = ? AND f.extension = ? AND `+liveFile,
		int64(portal), int64(folder.ID), name, ext, s.nowMS()))
	if err != nil {
		return ferry.File{}, notFound(err, fmt.Sprintf("file at %q", p))
	}
	return f, nil
}

// FindDuplicate implements ferry.Store.
func (s *Store) FindDuplicate(ctx context.Context, portal ferry.PortalID, md5 string, size int64, inFolder bool, folder ferry.FolderID) (ferry.File, error) {
	// Hidden files are never duplicates: matching one would tell a caller
	// without a hidden-read scope that it exists.
	q := fileSelect + ` WHERE f.portal = ? AND f.md5 = ? AND f.size = ? AND f.access NOT LIKE 'HIDDEN\_%' ESCAPE '\' AND ` + liveFile
	args := []any{int64(portal), md5, size, s.nowMS()}
	if inFolder {
		q += ` AND f.folder_id = ?`
		args = append(args, int64(folder))
	}
	f, err := scanFile(s.queryRow(ctx, q+` ORDER BY f.id LIMIT 1`, args...))
	if err != nil {
		return ferry.File{}, notFound(err, "duplicate")
	}
	return f, nil
}

// InsertFile implements ferry.Store.
//
// Most files arrive under a name that is free in a folder that exists, and
// take no portal lock (insertFreeName). Only a name that is taken (or held
// by an expired file) makes the transaction take the portal lock and look
// for what to do.
func (s *Store) InsertFile(ctx context.Context, f *ferry.File, overwrite bool) (*ferry.File, error) {
	var replaced *ferry.File
	err := s.Atomic(ctx, func(st ferry.Store) error {
		tx := st.(*Store)
		if done, err := tx.insertFreeName(ctx, f); done || err != nil {
			return err
		}
		if err := tx.lockPortal(ctx, f.Portal); err != nil {
			return err
		}
		var err error
		replaced, err = tx.insertFile(ctx, f, overwrite)
		return err
	})
	return replaced, err
}

// insertFreeName inserts f, without the portal lock, if its name is free
// and its folder live, and reports whether it did. The insert claims the
// name through the unique index of live names; then the folder's row is
// read under a shared lock, which ArchiveFolder's exclusive lock waits
// for (and the other way round), so that no file lands in a folder being
// archived. In that order, a writer that finds the name taken has taken
// no lock yet when it goes on to take the portal lock, as ArchiveFolder
// takes the portal lock before the folder's: no two writers wait for
// each other.
func (s *Store) insertFreeName(ctx context.Context, f *ferry.File) (bool, error) {
	if ok, err := s.insertRow(ctx, f); !ok || err != nil {
		return false, err
	}
	f.FolderPath = "/"
	if f.FolderID != 0 {
		err := s.queryRow(ctx, `SELECT path FROM folders WHERE portal = ? AND id = ? AND archived = FALSE`+s.d.ShareRow,
			int64(f.Portal), int64(f.FolderID)).Scan(&f.FolderPath)
		if errors.Is(err, sql.ErrNoRows) {
			// No such folder, or archived: take the row back and
			// let insertFile say so.
			if _, err := s.exec(ctx, `DELETE FROM files WHERE id = ?`, int64(f.ID)); err != nil {
				return false, ferry.Wrap(err, "take back file")
			}
			f.ID = 0
			return false, nil
		} else if err != nil {
			return false, ferry.Wrap(err, "find folder")
		}
	}
	s.remember(*f)
	return true, s.emitFile(ctx, ferry.EventFileCreated, *f)
}

// insertRow inserts f under its name unless a live (or expired but not
// yet archived) file holds it, and reports whether it did. A writer that
// holds the name and has not committed yet is waited for.
func (s *Store) insertRow(ctx context.Context, f *ferry.File) (bool, error) {
	var id int64
	err := s.queryRow(ctx, `INSERT INTO files (portal, folder_id, name, name_fold, extension, access, size, width, height, type,
		encoding, content_type, md5, sha256, usable, source_group, blob_key, archived, created_at, updated_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, FALSE, ?, ?, ?)
		ON CONFLICT (portal, folder_id, name, extension) WHERE archived = FALSE DO NOTHING RETURNING id`,
		int64(f.Portal), int64(f.FolderID), f.Name, fold(f.Name), f.Extension, string(f.Access), f.Size, f.Width, f.Height, f.Type,
		f.Encoding, f.ContentType, f.MD5, f.SHA256, f.IsUsableInContent, f.SourceGroup, f.BlobKey, ms(f.CreatedAt), ms(f.UpdatedAt), ms(f.ExpiresAt)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, ferry.Wrap(err, "insert file")
	}
	f.ID = ferry.FileID(id)
	return true, nil
}

// insertFile inserts f under the portal lock: it archives the live file
// of the same name if overwrite is set, and otherwise picks the first free
// "name-N". Writers that take no lock (insertFreeName) may still claim a
// name meanwhile; then it looks again.
func (s *Store) insertFile(ctx context.Context, f *ferry.File, overwrite bool) (*ferry.File, error) {
	folder, err := s.FindFolderByID(ctx, f.Portal, f.FolderID)
	if err != nil {
		return nil, err
	}
	f.FolderPath = folder.Path
	name := f.Name
	var replaced *ferry.File
	for try := 0; ; try++ {
		f.Name = name
		existing, err := s.FindFileByPath(ctx, f.Portal, f.Path())
		switch {
		case err == nil && overwrite:
			if err := s.archiveFile(ctx, &existing, f.CreatedAt); err != nil {
				return nil, err
			}
			replaced = &existing
		case err == nil:
			if f.Name, err = s.freeName(ctx, f); err != nil {
				return nil, err
			}
		case ferry.KindOf(err) != ferry.NotFound:
			return nil, err
		}
		if err := s.releaseExpiredName(ctx, f); err != nil {
			return nil, err
		}
		ok, err := s.insertRow(ctx, f)
		if err != nil {
			return nil, err
		}
		if ok {
			break
		}
		if try == 100 {
			return nil, ferry.Errorf(ferry.Conflict, "no free name for %q in its folder", f.FileName())
		}
	}
	s.remember(*f)
	if replaced != nil {
		if err := s.emitFile(ctx, ferry.EventFileArchived, *replaced); err != nil {
			return nil, err
		}
	}
	return replaced, s.emitFile(ctx, ferry.EventFileCreated, *f)
}

// freeName finds the first "name-N" that no live file in f's folder uses.
func (s *Store) freeName(ctx context.Context, f *ferry.File) (string, error) {
	for n := 1; n < 100000; n++ {
		candidate := fmt.Sprintf("%s-%d", f.Name, n)
		var taken int
		err := s.queryRow(ctx, `SELECT count(*) FROM files f WHERE f.portal = ? AND f.folder_id = ? AND f.name = ? AND f.extension = ? AND `+liveFile,
			int64(f.Portal), int64(f.FolderID), candidate, f.Extension, s.nowMS()).Scan(&taken)
		if err != nil {
			return "", ferry.Wrap(err, "find free name")
		}
		if taken == 0 {
			return candidate, nil
		}
	}
	return "", ferry.Errorf(ferry.Conflict, "no free name for %q in its folder", f.FileName())
}

// UpdateFile implements ferry.Store.
func (s *Store) UpdateFile(ctx context.Context, f *ferry.File) error {
	return s.writeTx(ctx, f.Portal, func(st ferry.Store) error {
		tx := st.(*Store)
		old, err := tx.FindFileByID(ctx, f.Portal, f.ID)
		if err != nil {
			return err
		}
		folder, err := tx.FindFolderByID(ctx, f.Portal, f.FolderID)
		if err != nil {
			return err
		}
		if err := tx.releaseExpiredName(ctx, f); err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE files SET folder_id = ?, name = ?, name_fold = ?, extension = ?, access = ?, size = ?, width = ?, height = ?,
			type = ?, encoding = ?, content_type = ?, md5 = ?, sha256 = ?, usable = ?, blob_key = ?, archived = ?, archived_at = ?,
			updated_at = ?, expires_at = ? WHERE portal = ? AND id = ?`,
			int64(f.FolderID), f.Name, fold(f.Name), f.Extension, string(f.Access), f.Size, f.Width, f.Height, f.Type, f.Encoding, f.ContentType,
			f.MD5, f.SHA256, f.IsUsableInContent, f.BlobKey, f.Archived, ms(f.ArchivedAt), ms(f.UpdatedAt), ms(f.ExpiresAt), int64(f.Portal), int64(f.ID))
		if s.d.IsUnique(err) {
			return &ferry.Error{Kind: ferry.Conflict, SubCategory: "FILE_EXISTS", Message: "a file named " + f.FileName() + " exists already in " + folder.Path,
				Context: map[string][]string{"path": {path.Join(folder.Path, f.FileName())}}}
		}
		if err != nil {
			return ferry.Wrap(err, "update file")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ferry.Errorf(ferry.NotFound, "file %s not found", f.ID)
		}
		f.FolderPath = folder.Path
		return tx.emitFile(ctx, fileUpdateEvent(&old, f), *f)
	})
}

// fileUpdateEvent says what an update of a file did: archive it, give it
// new content (a replace, which creates the file anew under the same id) or
// change its metadata.
func fileUpdateEvent(old, f *ferry.File) ferry.EventType {
	switch {
	case f.Archived && !old.Archived:
		return ferry.EventFileArchived
	case f.BlobKey != old.BlobKey:
		return ferry.EventFileCreated
	}
	return ferry.EventFileUpdated
}

// liveFile is the condition a file must meet to be found by path, by
// content or by search: not archived and not expired. An expired file is
// gone for every purpose at once, though the maintenance job deletes its
// content later.
const liveFile = `f.archived = FALSE AND (f.expires_at = 0 OR f.expires_at > ?)`

func (s *Store) nowMS() int64 { return s.clock.Now().UnixMilli() }

// releaseExpiredName archives an expired file that still holds the name f
// is about to take, so that the name is free at once; the expiry job
// deletes it later.
func (s *Store) releaseExpiredName(ctx context.Context, f *ferry.File) error {
	now := s.nowMS()
	_, err := s.exec(ctx, `UPDATE files SET archived = TRUE, archived_at = ?, updated_at = ?
		WHERE portal = ? AND folder_id = ? AND name = ? AND extension = ? AND id <> ? AND archived = FALSE
		AND expires_at > 0 AND expires_at <= ?`, now, now, int64(f.Portal), int64(f.FolderID), f.Name, f.Extension, int64(f.ID), now)
	return ferry.Wrap(err, "release expired name")
}

// DeleteFile implements ferry.Store.
func (s *Store) DeleteFile(ctx context.Context, portal ferry.PortalID, id ferry.FileID) error {
	return s.writeTx(ctx, portal, func(st ferry.Store) error {
		tx := st.(*Store)
		f, err := tx.FindFileByID(ctx, portal, id)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM files WHERE portal = ? AND id = ?`, int64(portal), int64(id)); err != nil {
			return ferry.Wrap(err, "delete file")
		}
		return tx.emitFile(ctx, ferry.EventFileDeleted, f)
	})
}

// ListExpiredFiles implements ferry.Store.
func (s *Store) ListExpiredFiles(ctx context.Context, t time.Time, limit int) ([]ferry.File, error) {
	rows, err := s.query(ctx, fileSelect+` WHERE f.expires_at > 0 AND f.expires_at <= ? ORDER BY f.expires_at LIMIT ?`, ms(t), limit)
	if err != nil {
		return nil, ferry.Wrap(err, "list expired files")
	}
	return collect(rows, scanFile)
}

// ListArchivedFiles implements ferry.Store.
func (s *Store) ListArchivedFiles(ctx context.Context, t time.Time, limit int) ([]ferry.File, error) {
	rows, err := s.query(ctx, fileSelect+` WHERE f.archived = TRUE AND f.archived_at <= ? ORDER BY f.archived_at LIMIT ?`, ms(t), limit)
	if err != nil {
		return nil, ferry.Wrap(err, "list archived files")
	}
	return collect(rows, scanFile)
}

func (s *Store) archiveFile(ctx context.Context, f *ferry.File, at time.Time) error {
	_, err := s.exec(ctx, `UPDATE files SET archived = TRUE, archived_at = ?, updated_at = ? WHERE id = ?`,
		at.UnixMilli(), at.UnixMilli(), int64(f.ID))
	if err != nil {
		return ferry.Wrap(err, "archive file")
	}
	f.Archived, f.ArchivedAt, f.UpdatedAt = true, at.UTC().Truncate(time.Millisecond), at.UTC().Truncate(time.Millisecond)
	return nil
}
