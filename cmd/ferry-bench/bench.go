package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
)

// serverRow measures one thing on a running Ferry server, whose database
// is db (SQLite or PostgreSQL).
type serverRow struct {
	name string
	run  func(b *bench, ctx context.Context, srv *ferryServer, db string) result
}

// sqliteRows are the rows measured on one Ferry server on SQLite, in the
// order they run.
var sqliteRows = []serverRow{
	{"status", (*bench).statusRow},
	{"import-large", (*bench).largeImportRow},
	{"import-small", (*bench).smallImportRow},
	{"hosting", (*bench).hostingRow},
	{"upload", (*bench).uploadRow},
	{"search", (*bench).searchRow},
	{"latency", (*bench).latencyRow},
}

// pgRows are the rows of sqliteRows measured again on PostgreSQL, named
// "<name>-pg".
var pgRows = []string{"import-small-pg", "search-pg", "latency-pg"}

// rowNames are the rows of the table, in the order they run.
var rowNames = slices.Concat(sqliteRowNames(), pgRows, []string{"cluster"})

func sqliteRowNames() []string {
	names := make([]string, len(sqliteRows))
	for i, r := range sqliteRows {
		names[i] = r.name
	}
	return names
}

func isRow(s string) bool { return slices.Contains(rowNames, s) }

// result is one row of the table.
type result struct {
	row     string
	what    string
	ferry   string // Ferry's median, formatted
	ceiling string // the ceiling's median, formatted, "" if the row has none
	ratio   float64
	goal    string
	met     bool
	note    string
	err     error
}

// bench is one run of the command: its work dir, the binary, the origin
// server that imports fetch from, and the Ferry servers it started.
type bench struct {
	cfg       config
	log       io.Writer
	dir       string
	ferryBin  string
	curl      string
	origin    *proc
	originBy  string // what serves the origin files
	stops     []func()
	argv      string
	terms     map[string][]string // search terms by database
	pgRate    float64             // one PostgreSQL instance's small imports/s, for the cluster row
	fetchRuns int                 // runs of the small-file ceiling loop so far, each in its own directory
}

func newBench(ctx context.Context, cfg config, log io.Writer) (*bench, error) {
	b := &bench{cfg: cfg, log: log, dir: cfg.dir, argv: strings.Join(os.Args[1:], " "), terms: map[string][]string{}}
	if b.dir != "" {
		if err := os.MkdirAll(b.dir, 0o700); err != nil {
			return nil, err
		}
	}
	d, err := os.MkdirTemp(b.dir, "ferry-bench-")
	if err != nil {
		return nil, err
	}
	b.dir = d
	ok := false
	defer func() {
		if !ok {
			b.close()
		}
	}()
	b.ferryBin = cfg.ferryBin
	if b.ferryBin == "" {
		b.logf("building ferry")
		bin, err := buildFerry(b.dir)
		if err != nil {
			return nil, err
		}
		b.ferryBin = bin
	}
	if !cfg.noCurl {
		b.curl, _ = exec.LookPath("curl")
	}
	if err := b.makeOriginFiles(); err != nil {
		return nil, err
	}
	if err := b.startOrigin(); err != nil {
		return nil, err
	}
	ok = true
	return b, nil
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "ferry-bench: "+format+"\n", args...)
}

func (b *bench) vlogf(format string, args ...any) {
	if b.cfg.verbose {
		b.logf(format, args...)
	}
}

func (b *bench) close() {
	for i := len(b.stops) - 1; i >= 0; i-- {
		b.stops[i]()
	}
	b.stops = nil
	if b.cfg.keep {
		b.logf("work directory kept: %s", b.dir)
		return
	}
	os.RemoveAll(b.dir)
}

// onClose runs fn when the bench ends, before the work dir goes.
func (b *bench) onClose(fn func()) { b.stops = append(b.stops, fn) }

func (b *bench) path(parts ...string) string {
	return filepath.Join(append([]string{b.dir}, parts...)...)
}

