package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gocloud.dev/blob"

	"ferry/internal/ferry"
	"ferry/internal/files"
	"ferry/internal/sqlite"
	"ferry/internal/sqlstore"
	"ferry/internal/tasks"
)

const migrateDataUsage = `Usage: ferry migrate-data --from-data-dir DIR [--from-database PATH] [--from-blobs URL]
                         --to-database URL --to-blobs URL [--parallel N]

Moves an embedded install (the SQLite database and the file blobs of a data
directory) to another database and blob store, typically PostgreSQL and S3:

  ferry migrate-data --from-data-dir ./ferry-data \
    --to-database 'postgres://ferry:secret@db.internal:5432/ferry' \
    --to-blobs 's3://my-ferry-bucket?region=eu-west-1'

--to-database may also be another SQLite file, and --to-blobs any blob URL
(file:///path?create_dir=1, ...). Stop "ferry serve" first: migrate-data
takes the data directory's lock, as serve does, and refuses to run while a
server holds it. It then
  1. migrates the destination database (Ferry's and River's tables) and
     refuses to go on if it already holds tokens, folders, files or tasks;
  2. copies every blob to the destination store under the same key, with
     its content type, checking each one's size; a blob that is already
     there with the same size and type (from an earlier, failed run) is
     skipped;
  3. copies tokens, folders, files, tasks and settings (the key that signs
     URLs) with their ids in one transaction, moves the destination's id
     sequences past the source's, and queues every unfinished task again
     on the destination, so that it runs once a server starts there.
The source is not changed (except that it is brought to this version's
schema, as serve would do). If the command fails, no data is committed to
the destination database (its schema is): run it again, into the same
destination or a fresh one. Progress goes to stderr, a summary to stdout.

Flags:
`

// migrateDataConfig is everything "ferry migrate-data" is told.
type migrateDataConfig struct {
	from     storeFlags
	fromBlob string
	to       storeFlags
	toBlob   string
	parallel int64
}

func loadMigrateDataConfig(args []string, getenv func(string) string, stderr io.Writer) (migrateDataConfig, error) {
	var c migrateDataConfig
	fs := flag.NewFlagSet("ferry migrate-data", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), migrateDataUsage)
		fs.PrintDefaults()
	}
	e := &envFlags{fs: fs, getenv: getenv}
	e.str(&c.from.dataDir, "from-data-dir", "", "data directory of the embedded install to move (required)")
	e.str(&c.from.database, "from-database", "", "its SQLite database, if not <from-data-dir>/ferry.db")
	e.str(&c.fromBlob, "from-blobs", "", "its blob storage URL, if not file://<from-data-dir>/blobs")
	e.str(&c.to.database, "to-database", "", "destination database: a postgres:// URL or a SQLite file path (required)")
	e.str(&c.toBlob, "to-blobs", "", "destination blob storage URL, such as s3://bucket?region=... (required)")
	e.integer(&c.parallel, "parallel", 4, "blobs copied at once")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if err := errors.Join(e.errs...); err != nil {
		return c, err
	}
	var missing []string
	for _, f := range []struct{ name, v string }{{"--from-data-dir", c.from.dataDir}, {"--to-database", c.to.database}, {"--to-blobs", c.toBlob}} {
		if f.v == "" {
			missing = append(missing, f.name)
		}
	}
	switch len(missing) {
	case 0:
	case 1:
		return c, fmt.Errorf("%s is required (see ferry migrate-data -h)", missing[0])
	default:
		return c, fmt.Errorf("%s and %s are required (see ferry migrate-data -h)",
			strings.Join(missing[:len(missing)-1], ", "), missing[len(missing)-1])
	}
	if c.parallel < 1 {
		return c, errors.New("--parallel must be at least 1")
	}
	if _, ok := c.from.postgresURL(); ok {
		return c, errors.New("--from-database: migrate-data moves an embedded install, whose database is a SQLite file")
	}
	if c.fromBlob == "" {
		abs, err := filepath.Abs(filepath.Join(c.from.dataDir, "blobs"))
		if err != nil {
			return c, err
		}
		c.fromBlob = "file://" + filepath.ToSlash(abs) + "?create_dir=1" // as serve's default
	}
	if c.fromBlob == c.toBlob {
		return c, errors.New("--to-blobs is the source's blob storage")
	}
	return c, nil
}

