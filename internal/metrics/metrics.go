// Package metrics exposes Ferry's counters and latencies to Prometheus.
// docs/grafana-dashboard.json charts them; docs/metrics.md lists them.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds Ferry's collectors on a registry of its own. Its methods
// are safe for concurrent use.
type Metrics struct {
	reg           *prometheus.Registry
	requests      *prometheus.HistogramVec
	responseBytes *prometheus.CounterVec
	tasks         *prometheus.CounterVec
	taskDuration  *prometheus.HistogramVec
	inFlight      prometheus.Gauge
	bytesFetched  prometheus.Counter
	fetchFailures *prometheus.CounterVec
	bytesStored   prometheus.Counter
	blobErrors    *prometheus.CounterVec
	dbErrors      prometheus.Counter
	attempts      *prometheus.CounterVec
	lag           prometheus.Histogram
}

// New returns Metrics with Go runtime and process collectors registered.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ferry_http_request_duration_seconds",
			Help:    "API and hosting requests by route pattern and status code.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route", "code"}),
		responseBytes: counterVec("ferry_http_response_bytes_total",
			"Bytes of response bodies by route pattern: the hosting and download routes are the bytes served.",
			"route"),
		tasks: counterVec("ferry_tasks_finished_total",
			"Asynchronous tasks that reached a terminal state, by kind, status and error category.",
			"kind", "status", "category"),
		taskDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ferry_task_duration_seconds",
			Help:    "Time from a task's request to its end, by kind and final status (COMPLETE or CANCELED).",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600},
		}, []string{"kind", "status"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{Name: "ferry_imports_in_flight",
			Help: "Imports fetching or storing on this instance right now."}),
		bytesFetched: counter("ferry_import_bytes_fetched_total",
			"Body bytes imports read from origins, failed attempts included."),
		fetchFailures: counterVec("ferry_import_fetch_failures_total",
			"Failed import attempts by fetch error code (docs/fetch-errors.md), retried ones included.",
			"code"),
		bytesStored: counter("ferry_blob_bytes_stored_total",
			"Bytes written to blob storage by uploads, replaces and imports."),
		blobErrors: counterVec("ferry_blob_errors_total",
			"Blob storage operations that failed, by operation (write, read, delete); a missing blob is not counted.",
			"op"),
		dbErrors: counter("ferry_database_errors_total",
			"Database statements that failed for a reason other than no rows, a unique conflict or a canceled request."),
	}
	m.reg.MustRegister(m.requests, m.responseBytes, m.tasks, m.taskDuration, m.inFlight, m.bytesFetched, m.fetchFailures,
		m.bytesStored, m.blobErrors, m.dbErrors, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Series that exist from the start, so that dashboards and alerts see
	// zero rather than nothing.
	for _, op := range []string{"write", "read", "delete"} {
		m.blobErrors.WithLabelValues(op)
	}
	m.attempts = counterVec("ferry_webhook_delivery_attempts_total",
		"Webhook delivery attempts, by outcome (success or failure).",
		"outcome")
	m.lag = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "ferry_webhook_delivery_lag_seconds",
		Help:    "Time from an event to each attempt to deliver it.",
		Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 21600, 86400},
	})
	m.reg.MustRegister(m.attempts, m.lag)
	for _, outcome := range []string{"success", "failure"} {
		m.attempts.WithLabelValues(outcome) // zero from the start, for the dashboard
	}
	return m
}

// counter and counterVec make a counter without labels and one with them.
func counter(name, help string) prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
}

func counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}

// ObserveRequest records one HTTP request. route is the ServeMux pattern,
// never the raw path, so that ids do not explode the label space.
func (m *Metrics) ObserveRequest(method, route string, code int, bytes int64, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(method, route, strconv.Itoa(code)).Observe(d.Seconds())
	m.responseBytes.WithLabelValues(route).Add(float64(bytes))
}

// TaskFinished counts a task that reached COMPLETE or CANCELED.
func (m *Metrics) TaskFinished(kind, status, category string) {
	m.tasks.WithLabelValues(kind, status, category).Inc()
}

// DeliveryAttempted counts a webhook delivery attempt and observes how
// long after its event it was made.
func (m *Metrics) DeliveryAttempted(outcome string, lag time.Duration) {
	m.attempts.WithLabelValues(outcome).Inc()
	m.lag.Observe(lag.Seconds())
}

// TaskDuration records how long a task took from request to end.
func (m *Metrics) TaskDuration(kind, status string, d time.Duration) {
	m.taskDuration.WithLabelValues(kind, status).Observe(d.Seconds())
}

// ImportStarted counts an import in flight until done is called.
func (m *Metrics) ImportStarted() (done func()) {
	m.inFlight.Inc()
	return m.inFlight.Dec
}

// BytesFetched counts body bytes read from an origin.
func (m *Metrics) BytesFetched(n int64) { m.bytesFetched.Add(float64(n)) }

// FetchFailed counts a failed import attempt by its fetch error code.
func (m *Metrics) FetchFailed(code string) { m.fetchFailures.WithLabelValues(code).Inc() }

// BlobStored counts bytes written to blob storage.
func (m *Metrics) BlobStored(n int64) { m.bytesStored.Add(float64(n)) }

// BlobError counts a failed blob operation.
func (m *Metrics) BlobError(op string) { m.blobErrors.WithLabelValues(op).Inc() }

// DatabaseError counts a failed database statement.
func (m *Metrics) DatabaseError() { m.dbErrors.Inc() }

// WatchTasks makes every scrape report ferry_tasks, the number of tasks
// in each status (PENDING and PROCESSING are the queue), as count reads
// them from the database. A failed count is a database error.
func (m *Metrics) WatchTasks(count func(ctx context.Context) (map[string]int64, error)) {
	m.reg.MustRegister(&taskCollector{m: m, count: count,
		desc: prometheus.NewDesc("ferry_tasks", "Tasks in the database by status: PENDING and PROCESSING are the queue depth.", []string{"status"}, nil)})
}

type taskCollector struct {
	m     *Metrics
	count func(ctx context.Context) (map[string]int64, error)
	desc  *prometheus.Desc
}

func (c *taskCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *taskCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := c.count(ctx)
	if err != nil {
		c.m.DatabaseError()
		return
	}
	for _, st := range []string{"PENDING", "PROCESSING", "COMPLETE", "CANCELED"} {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(counts[st]), st)
	}
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
