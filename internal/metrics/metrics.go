// Package metrics exposes Ferry's counters and latencies to Prometheus.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds Ferry's collectors on a registry of its own.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.HistogramVec
	tasks    *prometheus.CounterVec
	attempts *prometheus.CounterVec
	lag      prometheus.Histogram
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
		tasks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ferry_tasks_finished_total",
			Help: "Asynchronous tasks that reached a terminal state, by kind, status and error category.",
		}, []string{"kind", "status", "category"}),
	}
	m.attempts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ferry_webhook_delivery_attempts_total",
		Help: "Webhook delivery attempts, by outcome (success or failure).",
	}, []string{"outcome"})
	m.lag = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "ferry_webhook_delivery_lag_seconds",
		Help:    "Time from an event to each attempt to deliver it.",
		Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 21600, 86400},
	})
	m.reg.MustRegister(m.attempts, m.lag)
	m.reg.MustRegister(m.requests, m.tasks, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveRequest records one HTTP request. route is the ServeMux pattern,
// never the raw path, so that ids do not explode the label space.
func (m *Metrics) ObserveRequest(method, route string, code int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(method, route, strconv.Itoa(code)).Observe(d.Seconds())
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

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
