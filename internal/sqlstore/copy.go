package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"ferry/internal/ferry"
)

// tables are Ferry's tables, in the order CopyFrom copies them. River's
// tables are not among them: its jobs belong to the queue of the database
// they were written in, and so do webhook deliveries, which are its jobs'
// records.
var tables = []string{"tokens", "folders", "files", "tasks", "task_events", "settings", "event_counters", "events", "webhooks"}

// dataTables are the tables whose rows make a database "used": one that a
// copy must not be written into.
var dataTables = []string{"tokens", "folders", "files", "tasks"}

// idTables are the tables whose ids the database hands out.
var idTables = []string{"folders", "files"}

// TableCount is how many rows a table holds or a copy wrote.
type TableCount struct {
	Table string
	Rows  int64
}

// UsedTables returns the tables among tokens, folders, files and tasks
// that hold rows, with their counts; none if the database holds no Ferry
// data (settings alone, such as a signing key, do not count).
func (s *Store) UsedTables(ctx context.Context) ([]TableCount, error) {
	var used []TableCount
	for _, table := range dataTables {
		var n int64
		if err := s.queryRow(ctx, `SELECT count(*) FROM `+quoteIdent(table)).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s: %w", table, err)
		}
		if n > 0 {
			used = append(used, TableCount{table, n})
		}
	}
	return used, nil
}

// ErrUsed is CopyFrom's error when the destination holds Ferry data.
var ErrUsed = errors.New("the destination database already holds Ferry data")

// CopyFrom copies every row of Ferry's tables from src into s with their
// ids, in one transaction on s that also runs then (given the transaction
// and a Store bound to it) before it commits. Afterwards s hands out
// folder and file ids above every id src has ever handed out, so that no
// id is reused, not even one of a row deleted since.
//
// The two databases may be of different kinds (SQLite and PostgreSQL):
// the column lists come from src, must be the same in s, and values are
// converted to the destination's column types where the drivers differ
// (booleans that SQLite stores as integers, BLOB and BYTEA). s must hold
// no tokens, folders, files or tasks (ErrUsed); settings in s, if any,
// are replaced by src's, so that the signing key moves with the files.
// src is read in one transaction too, so the copy is a snapshot.
func (s *Store) CopyFrom(ctx context.Context, src *Store, then func(tx *sql.Tx, st *Store) error) ([]TableCount, error) {
	if s.tx != nil || src.tx != nil {
		return nil, errors.New("sqlstore: CopyFrom runs its own transactions")
	}
	if err := src.numberAllEvents(ctx); err != nil { // the outbox is not copied
		return nil, err
	}
	stx, err := src.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin on source: %w", err)
	}
	defer stx.Rollback()
	from := &Store{db: src.db, q: stx, tx: stx, d: src.d, clock: src.clock}

	var counts []TableCount
	err = s.InTx(ctx, func(tx *sql.Tx, st ferry.Store) error {
		to := &Store{db: s.db, q: tx, tx: tx, d: s.d, clock: s.clock}
		if err := st.(*Store).tokensWritten(ctx); err != nil { // the tokens copied
			return err
		}
		used, err := to.UsedTables(ctx)
		if err != nil {
			return err
		}
		if len(used) > 0 {
			return fmt.Errorf("%w (%s)", ErrUsed, describe(used))
		}
		if _, err := to.exec(ctx, `DELETE FROM settings`); err != nil {
			return fmt.Errorf("clear settings: %w", err)
		}
		for _, table := range tables {
			n, err := copyTable(ctx, from, to, table)
			if err != nil {
				return fmt.Errorf("copy %s: %w", table, err)
			}
			counts = append(counts, TableCount{table, n})
		}
		for _, table := range idTables {
			if err := moveIDs(ctx, from, to, table); err != nil {
				return fmt.Errorf("move the id sequence of %s: %w", table, err)
			}
		}
		if then != nil {
			return then(tx, to)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return counts, nil
}

// describe lists table counts as "tokens: 2, files: 5".
func describe(counts []TableCount) string {
	parts := make([]string, len(counts))
	for i, c := range counts {
		parts[i] = fmt.Sprintf("%s: %d", c.Table, c.Rows)
	}
	return strings.Join(parts, ", ")
}

// columnTypes returns the columns of table and their database type names,
// upper case, as the store's driver reports them.
func columnTypes(ctx context.Context, st *Store, table string) ([]string, map[string]string, error) {
	rows, err := st.query(ctx, `SELECT * FROM `+quoteIdent(table)+` LIMIT 0`)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		return nil, nil, err
	}
	names := make([]string, len(cts))
	types := make(map[string]string, len(cts))
	for i, ct := range cts {
		names[i] = ct.Name()
		types[ct.Name()] = strings.ToUpper(ct.DatabaseTypeName())
	}
	return names, types, rows.Err()
}

// maxParams bounds the placeholders of one INSERT, below SQLite's oldest
// limit (999) and far below PostgreSQL's (65535).
const maxParams = 900

// copyTable copies every row of table from src to dst, several rows per
// INSERT, and returns how many it copied.
func copyTable(ctx context.Context, src, dst *Store, table string) (int64, error) {
	cols, _, err := columnTypes(ctx, src, table)
	if err != nil {
		return 0, fmt.Errorf("read source columns: %w", err)
	}
	dstCols, dstTypes, err := columnTypes(ctx, dst, table)
	if err != nil {
		return 0, fmt.Errorf("read destination columns: %w", err)
	}
	if a, b := slices.Sorted(slices.Values(cols)), slices.Sorted(slices.Values(dstCols)); !slices.Equal(a, b) {
		return 0, fmt.Errorf("the source has columns %v and the destination %v: are both at the same schema version?", a, b)
	}
	list := columnList(cols)
	rows, err := src.query(ctx, `SELECT `+list+` FROM `+quoteIdent(table))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	ins := newBatchInsert(dst, table, cols)
	vals, ptrs := make([]any, len(cols)), make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return ins.rows, err
		}
		for i, c := range cols {
			v, err := convert(vals[i], dstTypes[c])
			if err != nil {
				return ins.rows, fmt.Errorf("column %s: %w", c, err)
			}
			vals[i] = v
		}
		if err := ins.add(ctx, vals); err != nil {
			return ins.rows, err
		}
	}
	if err := rows.Err(); err != nil {
		return ins.rows, err
	}
	return ins.rows, ins.flush(ctx)
}

