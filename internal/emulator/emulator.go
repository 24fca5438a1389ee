// Package emulator turns Ferry into a test double of HubSpot's Files API:
// the control routes under /_ferry/ (reset, seed, snapshots, faults, the
// clock, the request journal) and the hooks they need in the API. It is
// wired in only by "ferry serve --emulator"; without it none of this code
// runs, so production paths stay as they are.
package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"gocloud.dev/blob"

	"ferry/internal/ferry"
	"ferry/internal/fetch"
	"ferry/internal/httpapi"
	"ferry/internal/sqlstore"
)

// Config is what the emulator works on: the server's own store, blob
// storage, file service and clock.
type Config struct {
	Log    *slog.Logger
	Store  *sqlstore.Store
	Bucket *blob.Bucket
	// BlobDir, if set, is the local directory that Bucket keeps its blobs
	// in (a file:// bucket), which lets a reset remove whole directories.
	BlobDir string
	Files   ferry.FileService
	Content ferry.ContentStore
	Fetcher *fetch.Fetcher // for seed files given by URL
	Clock   *Clock
	// JournalSize bounds the request journal. Defaults to 1000.
	JournalSize int
}

// Emulator holds the emulator's state: snapshots, fault rules, held
// imports and the request journal.
type Emulator struct {
	cfg Config
	log *slog.Logger

	journal  *journal
	maintain func(ctx context.Context) error // see SetMaintain
	faults   faults

	mu        sync.Mutex // guards snapshots
	snapshots map[string]*snapshot
}

// New returns an emulator on cfg.
func New(cfg Config) *Emulator {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.JournalSize <= 0 {
		cfg.JournalSize = 1000
	}
	return &Emulator{cfg: cfg, log: cfg.Log, journal: &journal{size: cfg.JournalSize},
		faults: faults{held: map[ferry.TaskID]bool{}}, snapshots: map[string]*snapshot{}}
}

// Handler serves the control routes. The API handler mounts it at
// /_ferry/ behind a ferry.admin token.
func (e *Emulator) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /_ferry/reset", e.handleReset)
	mux.HandleFunc("GET /_ferry/clock", e.handleGetClock)
	mux.HandleFunc("POST /_ferry/clock", e.handleSetClock)
	mux.HandleFunc("DELETE /_ferry/clock", e.handleRealClock)
	mux.HandleFunc("GET /_ferry/requests", e.handleListRequests)
	mux.HandleFunc("DELETE /_ferry/requests", e.handleClearRequests)
	mux.HandleFunc("POST /_ferry/seed", e.handleSeed)
	mux.HandleFunc("GET /_ferry/snapshots", e.handleListSnapshots)
	mux.HandleFunc("POST /_ferry/snapshots/{name}", e.handleSaveSnapshot)
	mux.HandleFunc("DELETE /_ferry/snapshots/{name}", e.withSnapshot(e.handleDeleteSnapshot))
	mux.HandleFunc("POST /_ferry/snapshots/{name}/restore", e.withSnapshot(e.handleRestoreSnapshot))
	mux.HandleFunc("POST /_ferry/faults", e.handleAddFault)
	mux.HandleFunc("GET /_ferry/faults", e.handleListFaults)
	mux.HandleFunc("DELETE /_ferry/faults", e.handleClearFaults)
	mux.HandleFunc("POST /_ferry/tasks/{taskId}/release", e.handleRelease)
	mux.HandleFunc("/_ferry/", func(w http.ResponseWriter, r *http.Request) {
		e.fail(w, r, ferry.Errorf(ferry.NotFound, "No route for %s %s.", r.Method, r.URL.Path))
	})
	return mux
}

// Outer wraps each API operation before authentication: the journal.
func (e *Emulator) Outer(op httpapi.Operation, next http.Handler) http.Handler {
	return e.record(op, next)
}

// Inner wraps each API operation after authentication: it notes the
// caller's portal in the journal and injects faults.
func (e *Emulator) Inner(op httpapi.Operation, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var portal ferry.PortalID
		if t, ok := ferry.TokenFrom(r.Context()); ok {
			portal = t.Portal
			notePortal(r.Context(), portal)
		}
		e.inject(op, portal, next).ServeHTTP(w, r)
	})
}

