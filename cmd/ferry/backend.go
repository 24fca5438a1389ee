package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"

	"ferry/internal/ferry"
	"ferry/internal/fetch"
	"ferry/internal/postgres"
	"ferry/internal/sqlite"
	"ferry/internal/sqlstore"
	"ferry/internal/tasks"
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
	ferry.TaskService
	ferry.WebhookService
	workerPool
	RunMaintenance(ctx context.Context) error
}

// backend is an opened database: the store, a constructor for the
// importer on the same database's queue, and how to close it. sql and
// river are the same store and queue for "ferry migrate-data".
type backend struct {
	store       ferry.Store
	sql         *sqlstore.Store
	river       riverdriver.Driver[*sql.Tx]
	newImporter func(content ferry.ContentStore, fetcher *fetch.Fetcher, cfg tasks.Config) (importService, error)
	// holdSchema, on PostgreSQL only, takes an advisory lock in the
	// namespace space on the schema the server works in, held until
	// close (see postgres.HoldSchemaLock). SQLite needs none: its server
	// locks the data directory and the database.
	holdSchema func(ctx context.Context, space int32) (schema string, err error)
	// watchTokens starts what tells the server's token cache of every
	// write of the tokens table, by any process, until ctx ends.
	watchTokens func(ctx context.Context) (ferry.TokenWatcher, error)
	close       func()
}

// openBackend opens and migrates the database that sf names, for a server.
// The embedded SQLite database also takes a lock on the data directory, so
// that two servers never share it; PostgreSQL is meant to be shared.
func openBackend(ctx context.Context, sf storeFlags, log *slog.Logger) (*backend, error) {
	return openDatabase(ctx, sf, log, true)
}

// openShared opens and migrates the database like openBackend, but never
// locks the data directory, so that commands such as "ferry token create"
// and "ferry migrate" work while a server runs.
func openShared(ctx context.Context, sf storeFlags, log *slog.Logger) (*backend, error) {
	return openDatabase(ctx, sf, log, false)
}

func openDatabase(ctx context.Context, sf storeFlags, log *slog.Logger, lock bool) (*backend, error) {
	if url, ok := sf.postgresURL(); ok {
		return openPostgres(ctx, url, log)
	}
	return openSQLite(ctx, sf, log, lock)
}

// openPostgres opens a PostgreSQL database through database/sql, with
// River on the riverdatabasesql driver, so that the store and the queue
// share *sql.Tx: a task and its job are written in one transaction. River
// listens for its notifications on a small pgx pool of its own.
func openPostgres(ctx context.Context, url string, log *slog.Logger) (*backend, error) {
	db, err := postgres.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	listen, err := postgres.OpenListenerPool(ctx, url)
	if err != nil {
		db.Close()
		return nil, err
	}
	driver := riverdatabasesql.NewWithPgxListener(db, listen)
	err = postgres.Migrate(ctx, db, func(ctx context.Context) error { return tasks.Migrate(ctx, driver) })
	if err != nil {
		listen.Close()
		db.Close()
		return nil, err
	}
	store := postgres.NewStore(db)
	var held []func() // the locks holdSchema took
	return &backend{
		store: store, sql: store, river: driver,
		newImporter: func(content ferry.ContentStore, fetcher *fetch.Fetcher, cfg tasks.Config) (importService, error) {
			return newEngine(driver, store, content, fetcher, log, cfg)
		},
		holdSchema: func(ctx context.Context, space int32) (string, error) {
			schema, release, err := postgres.HoldSchemaLock(ctx, db, space)
			if err == nil {
				held = append(held, release)
			}
			return schema, err
		},
		watchTokens: func(ctx context.Context) (ferry.TokenWatcher, error) {
			return postgres.ListenTokens(ctx, url, log)
		},
		close: func() {
			for _, release := range held {
				release()
			}
			listen.Close()
			db.Close()
		},
	}, nil
}

// openSQLite opens the embedded database, locking the data directory if
// lock is set.
func openSQLite(ctx context.Context, sf storeFlags, log *slog.Logger, lock bool) (*backend, error) {
	path, err := sf.sqlitePath()
	if err != nil {
		return nil, err
	}
	// Only the server's user may read the data: it holds private content
	// and the key that signs URLs.
	if err := os.MkdirAll(sf.dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	unlock := func() {}
	if lock {
		// The data dir guards the default blobs; the database file has a
		// lock of its own, since --database may point elsewhere.
		unlockDir, err := lockDataDir(sf.dataDir)
		if err != nil {
			return nil, err
		}
		unlockDB, err := lockFile(path+".lock", "database "+path)
		if err != nil {
			unlockDir()
			return nil, err
		}
		unlock = func() { unlockDB(); unlockDir() }
	}
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		unlock()
		return nil, err
	}
	store := sqlite.NewStore(db)
	closeDB := func() { db.Close() }
	if lock {
		// A server's plain reads get connections of their own, so that
		// they never queue behind writers waiting for the write lock. And
		// the lock makes this process the database's only writer of tasks,
		// files and folders, so a change count kept by its connections
		// tells when a cached task status or file path has gone stale.
		reader, err := sqlite.OpenReader(ctx, path)
		if err != nil {
			db.Close()
			unlock()
			return nil, err
		}
		store.SetReader(reader)
		store.CacheReads(sqlite.ChangesOf(db).Version)
		closeDB = func() { reader.Close(); db.Close() }
	}
	driver := tasks.NewSQLiteDriver(db)
	sqlite.ChangesOf(db).OnJobsCommitted(driver.Wake)
	if err := tasks.Migrate(ctx, driver); err != nil {
		closeDB()
		unlock()
		return nil, err
	}
	return &backend{
		store: store, sql: store, river: driver,
		newImporter: func(content ferry.ContentStore, fetcher *fetch.Fetcher, cfg tasks.Config) (importService, error) {
			cfg.Exclusive = lock // the lock proves that no other server works these jobs
			return newEngine(driver, store, content, fetcher, log, cfg)
		},
		watchTokens: func(context.Context) (ferry.TokenWatcher, error) {
			return sqlite.WatchTokens(db)
		},
		close: func() { closeDB(); unlock() },
	}, nil
}

// newEngine starts the task engine on a store and its queue, and makes the
// store enqueue each webhook delivery in the transaction that records it.
func newEngine(driver riverdriver.Driver[*sql.Tx], store *sqlstore.Store, content ferry.ContentStore, fetcher *fetch.Fetcher,
	log *slog.Logger, cfg tasks.Config) (importService, error) {
	e, err := tasks.New(driver, store, content, fetcher, log, cfg)
	if err != nil {
		return nil, err
	}
	store.SetDeliveryHook(e.EnqueueDeliveries)
	return e, nil
}
