package emulator

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"time"

	"ferry/internal/ferry"
	"ferry/internal/sqlstore"
)

// snapshot is a saved state: the rows, and the blob keys whose copies
// live under _snapshots/<name>/.
type snapshot struct {
	name    string
	state   *sqlstore.State
	keys    []string
	created time.Time
}

// snapshotInfo is how the routes show a snapshot.
type snapshotInfo struct {
	Name      string    `json:"name"`
	Files     int       `json:"files"`
	Blobs     int       `json:"blobs"`
	CreatedAt time.Time `json:"createdAt"`
}

func (s *snapshot) info() snapshotInfo {
	return snapshotInfo{Name: s.name, Files: len(s.keys), Blobs: len(s.keys), CreatedAt: s.created}
}

var snapshotName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func snapshotParam(r *http.Request) (string, error) {
	name := r.PathValue("name")
	if !snapshotName.MatchString(name) || name == "." || name == ".." {
		return "", ferry.Invalidf("name", "a snapshot name is 1 to 64 letters, digits, dots, dashes and underscores, got %q", name)
	}
	return name, nil
}

// copyPrefix is where a snapshot keeps its blob copies.
func copyPrefix(name string) string { return snapshotArea + name + "/" }

// handleSaveSnapshot serves POST /_ferry/snapshots/{name}.
func (e *Emulator) handleSaveSnapshot(w http.ResponseWriter, r *http.Request) {
	name, err := snapshotParam(r)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	e.mu.Lock() // one snapshot operation at a time
	defer e.mu.Unlock()
	snap, err := e.saveSnapshot(r.Context(), name)
	if err != nil {
		e.fail(w, r, err)
		return
	}
	reply(w, http.StatusOK, snap.info())
}

func (e *Emulator) saveSnapshot(ctx context.Context, name string) (*snapshot, error) {
	if old := e.snapshots[name]; old != nil {
		if err := e.dropCopies(ctx, old); err != nil {
			return nil, err
		}
		delete(e.snapshots, name)
	}
	state, err := e.cfg.Store.SaveState(ctx)
	if err != nil {
		return nil, err
	}
	snap := &snapshot{name: name, state: state, keys: state.BlobKeys(), created: e.cfg.Clock.Now().UTC()}
	err = e.eachKey(ctx, snap.keys, func(ctx context.Context, k string) error {
		return e.cfg.Bucket.Copy(ctx, copyPrefix(name)+k, k, nil)
	})
	if err != nil {
		e.dropCopies(ctx, snap)
		return nil, fmt.Errorf("copy blobs into snapshot %s: %w", name, err)
	}
	e.snapshots[name] = snap
	return snap, nil
}

// dropCopies deletes a snapshot's blob copies.
func (e *Emulator) dropCopies(ctx context.Context, s *snapshot) error {
	return e.eachKey(ctx, s.keys, func(ctx context.Context, k string) error {
		if err := e.cfg.Bucket.Delete(ctx, copyPrefix(s.name)+k); err != nil && !isNotFound(err) {
			return err
		}
		return nil
	})
}

// handleRestoreSnapshot serves POST /_ferry/snapshots/{name}/restore:
// blobs come back first (their keys are unique, so this disturbs nothing),
// then the rows in one transaction, then every blob the restored state
// does not use goes.
func (e *Emulator) handleRestoreSnapshot(w http.ResponseWriter, r *http.Request, snap *snapshot) {
	if err := e.restore(r.Context(), snap); err != nil {
		e.fail(w, r, err)
		return
	}
	e.log.Info("snapshot restored", "name", snap.name, "files", len(snap.keys))
	reply(w, http.StatusOK, snap.info())
}

// restore brings back snap's blobs, rows and nothing else.
func (e *Emulator) restore(ctx context.Context, snap *snapshot) error {
	name := snap.name
	// A blob key is never rewritten with other content, so only the blobs
	// deleted since the snapshot need copying back.
	present, err := e.listBlobs(ctx, 0, nil)
	have := map[string]bool{}
	for _, k := range present {
		have[k] = true
	}
	var missing []string
	for _, k := range snap.keys {
		if !have[k] {
			missing = append(missing, k)
		}
	}
	if err == nil {
		err = e.eachKey(ctx, missing, func(ctx context.Context, k string) error {
			return e.cfg.Bucket.Copy(ctx, k, copyPrefix(name)+k, nil)
		})
	}
	if err == nil {
		err = e.cfg.Store.RestoreState(ctx, snap.state)
	}
	if err == nil {
		keep := map[string]bool{}
		for _, k := range snap.keys {
			keep[k] = true
		}
		_, err = e.deleteBlobs(ctx, 0, keep)
	}
	return err
}

// handleListSnapshots serves GET /_ferry/snapshots.
func (e *Emulator) handleListSnapshots(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := []snapshotInfo{}
	for _, s := range e.snapshots {
		out = append(out, s.info())
	}
	slices.SortFunc(out, func(a, b snapshotInfo) int { return a.CreatedAt.Compare(b.CreatedAt) })
	reply(w, http.StatusOK, map[string]any{"results": out})
}

// handleDeleteSnapshot serves DELETE /_ferry/snapshots/{name}.
func (e *Emulator) handleDeleteSnapshot(w http.ResponseWriter, r *http.Request, snap *snapshot) {
	if err := e.dropCopies(r.Context(), snap); err != nil {
		e.fail(w, r, err)
		return
	}
	delete(e.snapshots, snap.name)
	w.WriteHeader(http.StatusNoContent)
}

// withSnapshot serves a route on the snapshot its path names, holding
// e.mu (one snapshot operation at a time); a bad or unknown name answers
// 400 or 404.
func (e *Emulator) withSnapshot(h func(http.ResponseWriter, *http.Request, *snapshot)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		defer e.mu.Unlock()
		name, err := snapshotParam(r)
		if err != nil {
			e.fail(w, r, err)
			return
		}
		snap := e.snapshots[name]
		if snap == nil {
			e.fail(w, r, ferry.Errorf(ferry.NotFound, "No snapshot is named %q.", name))
			return
		}
		h(w, r, snap)
	}
}
