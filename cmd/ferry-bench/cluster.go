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
// share many small imports, sent to both APIs in turn, in pairs with one
// instance on the same kind of schema and bucket doing the same imports
// alone: the ratio is what the second instance adds, with the storage the
// same on both sides (the import-small-pg row stores its files on local
// disk, and is shown beside). The origin counts its requests per file, so
// that the row can tell that every import ran exactly once (a task that
// ran twice fetches twice).
func (b *bench) clusterRow(ctx context.Context) result {
	n := b.cfg.cluster
	r := result{row: "cluster", what: fmt.Sprintf("two instances, PostgreSQL + S3, sharing %d imports of %s", n, bytesName(b.cfg.smallSize)),
		goal: "≥ 1.7× one instance, each task once"}
	var two, one []float64
	twice, never := 0, 0
	r.err = b.pairs(func(int) error {
		rate, t, nv, err := b.clusterRun(ctx, 2)
		two, twice, never = append(two, rate), twice+t, never+nv
		b.vlogf("cluster: two instances %.0f tasks/s", rate)
		return err
	}, func(int) error {
		rate, t, nv, err := b.clusterRun(ctx, 1)
		one, twice, never = append(one, rate), twice+t, never+nv
		b.vlogf("cluster: one instance %.0f tasks/s", rate)
		return err
	})
	if r.err != nil {
		return r
	}
	r.ratio = median(two) / median(one)
	r.ferry = fmt.Sprintf("%.0f tasks/s; %d fetched twice, %d never", median(two), twice, never)
	r.ceiling = fmt.Sprintf("one instance on the same PostgreSQL + S3: %.0f tasks/s", median(one))
	if b.pgRate > 0 {
		r.ceiling += fmt.Sprintf(" (on local disk, import-small-pg row: %.0f)", b.pgRate)
	}
	r.met = twice == 0 && never == 0 && r.ratio >= 1.7
	return r
}

// clusterRun starts instances on a fresh schema and the S3 bucket, has
// them share the row's imports, and returns the tasks per second and how
// many files the origin served more than once and never.
func (b *bench) clusterRun(ctx context.Context, instances int) (rate float64, twice, never int, err error) {
	n := b.cfg.cluster
	origin, hits, stop, err := countingOrigin(b.path("origin"))
	if err != nil {
		return 0, 0, 0, err
	}
	defer stop()
	url, drop, err := newSchema(ctx, b.cfg.postgres)
	if err != nil {
		return 0, 0, 0, err
	}
	defer drop()
	var srvs []*ferryServer
	for i := range instances {
		srv, err := b.startFerry(fmt.Sprintf("ferry cluster %d", i), b.path(fmt.Sprintf("ferry-cluster-%d-of-%d-%d", i, instances, time.Now().UnixNano())),
			"--database", url, "--blobs", b.cfg.s3, "--import-workers", fmt.Sprint(b.cfg.smallAtOnce))
		if err != nil {
			return 0, 0, 0, err
		}
		defer srv.stop()
		srvs = append(srvs, srv)
	}
	rate, err = b.ferryImports(ctx, srvs, n, "/bench/cluster", func(i int) string {
		return fmt.Sprintf("http://%s/small/%d.bin", origin, i)
	})
	if err != nil {
		return 0, 0, 0, err
	}
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
	return rate, twice, never, nil
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
