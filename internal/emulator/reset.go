package emulator

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"ferry/internal/ferry"
)

// blobAreas are the prefixes under which Ferry keeps a portal's blobs
// ("files/<portal>/...", "imports/<portal>/...", "variants/<portal>/...").
var blobAreas = []string{"files/", "imports/", "variants/"}

// snapshotArea is where snapshots keep copies of blobs; resets leave it.
const snapshotArea = "_snapshots/"

// handleReset serves POST /_ferry/reset[?portal=N]: files, folders, tasks
// and their blobs go, of one portal or of all; tokens stay.
func (e *Emulator) handleReset(w http.ResponseWriter, r *http.Request) {
	portal, err := portalParam(r)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	start := time.Now()
	n, err := e.reset(r.Context(), portal)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	e.log.Info("emulator reset", "portal", portal, "blobs", n, "took", time.Since(start))
	w.WriteHeader(http.StatusNoContent)
}

// reset clears the state of one portal (0: every portal): rows first, so
// that no file ever points at a deleted blob, then blobs.
func (e *Emulator) reset(ctx context.Context, portal ferry.PortalID) (int, error) {
	if err := e.cfg.Store.ClearState(ctx, portal); err != nil {
		return 0, err
	}
	return e.deleteBlobs(ctx, portal, nil)
}

// deleteBlobs deletes the blobs of one portal (0: every portal) except
// those in keep, and returns how many it deleted.
func (e *Emulator) deleteBlobs(ctx context.Context, portal ferry.PortalID, keep map[string]bool) (int, error) {
	if e.cfg.BlobDir != "" && keep == nil {
		return e.removeBlobDirs(portal)
	}
	keys, err := e.listBlobs(ctx, portal, keep)
	if err != nil {
		return 0, err
	}
	return len(keys), e.eachKey(ctx, keys, func(ctx context.Context, k string) error {
		if err := e.cfg.Bucket.Delete(ctx, k); err != nil && !isNotFound(err) {
			return fmt.Errorf("delete blob %s: %w", k, err)
		}
		return nil
	})
}

// removeBlobDirs is deleteBlobs for blobs in a local directory: removing
// the areas' directories is one call each, not one per blob.
func (e *Emulator) removeBlobDirs(portal ferry.PortalID) (int, error) {
	for _, area := range blobAreas {
		dir := filepath.Join(e.cfg.BlobDir, filepath.FromSlash(area))
		if portal != 0 {
			dir = filepath.Join(dir, portal.String())
		}
		if err := os.RemoveAll(dir); err != nil {
			return 0, fmt.Errorf("remove blobs: %w", err)
		}
	}
	return -1, nil // not counted
}

// listBlobs lists the blob keys of one portal (0: every portal) except
// those in keep.
func (e *Emulator) listBlobs(ctx context.Context, portal ferry.PortalID, keep map[string]bool) ([]string, error) {
	var keys []string
	for _, area := range blobAreas {
		prefix := area
		if portal != 0 {
			prefix += portal.String() + "/"
		}
		it := e.cfg.Bucket.List(&blob.ListOptions{Prefix: prefix})
		for {
			obj, err := it.Next(ctx)
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("list blobs under %s: %w", prefix, err)
			}
			if !obj.IsDir && !keep[obj.Key] {
				keys = append(keys, obj.Key)
			}
		}
	}
	return keys, nil
}

// eachKey runs fn on every key, a few at a time: object stores answer
// each call over the network.
func (e *Emulator) eachKey(ctx context.Context, keys []string, fn func(context.Context, string) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
		sem   = make(chan struct{}, 16)
	)
	for _, k := range keys {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(ctx, k); err != nil {
				once.Do(func() { first = err; cancel() })
			}
		}()
	}
	wg.Wait()
	return first
}

// isNotFound reports whether a blob error says the blob does not exist.
func isNotFound(err error) bool { return gcerrors.Code(err) == gcerrors.NotFound }
