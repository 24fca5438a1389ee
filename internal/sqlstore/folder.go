package sqlstore

import (
	"context"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"ferry/internal/ferry"
)

const folderColumns = `id, portal, parent_id, name, path, archived, archived_at, created_at, updated_at`

func scanFolder(row interface{ Scan(...any) error }) (ferry.Folder, error) {
	var (
		f                            ferry.Folder
		id, portal, parent           int64
		archivedAt, created, updated int64
	)
	if err := row.Scan(&id, &portal, &parent, &f.Name, &f.Path, &f.Archived, &archivedAt, &created, &updated); err != nil {
		return ferry.Folder{}, err
	}
	f.ID, f.Portal, f.ParentID = ferry.FolderID(id), ferry.PortalID(portal), ferry.FolderID(parent)
	f.ArchivedAt, f.CreatedAt, f.UpdatedAt = fromMS(archivedAt), fromMS(created), fromMS(updated)
	return f, nil
}

func rootFolder(portal ferry.PortalID) ferry.Folder {
	return ferry.Folder{Portal: portal, Path: "/"}
}

// FindFolderByID implements ferry.Store.
func (s *Store) FindFolderByID(ctx context.Context, portal ferry.PortalID, id ferry.FolderID) (ferry.Folder, error) {
	if id == 0 {
		return rootFolder(portal), nil
	}
	f, err := scanFolder(s.queryRow(ctx, `SELECT `+folderColumns+` FROM folders WHERE portal = ? AND id = ? AND archived = FALSE`, int64(portal), int64(id)))
	if err != nil {
		return ferry.Folder{}, notFound(err, "folder "+id.String())
	}
	return f, nil
}

// FindFolderByPath implements ferry.Store.
func (s *Store) FindFolderByPath(ctx context.Context, portal ferry.PortalID, p string) (ferry.Folder, error) {
	clean, ok := ferry.CleanFolderPath(p)
	if !ok {
		return ferry.Folder{}, ferry.Errorf(ferry.NotFound, "folder %q not found", p)
	}
	if clean == "/" {
		return rootFolder(portal), nil
	}
	f, err := scanFolder(s.queryRow(ctx, `SELECT `+folderColumns+` FROM folders WHERE portal = ? AND path = ? AND archived = FALSE`, int64(portal), clean))
	if err != nil {
		return ferry.Folder{}, notFound(err, "folder "+clean)
	}
	return f, nil
}

// EnsureFolder implements ferry.Store.
func (s *Store) EnsureFolder(ctx context.Context, portal ferry.PortalID, p string) (ferry.Folder, error) {
	clean, ok := ferry.CleanFolderPath(p)
	if !ok {
		return ferry.Folder{}, ferry.Invalidf("folderPath", "folder path %q is not valid", p)
	}
	// Most calls name a folder that exists: find it without the portal's
	// write lock, which only creating needs.
	if f, err := s.FindFolderByPath(ctx, portal, clean); ferry.KindOf(err) != ferry.NotFound {
		return f, err
	}
	var out ferry.Folder
	err := s.writeTx(ctx, portal, func(st ferry.Store) error {
		cur := rootFolder(portal)
		if clean == "/" {
			out = cur
			return nil
		}
		for _, name := range strings.Split(strings.TrimPrefix(clean, "/"), "/") {
			f, err := st.FindFolderByPath(ctx, portal, path.Join(cur.Path, name))
			if ferry.KindOf(err) == ferry.NotFound {
				f, err = st.CreateFolder(ctx, portal, cur.ID, name)
			}
			if err != nil {
				return err
			}
			cur = f
		}
		out = cur
		return nil
	})
	return out, err
}

