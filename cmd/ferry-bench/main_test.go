package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// TestBenchPrintsEveryRow runs the whole bench at tiny sizes, through the
// real binary, and checks that every row comes out with a figure. It
// asserts no timing: on a shared machine only the run itself is checked.
func TestBenchPrintsEveryRow(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the real binary")
	}
	if os.Getenv("FERRY_TEST_POSTGRES_URL") == "" || os.Getenv("FERRY_TEST_S3_URL") == "" {
		t.Log("FERRY_TEST_POSTGRES_URL or FERRY_TEST_S3_URL unset: the PostgreSQL and cluster rows report that they were skipped")
	}
	// The bench runs its ceilings as children of its own binary: the test
	// binary plays that part (see TestMain).
	env := map[string]string{
		"FERRY_BENCH_POSTGRES_URL": os.Getenv("FERRY_TEST_POSTGRES_URL"),
		"FERRY_BENCH_S3_URL":       os.Getenv("FERRY_TEST_S3_URL"),
	}
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	args := []string{"--quick", "--pairs", "1", "--duration", "200ms", "--conns", "4", "--big", "2097152",
		"--host-size", "65536", "--small-count", "20", "--search-files", "500", "--cluster", "20", "--dir", t.TempDir()}
	err := run(ctx, args, func(k string) string { return env[k] }, &stdout, &stderr)
	if err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
	}
	out := stdout.String()
	pgSet := env["FERRY_BENCH_POSTGRES_URL"] != ""
	s3Set := env["FERRY_BENCH_S3_URL"] != ""
	for _, row := range rowNames {
		line := rowLine(out, row)
		if line == "" {
			t.Errorf("no row %q in:\n%s", row, out)
			continue
		}
		skippable := (row == "import-small-pg" || row == "search-pg" || row == "latency-pg") && !pgSet || row == "cluster" && !(pgSet && s3Set)
		if strings.Contains(line, "error:") && !(skippable && strings.Contains(line, "skipped")) {
			t.Errorf("row %q failed: %s\nstderr:\n%s", row, line, stderr.String())
		}
	}
	if strings.Contains(rowLine(out, "cluster"), "fetched twice") && !strings.Contains(rowLine(out, "cluster"), "0 fetched twice, 0 never") {
		t.Errorf("an import of the cluster row ran twice or never: %s", rowLine(out, "cluster"))
	}
}

func rowLine(out, row string) string {
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "| "+row+" |") {
			return line
		}
	}
	return ""
}

// TestMain lets the test binary serve the bench's ceilings, as the bench
// binary does when it re-runs itself with "ceiling".
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "ceiling" {
		if err := runCeiling(os.Args[2:], os.Stdout); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}
