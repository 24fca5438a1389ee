package tasks

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"ferry/internal/ferry"
	"ferry/internal/fetch"
)

// TestTaskErrorAlwaysNamesACause checks that every failure a task can end
// with carries a kind and a subcategory, whatever produced it.
func TestTaskErrorAlwaysNamesACause(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                  string
		err                   error
		status                int
		category, subCategory string
	}{
		{"FetchRefusal", &fetch.Error{Code: fetch.CodeAddressNotAllowed, Message: "no"}, 400, "VALIDATION_ERROR", "ADDRESS_NOT_ALLOWED"},
		{"OriginError", &fetch.Error{Code: fetch.CodeOriginServerError, Message: "500"}, 502, "FETCH_FAILED", "ORIGIN_SERVER_ERROR"},
		{"OriginTimeout", &fetch.Error{Code: fetch.CodeIdleTimeout, Message: "slow"}, 504, "FETCH_FAILED", "IDLE_TIMEOUT"},
		{"Duplicate", &ferry.Error{Kind: ferry.Conflict, SubCategory: "DUPLICATE_FILE", Message: "dup"}, 409, "CONFLICT", "DUPLICATE_FILE"},
		{"FolderGoneMeanwhile", ferry.Errorf(ferry.NotFound, "folder 7 not found"), 404, "OBJECT_NOT_FOUND", "OBJECT_NOT_FOUND"},
		{"InvalidMeanwhile", ferry.Invalidf("parentFolderId", "gone"), 400, "VALIDATION_ERROR", "INVALID_REQUEST"},
		{"ConflictWithoutSub", ferry.Errorf(ferry.Conflict, "taken"), 409, "CONFLICT", "CONFLICT"},
		{"TooLarge", &ferry.Error{Kind: ferry.TooLarge, Message: "big"}, 413, "VALIDATION_ERROR", "TOO_LARGE"},
		{"Internal", errors.New("disk on fire"), 500, "INTERNAL_ERROR", "INTERNAL_ERROR"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			te := taskError(tc.err, 1)
			if te.Kind.Status() != tc.status || te.Kind.Category() != tc.category || te.SubCategory != tc.subCategory {
				t.Errorf("taskError=%d %s/%s, want %d %s/%s", te.Kind.Status(), te.Kind.Category(), te.SubCategory, tc.status, tc.category, tc.subCategory)
			}
			if te.Message == "" {
				t.Error("Message is empty")
			}
			if tc.name == "Internal" && strings.Contains(te.Message, "disk") {
				t.Errorf("Message=%q leaks the internal cause", te.Message)
			}
		})
	}
}

// TestFetchErrorDocs keeps docs/fetch-errors.md and fetchKinds in step:
// every code has exactly one row, with the status its kind reports.
func TestFetchErrorDocs(t *testing.T) {
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
		if _, ok := fetchKinds[c]; !ok {
			t.Errorf("fetchKinds: no kind for %s", c)
		}
		if got, want := strings.TrimSpace(cells[3]), strconv.Itoa(fetchKind(c).Status()); got != want {
			t.Errorf("docs: %s status=%s, want %s", c, got, want)
		}
	}
	if got, want := len(rows), len(fetch.AllCodes()); got != want {
		t.Errorf("docs rows=%d, want %d", got, want)
	}
}