// CreateFolder implements ferry.Store.
func (s *Store) CreateFolder(ctx context.Context, portal ferry.PortalID, parent ferry.FolderID, name string) (ferry.Folder, error) {
	if !ferry.ValidName(name) {
		return ferry.Folder{}, ferry.Invalidf("name", "folder name %q is not valid", name)
	}
	var out ferry.Folder
	err := s.writeTx(ctx, portal, func(st ferry.Store) error {
		p, err := st.FindFolderByID(ctx, portal, parent)
		if err != nil {
			return err
		}
		now := s.clock.Now().UTC().Truncate(time.Millisecond)
		out = ferry.Folder{Portal: portal, ParentID: parent, Name: name, Path: path.Join(p.Path, name), CreatedAt: now, UpdatedAt: now}
		var id int64
		err = st.(*Store).queryRow(ctx, `INSERT INTO folders (portal, parent_id, name, name_fold, path, archived, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, FALSE, ?, ?) RETURNING id`, int64(portal), int64(parent), name, fold(name), out.Path, ms(now), ms(now)).Scan(&id)
		if s.d.IsUnique(err) {
			return &ferry.Error{Kind: ferry.Conflict, SubCategory: "FOLDER_EXISTS",
				Message: "a folder named " + name + " exists already in " + p.Path, Context: map[string][]string{"path": {out.Path}}}
		}
		if err != nil {
			return ferry.Wrap(err, "create folder")
		}
		out.ID = ferry.FolderID(id)
		return st.(*Store).emitFolder(ctx, ferry.EventFolderCreated, out)
	})
	return out, err
}

// MoveFolder implements ferry.Store.
func (s *Store) MoveFolder(ctx context.Context, portal ferry.PortalID, id, parent ferry.FolderID, name string) (ferry.Folder, error) {
	if !ferry.ValidName(name) {
		return ferry.Folder{}, ferry.Invalidf("name", "folder name %q is not valid", name)
	}
	var out ferry.Folder
	err := s.writeTx(ctx, portal, func(st ferry.Store) error {
		tx := st.(*Store)
		f, err := tx.FindFolderByID(ctx, portal, id)
		if err != nil || id == 0 {
			return notFoundOr(err, "folder "+id.String())
		}
		np, err := tx.FindFolderByID(ctx, portal, parent)
		if err != nil {
			return err
		}
		if np.Path == f.Path || strings.HasPrefix(np.Path, f.Path+"/") {
			return ferry.Invalidf("parentFolderId", "a folder cannot move into itself or its own subtree (%s is inside %s)", np.Path, f.Path)
		}
		newPath := path.Join(np.Path, name)
		now := s.clock.Now().UTC().Truncate(time.Millisecond)
		if newPath != f.Path {
			if _, err := tx.FindFolderByPath(ctx, portal, newPath); err == nil {
				return &ferry.Error{Kind: ferry.Conflict, SubCategory: "FOLDER_EXISTS", Message: "a folder exists already at " + newPath,
					Context: map[string][]string{"path": {newPath}}}
			}
			_, err = tx.exec(ctx, `UPDATE folders SET path = ? || substr(path, ?), updated_at = ?
				WHERE portal = ? AND archived = FALSE AND substr(path, 1, ?) = ?`,
				newPath, chars(f.Path)+1, ms(now), int64(portal), chars(f.Path)+1, f.Path+"/")
			if err != nil {
				return ferry.Wrap(err, "move subtree")
			}
		}
		_, err = tx.exec(ctx, `UPDATE folders SET parent_id = ?, name = ?, name_fold = ?, path = ?, updated_at = ? WHERE id = ?`,
			int64(parent), name, fold(name), newPath, ms(now), int64(id))
		if s.d.IsUnique(err) {
			return &ferry.Error{Kind: ferry.Conflict, SubCategory: "FOLDER_EXISTS", Message: "a folder exists already at " + newPath,
				Context: map[string][]string{"path": {newPath}}}
		}
		if err != nil {
			return ferry.Wrap(err, "move folder")
		}
		f.ParentID, f.Name, f.Path, f.UpdatedAt = parent, name, newPath, now
		out = f
		return tx.emitFolder(ctx, ferry.EventFolderUpdated, f)
	})
	return out, err
}

