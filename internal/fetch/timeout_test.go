package fetch_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"ferry/internal/fetch"
)

// dripHandler sends n bytes one at a time, gap apart, then stalls for
// stall (until the client goes away) before finishing.
func dripHandler(n int, gap, stall time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		for i := range n {
			if i > 0 {
				waitDone(r, gap)
			}
			if r.Context().Err() != nil {
				return
			}
			w.Write([]byte{'0' + byte(i%10)})
			rc.Flush()
		}
		waitDone(r, stall)
	})
}

// stallHandler waits d (or until the client goes away) before answering.
func stallHandler(d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		waitDone(r, d)
		w.Write([]byte("late"))
	})
}

func TestFetchTimeouts(t *testing.T) {
	t.Parallel()

	const short = 150 * time.Millisecond
	tests := []struct {
		name    string
		handler http.Handler
		cfg     fetch.Config
		want    fetch.Code // "" means success
		body    string
		early   bool // the error comes from Fetch rather than from reading
		trans   bool
	}{
		{
			name:    "SlowDripWithinIdleLimit",
			handler: dripHandler(8, 30*time.Millisecond, 0),
			cfg:     fetch.Config{IdleTimeout: short},
			body:    "01234567",
		},
		{
			name:    "DripStallsBeyondIdleLimit",
			handler: dripHandler(3, 10*time.Millisecond, 5*time.Second),
			cfg:     fetch.Config{IdleTimeout: short},
			want:    fetch.CodeIdleTimeout, trans: true,
		},
		{
			name:    "NoHeadersWithinFirstByteLimit",
			handler: stallHandler(5 * time.Second),
			cfg:     fetch.Config{FirstByteTimeout: short},
			want:    fetch.CodeFirstByteTimeout, early: true, trans: true,
		},
		{
			name:    "HeadersJustInTime",
			handler: stallHandler(20 * time.Millisecond),
			cfg:     fetch.Config{FirstByteTimeout: short},
			body:    "late",
		},
		{
			name:    "EndlessDripHitsTotalLimit",
			handler: dripHandler(1000, 20*time.Millisecond, 0),
			cfg:     fetch.Config{IdleTimeout: time.Second, TotalTimeout: 300 * time.Millisecond},
			want:    fetch.CodeTotalTimeout,
		},
		{
			name:    "TotalLimitBeforeHeaders",
			handler: stallHandler(5 * time.Second),
			cfg:     fetch.Config{FirstByteTimeout: 5 * time.Second, TotalTimeout: short},
			want:    fetch.CodeTotalTimeout, early: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			origin := newOrigin(t, originIP, tc.handler)
			cfg := tc.cfg
			cfg.Allow = []string{hostPort(t, origin)}
			f := mustNew(t, cfg)

			start := time.Now()
			resp, err := f.Fetch(context.Background(), urlOf(t, originIP, origin, "/"))
			if err == nil {
				var body []byte
				body, err = io.ReadAll(resp.Body)
				resp.Body.Close()
				if tc.want == "" && (err != nil || string(body) != tc.body) {
					t.Fatalf("body=%q err=%v, want %q", body, err, tc.body)
				}
			}
			if tc.want == "" {
				return
			}
			if took := time.Since(start); took > 2*time.Second {
				t.Fatalf("took %s, want the timeout to end the fetch promptly", took)
			}
			e := asError(t, err, tc.want)
			if (resp == nil) != tc.early {
				t.Fatalf("failed in Fetch=%v, want %v", resp == nil, tc.early)
			}
			if e.Transient != tc.trans {
				t.Fatalf("Transient=%v, want %v", e.Transient, tc.trans)
			}
			if e.Context[fetch.KeyTimeout] == "" {
				t.Fatalf("Context has no %q: %v", fetch.KeyTimeout, e.Context)
			}
		})
	}
}

func TestFetchSlowReaderIsNotIdle(t *testing.T) {
	t.Parallel()

	origin := newOrigin(t, originIP, sizedHandler(30, false))
	cfg := testConfig(t, origin)
	cfg.IdleTimeout = 30 * time.Millisecond
	f := mustNew(t, cfg)

	resp, err := f.Fetch(context.Background(), urlOf(t, originIP, origin, "/"))
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 10)
	for i := range 3 {
		time.Sleep(3 * cfg.IdleTimeout) // the caller is slow, not the origin
		if _, err := io.ReadFull(resp.Body, buf); err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
	}
}

func TestFetchCanceled(t *testing.T) {
	t.Parallel()

	t.Run("BeforeFetch", func(t *testing.T) {
		t.Parallel()
		origin := newOrigin(t, originIP, &hitCounter{})
		f := mustNew(t, testConfig(t, origin))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := f.Fetch(ctx, urlOf(t, originIP, origin, "/"))
		asError(t, err, fetch.CodeCanceled)
	})
	t.Run("WaitingForHeaders", func(t *testing.T) {
		t.Parallel()
		origin := newOrigin(t, originIP, stallHandler(5*time.Second))
		f := mustNew(t, testConfig(t, origin))
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := f.Fetch(ctx, urlOf(t, originIP, origin, "/"))
		asError(t, err, fetch.CodeCanceled)
	})
	t.Run("ReadingBody", func(t *testing.T) {
		t.Parallel()
		origin := newOrigin(t, originIP, dripHandler(2, 0, 5*time.Second))
		f := mustNew(t, testConfig(t, origin))
		ctx, cancel := context.WithCancel(context.Background())
		resp, err := f.Fetch(ctx, urlOf(t, originIP, origin, "/"))
		if err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		defer resp.Body.Close()
		time.AfterFunc(100*time.Millisecond, cancel)
		_, err = io.ReadAll(resp.Body)
		e := asError(t, err, fetch.CodeCanceled)
		if !e.Transient {
			t.Fatalf("Transient=false, want true: a shutdown is not the origin's fault")
		}
	})
	t.Run("CloseDuringRead", func(t *testing.T) {
		t.Parallel()
		origin := newOrigin(t, originIP, dripHandler(1, 0, 5*time.Second))
		f := mustNew(t, testConfig(t, origin))
		resp, err := f.Fetch(context.Background(), urlOf(t, originIP, origin, "/"))
		if err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		time.AfterFunc(100*time.Millisecond, func() { resp.Body.Close() })
		start := time.Now()
		_, err = io.ReadAll(resp.Body)
		asError(t, err, fetch.CodeCanceled)
		if took := time.Since(start); took > time.Second {
			t.Fatalf("Read returned after %s, want promptly after Close", took)
		}
	})
}
