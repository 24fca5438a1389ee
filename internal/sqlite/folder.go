package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path"
	"strings"

	"ferry/internal/ferry"
)

const folderColumns = `id, portal, parent_id, name, path, archived, archived_at, created_at, updated_at`

func scanFolder(row interface{ Scan(...any) error }) (ferry.Folder, error) {
	var (
		f                            ferry.Folder
		id, portal, parent           int64
		archivedAt, created, updated int64
		archived                     bool
	)
	if err := row.Scan(&id, &portal, &parent, &f.Name, &f.Path, &archived, &archivedAt, &created, &updated); err != nil {
		return ferry.Folder{}, err
	}
	f.ID, f.Portal, f.ParentID = ferry.FolderID(id), ferry.PortalID(portal), ferry.FolderID(parent)
	f.Archived, f.ArchivedAt = archived, fromMS(archivedAt)
	f.CreatedAt, f.UpdatedAt = fromMS(created), fromMS(updated)
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
	row := s.q.QueryRowContext(ctx, `SELECT `+folderColumns+` FROM folders WHERE portal = ? AND id = ? AND archived = 0`, int64(portal), int64(id))
	f, err := scanFolder(row)
	if err != nil {
		return ferry.Folder{}, notFound(err, "folder "+id.String())
	}
	return f, nil
}

// EnsureFolder implements ferry.Store.
func (s *Store) EnsureFolder(ctx context.Context, portal ferry.PortalID, p string) (ferry.Folder, error) {
	clean, ok := ferry.CleanFolderPath(p)
	if !ok {
		return ferry.Folder{}, ferry.Invalidf("folderPath", "folder path %q is not valid", p)
	}
	var out ferry.Folder
	err := s.Atomic(ctx, func(st ferry.Store) error {
		var err error
		out, err = st.(*Store).ensureFolder(ctx, portal, clean)
		return err
	})
	return out, err
}

func (s *Store) ensureFolder(ctx context.Context, portal ferry.PortalID, clean string) (ferry.Folder, error) {
	cur := rootFolder(portal)
	if clean == "/" {
		return cur, nil
	}
	for _, name := range strings.Split(strings.TrimPrefix(clean, "/"), "/") {
		p := path.Join(cur.Path, name)
		row := s.q.QueryRowContext(ctx, `SELECT `+folderColumns+` FROM folders WHERE portal = ? AND path = ? AND archived = 0`, int64(portal), p)
		f, err := scanFolder(row)
		switch {
		case err == nil:
			cur = f
			continue
		case !errors.Is(err, sql.ErrNoRows):
			return ferry.Folder{}, ferry.Wrap(err, "find folder")
		}
		now := s.now().UTC().Truncate(1e6)
		res, err := s.q.ExecContext(ctx, `INSERT INTO folders (portal, parent_id, name, path, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
			int64(portal), int64(cur.ID), name, p, ms(now), ms(now))
		if err != nil {
			return ferry.Folder{}, ferry.Wrap(err, "create folder")
		}
		id, _ := res.LastInsertId()
		cur = ferry.Folder{ID: ferry.FolderID(id), Portal: portal, ParentID: cur.ID, Name: name, Path: p, CreatedAt: now, UpdatedAt: now}
	}
	return cur, nil
}
