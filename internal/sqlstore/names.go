package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"ferry/internal/ferry"
)

// nameMigration is the version under which normalizeNames is recorded.
const nameMigration = "0014_nfc_names"

// cleanStoredName applies today's name rule to a name stored before it:
// NFC, and no invisible format characters (stripped, since a stored name
// cannot be refused).
func cleanStoredName(s string) string {
	return ferry.NormalizeName(ferry.StripInvisible(s))
}

// normalizeNames brings the names and paths stored before the name rule
// under it. Where two live names become one, the one changed takes its id
// as a suffix, so that nothing is lost or merged.
func normalizeNames(ctx context.Context, tx *sql.Tx, d Dialect) error {
	if err := normalizeFolderNames(ctx, tx, d); err != nil {
		return err
	}
	return normalizeFileNames(ctx, tx, d)
}

type folderRow struct {
	id, portal, parent int64
	name, path         string
	archived           bool
	changed            bool
}

func normalizeFolderNames(ctx context.Context, tx *sql.Tx, d Dialect) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, portal, parent_id, name, path, archived FROM folders`)
	if err != nil {
		return err
	}
	var all []folderRow
	for rows.Next() {
		var f folderRow
		if err := rows.Scan(&f.id, &f.portal, &f.parent, &f.name, &f.path, &f.archived); err != nil {
			rows.Close()
			return err
		}
		f.changed = cleanStoredName(f.path) != f.path
		all = append(all, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	// Parents before children; at each depth, the names that stay claim
	// their paths before the changed ones are given theirs.
	slices.SortFunc(all, func(a, b folderRow) int {
		return cmp.Or(cmp.Compare(strings.Count(a.path, "/"), strings.Count(b.path, "/")),
			boolOrder(a.changed, b.changed), cmp.Compare(a.id, b.id))
	})
	newPath := map[int64]string{}
	taken := map[string]bool{}
	for _, f := range all {
		name := cleanStoredName(f.name)
		if name == "" {
			name = fmt.Sprintf("folder-%d", f.id)
		}
		p := newPath[f.parent] + "/" + name
		key := fmt.Sprint(f.portal, p)
		if !f.archived && taken[key] && (name != f.name || p != f.path) {
			name = fmt.Sprintf("%s-%d", name, f.id)
			p, key = newPath[f.parent]+"/"+name, fmt.Sprint(f.portal, newPath[f.parent]+"/"+name)
		}
		if !f.archived {
			taken[key] = true
		}
		newPath[f.id] = p
		if name == f.name && p == f.path {
			continue
		}
		if _, err := tx.ExecContext(ctx, rebind(d, `UPDATE folders SET name = ?, name_fold = ?, path = ? WHERE id = ?`),
			name, fold(name), p, f.id); err != nil {
			return fmt.Errorf("folder %d: %w", f.id, err)
		}
	}
	return nil
}

func boolOrder(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

func normalizeFileNames(ctx context.Context, tx *sql.Tx, d Dialect) error {
	type fileRow struct {
		id, portal, folder int64
		name, ext          string
		archived           bool
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, portal, folder_id, name, extension, archived FROM files`)
	if err != nil {
		return err
	}
	var changed []fileRow
	for rows.Next() {
		var f fileRow
		if err := rows.Scan(&f.id, &f.portal, &f.folder, &f.name, &f.ext, &f.archived); err != nil {
			rows.Close()
			return err
		}
		if cleanStoredName(f.name) != f.name || cleanStoredName(f.ext) != f.ext {
			changed = append(changed, f)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, f := range changed {
		name, ext := cleanStoredName(f.name), cleanStoredName(f.ext)
		if name == "" {
			name = fmt.Sprintf("file-%d", f.id)
		}
		if !f.archived {
			var n int
			err := tx.QueryRowContext(ctx, rebind(d, `SELECT count(*) FROM files WHERE portal = ? AND folder_id = ? AND name = ?
				AND extension = ? AND archived = FALSE AND id <> ?`), f.portal, f.folder, name, ext, f.id).Scan(&n)
			if err != nil {
				return err
			}
			if n > 0 {
				name = fmt.Sprintf("%s-%d", name, f.id)
			}
		}
		if _, err := tx.ExecContext(ctx, rebind(d, `UPDATE files SET name = ?, name_fold = ?, extension = ? WHERE id = ?`),
			name, fold(name), ext, f.id); err != nil {
			return fmt.Errorf("file %d: %w", f.id, err)
		}
	}
	return nil
}
