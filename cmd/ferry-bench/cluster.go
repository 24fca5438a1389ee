package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

// clusterRow: two instances on one PostgreSQL schema and one S3 bucket
// share many small imports, sent to both APIs in turn. The origin counts
// its requests per file, so that the row can tell that every import ran
// exactly once (a task that ran twice fetches twice).
func (b *bench) clusterRow(ctx context.Context) result {
	n := b.cfg.cluster
	r := result{row: "cluster", what: fmt.Sprintf("two instances, PostgreSQL + S3, sharing %d imports of %s", n, bytesName(b.cfg.smallSize)),
		goal: "≥ 1.7× one instance, each task once"}
	origin, hits, stop, err := countingOrigin(b.path("origin"))
	if err != nil {
		r.err = err
		return r
	}
	defer stop()
	url, drop, err := newSchema(ctx, b.cfg.postgres)
	if err != nil {
		r.err = err
		return r
	}
	defer drop()
	var srvs []*ferryServer
	for i := range 2 {
		srv, err := b.startFerry(fmt.Sprintf("ferry cluster %d", i), b.path(fmt.Sprintf("ferry-cluster-%d", i)),
			"--database", url, "--blobs", b.cfg.s3, "--import-workers", fmt.Sprint(b.cfg.smallAtOnce))
		if err != nil {
			r.err = err
			return r
		}
		defer srv.stop()
		srvs = append(srvs, srv)
	}
	rate, err := b.ferryImports(ctx, srvs, n, "/bench/cluster", func(i int) string {
		return fmt.Sprintf("http://%s/small/%d.bin", origin, i)
	})
	if err != nil {
		r.err = err
		return r
	}
	var twice, never int
	hits.Range(func(_, v any) bool {
		if v.(*countingHits).n > 1 {
			twice++
		}
		return true
	})
	for i := range n {
		if _, ok := hits.Load(fmt.Sprintf("/small/%d.bin", i)); !ok {
			never++
		}
	}
	r.ferry = fmt.Sprintf("%.0f tasks/s; %d fetched twice, %d never", rate, twice, never)
	if b.pgRate > 0 {
		r.ratio = rate / b.pgRate
		r.ceiling = fmt.Sprintf("one instance (import-small-pg row): %.0f tasks/s", b.pgRate)
	} else {
		r.note = "run the import-small-pg row too for the one-instance figure"
	}
	r.met = twice == 0 && never == 0 && r.ratio >= 1.7
	return r
}

type countingHits struct {
	mu sync.Mutex
	n  int
}

// countingOrigin serves dir's files in this process and counts requests
// per path.
func countingOrigin(dir string) (string, *sync.Map, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, nil, err
	}
	hits := &sync.Map{}
	files := http.FileServer(http.Dir(dir))
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, _ := hits.LoadOrStore(r.URL.Path, &countingHits{})
		c := v.(*countingHits)
		c.mu.Lock()
		c.n++
		c.mu.Unlock()
		files.ServeHTTP(w, r)
	})}
	go srv.Serve(ln)
	if _, err := os.Stat(dir); err != nil {
		srv.Close()
		return "", nil, nil, err
	}
	return ln.Addr().String(), hits, func() { srv.Close() }, nil
}