// fail writes err as HubSpot's error body.
func (e *Emulator) fail(w http.ResponseWriter, r *http.Request, err error) {
	httpapi.WriteError(w, r, e.log, err)
}

// reply writes v as JSON.
func reply(w http.ResponseWriter, status int, v any) {
	httpapi.WriteJSON(w, status, v)
}

// decodeBody decodes a JSON request body of at most max bytes into v,
// refusing unknown fields.
func decodeBody(r *http.Request, max int64, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, max+1))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return ferry.Invalidf("body", "the request body is not complete JSON (or is larger than %d bytes)", max)
		}
		return ferry.Invalidf("body", "the request body is not valid: %v", err)
	}
	return nil
}

// portalParam returns the ?portal= parameter: 0 when absent.
func portalParam(r *http.Request) (ferry.PortalID, error) {
	v := r.URL.Query().Get("portal")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, ferry.Invalidf("portal", "portal must be a positive integer, got %q", v)
	}
	return ferry.PortalID(n), nil
}

// SetMaintain sets how the emulator asks the task engine to run its
// maintenance job (expiry, retention) at once, as it does after each clock
// change. The engine is built after the emulator, which is its gate.
func (e *Emulator) SetMaintain(fn func(ctx context.Context) error) { e.maintain = fn }

// Log returns the emulator's logger.
func (e *Emulator) Log() *slog.Logger { return e.log }

// runMaintenance asks for the maintenance job to run soon, after a clock jump.
func (e *Emulator) runMaintenance(ctx context.Context) {
	if e.maintain == nil {
		return
	}
	if err := e.maintain(ctx); err != nil {
		e.log.Warn("could not schedule maintenance after a clock change", "err", err)
	}
}

// clockBody is the clock routes' request and answer.
type clockBody struct {
	Advance string `json:"advance,omitempty"`
	Set     string `json:"set,omitempty"`
}

type clockState struct {
	Now           time.Time `json:"now"`
	OffsetSeconds float64   `json:"offsetSeconds"`
	Real          bool      `json:"real"`
}

func (e *Emulator) clockState() clockState {
	off := e.cfg.Clock.Offset()
	return clockState{Now: e.cfg.Clock.Now().UTC().Truncate(time.Millisecond), OffsetSeconds: off.Seconds(), Real: off == 0}
}

// handleGetClock serves GET /_ferry/clock.
func (e *Emulator) handleGetClock(w http.ResponseWriter, r *http.Request) {
	reply(w, http.StatusOK, e.clockState())
}

// handleSetClock serves POST /_ferry/clock: {advance: "PT25H"} or
// {set: "2030-01-01T00:00:00Z"}.
func (e *Emulator) handleSetClock(w http.ResponseWriter, r *http.Request) {
	var in clockBody
	if err := decodeBody(r, 4096, &in); err != nil {
		e.fail(w, r, err)
		return
	}
	switch {
	case (in.Advance == "") == (in.Set == ""):
		e.fail(w, r, ferry.Invalidf("body", "give exactly one of advance (an ISO 8601 duration such as PT25H) and set (an ISO 8601 time)"))
		return
	case in.Advance != "":
		now := e.cfg.Clock.Now()
		to, err := ferry.AddPeriod(now, in.Advance)
		if err != nil {
			e.fail(w, r, ferry.Invalidf("advance", "advance must be an ISO 8601 period such as PT25H, P1D or P1M, got %q", in.Advance))
			return
		}
		e.cfg.Clock.Advance(to.Sub(now))
	default:
		t, err := ferry.ParseTime(in.Set)
		if err != nil {
			e.fail(w, r, ferry.Invalidf("set", "set must be an ISO 8601 time such as 2030-01-01T00:00:00Z, got %q", in.Set))
			return
		}
		e.cfg.Clock.Set(t)
	}
	e.log.Info("emulator clock moved", "now", e.cfg.Clock.Now().UTC(), "offset", e.cfg.Clock.Offset())
	e.runMaintenance(r.Context())
	reply(w, http.StatusOK, e.clockState())
}

// handleRealClock serves DELETE /_ferry/clock: back to the real time.
func (e *Emulator) handleRealClock(w http.ResponseWriter, r *http.Request) {
	e.cfg.Clock.Real()
	e.runMaintenance(r.Context())
	reply(w, http.StatusOK, e.clockState())
}
