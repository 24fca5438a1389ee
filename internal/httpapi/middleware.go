package httpapi

import (
	"cmp"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"ferry/internal/ferry"
)

type readinessKey struct{}

// readinessFrom returns the readiness the request was served with (nil,
// which reports nothing down, outside a server).
func readinessFrom(ctx context.Context) *ferry.Readiness {
	r, _ := ctx.Value(readinessKey{}).(*ferry.Readiness)
	return r
}

// withReadiness lets writeError ask, on an internal error, whether a
// dependency is down.
func withReadiness(rd *ferry.Readiness, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), readinessKey{}, rd)))
	})
}

// correlationID returns the request's correlation id.
func correlationID(ctx context.Context) string { return ferry.CorrelationID(ctx) }

// requestFacts are what the access log reports but only the handlers
// inside learn: the route pattern that matched and the caller's portal.
type requestFacts struct {
	route  string
	portal ferry.PortalID
}

type factsKey struct{}

// factsOf returns the request's facts holder, or a throwaway one.
func factsOf(ctx context.Context) *requestFacts {
	if f, ok := ctx.Value(factsKey{}).(*requestFacts); ok {
		return f
	}
	return &requestFacts{}
}

// withRoute records the pattern that the mux matched, for the access log
// and the metrics.
func withRoute(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		factsOf(r.Context()).route = r.Pattern
	})
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// withCorrelation gives every request a correlation id, in its context and
// in the X-HubSpot-Correlation-Id response header.
func withCorrelation(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := newUUID()
		w.Header().Set("X-HubSpot-Correlation-Id", id)
		ctx := context.WithValue(ferry.WithCorrelationID(r.Context(), id), factsKey{}, &requestFacts{})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// statusRecorder remembers the status a handler wrote and counts the
// bytes of the body, for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
	bytes  int64
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if !s.wrote {
		s.status, s.wrote = http.StatusOK, true
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

// ReadFrom keeps io.Copy's fast path (sendfile) while counting.
func (s *statusRecorder) ReadFrom(r io.Reader) (int64, error) {
	if !s.wrote {
		s.status, s.wrote = http.StatusOK, true
	}
	n, err := readFrom(s.ResponseWriter, r)
	s.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// readFrom copies src to w through w's ReadFrom if it has one.
func readFrom(w http.ResponseWriter, src io.Reader) (int64, error) {
	if rf, ok := w.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(struct{ io.Writer }{w}, src)
}

// withRecover turns a panic into a logged internal error, so that one bad
// request never takes the server down.
func withRecover(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec, ok := w.(*statusRecorder)
		if !ok {
			rec = &statusRecorder{ResponseWriter: w}
		}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				err := fmt.Errorf("panic: %v", v)
				if !rec.wrote {
					writeError(rec, r, log, err)
				} else {
					log.Error("panic after response started", "correlationId", correlationID(r.Context()), "err", err)
				}
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

// withAccessLog reports each request to the log and to observe.
func withAccessLog(log *slog.Logger, observe func(method, route string, code int, bytes int64, d time.Duration), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		start := time.Now()
		next.ServeHTTP(rec, r)
		d := time.Since(start)
		facts := factsOf(r.Context())
		route := cmp.Or(facts.route, "unmatched")
		level := slog.LevelInfo
		if route == "GET /healthz" || route == "GET /readyz" {
			level = slog.LevelDebug // probes every few seconds would drown the rest
		}
		log.Log(r.Context(), level, "request", "method", r.Method, "route", route, "status", rec.status, "bytes", rec.bytes,
			"duration", d.Round(time.Microsecond), "portal", int64(facts.portal), "correlationId", correlationID(r.Context()))
		if observe != nil {
			observe(r.Method, route, rec.status, rec.bytes, d)
		}
	})
}

// withCleanPath collapses leading slashes: the Node SDK sends
// "//files/v3/..." when its basePath ends in a slash, and ServeMux would
// answer that with a redirect that multipart uploads do not follow. Any
// other redirect ServeMux would make (a "//" or "/../" inside the path, a
// missing trailing slash) becomes HubSpot's 404 body instead: no Ferry
// route redirects, and a redirect's Location would be escaped twice.
func withCleanPath(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w = &noRedirect{ResponseWriter: w, r: r, log: log}
		if strings.HasPrefix(r.URL.Path, "//") {
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/" + strings.TrimLeft(r.URL.Path, "/")
			if r.URL.RawPath != "" {
				r2.URL.RawPath = "/" + strings.TrimLeft(r.URL.RawPath, "/")
			}
			r = r2
		}
		next.ServeHTTP(w, r)
	})
}

// bearer returns the token in an "Authorization: Bearer" header.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// requireScopes authenticates the request and checks that its token holds
// at least one of scopes (the spec's OR semantics) before calling next.
func (s *server) requireScopes(scopes []ferry.Scope, next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, err := s.auth.Authenticate(r.Context(), bearer(r))
		if err != nil {
			writeError(w, r, s.log, err)
			return
		}
		if !tok.HasAny(scopes) {
			writeError(w, r, s.log, ferry.MissingScopes(scopes))
			return
		}
		factsOf(r.Context()).portal = tok.Portal
		next(w, r.WithContext(ferry.WithToken(r.Context(), tok)))
	})
}

// portal returns the authenticated caller's portal.
func portal(r *http.Request) ferry.PortalID {
	t, _ := ferry.TokenFrom(r.Context())
	return t.Portal
}

// noRedirect turns a redirect written by ServeMux into a 404 error body.
type noRedirect struct {
	http.ResponseWriter
	r       *http.Request
	log     *slog.Logger
	blocked bool
}

func (n *noRedirect) WriteHeader(code int) {
	if code < 300 || code > 399 || n.Header().Get("Location") == "" || n.blocked {
		n.ResponseWriter.WriteHeader(code)
		return
	}
	n.blocked = true
	n.Header().Del("Location")
	writeError(n.ResponseWriter, n.r, n.log, ferry.Errorf(ferry.NotFound, "No route for %s %s: the path is not in canonical form.", n.r.Method, n.r.URL.EscapedPath()))
}

func (n *noRedirect) Write(b []byte) (int, error) {
	if n.blocked {
		return len(b), nil
	}
	return n.ResponseWriter.Write(b)
}

// ReadFrom keeps the real writer's ReadFrom reachable, so that a file
// served from local disk goes out with sendfile.
func (n *noRedirect) ReadFrom(src io.Reader) (int64, error) {
	if n.blocked {
		return io.Copy(io.Discard, src)
	}
	return readFrom(n.ResponseWriter, src)
}

// Unwrap lets http.ResponseController reach the real writer.
func (n *noRedirect) Unwrap() http.ResponseWriter { return n.ResponseWriter }
