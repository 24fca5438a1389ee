package tasks

import (
	"encoding/json"
	"errors"
	"os"
	"slices"
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
	for code, cells := range rows {
		if _, ok := fetchKinds[fetch.Code(code)]; !ok {
			t.Errorf("fetchKinds: no kind for %s, which the docs list", code)
			continue
		}
		if got, want := strings.TrimSpace(cells[3]), strconv.Itoa(fetchKind(fetch.Code(code)).Status()); got != want {
			t.Errorf("docs: %s status=%s, want %s", code, got, want)
		}
	}
	for c := range fetchKinds {
		if _, ok := rows[string(c)]; !ok {
			t.Errorf("docs: no row for %s", c)
		}
	}
}

// The task error vocabulary in Ferry's OpenAPI document is the engine's:
// every fetch error code and the subcategories set outside the fetcher.
func TestTaskErrorVocabulary(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../httpapi/openapi/ferry.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Enum      []string `json:"enum"`
					Extension bool     `json:"x-ferry-extension"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	sub, ok := doc.Components.Schemas["TaskErrorDetail"].Properties["subCategory"]
	if !ok {
		t.Fatal("components.schemas.TaskErrorDetail.subCategory is missing")
	}
	if !sub.Extension {
		t.Error("TaskErrorDetail.subCategory is Ferry's vocabulary and must carry x-ferry-extension: true")
	}
	want := []string{"DUPLICATE_FILE", "FOLDER_EXISTS", "WORK_LOST", "INVALID_REQUEST", "OBJECT_NOT_FOUND", "CONFLICT", "INTERNAL_ERROR"}
	for c := range fetchKinds {
		want = append(want, string(c))
	}
	for _, w := range want {
		if !slices.Contains(sub.Enum, w) {
			t.Errorf("TaskErrorDetail.subCategory enum lacks %q", w)
		}
	}
	for _, e := range sub.Enum {
		if !slices.Contains(want, e) {
			t.Errorf("TaskErrorDetail.subCategory enum has %q, which this test does not know Ferry to send", e)
		}
	}
}
