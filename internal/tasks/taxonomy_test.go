package tasks

import (
	"errors"
	"strings"
	"testing"

	"ferry/internal/ferry"
	"ferry/internal/fetch"
)

// TestTaskErrorAlwaysNamesACause checks that every failure a task can end
// with carries a category and a subcategory, whatever produced it.
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
			if te.Status != tc.status || te.Category != tc.category || te.SubCategory != tc.subCategory {
				t.Errorf("taskError=%d %s/%s, want %d %s/%s", te.Status, te.Category, te.SubCategory, tc.status, tc.category, tc.subCategory)
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
