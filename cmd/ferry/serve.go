package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:// blob URLs
	_ "gocloud.dev/blob/memblob"  // mem:// blob URLs, for throwaway use
	_ "gocloud.dev/blob/s3blob"   // s3:// blob URLs

	"ferry/internal/ferry"
	"ferry/internal/fetch"
	"ferry/internal/files"
	"ferry/internal/httpapi"
	"ferry/internal/metrics"
	"ferry/internal/ratelimit"
	"ferry/internal/seal"
	"ferry/internal/tasks"
)

// serveConfig is everything "ferry serve" is told.
type serveConfig struct {
	storeFlags
	addr                   string
	blobs                  string
	publicURL              string
	logLevel               string
	logFormat              string
	metricsAddr            string
	fetch                  fetch.Config
	fetchPorts             []string
	maxUploadSize          int64
	body                   httpapi.BodyLimits
	images                 files.ImageLimits
	partialMaxAge          time.Duration
	archiveRetention       time.Duration
	blobsInDataDir         bool // the default blobs, which the data dir lock guards
	importWorkers          int64
	importWorkersPerPortal int64
	importAttempts         int64
	rescueAfter            time.Duration
	takeoverAfter          time.Duration
	queuePoll              time.Duration
	taskRetention          time.Duration
	webhookRetryBase       time.Duration
	webhookDisableAfter    time.Duration
	bootstrapToken         string
	bootstrapPortal        int64
	emulator               emulatorFlags
	rateLimit              ratelimit.Limits
	secretKey              string
}

// serveAbout is the top of "ferry serve -h"; the variables it lists have
// no flag.
const serveAbout = `Run the server: the Files API, the file host and the import workers.

Environment variables without a flag:
  FERRY_BOOTSTRAP_TOKEN   make sure this token exists, with every scope (the
                          token itself; only its hash is stored)
  FERRY_BOOTSTRAP_PORTAL  the portal the bootstrap token belongs to (default 1)
Without a token the server logs how to create one (ferry token create).`

