package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// envInt reads a positive integer from the environment, else def.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// peakRSS is the server process's peak resident memory, from Linux's
// /proc (0 elsewhere).
func peakRSS(s *server) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.Cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n << 10
		}
	}
	return 0
}

// TestHardenPollerLoad: many clients polling task status while imports
// run get no 5xx, and every import completes. CI runs a short form; the
// long form (FERRY_LOAD_SECONDS=60 FERRY_LOAD_POLLERS=1000
// FERRY_LOAD_IMPORTS=100) gives the figures in BENCHMARKS.md.
func TestHardenPollerLoad(t *testing.T) {
	t.Parallel()
	skipShort(t)
	seconds, pollers, imports := envInt("FERRY_LOAD_SECONDS", 4), envInt("FERRY_LOAD_POLLERS", 40), envInt("FERRY_LOAD_IMPORTS", 20)
	content := textBody("load", 256<<10)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(content)
	}))
	defer origin.Close()
	s := startServer(t, "--allow-private-networks")
	ids := make([]string, imports)
	for i := range ids {
		ids[i], _ = startImport(t, s, map[string]any{"url": fmt.Sprintf("%s/f%d.txt", origin.URL, i), "access": "PRIVATE", "folderPath": "/load"})
	}

	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: pollers}}
	deadline := time.Now().Add(time.Duration(seconds) * time.Second)
	var mu sync.Mutex
	var lat []time.Duration
	codes := map[int]int{}
	var failures []string
	var wg sync.WaitGroup
	for p := range pollers {
		wg.Go(func() {
			var mine []time.Duration
			for i := p; time.Now().Before(deadline); i++ {
				req, _ := http.NewRequest("GET", s.BaseURL+taskPath(ids[i%len(ids)]), nil)
				req.Header.Set("Authorization", "Bearer "+s.Token)
				start := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					mu.Lock()
					failures = append(failures, err.Error())
					mu.Unlock()
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mine = append(mine, time.Since(start))
				mu.Lock()
				codes[resp.StatusCode]++
				mu.Unlock()
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	for code, n := range codes {
		if code >= 500 {
			t.Errorf("%d answers with status %d", n, code)
		}
	}
	if len(failures) > 0 {
		t.Errorf("%d requests failed, first: %s", len(failures), failures[0])
	}
	for _, id := range ids {
		waitTask(t, s, id, 120*time.Second, "COMPLETE")
	}
	if len(lat) == 0 {
		t.Fatal("no request answered")
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))] }
	t.Logf("poller load: %d pollers, %d imports, %ds: %d requests (%.0f/s), p50 %s, p99 %s, max %s, peak RSS %d MiB, statuses %v",
		pollers, imports, seconds, len(lat), float64(len(lat))/float64(seconds), pct(0.5).Round(10*time.Microsecond),
		pct(0.99).Round(10*time.Microsecond), lat[len(lat)-1].Round(time.Millisecond), peakRSS(s)>>20, codes)
}
