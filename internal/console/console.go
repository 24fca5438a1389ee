// Package console serves Ferry's web console: sign-in with an API token,
// a folder browser, file views, uploads, imports, tasks and search, as
// server-rendered HTML over the same domain services as the API.
package console

import (
	"embed"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"ferry/internal/ferry"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Defaults of Options.
const (
	SessionTTLDefault = 12 * time.Hour
	PageSizeDefault   = 100
)

// Services are the domain services the console drives: the same ones the
// API's handlers call.
type Services struct {
	Auth     ferry.Authenticator
	Sessions ferry.SessionStore
	Files    ferry.FileService
	Imports  ferry.ImportService
	Folders  ferry.FolderTaskService
	Tasks    ferry.TaskService    // Ferry's task API: list, get, cancel, retry
	Webhooks ferry.WebhookService // the event feed and subscriptions; nil: no such pages
}

// Options tunes the console.
type Options struct {
	// PublicURL is the server's externally visible base URL. A console
	// behind an https:// URL sets Secure on its cookies.
	PublicURL string
	// MaxUploadBytes bounds uploaded and replacing files. Defaults to 1 GiB.
	MaxUploadBytes int64
	// SessionTTL is how long a sign-in lasts. Defaults to SessionTTLDefault.
	SessionTTL time.Duration
	// PageSize is how many folders and files one page of the browser
	// shows. Defaults to PageSizeDefault; at most ferry.SearchLimitMax.
	PageSize int
	// FileURL returns a file's hosting URL, and SignedURL a signed one
	// that serves it until exp (size: a resized image, or ""). The API
	// package owns both; cmd/ferry passes them in. Required.
	FileURL   func(f *ferry.File) string
	SignedURL func(key []byte, f *ferry.File, exp time.Time, size string) string
	// Clock tells the time. Defaults to ferry.SystemClock.
	Clock ferry.Clock
}

// Console is the web console's HTTP handler.
type Console struct {
	svc   Services
	opts  Options
	log   *slog.Logger
	pages pages
	mux   *http.ServeMux
}

// New returns the console. Its routes all live under /console/.
func New(log *slog.Logger, svc Services, opts Options) (*Console, error) {
	opts.PublicURL = strings.TrimRight(opts.PublicURL, "/")
	if opts.MaxUploadBytes <= 0 {
		opts.MaxUploadBytes = 1 << 30
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = SessionTTLDefault
	}
	if opts.PageSize <= 0 || opts.PageSize > ferry.SearchLimitMax {
		opts.PageSize = PageSizeDefault
	}
	if opts.Clock == nil {
		opts.Clock = ferry.SystemClock
	}
	p, err := parsePages()
	if err != nil {
		return nil, err
	}
	c := &Console{svc: svc, opts: opts, log: log, pages: p, mux: http.NewServeMux()}
	c.addRoutes()
	return c, nil
}

// ServeHTTP implements http.Handler. Every console response forbids
// framing by others, sniffing, and any script or style not served by the
// console itself.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"media-src 'self'; object-src 'none'; frame-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'")
	c.mux.ServeHTTP(w, r)
}
