package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync/atomic"
)

// The server caches the tokens it has read (ferry.TokenCache), and
// "ferry token create|revoke" write the database from another process. A
// file beside the database tells the server of every such write without
// any SQL: each committed write of the tokens table appends one byte to
// it, and the server stats it once per request. Within one file (one
// inode) the size only grows, so any write changes what a stat shows.

// SignalSuffix names the signal file: the database's path plus this.
const SignalSuffix = ".tokens-changed"

// signalTokens tells watchers of the database at dbPath that its tokens
// have changed: it appends a byte to the signal file, creating it if
// needed. If that fails it removes the file, so that watchers stop
// caching (a watcher makes a new file, which counts as a change).
func signalTokens(dbPath string) error {
	path := dbPath + SignalSuffix
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err == nil {
		_, err = f.Write([]byte{'\n'})
		err = errors.Join(err, f.Close())
	}
	if err == nil {
		return nil
	}
	if rerr := os.Remove(path); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
		return fmt.Errorf("signal token change in %s: %w", path, errors.Join(err, rerr))
	}
	return nil
}

// databaseFile returns the file of db's main database, "" for one in
// memory.
func databaseFile(db *sql.DB) (string, error) {
	var file string
	err := db.QueryRowContext(context.Background(), `SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&file)
	if err != nil {
		return "", fmt.Errorf("find the database file: %w", err)
	}
	return file, nil
}

// TokenWatcher is the ferry.TokenWatcher of a database file: it sees the
// writes of every process through the signal file.
type TokenWatcher struct {
	path  string // the signal file
	state atomic.Pointer[signalState]
}

// signalState is what the watcher last saw of the signal file (fi nil:
// it could not be stat'ed) and the version that goes with it.
type signalState struct {
	fi      fs.FileInfo
	version uint64
}

// WatchTokens returns a watcher of the tokens of a database that Open
// returned, creating the signal file if needed. The file is named as
// SQLite names the database (PRAGMA database_list), as writers name it,
// so that a database reached through a link has one signal file.
func WatchTokens(db *sql.DB) (*TokenWatcher, error) {
	dbPath, err := databaseFile(db)
	if err != nil {
		return nil, err
	}
	if dbPath == "" {
		return nil, errors.New("an in-memory database has no signal file")
	}
	w := &TokenWatcher{path: dbPath + SignalSuffix}
	w.state.Store(&signalState{})
	if _, ok := w.TokensVersion(); !ok {
		return nil, fmt.Errorf("cannot create or read %s", w.path)
	}
	return w, nil
}

// TokensVersion implements ferry.TokenWatcher with one stat of the
// signal file. A file that is missing is made again; until that works,
// ok is false.
func (w *TokenWatcher) TokensVersion() (uint64, bool) {
	fi, err := os.Stat(w.path)
	if err != nil {
		if f, cerr := os.OpenFile(w.path, os.O_WRONLY|os.O_CREATE, 0o600); cerr == nil {
			f.Close()
			fi, err = os.Stat(w.path)
		}
	}
	if err != nil {
		w.observe(nil)
		return 0, false
	}
	return w.observe(fi), true
}

// observe returns the version of the file as fi shows it, a new one if it
// differs from what was seen last. Versions only grow: two requests that
// race here with different views each move it on, which only empties the
// cache once more.
func (w *TokenWatcher) observe(fi fs.FileInfo) uint64 {
	for {
		cur := w.state.Load()
		if sameSignal(cur.fi, fi) {
			return cur.version
		}
		next := &signalState{fi: fi, version: cur.version + 1}
		if w.state.CompareAndSwap(cur, next) {
			return next.version
		}
	}
}

func sameSignal(a, b fs.FileInfo) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}
