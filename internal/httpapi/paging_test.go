package httpapi

import (
	"net/http/httptest"
	"net/url"
	"strconv"
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

// TestBackwardPaging checks the 2026-09 beta's before cursor: which page a
// before asks for, and the paging.prev a page answers with; v3 and
// 2026-03 ignore before and never send prev.
func TestBackwardPaging(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	for _, tc := range []struct {
		query         string
		backward      bool
		offset, limit int    // the page read
		wantPrev      string // paging.prev.before, "" for none
		wantErr       bool
	}{
		{"limit=10&after=20", true, 20, 10, "20", false},
		{"limit=10", true, 0, 10, "", false},
		{"limit=10&before=30", true, 20, 10, "20", false},
		{"limit=10&before=4", true, 0, 4, "", false}, // the first page, cut short at the start
		{"before=10000", true, 9990, 10, "9990", false},
		{"limit=10&before=20&after=5", true, 0, 0, "", true},
		{"before=0", true, 0, 0, "", true},
		{"before=x", true, 0, 0, "", true},
		{"before=10001", true, 0, 0, "", true},
		{"limit=10&before=30", false, 0, 10, "", false}, // v3 and 2026-03 ignore before
		{"limit=10&after=20", false, 20, 10, "", false},
	} {
		base := "/files/v3"
		if tc.backward {
			base = "/files/2026-09-beta"
		}
		q := newQuery(mustParseQuery(t, tc.query))
		p := q.page(tc.backward)
		if err := q.err(); (err != nil) != tc.wantErr {
			t.Errorf("%s (backward %v): err=%v, want an error: %v", tc.query, tc.backward, err, tc.wantErr)
			continue
		} else if err != nil {
			continue
		}
		if p.Offset != tc.offset || p.Limit != tc.limit {
			t.Errorf("%s (backward %v): page %+v, want offset %d, limit %d", tc.query, tc.backward, p, tc.offset, tc.limit)
		}
		r := httptest.NewRequest("GET", base+"/files/search?"+tc.query, nil)
		c := s.newCollection(r, nil, p, true)
		got, link := "", ""
		if c.Paging != nil && c.Paging.Prev != nil {
			got, link = c.Paging.Prev.Before, c.Paging.Prev.Link
		}
		if got != tc.wantPrev {
			t.Errorf("%s (backward %v): prev.before=%q, want %q", tc.query, tc.backward, got, tc.wantPrev)
		}
		if got != "" {
			u, err := url.Parse(link)
			if err != nil || u.Path != base+"/files/search" || u.Query().Get("before") != got || u.Query().Has("after") {
				t.Errorf("%s: prev.link=%q, want %s/files/search with before=%s and no after", tc.query, link, base, got)
			}
		}
		if c.Paging == nil || c.Paging.Next == nil || c.Paging.Next.After != strconv.Itoa(p.Offset+p.Limit) {
			t.Errorf("%s (backward %v): paging.next=%+v, want after=%d", tc.query, tc.backward, c.Paging, p.Offset+p.Limit)
		}
		if c.Paging != nil && c.Paging.Next != nil {
			// Followed, the next link is a request the server takes: it
			// carries after and no before.
			u, err := url.Parse(c.Paging.Next.Link)
			if err != nil || u.Query().Get("after") != c.Paging.Next.After || u.Query().Has("before") {
				t.Errorf("%s (backward %v): next.link=%q, want after=%s and no before", tc.query, tc.backward, c.Paging.Next.Link, c.Paging.Next.After)
			}
		}
	}
}

func mustParseQuery(t *testing.T, s string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
