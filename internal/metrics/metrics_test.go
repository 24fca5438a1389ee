package metrics_test

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"ferry/internal/metrics"
)

func TestHandlerExposesObservations(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	m.ObserveRequest("GET", "GET /files/v3/files/{fileId}", 200, 120, 3*time.Millisecond)
	m.ObserveRequest("GET", "", 404, 0, time.Millisecond)
	m.TaskFinished("import_from_url", "CANCELED", "FETCH_FAILED")
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`ferry_http_request_duration_seconds_count{code="200",method="GET",route="GET /files/v3/files/{fileId}"} 1`,
		`ferry_http_request_duration_seconds_count{code="404",method="GET",route="unmatched"} 1`,
		`ferry_tasks_finished_total{category="FETCH_FAILED",kind="import_from_url",status="CANCELED"} 1`,
		`ferry_http_response_bytes_total{route="GET /files/v3/files/{fileId}"} 120`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
