package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// newClient returns an HTTP client that keeps up to conns connections to
// one host alive.
func newClient(conns int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		DisableCompression:  true,
		IdleConnTimeout:     time.Minute,
	}}
}

// loadResult is one run of GETs.
type loadResult struct {
	rate     float64 // responses per second
	p50, p99 time.Duration
}

// load GETs url from conns connections at once for d, reading and
// discarding each body, and fails if any answer is not 200.
func load(ctx context.Context, url string, header http.Header, conns int, d time.Duration) (loadResult, error) {
	client := newClient(conns)
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		lats     []time.Duration
		firstErr atomic.Pointer[error]
	)
	buf := make([][]byte, conns)
	start := time.Now()
	for i := range conns {
		buf[i] = make([]byte, 64<<10)
		wg.Go(func() {
			var mine []time.Duration
			for ctx.Err() == nil {
				t0 := time.Now()
				err := get(ctx, client, url, header, buf[i])
				if ctx.Err() != nil {
					break // the run ended mid-request: not counted
				}
				if err != nil {
					firstErr.CompareAndSwap(nil, &err)
					cancel()
					break
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lats = append(lats, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if e := firstErr.Load(); e != nil {
		return loadResult{}, *e
	}
	if len(lats) == 0 {
		return loadResult{}, fmt.Errorf("no request finished in %s", d)
	}
	slices.Sort(lats)
	return loadResult{rate: float64(len(lats)) / elapsed.Seconds(), p50: quantile(lats, 0.5), p99: quantile(lats, 0.99)}, nil
}

func get(ctx context.Context, client *http.Client, url string, header http.Header, buf []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header = header
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{resp.Body}, buf); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}

// quantile returns the q-quantile of sorted durations.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}

// median returns the median of xs (the lower middle for an even count).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

func medianDuration(xs []time.Duration) time.Duration {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}
