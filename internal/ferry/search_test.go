package ferry_test

import (
	"testing"

	"ferry/internal/ferry"
)

// A search's next page exists while more results follow and it starts
// within SearchOffsetMax.
func TestPageNext(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		page   ferry.Page
		more   bool
		wantOK bool
	}{
		{"More", ferry.Page{Offset: 0, Limit: 10}, true, true},
		{"NoMore", ferry.Page{Offset: 0, Limit: 10}, false, false},
		{"EndsAtTheMax", ferry.Page{Offset: ferry.SearchOffsetMax - 10, Limit: 10}, true, true},
		{"PastTheMax", ferry.Page{Offset: ferry.SearchOffsetMax - 9, Limit: 10}, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			next, ok := tc.page.Next(tc.more)
			if ok != tc.wantOK || next != (ferry.Page{Offset: tc.page.Offset + tc.page.Limit, Limit: tc.page.Limit}) {
				t.Errorf("Next(%v)=%+v, %v; want ok=%v", tc.more, next, ok, tc.wantOK)
			}
		})
	}
}