// ArchiveFolder implements ferry.Store.
func (s *Store) ArchiveFolder(ctx context.Context, portal ferry.PortalID, id ferry.FolderID, at time.Time) (int, error) {
	var n int
	err := s.writeTx(ctx, portal, func(st ferry.Store) error {
		tx := st.(*Store)
		f, err := tx.FindFolderByID(ctx, portal, id)
		if err != nil || id == 0 {
			return notFoundOr(err, "folder "+id.String())
		}
		subtree := `SELECT id FROM folders WHERE portal = ? AND archived = FALSE AND (id = ? OR substr(path, 1, ?) = ?)`
		args := []any{int64(portal), int64(id), chars(f.Path) + 1, f.Path + "/"}
		if s.d.LockRows != "" {
			// Files are inserted without the portal lock, under a
			// shared lock of their folder's row (insertFreeName): wait
			// for those inserts to end, and make later ones find the
			// folder archived. What follows reads after the wait.
			if _, err := tx.exec(ctx, subtree+s.d.LockRows, args...); err != nil {
				return ferry.Wrap(err, "lock folders")
			}
		}
		emit, err := tx.archiveEvents(ctx, subtree, args, at)
		if err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE files SET archived = TRUE, archived_at = ?, updated_at = ?
			WHERE portal = ? AND archived = FALSE AND folder_id IN (`+subtree+`)`, append([]any{ms(at), ms(at), int64(portal)}, args...)...)
		if err != nil {
			return ferry.Wrap(err, "archive files")
		}
		files, _ := res.RowsAffected()
		n = int(files)
		_, err = tx.exec(ctx, `UPDATE folders SET archived = TRUE, archived_at = ?, updated_at = ?
			WHERE portal = ? AND archived = FALSE AND (id = ? OR substr(path, 1, ?) = ?)`, append([]any{ms(at), ms(at)}, args...)...)
		if err != nil {
			return ferry.Wrap(err, "archive folders")
		}
		return emit()
	})
	return n, err
}

// archiveEvents snapshots the folders and files that archiving a subtree
// is about to archive, and returns a function that emits their events
// once it has.
func (s *Store) archiveEvents(ctx context.Context, subtree string, args []any, at time.Time) (func() error, error) {
	rows, err := s.query(ctx, `SELECT `+folderColumns+` FROM folders WHERE id IN (`+subtree+`) ORDER BY path`, args...)
	if err != nil {
		return nil, ferry.Wrap(err, "list archived folders")
	}
	folders, err := collect(rows, scanFolder)
	if err != nil {
		return nil, err
	}
	rows, err = s.query(ctx, fileSelect+` WHERE f.portal = ? AND f.archived = FALSE AND f.folder_id IN (`+subtree+`) ORDER BY f.id`,
		append([]any{args[0]}, args...)...)
	if err != nil {
		return nil, ferry.Wrap(err, "list archived files")
	}
	files, err := collect(rows, scanFile)
	if err != nil {
		return nil, err
	}
	at = at.UTC().Truncate(time.Millisecond)
	return func() error {
		for _, f := range files {
			f.Archived, f.ArchivedAt, f.UpdatedAt = true, at, at
			if err := s.emitFile(ctx, ferry.EventFileArchived, f); err != nil {
				return err
			}
		}
		for _, f := range folders {
			f.Archived, f.ArchivedAt, f.UpdatedAt = true, at, at
			if err := s.emitFolder(ctx, ferry.EventFolderArchived, f); err != nil {
				return err
			}
		}
		return nil
	}, nil
}

// notFoundOr returns err, or NotFound when err is nil (the root folder,
// which cannot be moved or archived).
func notFoundOr(err error, what string) error {
	if err != nil {
		return err
	}
	return ferry.Errorf(ferry.NotFound, "%s not found", what)
}

// chars counts characters, as SQL's substr does, not bytes.
func chars(s string) int { return utf8.RuneCountInString(s) }

// fold is the form of a name that case-insensitive search compares: SQLite's
// LOWER only knows ASCII, so the store keeps a folded copy itself.
func fold(name string) string { return strings.ToLower(name) }
