package httpapi

import (
	"net/http/httptest"
	"testing"

	"ferry/internal/ferry"
)

// TestPagingStopsAtTheOffsetLimit checks that search never hands out a
// cursor the server would then refuse.
func TestPagingStopsAtTheOffsetLimit(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	r := httptest.NewRequest("GET", "/files/v3/files/search?limit=100&after=9900", nil)
	tests := []struct {
		offset, limit int
		wantNext      string
	}{
		{0, 10, "10"},
		{9900, 100, "10000"}, // 10000 is still a cursor the server takes
		{9950, 100, ""},      // 10050 would not be
		{10000, 100, ""},
	}
	for _, tc := range tests {
		c := s.newCollection(r, nil, ferry.Page{Offset: tc.offset, Limit: tc.limit}, true)
		got := ""
		if c.Paging != nil && c.Paging.Next != nil {
			got = c.Paging.Next.After
		}
		if got != tc.wantNext {
			t.Errorf("offset %d, limit %d: next.after=%q, want %q", tc.offset, tc.limit, got, tc.wantNext)
		}
	}
}
