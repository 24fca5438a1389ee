package ferry_test

import (
	"testing"

	"ferry/internal/ferry"
)

func TestVersionedCache(t *testing.T) {
	t.Parallel()
	c := ferry.NewVersionedCache[string](2, func(b []byte) []byte { return append([]byte(nil), b...) })
	c.Put("a", 5, []byte("a5"))
	if got, ok := c.Get("a", 5); !ok || string(got) != "a5" {
		t.Fatalf("Get at the version it was put: %q, %v", got, ok)
	}
	if _, ok := c.Get("a", 6); ok {
		t.Fatal("Get at a newer version returned what was read at an older one")
	}
	c.Put("b", 4, []byte("b4")) // read before the version the cache holds
	if _, ok := c.Get("b", 4); ok {
		t.Fatal("a value read at an older version was kept")
	}
	got, _ := c.Get("a", 5)
	got[0] = 'x' // the caller's copy
	if again, _ := c.Get("a", 5); string(again) != "a5" {
		t.Fatalf("changing a returned value changed the cache: %q", again)
	}
	c.Put("b", 6, []byte("b6")) // a newer version replaces every entry
	if _, ok := c.Get("a", 6); ok {
		t.Fatal("an entry of the old version survived a newer one")
	}
	c.Put("c", 6, []byte("c6"))
	c.Put("d", 6, []byte("d6")) // past max: the cache empties first
	if _, ok := c.Get("b", 6); ok {
		t.Fatal("a full cache was not emptied")
	}
	if got, ok := c.Get("d", 6); !ok || string(got) != "d6" {
		t.Fatalf("the entry put into an emptied cache: %q, %v", got, ok)
	}
}
