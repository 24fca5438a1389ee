package httpapi

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"ferry/internal/ferry"
)

// BodyLimits bound how a client may send a request body.
type BodyLimits struct {
	// IdleTimeout is the longest wait for the next byte of a body, and the
	// window over which MinRate is averaged. Zero: no limit.
	IdleTimeout time.Duration
	// MinRate is the slowest a body may arrive, in bytes per second,
	// averaged over each IdleTimeout. Zero: no limit.
	MinRate int64
	// UploadsPerToken bounds the uploads and replaces one token may have
	// in progress at once. Zero: no limit.
	UploadsPerToken int
}

// withBodyGuard wraps every request body so that a body that stalls or
// trickles ends the request with 408, and one that stops short of what it
// announced (a client that went away, or cut its body) is logged at info
// level as such and answered 400, never as an internal error.
func withBodyGuard(log *slog.Logger, lim BodyLimits, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &guardedBody{rc: r.Body, ctrl: http.NewResponseController(w), lim: lim, log: log, r: r}
		}
		next.ServeHTTP(w, r)
	})
}

// guardedBody enforces BodyLimits on one request body and classifies its
// read errors.
type guardedBody struct {
	rc   io.ReadCloser
	ctrl *http.ResponseController
	lim  BodyLimits
	log  *slog.Logger
	r    *http.Request

	total       int64
	windowStart time.Time
	windowBytes int64
	failed      error
}

func (g *guardedBody) Read(p []byte) (int, error) {
	if g.failed != nil {
		return 0, g.failed
	}
	now := time.Now()
	if g.windowStart.IsZero() {
		g.windowStart = now
	}
	if g.lim.IdleTimeout > 0 {
		g.ctrl.SetReadDeadline(now.Add(g.lim.IdleTimeout))
	}
	n, err := g.rc.Read(p)
	g.total += int64(n)
	g.windowBytes += int64(n)
	if err == io.EOF {
		g.ctrl.SetReadDeadline(time.Time{}) // the connection's own timeouts apply again
		return n, err
	}
	if err != nil {
		g.failed = g.classify(err)
		return n, g.failed
	}
	if g.lim.MinRate > 0 && g.lim.IdleTimeout > 0 {
		if elapsed := time.Since(g.windowStart); elapsed >= g.lim.IdleTimeout {
			if float64(g.windowBytes) < float64(g.lim.MinRate)*elapsed.Seconds() {
				g.failed = g.tooSlow(fmt.Sprintf("it arrived at %d bytes in %s, slower than the minimum of %d bytes per second",
					g.windowBytes, elapsed.Round(time.Millisecond), g.lim.MinRate))
				return n, g.failed
			}
			g.windowStart, g.windowBytes = time.Now(), 0
		}
	}
	return n, nil
}

func (g *guardedBody) Close() error { return g.rc.Close() }

// classify turns a body read error into the error the client is answered.
func (g *guardedBody) classify(err error) error {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return err
	case errors.Is(err, os.ErrDeadlineExceeded):
		return g.tooSlow(fmt.Sprintf("no byte of it arrived for %s", g.lim.IdleTimeout))
	}
	g.log.Info("request body ended early: the client went away or cut its body short",
		"correlationId", correlationID(g.r.Context()), "method", g.r.Method, "path", g.r.URL.Path,
		"bytesRead", g.total, "err", err)
	return &ferry.Error{Kind: ferry.Invalid, SubCategory: "TRUNCATED_BODY",
		Message: fmt.Sprintf("The request body ended after %d bytes, before it was complete.", g.total), Err: err}
}

func (g *guardedBody) tooSlow(why string) error {
	g.log.Info("request body too slow", "correlationId", correlationID(g.r.Context()),
		"method", g.r.Method, "path", g.r.URL.Path, "bytesRead", g.total, "why", why)
	return &ferry.Error{Kind: ferry.TimedOut, SubCategory: "BODY_TOO_SLOW",
		Message: "The request body arrived too slowly: " + why + "."}
}

// uploadSlots counts the uploads each token has in progress.
type uploadSlots struct {
	mu    sync.Mutex
	inUse map[string]int
}

// limitUploads wraps an upload or replace handler so that one token has at
// most lim.UploadsPerToken of them in progress; one more is answered 429.
func (s *server) limitUploads(next http.HandlerFunc) http.HandlerFunc {
	max := s.opts.Body.UploadsPerToken
	if max <= 0 {
		return next
	}
	return func(w http.ResponseWriter, r *http.Request) {
		tok, _ := ferry.TokenFrom(r.Context())
		s.uploads.mu.Lock()
		n := s.uploads.inUse[tok.Hash]
		if n < max {
			s.uploads.inUse[tok.Hash] = n + 1
		}
		s.uploads.mu.Unlock()
		if n >= max {
			writeError(w, r, s.log, &ferry.Error{Kind: ferry.RateLimited, SubCategory: "TOO_MANY_UPLOADS",
				Message: fmt.Sprintf("This token has %d uploads in progress, the most it may have at once; retry when one has finished.", max)})
			return
		}
		defer func() {
			s.uploads.mu.Lock()
			if s.uploads.inUse[tok.Hash]--; s.uploads.inUse[tok.Hash] == 0 {
				delete(s.uploads.inUse, tok.Hash)
			}
			s.uploads.mu.Unlock()
		}()
		next(w, r)
	}
}