// runMigrateData handles "ferry migrate-data": it opens the source and
// the destination, copies the blobs, then the database, and reports.
func runMigrateData(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := loadMigrateDataConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	progress := func(format string, a ...any) { fmt.Fprintf(stderr, "migrate-data: "+format+"\n", a...) }
	src, srcPath, closeSrc, err := openMigrateSource(ctx, c.from)
	if err != nil {
		return err
	}
	defer closeSrc()
	progress("migrating the destination database")
	dst, err := openMigrateDestination(ctx, c.to, srcPath, slog.New(slog.NewTextHandler(stderr, nil)))
	if err != nil {
		return err
	}
	defer dst.close()
	// Blobs first: until the database copy commits at the end, the
	// destination database stays unused, so a failed run can be repeated.
	blobs, err := copyBlobs(ctx, c, progress)
	if err != nil {
		return err
	}
	progress("copying the database")
	counts, requeued, err := copyDatabase(ctx, dst, src)
	if err != nil {
		return err
	}
	printMigrateSummary(stdout, c.from.dataDir, counts, requeued, blobs)
	return nil
}

// openMigrateSource opens the embedded install's database, locked (its
// data directory and its file) for the whole run so that no server starts
// on it. release closes and unlocks it.
func openMigrateSource(ctx context.Context, from storeFlags) (src *sqlstore.Store, path string, release func(), err error) {
	var undo []func()
	closeAll := func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	defer func() {
		if err != nil {
			closeAll()
		}
	}()
	if fi, err := os.Stat(from.dataDir); err != nil || !fi.IsDir() {
		return nil, "", nil, fmt.Errorf("--from-data-dir %s is not a directory", from.dataDir)
	}
	unlock, err := lockDataDir(from.dataDir)
	if err != nil {
		return nil, "", nil, fmt.Errorf("%w: stop it before migrating its data", err)
	}
	undo = append(undo, unlock)
	path, err = from.sqlitePath()
	if err != nil {
		return nil, "", nil, fmt.Errorf("--from-database: %w", err)
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, "", nil, fmt.Errorf("no Ferry database at %s: is --from-data-dir (or --from-database) right?", path)
	} else if err != nil {
		return nil, "", nil, err
	}
	unlockDB, err := lockFile(path+".lock", "database "+path)
	if err != nil {
		return nil, "", nil, fmt.Errorf("%w: stop it before migrating its data", err)
	}
	undo = append(undo, unlockDB)
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, "", nil, err
	}
	undo = append(undo, func() { db.Close() })
	return sqlite.NewStore(db), path, closeAll, nil
}

// openMigrateDestination opens and migrates the destination database,
// which must not be the source and must hold no Ferry data.
func openMigrateDestination(ctx context.Context, to storeFlags, srcPath string, log *slog.Logger) (*backend, error) {
	if _, ok := to.postgresURL(); !ok {
		p, err := to.sqlitePath()
		if err != nil {
			return nil, fmt.Errorf("--to-database: %w", err)
		}
		if sameFile(p, srcPath) {
			return nil, errors.New("--to-database is the source database")
		}
		to.dataDir = filepath.Dir(p)
	}
	dst, err := openShared(ctx, to, log)
	if err != nil {
		return nil, err
	}
	if err := checkUnused(ctx, dst.sql); err != nil {
		dst.close()
		return nil, err
	}
	return dst, nil
}

// copyBlobs copies every blob of the source's storage to the
// destination's (files.CopyBucket), reporting its progress.
func copyBlobs(ctx context.Context, c migrateDataConfig, progress func(string, ...any)) (files.CopyStats, error) {
	src, err := blob.OpenBucket(ctx, c.fromBlob)
	if err != nil {
		return files.CopyStats{}, fmt.Errorf("open source blob storage: %w", err)
	}
	defer src.Close()
	dst, err := blob.OpenBucket(ctx, c.toBlob)
	if err != nil {
		return files.CopyStats{}, fmt.Errorf("open destination blob storage: %w", err)
	}
	defer dst.Close()
	return files.CopyBucket(ctx, src, dst, files.CopyOptions{
		Parallel: int(c.parallel), SkipTemp: strings.HasPrefix(c.fromBlob, "file://"), Progress: blobProgress(progress)})
}

