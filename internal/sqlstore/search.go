package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"ferry/internal/ferry"
)

// where builds a conjunction of conditions with "?" arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) sql() string { return strings.Join(w.conds, " AND ") }

// in adds "col IN (...)" for a non-empty list.
func in[T ~int64](w *where, col string, ids []T) {
	if len(ids) == 0 {
		return
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = int64(id)
	}
	w.add(col+" IN ("+marks+")", args...)
}

// between adds the bounds of r on col, converting values with conv.
func between[T any](w *where, col string, r ferry.Range[T], conv func(T) any) {
	if r.Eq != nil {
		w.add(col+" = ?", conv(*r.Eq))
	}
	if r.Gte != nil {
		w.add(col+" >= ?", conv(*r.Gte))
	}
	if r.Lte != nil {
		w.add(col+" <= ?", conv(*r.Lte))
	}
}

func asInt[T ~int64 | ~int](v T) any { return int64(v) }
func asMS(t time.Time) any           { return ms(t) }

// contains matches a substring of a folded (lower-case) column, with
// LIKE's wildcards escaped.
func contains(w *where, col, s string) {
	if s == "" {
		return
	}
	esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(fold(s))
	w.add(col+` LIKE ? ESCAPE '\'`, "%"+esc+"%")
}

// nameIndexFew is how many matches in the whole name index still make a
// term rare enough to search through the index.
const nameIndexFew = 200

