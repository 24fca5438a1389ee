package sqlstore

import (
	"context"
	"slices"
	"sync"

	"ferry/internal/ferry"
)

// readCacheMax bounds the entries of each read cache; a full cache is
// emptied and fills again with what is asked for.
const readCacheMax = 4096

// CacheReads makes the store answer its two hottest reads from memory
// while version stands still: the status of a finished task (pollers ask
// for it over and over) and a file by its path (every request to the file
// host). version must move after every commit that changes a task, a
// file or a folder, from any writer, so it is for a database that this
// process alone writes (see sqlite.Changes); an entry is then only ever
// served while a fresh read would return the same. Reads inside a
// transaction never use the caches: they may see its own uncommitted
// writes.
func (s *Store) CacheReads(version func() uint64) {
	s.tasks = newReadCache[taskKey, cachedTask](version, cachedTask.copy)
	s.paths = newReadCache[pathKey, ferry.File](version, func(f ferry.File) ferry.File { return f })
}

// readCache keeps values read at one count of version.
type readCache[K comparable, V any] struct {
	version func() uint64
	clone   func(V) V // a copy the caller may change
	mu      sync.Mutex
	at      uint64 // the count the entries were read at
	m       map[K]V
}

func newReadCache[K comparable, V any](version func() uint64, clone func(V) V) *readCache[K, V] {
	return &readCache[K, V]{version: version, clone: clone, m: map[K]V{}}
}

// get returns a copy of the entry for k, if current; v is the count to
// put a fresh read under.
func (c *readCache[K, V]) get(k K) (val V, ok bool, v uint64) {
	v = c.version()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at != v {
		clear(c.m)
		c.at = v
		return val, false, v
	}
	val, ok = c.m[k]
	if ok {
		val = c.clone(val)
	}
	return val, ok, v
}

// put keeps a value read at count v, unless the count has moved since
// the read began.
func (c *readCache[K, V]) put(k K, v uint64, val V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at != v || c.version() != v {
		return
	}
	if len(c.m) >= readCacheMax {
		clear(c.m)
	}
	c.m[k] = c.clone(val)
}

type taskKey struct {
	portal ferry.PortalID
	id     ferry.TaskID
}

// cachedTask is a finished task and its file, as FindTaskFile read them.
type cachedTask struct {
	t ferry.Task
	f *ferry.File
}

func (ct cachedTask) copy() cachedTask {
	ct.t.Errors = slices.Clone(ct.t.Errors)
	ct.t.Request = slices.Clone(ct.t.Request)
	ct.t.Sealed = slices.Clone(ct.t.Sealed)
	ct.t.Resume = slices.Clone(ct.t.Resume)
	if ct.f != nil {
		f := *ct.f
		ct.f = &f
	}
	return ct
}

// findTaskFileCached is FindTaskFile through the cache. Only finished
// tasks are kept: an unfinished one changes with its own progress.
func (s *Store) findTaskFileCached(ctx context.Context, portal ferry.PortalID, id ferry.TaskID) (ferry.Task, *ferry.File, error) {
	k := taskKey{portal, id}
	ct, ok, v := s.tasks.get(k)
	if ok {
		return ct.t, ct.f, nil
	}
	t, f, err := s.findTaskFile(ctx, portal, id)
	if err == nil && t.Status.Terminal() {
		s.tasks.put(k, v, cachedTask{t, f})
	}
	return t, f, err
}

type pathKey struct {
	portal ferry.PortalID
	path   string
}

// findFileByPathCached is FindFileByPath through the cache. A file is
// live until it expires, so a cached one is checked against the store's
// clock as the query would be; paths where no file lives are not kept.
func (s *Store) findFileByPathCached(ctx context.Context, portal ferry.PortalID, p string) (ferry.File, error) {
	k := pathKey{portal, p}
	f, ok, v := s.paths.get(k)
	if ok && f.Live(s.clock.Now()) {
		return f, nil
	}
	f, err := s.findFileByPath(ctx, portal, p)
	if err == nil {
		s.paths.put(k, v, f)
	}
	return f, err
}