// copyDatabase copies the source's rows into the destination in one
// transaction and queues the unfinished tasks again there. It returns the
// rows copied per table and how many tasks were queued again.
func copyDatabase(ctx context.Context, dst *backend, src *sqlstore.Store) ([]sqlstore.TableCount, int, error) {
	var requeued int
	counts, err := dst.sql.CopyFrom(ctx, src, func(tx *sql.Tx, st *sqlstore.Store) (err error) {
		requeued, err = requeueUnfinished(ctx, dst, tx, st)
		return err
	})
	if errors.Is(err, sqlstore.ErrUsed) {
		return nil, 0, fmt.Errorf("--to-database: %w, written while migrate-data ran; nothing was committed", err)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("copy the database (nothing was committed to it): %w", err)
	}
	return counts, requeued, nil
}

// requeueUnfinished gives every unfinished task a new job on the
// destination's queue, within the copy's transaction.
func requeueUnfinished(ctx context.Context, dst *backend, tx *sql.Tx, st *sqlstore.Store) (int, error) {
	unfinished, err := st.ListUnfinishedTasks(ctx, time.Now().AddDate(100, 0, 0), math.MaxInt32)
	if err != nil {
		return 0, err
	}
	jobs, err := tasks.Requeue(ctx, dst.river, tx, unfinished)
	if err != nil {
		return 0, err
	}
	for i, t := range unfinished {
		if err := st.SetTaskJob(ctx, t.ID, jobs[i]); err != nil {
			return 0, err
		}
	}
	return len(unfinished), nil
}

// printMigrateSummary writes what was moved.
func printMigrateSummary(w io.Writer, dataDir string, counts []sqlstore.TableCount, requeued int, blobs files.CopyStats) {
	fmt.Fprintf(w, "Moved the embedded install in %s:\n", dataDir)
	for _, tc := range counts {
		fmt.Fprintf(w, "  %-9s %d", tc.Table, tc.Rows)
		if tc.Table == "tasks" && requeued > 0 {
			fmt.Fprintf(w, " (%d unfinished: queued again on the destination)", requeued)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "  %-9s %d (%s), of which %d were already there\n", "blobs", blobs.Objects, ferry.HumanSize(blobs.Bytes), blobs.Skipped)
	fmt.Fprintln(w, "Start ferry serve with --database and --blobs set to the destination, and the same --public-url as before.")
}

// checkUnused refuses a destination database that holds Ferry data.
func checkUnused(ctx context.Context, st *sqlstore.Store) error {
	used, err := st.UsedTables(ctx)
	if err != nil {
		return err
	}
	if len(used) == 0 {
		return nil
	}
	var parts []string
	for _, u := range used {
		parts = append(parts, fmt.Sprintf("%s: %d", u.Table, u.Rows))
	}
	return fmt.Errorf("--to-database already holds Ferry data (%s); migrate-data only moves an install into an unused database, "+
		"so that nothing is overwritten or mixed: give it a new database, or a new schema (search_path in the URL)", strings.Join(parts, ", "))
}

// sameFile reports whether two paths name one file, or would.
func sameFile(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(fa, fb)
	}
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	return errA == nil && errB == nil && absA == absB
}

// blobProgress reports a blob copy's progress in words.
func blobProgress(progress func(string, ...any)) func(done, total files.CopyStats, finished bool) {
	return func(done, total files.CopyStats, finished bool) {
		switch {
		case finished:
			progress("blobs: %d of %d (%s), %d already there", done.Objects, total.Objects, ferry.HumanSize(done.Bytes), done.Skipped)
		case done.Objects == 0:
			progress("copying %d blobs (%s)", total.Objects, ferry.HumanSize(total.Bytes))
		default:
			progress("blobs: %d of %d (%s of %s)", done.Objects, total.Objects, ferry.HumanSize(done.Bytes), ferry.HumanSize(total.Bytes))
		}
	}
}
