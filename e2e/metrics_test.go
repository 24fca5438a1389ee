package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDashboardMetricsExist runs a scripted scenario (an upload, a good
// and a failing import, hosting, a 404) against a server with
// --metrics-addr, then checks that every metric name the Grafana dashboard
// in docs/ queries is exposed, and that the scenario moved the ones it
// should.
func TestDashboardMetricsExist(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--allow-private-networks", "--metrics-addr", "127.0.0.1:0")
	o := newOrigin(t)
	o.serve("/ok.txt", "text/plain", []byte("imported body"))
	o.notFound("/missing.txt")

	for _, path := range []string{"/ok.txt", "/missing.txt"} {
		resp, b := s.do("POST", importPath, map[string]any{"url": o.url(path), "access": "PUBLIC_NOT_INDEXABLE", "folderPath": "/m"}, s.Token)
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("POST import: %d %s", resp.StatusCode, b)
		}
		waitTask(t, s, jstr(decodeJSON(t, b), "id"), 30*time.Second, terminal...)
	}
	ferryCLI(t, s, "upload", "--access", "PUBLIC_NOT_INDEXABLE", "--folder-path", "/m", writeTree(t, map[string]string{"u.txt": "uploaded"})+"/u.txt")
	if resp, err := http.Get(s.BaseURL + "/hubfs/1/m/ok.txt"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET hosted file: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	s.do("GET", "/files/v3/files/424242", nil, s.Token)

	addr := regexp.MustCompile(`msg="serving metrics" addr=(\S+)`).FindStringSubmatch(s.log.String())
	if addr == nil {
		t.Fatalf("no metrics address in the log:\n%s", s.log.String())
	}
	resp, err := http.Get("http://" + addr[1] + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	exposed := map[string]bool{}
	for _, line := range strings.Split(string(body), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			exposed[regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*`).FindString(line)] = true
		}
	}

	raw, err := os.ReadFile("../docs/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("docs/grafana-dashboard.json: %v", err)
	}
	names := regexp.MustCompile(`\b(ferry|process|go)_[a-z0-9_]+\b`)
	used := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			for _, n := range names.FindAllString(tg.Expr, -1) {
				used++
				if !exposed[n] {
					t.Errorf("panel %q queries %s, which /metrics does not expose", p.Title, n)
				}
			}
		}
	}
	if used < 10 {
		t.Errorf("the dashboard uses only %d metric names; the test reads it wrong", used)
	}

	// The scenario shows in the values, not only in the names.
	for _, want := range []string{
		`ferry_import_fetch_failures_total{code="ORIGIN_CLIENT_ERROR"} 1`,
		`ferry_tasks_finished_total{category="",kind="import_from_url",status="COMPLETE"} 1`,
		`ferry_task_duration_seconds_count{kind="import_from_url",status="CANCELED"} 1`,
		`ferry_tasks{status="COMPLETE"} 1`,
		`ferry_tasks{status="CANCELED"} 1`,
		`ferry_import_bytes_fetched_total 13`,
		`ferry_blob_bytes_stored_total 21`,
		`ferry_imports_in_flight 0`,
		`ferry_http_response_bytes_total{route="GET /hubfs/{portal}/{path...}"} 13`,
		`ferry_http_request_duration_seconds_count{code="404",method="GET",route="GET /files/v3/files/{fileId}"} 1`,
		`ferry_database_errors_total 0`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", body)
	}
}

// The metrics address also serves Go's CPU profile and execution trace
// (BENCHMARKS.md takes both), and the public address serves neither.
func TestProfilesOnTheMetricsAddress(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--metrics-addr", "127.0.0.1:0")
	addr := regexp.MustCompile(`msg="serving metrics" addr=(\S+)`).FindStringSubmatch(s.log.String())
	if addr == nil {
		t.Fatalf("no metrics address in the log:\n%s", s.log.String())
	}
	for _, p := range []string{"/debug/pprof/profile?seconds=1", "/debug/pprof/trace?seconds=1"} {
		resp, err := http.Get("http://" + addr[1] + p)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || len(body) == 0 {
			t.Errorf("GET %s on the metrics address: %d, %d bytes", p, resp.StatusCode, len(body))
		}
		if resp, _ := s.do("GET", strings.Split(p, "?")[0], nil, s.Token); resp.StatusCode == http.StatusOK {
			t.Errorf("GET %s on the public address: 200, want it not served there", p)
		}
	}
}
