package e2e

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The integration tiers of `go test ./...` and what turns each on. Only
// this package reports them, so the list is printed once per run, not once
// per package; the tests themselves still skip with the same reason.

// tier is one group of tests that needs something beyond Go.
type tier struct {
	name   string
	enable string // what turns it on
	on     func() bool
}

var tiers = []tier{
	{"end-to-end suite (real binary)", "run without -short",
		func() bool { return !testing.Short() }},
	{"PostgreSQL store tests, two-instance cluster, migrate-data to PostgreSQL/S3", "FERRY_TEST_POSTGRES_URL=postgres://...",
		func() bool { return os.Getenv("FERRY_TEST_POSTGRES_URL") != "" }},
	{"S3 blob tests, two-instance cluster, migrate-data to PostgreSQL/S3", "FERRY_TEST_S3_URL='s3://bucket?endpoint=...' (with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)",
		func() bool { return os.Getenv("FERRY_TEST_S3_URL") != "" }},
	{"end-to-end suite on PostgreSQL and S3", "FERRY_E2E_BACKEND=postgres-s3 (with both variables above)",
		func() bool { return e2eBackend == backendPostgresS3 }},
	{"web console browser tests (e2e/browser)", "install Chromium, or set FERRY_CHROMIUM=/path/to/chromium",
		haveChromium},
	{"the Python recipe of docs/emulator.md (examples/emulator)", "install python3",
		func() bool { _, err := exec.LookPath("python3"); return testing.Short() || err == nil }},
	{"response validation against HubSpot's OpenAPI documents", "restore testdata/hubspot or set FERRY_SPEC_DIR",
		func() bool { return testing.Short() || len(apiSpecs) == len(specFiles) }},
}

// haveChromium mirrors how e2e/browser finds a browser.
func haveChromium() bool {
	for _, name := range []string{os.Getenv("FERRY_CHROMIUM"), "chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if name == "" {
			continue
		}
		if _, err := exec.LookPath(name); err == nil {
			return true
		}
	}
	return false
}

// reportSkippedTiers writes which tiers this run skips, and how to turn
// each on. go test hides the output of a passing package in package-list
// mode (`go test ./...`), so the note goes to the terminal when there is
// one; otherwise to stdout, where -v and failures show it.
func reportSkippedTiers() {
	var b strings.Builder
	for _, t := range tiers {
		if !t.on() {
			fmt.Fprintf(&b, "  %-75s  %s\n", t.name, t.enable)
		}
	}
	if b.Len() == 0 {
		return
	}
	var w io.Writer = os.Stdout
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		w = tty
	}
	fmt.Fprintf(w, "go test skipped these integration tiers (.ci/run turns all of them on):\n%s", b.String())
}
