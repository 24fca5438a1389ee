// Command ferry-bench measures Ferry against the ceilings of the machine it
// runs on. It builds and starts the real ferry binary, and for every row
// of its table measures Ferry and the row's ceiling (a bare net/http
// server, a raw Go fetch-and-write loop, a raw upload sink, nginx and curl
// when they are installed) in interleaved pairs, in the same run, and
// prints the medians and their ratio. On a shared or noisy machine only
// the ratios mean much.
//
//	go run ./cmd/ferry-bench --quick          # small sizes, seconds
//	go run ./cmd/ferry-bench                  # the sizes of issue 11
//	go run ./cmd/ferry-bench --postgres URL --s3 URL --cluster 10000
//
// It is a separate command so that its code stays out of the server.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 2 && os.Args[1] == "ceiling" { // see ceiling.go
		if err := runCeiling(os.Args[2:], os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "ferry-bench ceiling:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "ferry-bench:", err)
		os.Exit(1)
	}
}

// config is what the command is told.
type config struct {
	ferryBin    string
	dir         string
	quick       bool
	pairs       int
	duration    time.Duration
	conns       int
	bigSize     int64
	smallCount  int
	smallSize   int64
	smallAtOnce int
	hostSize    int64
	searchFiles int
	postgres    string
	s3          string
	cluster     int
	rows        map[string]bool
	ferryFlags  []string
	keep        bool
	noNginx     bool
	noCurl      bool
	verbose     bool
}

func loadConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("ferry-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var rows string
	var big, small, host int64
	fs.StringVar(&c.ferryBin, "ferry", "", "ferry binary to measure (default: go build ./cmd/ferry into the work dir)")
	fs.StringVar(&c.dir, "dir", "", "where to make the run's work directory (data, origin files, downloads), which is removed at the end (default: the system's temporary directory)")
	fs.BoolVar(&c.keep, "keep", false, "keep the work directory at the end (and print where it is): on ext4 without a journal, deleting its many files slows every file created in the next few minutes, so a bench run straight after would measure that")
	fs.BoolVar(&c.quick, "quick", false, "small sizes and short runs, for a result in seconds; explicit size flags still win")
	fs.IntVar(&c.pairs, "pairs", 3, "interleaved Ferry/ceiling pairs per row; the median of each side is shown")
	fs.DurationVar(&c.duration, "duration", 5*time.Second, "length of each run of a request-rate row")
	fs.IntVar(&c.conns, "conns", 50, "concurrent connections of a request-rate row")
	fs.Int64Var(&big, "big", 1<<30, "bytes of the large import and of the upload")
	fs.IntVar(&c.smallCount, "small-count", 2000, "small imports per run")
	fs.Int64Var(&small, "small-size", 10<<10, "bytes of each small import")
	fs.IntVar(&c.smallAtOnce, "small-at-once", 10, "small imports in flight at once (Ferry's --import-workers, and the loop's goroutines)")
	fs.Int64Var(&host, "host-size", 1<<20, "bytes of the hosted file")
	fs.IntVar(&c.searchFiles, "search-files", 1_000_000, "files in the database for the search row")
	fs.StringVar(&c.postgres, "postgres", getenv("FERRY_BENCH_POSTGRES_URL"), "PostgreSQL URL for the PostgreSQL rows; each run works in a schema of its own, dropped at the end ($FERRY_BENCH_POSTGRES_URL)")
	fs.StringVar(&c.s3, "s3", getenv("FERRY_BENCH_S3_URL"), "gocloud s3:// blob URL for the two-instance row ($FERRY_BENCH_S3_URL)")
	fs.IntVar(&c.cluster, "cluster", 10_000, "small imports shared by two instances on PostgreSQL and S3 (needs --postgres and --s3; 0 skips)")
	fs.StringVar(&rows, "rows", "", "comma-separated rows to run (default all): "+strings.Join(rowNames, ","))
	var ferryFlags string
	fs.StringVar(&ferryFlags, "ferry-flags", "", "extra flags for every ferry serve, space-separated (such as \"--metrics-addr 127.0.0.1:6060\" to take profiles during a run)")
	fs.BoolVar(&c.noNginx, "no-nginx", false, "do not use nginx even if it is installed")
	fs.BoolVar(&c.noCurl, "no-curl", false, "do not use curl even if it is installed")
	fs.BoolVar(&c.verbose, "v", false, "print every run as it happens")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	c.ferryFlags = strings.Fields(ferryFlags)
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	c.bigSize, c.smallSize, c.hostSize = big, small, host
	if c.quick {
		quick := map[string]func(){
			"duration":     func() { c.duration = time.Second },
			"big":          func() { c.bigSize = 64 << 20 },
			"small-count":  func() { c.smallCount = 200 },
			"search-files": func() { c.searchFiles = 20_000 },
			"cluster":      func() { c.cluster = 500 },
		}
		for name, apply := range quick {
			if !set[name] {
				apply()
			}
		}
	}
	if c.pairs < 1 || c.conns < 1 || c.smallCount < 1 || c.smallAtOnce < 1 || c.bigSize < 1 || c.hostSize < 1 || c.smallSize < 1 {
		return c, fmt.Errorf("--pairs, --conns, --small-*, --big and --host-size must be positive")
	}
	if rows != "" {
		c.rows = map[string]bool{}
		for _, r := range strings.Split(rows, ",") {
			if !isRow(r) {
				return c, fmt.Errorf("--rows: unknown row %q (rows: %s)", r, strings.Join(rowNames, ","))
			}
			c.rows[r] = true
		}
	}
	return c, nil
}

// wants reports whether a row was asked for.
func (c config) wants(row string) bool { return c.rows == nil || c.rows[row] }

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	b, err := newBench(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer b.close()
	results := b.runAll(ctx)
	b.printReport(stdout, results)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return nil
}
