package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"

	"github.com/riverqueue/river/riverdriver/riversqlite"

	"ferry/internal/ferry"
	"ferry/internal/fetch"
	"ferry/internal/importer"
	"ferry/internal/sqlite"
)

// workerPool is an importer's lifecycle.
type workerPool interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
}

// importService is what serve needs of an importer, whatever its database.
type importService interface {
	ferry.ImportService
	ferry.FolderTaskService
	workerPool
}

// backend is an opened database: the store, a constructor for the
// importer on the same database's queue, and how to close it.
type backend struct {
	store       ferry.Store
	newImporter func(content ferry.ContentStore, fetcher *fetch.Fetcher, cfg importer.Config) (importService, error)
	close       func()
}

// openBackend opens and migrates the database that sf names. The embedded
// SQLite database also takes a lock on the data directory, so that two
// servers never share it.
func openBackend(ctx context.Context, sf storeFlags, log *slog.Logger) (*backend, error) {
	path, err := sf.sqlitePath()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(sf.dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	unlock, err := lockDataDir(sf.dataDir)
	if err != nil {
		return nil, err
	}
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		unlock()
		return nil, err
	}
	store := sqlite.NewStore(db)
	driver := riversqlite.New(db)
	if err := importer.Migrate(ctx, driver); err != nil {
		db.Close()
		unlock()
		return nil, err
	}
	return &backend{
		store: store,
		newImporter: func(content ferry.ContentStore, fetcher *fetch.Fetcher, cfg importer.Config) (importService, error) {
			return importer.New[*sql.Tx](driver, store, store, content, fetcher, log, cfg)
		},
		close: func() { db.Close(); unlock() },
	}, nil
}