// columnList returns cols quoted and comma-separated.
func columnList(cols []string) string {
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = quoteIdent(c)
	}
	return strings.Join(quoted, ", ")
}

// batchInsert inserts rows into a table several at a time.
type batchInsert struct {
	st          *Store
	table, list string
	tuple       string
	ncols       int
	batch       []any
	rows        int64 // rows inserted so far
}

func newBatchInsert(st *Store, table string, cols []string) *batchInsert {
	per := max(1, maxParams/len(cols))
	return &batchInsert{st: st, table: table, list: columnList(cols), ncols: len(cols),
		tuple: "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")",
		batch: make([]any, 0, per*len(cols))}
}

// add queues one row (its values are copied), inserting when a batch is full.
func (b *batchInsert) add(ctx context.Context, vals []any) error {
	b.batch = append(b.batch, vals...)
	if len(b.batch) == cap(b.batch) {
		return b.flush(ctx)
	}
	return nil
}

// flush inserts the queued rows.
func (b *batchInsert) flush(ctx context.Context) error {
	n := len(b.batch) / b.ncols
	if n == 0 {
		return nil
	}
	q := `INSERT INTO ` + quoteIdent(b.table) + ` (` + b.list + `) VALUES ` +
		strings.TrimSuffix(strings.Repeat(b.tuple+", ", n), ", ")
	if _, err := b.st.exec(ctx, q, b.batch...); err != nil {
		return err
	}
	b.rows += int64(n)
	b.batch = b.batch[:0]
	return nil
}

// convert turns a value read from one driver into what the destination
// column of type dstType takes: SQLite reads its BOOLEAN columns back as
// integers, which PostgreSQL's boolean refuses, and either side may read
// bytes as a string or a string as bytes.
func convert(v any, dstType string) (any, error) {
	switch dstType {
	case "BOOL", "BOOLEAN":
		switch x := v.(type) {
		case int64:
			if x != 0 && x != 1 {
				return nil, fmt.Errorf("%d is not a boolean", x)
			}
			return x == 1, nil
		case bool, nil:
			return x, nil
		}
		return nil, fmt.Errorf("%T is not a boolean", v)
	case "BYTEA", "BLOB":
		if x, ok := v.(string); ok {
			return []byte(x), nil
		}
	case "TEXT", "VARCHAR":
		if x, ok := v.([]byte); ok {
			return string(x), nil
		}
	default:
		if x, ok := v.(bool); ok { // a boolean into an integer column
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		}
	}
	return v, nil
}

// moveIDs makes dst hand out ids of table above the highest id that src
// has handed out.
func moveIDs(ctx context.Context, src, dst *Store, table string) error {
	var last int64
	if err := src.queryRow(ctx, `SELECT coalesce(max(id), 0) FROM `+quoteIdent(table)).Scan(&last); err != nil {
		return err
	}
	if src.d.LastID != nil {
		n, err := src.d.LastID(ctx, src.tx, table)
		if err != nil {
			return err
		}
		last = max(last, n)
	}
	if last == 0 || dst.d.SetLastID == nil {
		return nil
	}
	return dst.d.SetLastID(ctx, dst.tx, table, last)
}

// quoteIdent quotes an SQL identifier, in the standard way that SQLite and
// PostgreSQL share.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// SetTaskJob records that job now works task id: the job that
// tasks.Requeue enqueued for it in another database's queue.
func (s *Store) SetTaskJob(ctx context.Context, id ferry.TaskID, job int64) error {
	res, err := s.exec(ctx, `UPDATE tasks SET job_id = ? WHERE id = ?`, job, string(id))
	if err != nil {
		return ferry.Wrap(err, "set task job")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ferry.Errorf(ferry.NotFound, "task not found")
	}
	return nil
}
