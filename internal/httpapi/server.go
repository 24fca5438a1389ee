// Package httpapi serves HubSpot's Files v3 API over HTTP: routes,
// handlers, wire shapes, the error body and file hosting.
package httpapi

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"ferry/internal/ferry"
	"ferry/internal/ratelimit"
)

// Options configures the handler.
type Options struct {
	// PublicURL is the externally visible base URL, such as
	// "https://files.example.com", used in task links and file URLs.
	PublicURL string
	// MaxJSONBytes bounds JSON request bodies. Defaults to 1 MiB.
	MaxJSONBytes int64
	// MaxUploadBytes bounds uploaded and replacing files. Defaults to 1 GiB.
	MaxUploadBytes int64
	// Clock is what expiry and signed-URL validity read. Defaults to
	// ferry.SystemClock.
	Clock ferry.Clock
	// Ready, if set, checks the dependencies for GET /readyz and for
	// answering 503 rather than 500 while one is down.
	Ready *ferry.Readiness
	// Body bounds how clients send request bodies.
	Body BodyLimits
	// ObserveRequest, if set, is told of every request: its route
	// pattern, status code and duration.
	ObserveRequest func(method, route string, code int, bytes int64, d time.Duration)
	// Console, if set, is the web console, served under /console/; GET /
	// then redirects there.
	Console http.Handler
	// Outer and Inner, if set, wrap every Files API operation: Outer
	// before authentication, Inner after it, with the token in the
	// request's context (ferry.TokenFrom). The emulator's journal and
	// faults use them.
	Outer, Inner Wrapper
	// Strict applies HubSpot's documented request rules where Ferry is
	// lenient: the import fields the 2026-03 spec marks required.
	Strict bool
	// RateLimit, if set, counts each Files API call against its portal's
	// quotas, HubSpot-style: headers on every answer, 429 over a quota.
	RateLimit *ratelimit.Limiter
	// Control, if set, serves /_ferry/ to tokens with the ferry.admin
	// scope: the emulator's control routes. Without it, /_ferry/ is 404.
	Control http.Handler
	// Tasks serves Ferry's task API under /ferry/v1; without it those
	// routes answer 404.
	Tasks ferry.TaskService
	// Stopping, once closed, ends long-lived responses (event streams), so
	// that a shutdown does not wait for them.
	Stopping <-chan struct{}
	// Webhooks, if set, serves the event feed and webhook subscriptions
	// under /ferry/v1/; without it those routes are not there.
	Webhooks ferry.WebhookService
}

type server struct {
	log     *slog.Logger
	auth    ferry.Authenticator
	files   ferry.FileService
	imports ferry.ImportService
	folders ferry.FolderTaskService
	opts    Options
	base    *url.URL
	uploads uploadSlots
}

// NewHandler returns the HTTP handler for the whole API and file host.
func NewHandler(log *slog.Logger, auth ferry.Authenticator, files ferry.FileService, imports ferry.ImportService,
	folders ferry.FolderTaskService, opts Options) (http.Handler, error) {
	base, err := parseBase(opts.PublicURL)
	if err != nil {
		return nil, err
	}
	if opts.MaxJSONBytes == 0 {
		opts.MaxJSONBytes = 1 << 20
	}
	if opts.MaxUploadBytes == 0 {
		opts.MaxUploadBytes = 1 << 30
	}
	opts.Clock = ferry.OrSystem(opts.Clock)
	s := &server{log: log, auth: auth, files: files, imports: imports, folders: folders, opts: opts, base: base,
		uploads: uploadSlots{inUse: map[string]int{}}}
	mux := http.NewServeMux()
	s.addRoutes(mux)
	var h http.Handler = withCleanPath(log, withBodyGuard(log, opts.Body, withRoute(mux)))
	if opts.Console != nil {
		h = withConsole(withBodyGuard(log, opts.Body, opts.Console), h)
	}
	return withCorrelation(withReadiness(opts.Ready, withAccessLog(log, opts.ObserveRequest, withRecover(log, h)))), nil
}

// parseBase parses the public URL that links start with.
func parseBase(publicURL string) (*url.URL, error) {
	base, err := url.Parse(strings.TrimRight(publicURL, "/"))
	if err != nil || !base.IsAbs() {
		return nil, ferry.Errorf(ferry.Invalid, "public URL %q is not an absolute URL", publicURL)
	}
	return base, nil
}

// link returns the absolute public URL of a path on this server. The path
// segments must already be escaped.
func (s *server) link(escapedPath string) string {
	return s.base.String() + escapedPath
}

// fileURL returns the hosting URL of a file.
func (s *server) fileURL(f *ferry.File) string { return FileURL(s.base.String(), f) }

// FileURL returns the hosting URL of a file on the server whose public
// base URL is publicURL (without a trailing slash).
func FileURL(publicURL string, f *ferry.File) string {
	segs := strings.Split(strings.TrimPrefix(f.Path(), "/"), "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg)
	}
	return publicURL + "/hubfs/" + f.Portal.String() + "/" + strings.Join(segs, "/")
}

// withConsole sends the web console's paths, and GET / that leads to
// it, to the console. They are HTML pages, not API routes: they redirect
// as web pages do, which the API never does.
func withConsole(console, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case p == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
			factsOf(r.Context()).route = "GET /"
			http.Redirect(w, r, "/console/", http.StatusFound)
		case p == "/console" || strings.HasPrefix(p, "/console/"):
			factsOf(r.Context()).route = "/console/"
			console.ServeHTTP(w, r)
		default:
			next.ServeHTTP(w, r)
		}
	})
}
