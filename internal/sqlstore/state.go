package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"ferry/internal/ferry"
)

// StateTables hold what the emulator resets and snapshots: everything a
// portal has made through the API, and the events that tell of it. Tokens,
// settings (the signing key) and webhook subscriptions, which configure
// the emulator rather than record what it did, are not among them; nor are
// webhook deliveries, whose work lives in the queue (a delivery of a
// cleared event ends FAILED). Keep every other table with a portal column
// that the API writes here, so that a reset leaves nothing behind.
var StateTables = []string{"folders", "files", "tasks", "task_events", "events", "event_counters"}

// ClearState deletes the rows of every state table, of one portal or, for
// portal 0, of all, in one transaction.
func (s *Store) ClearState(ctx context.Context, portal ferry.PortalID) error {
	return s.InTx(ctx, func(_ *sql.Tx, st ferry.Store) error {
		return st.(*Store).clearState(ctx, portal)
	})
}

func (s *Store) clearState(ctx context.Context, portal ferry.PortalID) error {
	tables := StateTables
	if s.d.NumberEvents != "" {
		tables = append(tables[:len(tables):len(tables)], "event_outbox") // events not numbered yet
	}
	for _, table := range tables {
		q, args := `DELETE FROM `+quoteIdent(table), []any(nil)
		if portal != 0 {
			q, args = q+` WHERE portal = ?`, []any{int64(portal)}
		}
		if _, err := s.exec(ctx, q, args...); err != nil {
			return fmt.Errorf("clear %s: %w", table, err)
		}
	}
	return nil
}

// State is a copy of every row of the state tables.
type State struct {
	tables []tableRows
}

type tableRows struct {
	name string
	cols []string
	rows [][]any
}

// BlobKeys returns the blob key of every file in the state.
func (st *State) BlobKeys() []string {
	var keys []string
	for _, t := range st.tables {
		if t.name != "files" {
			continue
		}
		col := -1
		for i, c := range t.cols {
			if c == "blob_key" {
				col = i
			}
		}
		for _, r := range t.rows {
			switch k := r[col].(type) {
			case string:
				keys = append(keys, k)
			case []byte:
				keys = append(keys, string(k))
			}
		}
	}
	return keys
}

// SaveState copies every row of the state tables, read in one transaction.
func (s *Store) SaveState(ctx context.Context) (*State, error) {
	if err := s.numberAllEvents(ctx); err != nil { // the outbox is not saved
		return nil, err
	}
	out := &State{}
	err := s.InTx(ctx, func(_ *sql.Tx, fst ferry.Store) error {
		st := fst.(*Store)
		for _, table := range StateTables {
			t, err := st.readTable(ctx, table)
			if err != nil {
				return fmt.Errorf("save %s: %w", table, err)
			}
			out.tables = append(out.tables, t)
		}
		return nil
	})
	return out, err
}

func (s *Store) readTable(ctx context.Context, table string) (tableRows, error) {
	cols, _, err := columnTypes(ctx, s, table)
	if err != nil {
		return tableRows{}, err
	}
	rows, err := s.query(ctx, `SELECT `+columnList(cols)+` FROM `+quoteIdent(table))
	if err != nil {
		return tableRows{}, err
	}
	defer rows.Close()
	t := tableRows{name: table, cols: cols}
	for rows.Next() {
		vals, ptrs := make([]any, len(cols)), make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return t, err
		}
		t.rows = append(t.rows, vals)
	}
	return t, rows.Err()
}

// RestoreState replaces every row of the state tables, of every portal,
// with the saved ones, in one transaction.
func (s *Store) RestoreState(ctx context.Context, saved *State) error {
	return s.InTx(ctx, func(_ *sql.Tx, fst ferry.Store) error {
		st := fst.(*Store)
		if err := st.clearState(ctx, 0); err != nil {
			return err
		}
		for _, t := range saved.tables {
			ins := newBatchInsert(st, t.name, t.cols)
			for _, r := range t.rows {
				if err := ins.add(ctx, r); err != nil {
					return fmt.Errorf("restore %s: %w", t.name, err)
				}
			}
			if err := ins.flush(ctx); err != nil {
				return fmt.Errorf("restore %s: %w", t.name, err)
			}
		}
		return nil
	})
}

// StateEmpty reports whether no portal has any folder or file.
func (s *Store) StateEmpty(ctx context.Context) (bool, error) {
	var n int64
	err := s.queryRow(ctx, `SELECT (SELECT count(*) FROM folders) + (SELECT count(*) FROM files)`).Scan(&n)
	return n == 0, err
}