// indexedContains is contains, narrowed through the dialect's substring
// index when the term can use one (three characters or more, for
// trigrams, and none of LIKE's wildcards) and is rare. If the probe
// fails, the search goes on without the index: the answer is the same.
func (s *Store) indexedContains(ctx context.Context, w *where, col, term string) {
	contains(w, col, term)
	ix, t := s.d.FileNameIndex, fold(term)
	if ix == nil || utf8.RuneCountInString(t) < 3 || strings.ContainsAny(t, `%_\`) {
		return
	}
	var n int
	if err := s.queryRow(ctx, ix.Probe, "%"+t+"%", nameIndexFew).Scan(&n); err != nil || n >= nameIndexFew {
		return
	}
	w.add(ix.Cond, "%"+t+"%")
}

// orderBy turns sort keys into an ORDER BY clause over the given columns,
// always ending with the id so that paging is stable.
func orderBy(keys []ferry.SortKey, cols map[string]string, id string) (string, error) {
	var parts []string
	for _, k := range keys {
		col, ok := cols[k.Field]
		if !ok {
			return "", ferry.Invalidf("sort", "cannot sort by %q", k.Field)
		}
		dir := " ASC"
		if k.Desc {
			dir = " DESC"
		}
		parts = append(parts, col+dir)
	}
	return " ORDER BY " + strings.Join(append(parts, id+" ASC"), ", "), nil
}

// page appends LIMIT and OFFSET, asking for one row more than the page to
// learn whether more follow.
func page(p ferry.Page) (string, []any) {
	limit := p.Limit
	if limit <= 0 {
		limit = ferry.SearchLimitDefault
	}
	return " LIMIT ? OFFSET ?", []any{limit + 1, p.Offset}
}

// trim cuts a result to the page and reports whether more follow.
func trim[T any](items []T, p ferry.Page) ([]T, bool) {
	limit := p.Limit
	if limit <= 0 {
		limit = ferry.SearchLimitDefault
	}
	if len(items) > limit {
		return items[:limit], true
	}
	return items, false
}

func collect[T any](rows *sql.Rows, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, ferry.Wrap(err, "scan")
		}
		out = append(out, v)
	}
	return out, ferry.Wrap(rows.Err(), "rows")
}

// filePathExpr is a file's full path in SQL.
const filePathExpr = `(CASE WHEN f.folder_id = 0 THEN '' ELSE fo.path END || '/' || f.name ||
	CASE WHEN f.extension = '' THEN '' ELSE '.' || f.extension END)`

var fileSortColumns = map[string]string{"id": "f.id", "createdAt": "f.created_at", "updatedAt": "f.updated_at",
	"name": "f.name", "path": filePathExpr, "size": "f.size", "height": "f.height", "width": "f.width",
	"extension": "f.extension", "type": "f.type", "expiresAt": "f.expires_at"}

// SearchFiles implements ferry.Store.
func (s *Store) SearchFiles(ctx context.Context, portal ferry.PortalID, ff ferry.FileFilter) ([]ferry.File, bool, error) {
	w := &where{}
	w.add("f.portal = ?", int64(portal))
	w.add(liveFile, s.nowMS())
	w.add("f.access NOT LIKE 'HIDDEN\\_%' ESCAPE '\\'")
	in(w, "f.id", ff.IDs)
	between(w, "f.id", ff.ID, asInt)
	between(w, "f.created_at", ff.CreatedAt, asMS)
	between(w, "f.updated_at", ff.UpdatedAt, asMS)
	if ff.ExpiresAt.Set() {
		w.add("f.expires_at > 0")
		between(w, "f.expires_at", ff.ExpiresAt, asMS)
	}
	s.indexedContains(ctx, w, "f.name_fold", ff.Name)
	if ff.Path != "" {
		w.add("("+filePathExpr+" = ? OR COALESCE(fo.path, '/') = ?)", ff.Path, ff.Path)
	}
	in(w, "f.folder_id", ff.ParentFolderIDs)
	between(w, "f.size", ff.Size, asInt)
	between(w, "f.height", ff.Height, asInt)
	between(w, "f.width", ff.Width, asInt)
	// Stored values are normalised (type upper case, the others lower
	// case), so that plain equality can use the indexes.
	for col, v := range map[string]string{"f.encoding": strings.ToLower(ff.Encoding), "f.type": strings.ToUpper(ff.Type),
		"f.extension": strings.ToLower(ff.Extension), "f.md5": strings.ToLower(ff.MD5)} {
		if v != "" {
			w.add(col+" = ?", v)
		}
	}
	if ff.IsUsableInContent != nil {
		w.add("f.usable = ?", *ff.IsUsableInContent)
	}
	if ff.AllowsAnonymous != nil {
		op := "IN"
		if !*ff.AllowsAnonymous {
			op = "NOT IN"
		}
		w.add(fmt.Sprintf("f.access %s ('PUBLIC_INDEXABLE', 'PUBLIC_NOT_INDEXABLE')", op))
	}
	order, err := orderBy(ff.Sort, fileSortColumns, "f.id")
	if err != nil {
		return nil, false, err
	}
	lim, largs := page(ff.Page)
	rows, err := s.query(ctx, fileSelect+" WHERE "+w.sql()+order+lim, append(w.args, largs...)...)
	if err != nil {
		return nil, false, ferry.Wrap(err, "search files")
	}
	out, err := collect(rows, scanFile)
	if err != nil {
		return nil, false, err
	}
	out, more := trim(out, ff.Page)
	return out, more, nil
}

var folderSortColumns = map[string]string{"id": "id", "createdAt": "created_at", "updatedAt": "updated_at", "name": "name", "path": "path"}

// SearchFolders implements ferry.Store.
func (s *Store) SearchFolders(ctx context.Context, portal ferry.PortalID, ff ferry.FolderFilter) ([]ferry.Folder, bool, error) {
	w := &where{}
	w.add("portal = ?", int64(portal))
	w.add("archived = FALSE")
	in(w, "id", ff.IDs)
	between(w, "id", ff.ID, asInt)
	between(w, "created_at", ff.CreatedAt, asMS)
	between(w, "updated_at", ff.UpdatedAt, asMS)
	contains(w, "name_fold", ff.Name)
	if ff.Path != "" {
		w.add("path = ?", ff.Path)
	}
	in(w, "parent_id", ff.ParentFolderIDs)
	order, err := orderBy(ff.Sort, folderSortColumns, "id")
	if err != nil {
		return nil, false, err
	}
	lim, largs := page(ff.Page)
	rows, err := s.query(ctx, `SELECT `+folderColumns+` FROM folders WHERE `+w.sql()+order+lim, append(w.args, largs...)...)
	if err != nil {
		return nil, false, ferry.Wrap(err, "search folders")
	}
	out, err := collect(rows, scanFolder)
	if err != nil {
		return nil, false, err
	}
	out, more := trim(out, ff.Page)
	return out, more, nil
}
