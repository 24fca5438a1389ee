package sqlstore

import (
	"context"
	"slices"

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
	s.readVersion = version
	s.tasks = ferry.NewVersionedCache[taskKey](readCacheMax, cachedTask.copy)
	s.paths = ferry.NewVersionedCache[pathKey](readCacheMax, func(f ferry.File) ferry.File { return f })
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
	k, v := taskKey{portal, id}, s.readVersion() // the version first: see VersionedCache
	if ct, ok := s.tasks.Get(k, v); ok {
		return ct.t, ct.f, nil
	}
	t, f, err := s.findTaskFile(ctx, portal, id)
	if err == nil && t.Status.Terminal() {
		s.tasks.Put(k, v, cachedTask{t, f})
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
	k, v := pathKey{portal, p}, s.readVersion()
	if f, ok := s.paths.Get(k, v); ok && f.Live(s.clock.Now()) {
		return f, nil
	}
	f, err := s.findFileByPath(ctx, portal, p)
	if err == nil {
		s.paths.Put(k, v, f)
	}
	return f, err
}
