package fetch_test

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"ferry/internal/fetch"
)

// TestErrorDocsMatchCode keeps docs/fetch-errors.md and Code.HTTPStatus in
// step: every code has exactly one row, with the status the code reports.
func TestErrorDocsMatchCode(t *testing.T) {
	t.Parallel()

	doc, err := os.ReadFile("../../docs/fetch-errors.md")
	if err != nil {
		t.Fatalf("read docs: %v", err)
	}
	rows := map[string][]string{}
	for _, line := range strings.Split(string(doc), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 6 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue
		}
		code := strings.Trim(strings.TrimSpace(cells[1]), "`")
		if strings.ToUpper(code) == code {
			rows[code] = cells
		}
	}
	for _, c := range fetch.AllCodes() {
		cells, ok := rows[string(c)]
		if !ok {
			t.Errorf("docs: no row for %s", c)
			continue
		}
		if got, want := strings.TrimSpace(cells[3]), strconv.Itoa(c.HTTPStatus()); got != want {
			t.Errorf("docs: %s status=%s, want %s", c, got, want)
		}
	}
	if got, want := len(rows), len(fetch.AllCodes()); got != want {
		t.Errorf("docs rows=%d, want %d", got, want)
	}
}