// makeOriginFiles writes the files that imports fetch and hosting serves:
// random bytes, so that nothing compresses or deduplicates them.
func (b *bench) makeOriginFiles() error {
	if err := os.MkdirAll(b.path("origin", "small"), 0o755); err != nil {
		return err
	}
	rng := rand.NewChaCha8([32]byte{'f', 'e', 'r', 'r', 'y'})
	write := func(name string, size int64) error {
		f, err := os.Create(b.path("origin", name))
		if err != nil {
			return err
		}
		_, err = io.CopyN(f, rng, size)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}
	if b.cfg.wants("import-large") || b.cfg.wants("upload") {
		if err := write("big.bin", b.cfg.bigSize); err != nil {
			return err
		}
	}
	if err := write("host.bin", b.cfg.hostSize); err != nil {
		return err
	}
	n := b.cfg.smallCount
	if b.cfg.wants("cluster") && b.cfg.postgres != "" && b.cfg.s3 != "" {
		n = max(n, b.cfg.cluster)
	}
	for i := range n {
		if err := write(fmt.Sprintf("small/%d.bin", i), b.cfg.smallSize); err != nil {
			return err
		}
	}
	return nil
}

// startOrigin serves the origin files with nginx if it is installed, else
// with Go's http.FileServer in a process of its own.
func (b *bench) startOrigin() error {
	if !b.cfg.noNginx {
		p, err := startNginx(b.dir, b.path("origin"))
		if err == nil {
			b.origin, b.originBy = p, "nginx"
			b.onClose(p.stop)
			return nil
		}
		if _, lerr := exec.LookPath("nginx"); lerr == nil {
			b.logf("nginx is installed but did not start (%v); using Go's file server", err)
		}
	}
	p, err := startCeiling("files", b.path("origin"))
	if err != nil {
		return err
	}
	b.origin, b.originBy = p, "Go http.FileServer"
	b.onClose(p.stop)
	return nil
}

func (b *bench) originURL(name string) string { return "http://" + b.origin.addr + "/" + name }

// runAll runs every row asked for, in order.
func (b *bench) runAll(ctx context.Context) []result {
	var out []result
	add := func(r result) {
		if r.err != nil {
			b.logf("%s: %v", r.row, r.err)
		}
		out = append(out, r)
	}
	b.rowsOn(ctx, "SQLite", sqliteRowNames(), add,
		func() (*ferryServer, error) { return b.sqliteFerry(ctx) })
	b.rowsOn(ctx, "PostgreSQL", pgRows, add, func() (*ferryServer, error) {
		if b.cfg.postgres == "" {
			return nil, fmt.Errorf("skipped: no --postgres URL")
		}
		return b.postgresFerry(ctx)
	})
	if b.cfg.wants("cluster") && ctx.Err() == nil {
		if b.cfg.postgres == "" || b.cfg.s3 == "" || b.cfg.cluster <= 0 {
			add(result{row: "cluster", err: fmt.Errorf("skipped: needs --postgres, --s3 and --cluster > 0")})
		} else {
			b.logf("row cluster")
			settle()
			add(b.clusterRow(ctx))
		}
	}
	return out
}

// settle writes every dirty page to disk before a row starts, outside
// its timing: the large rows leave gigabytes in the page cache, and while
// the kernel writes them back it throttles every other writer, which
// billed the next row (small imports ran at 378-465 tasks/s after the
// large import, 535-545 on their own).
func settle() { syscall.Sync() }

// rowsOn runs the rows asked for of one database on one server, which
// start starts only if some row is wanted. A row named "<kind>-pg" is
// row <kind> on PostgreSQL.
func (b *bench) rowsOn(ctx context.Context, db string, rows []string, add func(result), start func() (*ferryServer, error)) {
	if !b.anyWanted(rows) {
		return
	}
	srv, err := start()
	for _, row := range rows {
		if !b.cfg.wants(row) || ctx.Err() != nil {
			continue
		}
		if err != nil {
			add(result{row: row, err: err})
			continue
		}
		b.logf("row %s", row)
		settle()
		r := b.runRow(ctx, strings.TrimSuffix(row, "-pg"), srv, db)
		r.row = row
		add(r)
	}
}

