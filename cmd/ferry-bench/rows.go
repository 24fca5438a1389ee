package main

import (
	"context"
	"crypto/md5"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

const mib = 1 << 20

// pairs runs ferry and then ceiling, cfg.pairs times, and stops at the
// first error.
func (b *bench) pairs(ferry, ceiling func(i int) error) error {
	for i := range b.cfg.pairs {
		if err := ferry(i); err != nil {
			return fmt.Errorf("Ferry: %w", err)
		}
		if ceiling == nil {
			continue
		}
		if err := ceiling(i); err != nil {
			return fmt.Errorf("ceiling: %w", err)
		}
	}
	return nil
}

// statusRow: GETs of one COMPLETE task's status against a bare net/http
// server answering a fixed 1 KiB body.
func (b *bench) statusRow(ctx context.Context, srv *ferryServer, _ string) result {
	r := result{row: "status", what: fmt.Sprintf("task-status GET of a COMPLETE task, %d connections", b.cfg.conns), goal: "≥ 0.5, p99 < 10 ms"}
	id, err := srv.startImport(ctx, b.originURL("host.bin"), "/bench/status")
	if err == nil {
		_, err = srv.waitTask(ctx, id, 20*time.Millisecond)
	}
	if err != nil {
		r.err = err
		return r
	}
	ceil, err := startCeiling("status")
	if err != nil {
		r.err = err
		return r
	}
	defer ceil.stop()
	statusURL := srv.base + "/files/v3/files/import-from-url/async/tasks/" + id + "/status"
	var fr, cr []float64
	var fp99, cp99 []time.Duration
	r.err = b.pairs(func(int) error {
		res, err := load(ctx, statusURL, srv.auth, b.cfg.conns, b.cfg.duration)
		fr, fp99 = append(fr, res.rate), append(fp99, res.p99)
		b.vlogf("status: Ferry %.0f req/s p99 %s", res.rate, res.p99)
		return err
	}, func(int) error {
		res, err := load(ctx, "http://"+ceil.addr+"/", nil, b.cfg.conns, b.cfg.duration)
		cr, cp99 = append(cr, res.rate), append(cp99, res.p99)
		b.vlogf("status: ceiling %.0f req/s p99 %s", res.rate, res.p99)
		return err
	})
	r.ratio = median(fr) / median(cr)
	p99 := medianDuration(fp99)
	r.ferry = fmt.Sprintf("%.0f req/s, p99 %s", median(fr), ms(p99))
	r.ceiling = fmt.Sprintf("bare net/http, fixed 1 KiB body: %.0f req/s, p99 %s", median(cr), ms(medianDuration(cp99)))
	r.met = r.ratio >= 0.5 && p99 < 10*time.Millisecond
	return r
}

// largeImportRow: one import of the big file from the origin against curl
// -o and a raw Go fetch-and-write loop of the same URL to the same disk.
func (b *bench) largeImportRow(ctx context.Context, srv *ferryServer, _ string) result {
	size := b.cfg.bigSize
	r := result{row: "import-large", what: fmt.Sprintf("one %s import from a local %s", bytesName(size), b.originBy), goal: "≥ 0.8, peak RSS ≤ 64 MiB"}
	src := b.originURL("big.bin")
	var fr, cr []float64
	var rss []int64
	var ceilBy string
	r.err = b.pairs(func(int) error {
		srv.resetPeakRSS()
		start := time.Now()
		id, err := srv.startImport(ctx, src, "/bench/large")
		if err != nil {
			return err
		}
		f, err := srv.waitTask(ctx, id, 10*time.Millisecond)
		if err != nil {
			return err
		}
		d := time.Since(start)
		if f.Size != size {
			return fmt.Errorf("imported %d bytes, want %d", f.Size, size)
		}
		fr, rss = append(fr, float64(size)/mib/d.Seconds()), append(rss, srv.peakRSS())
		b.vlogf("import-large: Ferry %.0f MiB/s, peak RSS %s", fr[len(fr)-1], bytesName(rss[len(rss)-1]))
		return srv.deleteFile(ctx, f.ID)
	}, func(int) error {
		best, by, err := b.bestDownload(ctx, src, size)
		cr, ceilBy = append(cr, best), by
		b.vlogf("import-large: ceiling %.0f MiB/s (%s)", best, by)
		return err
	})
	r.ratio = median(fr) / median(cr)
	peak := slicesMax(rss)
	r.ferry = fmt.Sprintf("%.0f MiB/s, peak RSS %s", median(fr), bytesName(peak))
	r.ceiling = fmt.Sprintf("%s to the same disk: %.0f MiB/s; %s", ceilBy, median(cr), md5Bound(median(cr)))
	r.met = r.ratio >= 0.8 && peak <= 64*mib
	return r
}

// md5Bound measures MD5 on one core of this machine, now, over a buffer
// in memory, and says what it allows against ceiling (MiB/s). Every byte
// Ferry stores is MD5-hashed (HubSpot's File carries it), and one MD5
// cannot be split across cores: no copy that hashes can beat this rate,
// so it bounds the row's ratio whatever the ceiling.
func md5Bound(ceiling float64) string {
	buf := make([]byte, 256<<10)
	h := md5.New()
	var n int64
	start := time.Now()
	for time.Since(start) < 300*time.Millisecond {
		h.Write(buf)
		n += int64(len(buf))
	}
	rate := float64(n) / mib / time.Since(start).Seconds()
	return fmt.Sprintf("MD5 alone on one core: %.0f MiB/s, at most %.2f of the ceiling", rate, min(1, rate/ceiling))
}

// bestDownload downloads url to disk with curl (if installed) and with a
// raw Go loop, and returns the faster in MiB/s.
func (b *bench) bestDownload(ctx context.Context, src string, size int64) (float64, string, error) {
	dst := b.path("download.bin")
	defer os.Remove(dst)
	start := time.Now()
	if _, err := fetchToFile(ctx, http.DefaultClient, src, dst); err != nil {
		return 0, "", err
	}
	best, by := float64(size)/mib/time.Since(start).Seconds(), "a raw Go fetch-and-write loop"
	if b.curl == "" {
		return best, by, nil
	}
	os.Remove(dst)
	start = time.Now()
	if out, err := exec.CommandContext(ctx, b.curl, "-sS", "-f", "-o", dst, src).CombinedOutput(); err != nil {
		return 0, "", fmt.Errorf("curl: %v: %s", err, out)
	}
	if rate := float64(size) / mib / time.Since(start).Seconds(); rate > best {
		best, by = rate, "curl -o"
	}
	return best, "faster of curl -o and a raw Go loop (" + by + ")", nil
}

// fetchToFile is the ceiling of an import: GET and write, nothing else.
func fetchToFile(ctx context.Context, client *http.Client, src, dst string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %s", src, resp.Status)
	}
	f, err := os.Create(dst)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// smallImportRow: many small imports, a few in flight at once, against a
// plain Go loop fetching and writing the same files as many at once.
func (b *bench) smallImportRow(ctx context.Context, srv *ferryServer, db string) result {
	n, at := b.cfg.smallCount, b.cfg.smallAtOnce
	r := result{row: "import-small", what: fmt.Sprintf("%d imports of %s, %d at a time, %s", n, bytesName(b.cfg.smallSize), at, db),
		goal: "≥ 1,000 tasks/s"}
	var fr, cr []float64
	r.err = b.pairs(func(i int) error {
		rate, err := b.ferryImports(ctx, []*ferryServer{srv}, n, fmt.Sprintf("/bench/small-%d", i), nil)
		fr = append(fr, rate)
		b.vlogf("import-small (%s): Ferry %.0f tasks/s", db, rate)
		return err
	}, func(int) error {
		rate, err := b.fetchLoop(ctx, n, at)
		cr = append(cr, rate)
		b.vlogf("import-small: ceiling %.0f files/s", rate)
		return err
	})
	r.ratio = median(fr) / median(cr)
	r.ferry = fmt.Sprintf("%.0f tasks/s", median(fr))
	r.ceiling = fmt.Sprintf("plain Go loop fetching and writing the same files: %.0f/s", median(cr))
	r.met = median(fr) >= 1000
	if db == "PostgreSQL" {
		b.pgRate = median(fr)
	}
	return r
}

// ferryImports starts n imports of the small files spread over the
// servers, from smallAtOnce clients, waits until all are COMPLETE, and
// returns tasks per second. check, if set, sees every finished file.
func (b *bench) ferryImports(ctx context.Context, srvs []*ferryServer, n int, folder string, srcURL func(i int) string) (float64, error) {
	if srcURL == nil {
		srcURL = func(i int) string { return b.originURL(fmt.Sprintf("small/%d.bin", i)) }
	}
	ids := make([]string, n)
	start := time.Now()
	err := parallel(ctx, 2*b.cfg.smallAtOnce, n, func(ctx context.Context, i int) error {
		var err error
		ids[i], err = srvs[i%len(srvs)].startImport(ctx, srcURL(i), folder)
		return err
	})
	if err != nil {
		return 0, err
	}
	err = parallel(ctx, b.cfg.smallAtOnce, n, func(ctx context.Context, i int) error {
		_, err := srvs[i%len(srvs)].waitTask(ctx, ids[i], 5*time.Millisecond)
		return err
	})
	return float64(n) / time.Since(start).Seconds(), err
}

// fetchLoop fetches every small file to disk, at at a time, and returns
// files per second.
func (b *bench) fetchLoop(ctx context.Context, n, at int) (float64, error) {
	dir, err := b.fetchDir()
	if err != nil {
		return 0, err
	}
	client := newClient(at)
	defer client.CloseIdleConnections()
	start := time.Now()
	err = parallel(ctx, at, n, func(ctx context.Context, i int) error {
		_, err := fetchToFile(ctx, client, b.originURL(fmt.Sprintf("small/%d.bin", i)), fmt.Sprintf("%s/%d", dir, i))
		return err
	})
	return float64(n) / time.Since(start).Seconds(), err
}

// fetchDir makes a directory of its own for one run of a ceiling that
// fetches the small files. It stays until the bench ends: deleting
// thousands of files here would slow every file Ferry creates next, on
// ext4 without a journal for up to five minutes (its inode allocator skips
// and rereads recently deleted inodes; see BENCHMARKS.md), and so hand the
// ceiling's cleanup to Ferry's bill.
func (b *bench) fetchDir() (string, error) {
	b.fetchRuns++
	dir := b.path(fmt.Sprintf("fetched-%d", b.fetchRuns))
	return dir, os.MkdirAll(dir, 0o755)
}

// parallel runs fn for 0..n-1 on workers goroutines, stopping at the
// first error.
func parallel(ctx context.Context, workers, n int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(ctx, i); err != nil {
					cancel(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil && err != context.Canceled {
		return err
	}
	return ctx.Err()
}

// hostingRow: GETs of a PUBLIC file at its /hubfs URL against the origin
// (nginx if installed) serving the same bytes.
func (b *bench) hostingRow(ctx context.Context, srv *ferryServer, _ string) result {
	r := result{row: "hosting", what: fmt.Sprintf("%s PUBLIC file from /hubfs, %d connections", bytesName(b.cfg.hostSize), b.cfg.conns), goal: "≥ 0.9"}
	f, err := srv.upload(ctx, newMultipartBody(b.path("origin", "host.bin"), b.cfg.hostSize, `{"access":"PUBLIC_INDEXABLE"}`))
	if err != nil {
		r.err = err
		return r
	}
	var fr, cr []float64
	r.err = b.pairs(func(int) error {
		res, err := load(ctx, f.URL, nil, b.cfg.conns, b.cfg.duration)
		fr = append(fr, res.rate)
		b.vlogf("hosting: Ferry %.0f req/s", res.rate)
		return err
	}, func(int) error {
		res, err := load(ctx, b.originURL("host.bin"), nil, b.cfg.conns, b.cfg.duration)
		cr = append(cr, res.rate)
		b.vlogf("hosting: ceiling %.0f req/s", res.rate)
		return err
	})
	r.ratio = median(fr) / median(cr)
	r.ferry = fmt.Sprintf("%.0f req/s", median(fr))
	r.ceiling = fmt.Sprintf("%s serving the same file: %.0f req/s", b.originBy, median(cr))
	r.met = r.ratio >= 0.9
	return r
}

// uploadRow: one multipart upload of the big file against a minimal Go
// handler writing the file part to disk.
func (b *bench) uploadRow(ctx context.Context, srv *ferryServer, _ string) result {
	size := b.cfg.bigSize
	r := result{row: "upload", what: fmt.Sprintf("%s multipart upload", bytesName(size)), goal: "≥ 0.8, peak RSS ≤ 64 MiB"}
	sinkDir := b.path("sink")
	if err := os.MkdirAll(sinkDir, 0o755); err != nil {
		r.err = err
		return r
	}
	defer os.RemoveAll(sinkDir)
	sink, err := startCeiling("upload", sinkDir)
	if err != nil {
		r.err = err
		return r
	}
	defer sink.stop()
	body := newMultipartBody(b.path("origin", "big.bin"), size, `{"access":"PRIVATE"}`)
	var fr, cr []float64
	var rss []int64
	r.err = b.pairs(func(int) error {
		srv.resetPeakRSS()
		start := time.Now()
		f, err := srv.upload(ctx, body)
		if err != nil {
			return err
		}
		fr, rss = append(fr, float64(size)/mib/time.Since(start).Seconds()), append(rss, srv.peakRSS())
		b.vlogf("upload: Ferry %.0f MiB/s, peak RSS %s", fr[len(fr)-1], bytesName(rss[len(rss)-1]))
		return srv.deleteFile(ctx, f.ID)
	}, func(int) error {
		req, done, err := body.request("http://"+sink.addr+"/", http.Header{})
		if err != nil {
			return err
		}
		defer done()
		start := time.Now()
		resp, err := http.DefaultClient.Do(req.WithContext(ctx))
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("upload sink: %s", resp.Status)
		}
		cr = append(cr, float64(size)/mib/time.Since(start).Seconds())
		b.vlogf("upload: ceiling %.0f MiB/s", cr[len(cr)-1])
		return clearDir(sinkDir)
	})
	r.ratio = median(fr) / median(cr)
	peak := slicesMax(rss)
	r.ferry = fmt.Sprintf("%.0f MiB/s, peak RSS %s", median(fr), bytesName(peak))
	r.ceiling = fmt.Sprintf("minimal Go handler writing the file part to disk: %.0f MiB/s; %s", median(cr), md5Bound(median(cr)))
	r.met = r.ratio >= 0.8 && peak <= 64*mib
	return r
}

// searchRow: name= substring searches, one at a time, of terms that each
// match a handful of the seeded files.
func (b *bench) searchRow(ctx context.Context, srv *ferryServer, db string) result {
	r := result{row: "search", what: fmt.Sprintf("search name= (substring) at %d files, %s", b.cfg.searchFiles, db), goal: "p50 < 5 ms"}
	terms := b.terms[db]
	if len(terms) == 0 {
		r.err = fmt.Errorf("no search terms: the database was not seeded")
		return r
	}
	var p50s []time.Duration
	r.err = b.pairs(func(int) error {
		var lats []time.Duration
		deadline := time.Now().Add(b.cfg.duration)
		for i := 0; time.Now().Before(deadline) || i < len(terms); i++ {
			var page struct{ Results []json.RawMessage }
			t0 := time.Now()
			err := srv.call(ctx, http.MethodGet, "/files/v3/files/search?name="+url.QueryEscape(terms[i%len(terms)]), nil, http.StatusOK, &page)
			if err != nil {
				return err
			}
			lats = append(lats, time.Since(t0))
			if len(page.Results) == 0 {
				return fmt.Errorf("search for %q found nothing, but a seeded file has it in its name", terms[i%len(terms)])
			}
		}
		p50s = append(p50s, medianDuration(lats))
		b.vlogf("search (%s): p50 %s over %d queries", db, p50s[len(p50s)-1], len(lats))
		return nil
	}, nil)
	p50 := medianDuration(p50s)
	r.ferry = "p50 " + ms(p50)
	r.met = p50 < 5*time.Millisecond
	return r
}

// latencyCount is how many imports one run of the latency row times.
const latencyCount = 20

// latencyRow: one small import at a time on an idle instance, from the
// POST to the first status poll (every 2 ms) that says COMPLETE, against
// fetching the same files to disk one at a time. The pause before each
// import lets the workers go idle, so the row shows how soon an instance
// hears of a new import: at once, or at its next poll for jobs.
func (b *bench) latencyRow(ctx context.Context, srv *ferryServer, db string) result {
	r := result{row: "latency", what: fmt.Sprintf("one %s import at a time on an idle instance, POST to COMPLETE, %s", bytesName(b.cfg.smallSize), db),
		goal: "p50 < 50 ms (Ferry's own)"}
	n := min(latencyCount, b.cfg.smallCount)
	client := newClient(1)
	defer client.CloseIdleConnections()
	var fl, cl []time.Duration
	r.err = b.pairs(func(i int) error {
		for j := range n {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
			t0 := time.Now()
			id, err := srv.startImport(ctx, b.originURL(fmt.Sprintf("small/%d.bin", j)), fmt.Sprintf("/bench/latency-%d", i))
			if err == nil {
				_, err = srv.waitTask(ctx, id, 2*time.Millisecond)
			}
			if err != nil {
				return err
			}
			fl = append(fl, time.Since(t0))
		}
		return nil
	}, func(i int) error {
		dir, err := b.fetchDir()
		if err != nil {
			return err
		}
		for j := range n {
			t0 := time.Now()
			if _, err := fetchToFile(ctx, client, b.originURL(fmt.Sprintf("small/%d.bin", j)), fmt.Sprintf("%s/%d", dir, j)); err != nil {
				return err
			}
			cl = append(cl, time.Since(t0))
		}
		return nil
	})
	p50, c50 := medianDuration(fl), medianDuration(cl)
	r.ferry = fmt.Sprintf("p50 %s, max %s", ms(p50), ms(slices.Max(append([]time.Duration{0}, fl...))))
	r.ceiling = fmt.Sprintf("fetching the same file to disk: p50 %s", ms(c50))
	if p50 > 0 {
		r.ratio = float64(c50) / float64(p50)
	}
	r.met = p50 > 0 && p50 < 50*time.Millisecond
	return r
}

func clearDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.RemoveAll(dir + "/" + e.Name()); err != nil {
			return err
		}
	}
	return nil
}

func slicesMax(xs []int64) int64 {
	var m int64
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func bytesName(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= mib:
		return fmt.Sprintf("%.0f MiB", float64(n)/mib)
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