func loadServeConfig(args []string, getenv func(string) string, stderr io.Writer) (serveConfig, error) {
	var c serveConfig
	fs := flag.NewFlagSet("ferry serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	e := &envFlags{fs: fs, getenv: getenv}
	e.str(&c.addr, "addr", "127.0.0.1:8080", "address to listen on (port 0 picks a free port)")
	c.storeFlags.define(e)
	e.str(&c.blobs, "blobs", "", "blob storage URL, such as s3://bucket?region=... (default file://<data-dir>/blobs)")
	e.str(&c.publicURL, "public-url", "", "externally visible base URL for links and file URLs (default http://<addr>)")
	e.str(&c.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	e.str(&c.logFormat, "log-format", "text", "log format: text or json")
	e.str(&c.metricsAddr, "metrics-addr", "", "address to serve Prometheus metrics on at /metrics, and Go profiles at /debug/pprof/ (default: off)")
	e.boolean(&c.fetch.AllowPrivateNetworks, "allow-private-networks", false,
		"let imports reach loopback, private and other non-public addresses (any port, unless --fetch-ports is set); for local use and tests only")
	e.list(&c.fetch.Allow, "fetch-allow", "import destinations allowed despite the address policy: CIDR, IP or host name, each with an optional :port")
	e.list(&c.fetch.Deny, "fetch-deny", "import destinations always refused: CIDR, IP or host name, each with an optional :port")
	e.list(&c.fetchPorts, "fetch-ports", "ports imports may connect to (default 80,443)")
	e.size(&c.fetch.MaxBytes, "max-file-size", 1<<30, "largest file an import may fetch, a `size` such as 500MB or 2GiB (or bytes)")
	e.size(&c.maxUploadSize, "max-upload-size", 1<<30, "largest file an upload or replace may send, a `size` such as 500MB or 2GiB (or bytes)")
	e.duration(&c.body.IdleTimeout, "body-idle-timeout", 30*time.Second, "longest wait for the next byte of a request body before answering 408 (0: no limit)")
	e.size(&c.body.MinRate, "body-min-rate", 1024, "slowest a request body may arrive, in bytes (a `size` such as 1KiB) per second averaged over each --body-idle-timeout, before answering 408 (0: no limit)")
	e.integer(&c.images.MaxPixels, "max-image-pixels", 4096*4096, "largest image, in pixels, that a signed URL's size resizes (read from its header before decoding)")
	e.size(&c.images.Memory, "resize-memory", 256<<20, "most memory that image resizes may hold at once, a `size` such as 256MiB (or bytes)")
	e.duration(&c.archiveRetention, "archive-retention", tasks.ArchiveRetentionDefault, "how long archived and overwritten files keep their content before it is deleted (GDPR delete is immediate)")
	e.duration(&c.partialMaxAge, "partial-max-age", 15*time.Minute, "partial blobs (.tmp files, incomplete S3 uploads) untouched this long are deleted, at start-up and periodically")
	var resizeWorkers int64
	e.integer(&resizeWorkers, "resize-workers", 0, "image resizes running at once (default one less than the CPUs, at least 1)")
	var uploadsPerToken int64
	e.integer(&uploadsPerToken, "max-uploads-per-token", 32, "uploads and replaces one token may have in progress at once; one more is answered 429 (0: no limit)")
	e.duration(&c.fetch.ConnectTimeout, "fetch-connect-timeout", 10*time.Second, "limit on connecting to an origin")
	e.duration(&c.fetch.FirstByteTimeout, "fetch-first-byte-timeout", 30*time.Second, "limit on waiting for an origin's response headers")
	e.duration(&c.fetch.IdleTimeout, "fetch-idle-timeout", 30*time.Second, "limit on waiting for the next byte of a body")
	e.duration(&c.fetch.TotalTimeout, "fetch-total-timeout", 10*time.Minute, "limit on one whole fetch")
	var redirects int64
	e.integer(&redirects, "fetch-max-redirects", 5, "redirects an import follows")
	e.integer(&c.importWorkers, "import-workers", tasks.WorkersDefault, "imports running at once on this instance; -1 runs none (an API-only instance that leaves the work to others); 0 takes the default")
	e.integer(&c.importWorkersPerPortal, "import-workers-per-portal", 0, "imports of one portal running at once on this instance while another portal has imports waiting (default half of --import-workers)")
	e.integer(&c.importAttempts, "import-attempts", tasks.MaxAttemptsDefault, "attempts before a transient fetch failure cancels an import (0 takes the default)")
	e.duration(&c.rescueAfter, "rescue-after", 0, "how long an import may run before it is treated as abandoned by a crashed instance and retried (default: fetch total timeout + 10% + 1m)")
	e.duration(&c.takeoverAfter, "takeover-after", tasks.TakeoverAfterDefault, "on PostgreSQL, how long a running task's heartbeat (saved every sixth of this) may be silent before another instance takes the task over and continues it (0 takes the default; at least 3s)")
	e.duration(&c.queuePoll, "queue-poll-interval", tasks.PollIntervalDefault, "how often an instance that runs imports asks the database for new ones besides being notified of them (on PostgreSQL, by LISTEN/NOTIFY from every instance); the poll only catches what a lost notification missed (0 takes the default; at least 1ms)")
	e.duration(&c.taskRetention, "task-retention", tasks.TaskRetentionDefault, "how long finished tasks stay readable (0 takes the default)")
	e.duration(&c.webhookRetryBase, "webhook-retry-base", tasks.WebhookRetryBaseDefault, "wait after a webhook delivery's first failure; it doubles with each further failure, up to an hour")
	e.duration(&c.webhookDisableAfter, "webhook-disable-after", tasks.WebhookDisableAfterDefault, "how long a webhook endpoint may fail without a success before it is disabled (deliveries are retried as long)")
	c.emulator.define(e)
	var rateLimit string
	e.str(&rateLimit, "rate-limit", "none",
		"per-portal API quotas, signalled as HubSpot does (X-HubSpot-RateLimit-* headers, 429): none, free, starter, professional, enterprise, or quotas such as 100/10s,250000/day,10/s")
	// Not through envFlags: a default taken from the environment would be
	// printed by --help.
	fs.StringVar(&c.secretKey, "secret-key", "", "key that encrypts imports' source headers and webhook signing secrets at rest; every instance sharing a database needs the same one (env FERRY_SECRET_KEY; default: a key file in the data dir)")
	setUsage(fs, "[flags]", serveAbout)
	if err := parseFlags(fs, args); err != nil {
		return c, err
	}
	if c.secretKey == "" {
		c.secretKey = getenv("FERRY_SECRET_KEY")
	}
	if fs.NArg() > 0 {
		return c, usagef("unexpected arguments: %v", fs.Args())
	}
	var err error
	if c.rateLimit, err = ratelimit.Parse(rateLimit); err != nil {
		return c, usagef("--rate-limit: %v", err)
	}
	c.fetch.MaxRedirects = int(redirects)
	c.body.UploadsPerToken = int(uploadsPerToken)
	c.images.Workers = int(resizeWorkers)
	if redirects == 0 {
		c.fetch.MaxRedirects = -1
	}
	for _, p := range c.fetchPorts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return c, fmt.Errorf("--fetch-ports: %q is not a port", p)
		}
		c.fetch.Ports = append(c.fetch.Ports, n)
	}
	c.bootstrapToken = getenv("FERRY_BOOTSTRAP_TOKEN")
	c.bootstrapPortal = 1
	if v := getenv("FERRY_BOOTSTRAP_PORTAL"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return c, fmt.Errorf("FERRY_BOOTSTRAP_PORTAL=%q: not a positive integer", v)
		}
		c.bootstrapPortal = n
	}
	if c.blobs == "" {
		c.blobsInDataDir = true
		abs, err := filepath.Abs(filepath.Join(c.dataDir, "blobs"))
		if err != nil {
			return c, err
		}
		c.blobs = "file://" + filepath.ToSlash(abs) + "?create_dir=1&no_tmp_dir=1"
	}
	return c, errors.Join(e.errs...)
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format: %q is not text or json", format)
}

