package ferry

import "sync"

// VersionedCache keeps values read at one version of what they were read
// from: a number that moves after every change that could make them
// stale (a token watcher's, a database's count of commits). A value is
// only ever handed to a reader that saw the same version before it would
// have read, so a reader never gets something older than its own read.
// Readers must take the version before they read what they put.
type VersionedCache[K comparable, V any] struct {
	max   int       // entries kept at most; a full cache is emptied
	clone func(V) V // a copy the caller may change

	mu sync.RWMutex
	at uint64 // the version the entries were read at
	m  map[K]V
}

// NewVersionedCache returns a cache of at most max entries, whose values
// are copied with clone going in and out.
func NewVersionedCache[K comparable, V any](max int, clone func(V) V) *VersionedCache[K, V] {
	return &VersionedCache[K, V]{max: max, clone: clone, m: map[K]V{}}
}

// Get returns a copy of k's value, if it was read at version v.
func (c *VersionedCache[K, V]) Get(k K, v uint64) (V, bool) {
	c.mu.RLock()
	val, ok := c.m[k]
	ok = ok && c.at == v
	c.mu.RUnlock()
	if !ok {
		var zero V
		return zero, false
	}
	return c.clone(val), true
}

// Put keeps val, read at version v. Values of an older version than the
// cache holds are dropped; a newer version replaces every entry.
func (c *VersionedCache[K, V]) Put(k K, v uint64, val V) {
	val = c.clone(val)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case v < c.at:
		return
	case v > c.at || len(c.m) >= c.max:
		clear(c.m)
		c.at = v
	}
	c.m[k] = val
}
