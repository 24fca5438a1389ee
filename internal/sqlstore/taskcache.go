package sqlstore

import (
	"context"
	"slices"
	"sync"

	"ferry/internal/ferry"
)

// taskCacheMax bounds the finished tasks kept; a full cache is emptied
// and fills again with what is asked for.
const taskCacheMax = 4096

// taskCache keeps finished tasks with their files as FindTaskFile read
// them, while a change count stands still: the count moves with every
// committed change to the tables that FindTaskFile reads, so an entry is
// only ever served while a new read would return the same.
type taskCache struct {
	version func() uint64
	mu      sync.Mutex
	at      uint64 // the count the entries were read at
	m       map[taskKey]cachedTask
}

type taskKey struct {
	portal ferry.PortalID
	id     ferry.TaskID
}

type cachedTask struct {
	t ferry.Task
	f *ferry.File
}

// CacheFinishedTasks makes FindTaskFile keep finished tasks (and their
// files) while version stands still. version must move after every
// commit that changes a task, a file or a folder, from any writer: it is
// for a database that this process alone writes (see sqlite.Changes).
// The status of a finished import is what pollers ask for most, and on
// SQLite its read was most of the request's cost.
func (s *Store) CacheFinishedTasks(version func() uint64) {
	s.tasks = &taskCache{version: version, m: map[taskKey]cachedTask{}}
}

// get returns a copy of the cached task, if it is current; v is the count
// to store a fresh read under.
func (c *taskCache) get(k taskKey) (ct cachedTask, ok bool, v uint64) {
	v = c.version()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at != v {
		clear(c.m)
		c.at = v
		return cachedTask{}, false, v
	}
	ct, ok = c.m[k]
	return ct.copy(), ok, v
}

// put keeps a finished task read at count v, unless the count has moved
// since the read began.
func (c *taskCache) put(k taskKey, v uint64, ct cachedTask) {
	if !ct.t.Status.Terminal() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at != v || c.version() != v {
		return
	}
	if len(c.m) >= taskCacheMax {
		clear(c.m)
	}
	c.m[k] = ct.copy()
}

// copy gives the caller values it may change without changing the cache.
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

// findTaskFileCached is FindTaskFile through the cache, outside a
// transaction (a transaction's reads may see its own uncommitted writes).
func (s *Store) findTaskFileCached(ctx context.Context, portal ferry.PortalID, id ferry.TaskID) (ferry.Task, *ferry.File, error) {
	k := taskKey{portal, id}
	ct, ok, v := s.tasks.get(k)
	if ok {
		return ct.t, ct.f, nil
	}
	t, f, err := s.findTaskFile(ctx, portal, id)
	if err == nil {
		s.tasks.put(k, v, cachedTask{t, f})
	}
	return t, f, err
}