// runServe wires Ferry together and serves until ctx ends.
func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadServeConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	log, err := newLogger(stderr, cfg.logLevel, cfg.logFormat)
	if err != nil {
		return err
	}
	fetcher, err := fetch.New(cfg.fetch)
	if err != nil {
		return err
	}
	be, err := openBackend(ctx, cfg.storeFlags, log)
	if err != nil {
		return err
	}
	defer be.close()
	if err := cfg.emulator.claim(ctx, log, be); err != nil {
		return err
	}
	// One clock for everything that reads the time: the real one, or the
	// emulator's, which its control routes move.
	var clock ferry.Clock = ferry.SystemClock
	emuClock := cfg.emulator.clock()
	if emuClock != nil {
		clock = emuClock
	}
	be.sql.SetClock(clock)
	if cfg.bootstrapToken != "" {
		if err := ferry.EnsureToken(ctx, be.store, cfg.bootstrapToken, ferry.PortalID(cfg.bootstrapPortal), ferry.AllScopes, clock.Now()); err != nil {
			return fmt.Errorf("bootstrap token: %w", err)
		}
	}
	warnIfNoToken(ctx, log, be.store, cfg.storeFlags)
	bucket, err := blob.OpenBucket(ctx, withoutSidecars(cfg.blobs))
	if err != nil {
		return fmt.Errorf("open blob storage: %w", err)
	}
	defer bucket.Close()
	ready := ferry.NewReadiness(
		ferry.Dependency{Name: "database", Check: be.sql.Ping},
		ferry.Dependency{Name: "blob store", Check: func(ctx context.Context) error {
			_, err := bucket.Exists(ctx, "readyz-probe")
			return err
		}})
	// The start-up sweep finishes before any import starts, so that it
	// never takes the temporary file of a transfer of this process.
	sweeper := partialSweeper(cfg, bucket, log)
	sweeper.Sweep(ctx, cfg.startSweepAge())
	go sweeper.Run(ctx)
	m := metrics.New()
	be.sql.SetErrorHook(m.DatabaseError)
	m.WatchTasks(be.sql.TaskCounts)
	fileSvc := files.New(be.store, bucket, log, clock)
	fileSvc.SetImageLimits(cfg.images)
	fileSvc.SetObserver(m)
	emu := cfg.emulator.build(log, be, bucket, cfg.blobs, fileSvc, fetcher, emuClock) // nil without --emulator
	sealer, err := openSealer(cfg)
	if err != nil {
		return err
	}
	var render func(ferry.Event) ([]byte, error) // set once the public URL is known, before workers start
	tcfg := tasks.Config{
		RenderEvent: func(e ferry.Event) ([]byte, error) { return render(e) }, DeliveryAttempted: m.DeliveryAttempted,
		WebhookRetryBase: cfg.webhookRetryBase, WebhookDisableAfter: cfg.webhookDisableAfter,
		MaxAttempts: int(cfg.importAttempts), MaxBytes: cfg.fetch.MaxBytes, RescueAfter: cfg.rescueAfter, TakeoverAfter: cfg.takeoverAfter, PollInterval: cfg.queuePoll,
		TaskRetention: cfg.taskRetention, Ready: ready, ArchiveRetention: cfg.archiveRetention, TaskFinished: m.TaskFinished, Workers: int(cfg.importWorkers), WorkersPerPortal: int(cfg.importWorkersPerPortal),
		Clock:    clock,
		Sealer:   sealer,
		Observer: m,
	}
	if emu != nil {
		tcfg.Gate = emu
	}
	imp, err := be.newImporter(fileSvc, fetcher, tcfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	publicURL := cfg.publicURL
	if publicURL == "" {
		publicURL = "http://" + ln.Addr().String()
	}
	// Requests whose token is cached read no SQL; a token write by any
	// process (ferry token revoke) empties the cache (docs/deploy.md).
	watch, err := be.watchTokens(ctx)
	if err != nil {
		ln.Close()
		return fmt.Errorf("watch tokens: %w", err)
	}
	auth := ferry.NewTokenCache(be.store, watch)
	con, err := newConsole(log, auth, be, fileSvc, imp, publicURL, cfg.maxUploadSize, clock)
	if err != nil {
		ln.Close()
		return err
	}
	opts := httpapi.Options{PublicURL: publicURL, MaxUploadBytes: cfg.maxUploadSize, Body: cfg.body, Ready: ready, ObserveRequest: m.ObserveRequest, Clock: clock, Console: con,
		Tasks: imp, Stopping: ctx.Done()}
	opts.RateLimit = ratelimit.New(cfg.rateLimit, clock)
	opts.Webhooks = imp
	if err := cfg.emulator.wire(ctx, &opts, emu, imp); err != nil {
		ln.Close()
		return err
	}
	handler, err := httpapi.NewHandler(log, auth, fileSvc, imp, imp, opts)
	if err == nil {
		render, err = httpapi.EventRenderer(publicURL)
	}
	if err != nil {
		ln.Close()
		return err
	}
	if cfg.metricsAddr != "" {
		stop, err := serveMetrics(log, cfg.metricsAddr, m)
		if err != nil {
			ln.Close()
			return err
		}
		defer stop()
	}
	return serve(ctx, log, ln, handler, imp, publicURL, cfg.emulator.readyFile)
}