func (b *bench) anyWanted(rows []string) bool {
	for _, r := range rows {
		if b.cfg.wants(r) {
			return true
		}
	}
	return false
}

func (b *bench) runRow(ctx context.Context, row string, srv *ferryServer, db string) result {
	for _, r := range sqliteRows {
		if r.name == row {
			return r.run(b, ctx, srv, db)
		}
	}
	return result{row: row, err: fmt.Errorf("no such row")}
}

// sqliteFerry starts Ferry on the embedded database, with the search
// row's files already in it.
func (b *bench) sqliteFerry(ctx context.Context) (*ferryServer, error) {
	dataDir := b.path("ferry-sqlite")
	return b.seededFerry("SQLite", "search", dataDir, func() ([]string, error) {
		return seedSQLite(ctx, dataDir, b.cfg.searchFiles)
	})
}

// postgresFerry starts Ferry on a schema of its own in the PostgreSQL
// database, with the search row's files already in it.
func (b *bench) postgresFerry(ctx context.Context) (*ferryServer, error) {
	url, drop, err := newSchema(ctx, b.cfg.postgres)
	if err != nil {
		return nil, err
	}
	b.onClose(drop)
	return b.seededFerry("PostgreSQL", "search-pg", b.path("ferry-pg"), func() ([]string, error) {
		return seedPostgres(ctx, url, b.cfg.searchFiles)
	}, "--database", url)
}

// seededFerry seeds the database if searchRow is wanted, then starts
// Ferry on it.
func (b *bench) seededFerry(db, searchRow, dataDir string, seed func() ([]string, error), flags ...string) (*ferryServer, error) {
	if b.cfg.wants(searchRow) {
		b.logf("seeding %d files into %s", b.cfg.searchFiles, db)
		terms, err := seed()
		if err != nil {
			return nil, fmt.Errorf("seed %s: %w", db, err)
		}
		b.terms[db] = terms
	}
	flags = append(flags, "--import-workers", fmt.Sprint(b.cfg.smallAtOnce))
	srv, err := b.startFerry("ferry ("+db+")", dataDir, flags...)
	if err != nil {
		return nil, err
	}
	b.onClose(srv.stop)
	return srv, nil
}

// printReport prints the table and how it was made.
func (b *bench) printReport(w io.Writer, results []result) {
	fmt.Fprintf(w, "| row | what | Ferry | ceiling in the same run | ratio | goal | met |\n|---|---|---|---|---|---|---|\n")
	for _, r := range results {
		if r.err != nil {
			fmt.Fprintf(w, "| %s | %s | – | – | – | %s | %s |\n", r.row, r.what, r.goal, "error: "+oneLine(r.err.Error()))
			continue
		}
		ratio := "–"
		if r.ratio > 0 {
			ratio = fmt.Sprintf("%.2f", r.ratio)
		}
		ceil := r.ceiling
		if ceil == "" {
			ceil = "–"
		}
		met := "no"
		if r.met {
			met = "yes"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", r.row, r.what, r.ferry, ceil, ratio, r.goal, met)
	}
	fmt.Fprintln(w)
	for _, r := range results {
		if r.note != "" {
			fmt.Fprintf(w, "- %s: %s\n", r.row, r.note)
		}
	}
	fmt.Fprintf(w, "\nMedians of %d interleaved Ferry/ceiling pairs; ratio = Ferry / ceiling.\n", b.cfg.pairs)
	fmt.Fprintf(w, "Machine: %s, %d CPUs, %s, %s. Origin for imports: %s. Command: ferry-bench %s\n",
		cpuModel(), runtime.NumCPU(), memTotal(), time.Now().UTC().Format(time.RFC3339), b.originBy, b.argv)
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	s = strings.ReplaceAll(s, "|", "/")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
		}
	}
	return runtime.GOARCH
}

func memTotal() string {
	b, _ := os.ReadFile("/proc/meminfo")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(v), "%d", &kb)
			return fmt.Sprintf("%.0f GiB RAM", float64(kb)/(1<<20))
		}
	}
	return "RAM unknown"
}
