package ferry_test

import (
	"strings"
	"testing"

	"ferry/internal/ferry"
)

// Every Kind has a status and a category, as in the style guide's table,
// and its name reads back as the same Kind.
func TestKindWire(t *testing.T) {
	t.Parallel()
	want := map[ferry.Kind]struct {
		status   int
		category string
	}{
		ferry.Internal:        {500, "INTERNAL_ERROR"},
		ferry.Invalid:         {400, "VALIDATION_ERROR"},
		ferry.NotFound:        {404, "OBJECT_NOT_FOUND"},
		ferry.Conflict:        {409, "CONFLICT"},
		ferry.Unauthenticated: {401, "INVALID_AUTHENTICATION"},
		ferry.Forbidden:       {403, "MISSING_SCOPES"},
		ferry.TooLarge:        {413, "VALIDATION_ERROR"},
		ferry.RateLimited:     {429, "RATE_LIMITS"},
		ferry.Unavailable:     {503, "SERVICE_UNAVAILABLE"},
		ferry.OriginFailed:    {502, "FETCH_FAILED"},
		ferry.OriginTimeout:   {504, "FETCH_FAILED"},
		ferry.Interrupted:     {500, "INTERRUPTED"},
		ferry.TimedOut:        {408, "TIMEOUT"},
		ferry.StorageFull:     {507, "STORAGE_FULL"},
		ferry.CanceledByUser:  {409, "CANCELED_BY_USER"},
	}
	// Kinds are numbered from zero; String names every one that exists.
	for k := ferry.Kind(0); !strings.HasPrefix(k.String(), "kind("); k++ {
		w, ok := want[k]
		if !ok {
			t.Errorf("kind %v: no expected status in this test; add it", k)
			continue
		}
		if k.Status() != w.status || k.Category() != w.category {
			t.Errorf("kind %v: %d %s, want %d %s", k, k.Status(), k.Category(), w.status, w.category)
		}
		if k.SubCategory() == "" {
			t.Errorf("kind %v: no default subCategory", k)
		}
		if got := ferry.KindOfWire(k.Status(), k.Category()); got != k {
			t.Errorf("KindOfWire(%d, %s)=%v, want %v", k.Status(), k.Category(), got, k)
		}
		var back ferry.Kind
		if text, _ := k.MarshalText(); back.UnmarshalText(text) != nil || back != k {
			t.Errorf("kind %v: read back from its name as %v", k, back)
		}
	}
	if got := ferry.Kind(200).Status(); got != 500 {
		t.Errorf("unknown kind: status %d, want 500", got)
	}
}