// withoutSidecars adds metadata=skip to a file:// blob URL that does not
// choose: Ferry keeps each file's type and MD5 in its database, so
// fileblob's .attrs sidecar, for which it would hash every byte a second
// time, is waste.
func withoutSidecars(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "file" || u.Query().Has("metadata") {
		return raw
	}
	q := u.Query()
	q.Set("metadata", "skip")
	u.RawQuery = q.Encode()
	return u.String()
}

// serve runs the HTTP server and the import workers until ctx ends, then
// shuts both down: requests in flight finish, running imports go back to
// the queue for the next start.
func serve(ctx context.Context, log *slog.Logger, ln net.Listener, h http.Handler, imp workerPool, publicURL, readyFile string) error {
	if err := imp.Start(context.WithoutCancel(ctx)); err != nil {
		ln.Close()
		return fmt.Errorf("start workers: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 60 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(httpapi.Listener(ln)) }()
	log.Info("listening", "addr", ln.Addr().String(), "publicURL", publicURL)
	if readyFile != "" {
		if err := writeReadyFile(readyFile, ln.Addr().String(), publicURL); err != nil {
			srv.Close()
			imp.Stop(context.Background())
			return err
		}
		defer os.Remove(readyFile)
	}
	select {
	case err := <-errc:
		imp.Stop(context.Background())
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := imp.Stop(sctx); serr != nil && !errors.Is(serr, context.Canceled) {
		err = errors.Join(err, serr)
	}
	log.Info("stopped")
	return err
}

// openSealer builds the sealer of imports' source headers from
// --secret-key, or from the key file in the data dir.
func openSealer(cfg serveConfig) (*seal.Sealer, error) {
	key, err := seal.LoadKey(cfg.secretKey, cfg.dataDir)
	if err != nil {
		return nil, err
	}
	s, err := seal.New(key)
	if err != nil {
		return nil, fmt.Errorf("--secret-key: %w", err)
	}
	return s, nil
}

// serveMetrics serves /metrics, and Go's profiles under /debug/pprof/, on
// a listener of its own, so that neither is ever exposed on the public
// address by accident.
func serveMetrics(log *slog.Logger, addr string, m *metrics.Metrics) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	// Go's profiler, for finding where time goes (ferry-bench, BENCHMARKS.md).
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace) // where goroutines wait, not only where CPU goes
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	log.Info("serving metrics", "addr", ln.Addr().String())
	return func() { srv.Close() }, nil
}

// lockDataDir takes an exclusive lock on the data directory, so that two
// servers never share one embedded database by mistake.
func lockDataDir(dir string) (func(), error) {
	return lockFile(filepath.Join(dir, "ferry.lock"), "data dir "+dir)
}

// lockFile takes an exclusive lock on path, which names what it guards in
// the error.
func lockFile(path, what string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", what, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s is in use by another ferry serve (%v)", what, err)
	}
	return func() { f.Close() }, nil
}

// partialSweeper sweeps what interrupted writes leave in the blob storage
// that cfg names.
func partialSweeper(cfg serveConfig, bucket *blob.Bucket, log *slog.Logger) files.Partials {
	p := files.Partials{Bucket: bucket, MinAge: cfg.partialMaxAge, Log: log}
	if u, err := url.Parse(cfg.blobs); err == nil {
		switch u.Scheme {
		case "file":
			p.Dir = u.Path
		case "s3":
			p.S3Bucket, p.S3Prefix = u.Host, u.Query().Get("prefix")
		}
	}
	return p
}

// startSweepAge is how old a partial blob must be for the start-up sweep:
// any age when the blobs are the data dir's own and the data dir lock
// proves that no other process writes them, else --partial-max-age.
func (c serveConfig) startSweepAge() time.Duration {
	if _, pg := c.postgresURL(); c.blobsInDataDir && !pg {
		return 0
	}
	return c.partialMaxAge
}
