package tasks

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"ferry/internal/ferry"
)

// TestResumeFromUnhashedParts continues an import from a part an older
// version kept without the hashes' states: the part is read again to
// hash it, and the file's hashes are those of all its bytes.
func TestResumeFromUnhashedParts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, Config{})
	body := bytes.Repeat([]byte("0123456789abcdef"), 16<<10) // 256 KiB
	var ranged string
	b.handler = func(w http.ResponseWriter, r *http.Request) {
		ranged = r.Header.Get("Range")
		w.Header().Set("ETag", `"v1"`)
		http.ServeContent(w, r, "cat.txt", time.Time{}, bytes.NewReader(body))
	}
	task := b.importTask(t)
	key := fmt.Sprintf("imports/%d/%s.part-0000", task.Portal, task.ID)
	w, err := b.engine.content.CreatePart(ctx, key)
	if err == nil {
		_, err = w.Write(body[:100<<10])
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	task.Status, task.Attempts = ferry.TaskProcessing, 1
	task.Resume = resumeState{Validator: `"v1"`, Parts: []partInfo{{Key: key, Size: 100 << 10}}}.encode()
	if err := b.store.UpdateTask(ctx, &task); err != nil {
		t.Fatal(err)
	}
	if got := work(t, b, ctx, &importWorker{e: b.engine}, importArgs(task)); got != river.EventKindJobCompleted {
		t.Fatalf("event=%s, want completed", got)
	}
	if want := fmt.Sprintf("bytes=%d-", 100<<10); ranged != want {
		t.Errorf("Range %q, want %q: the import did not continue from the part", ranged, want)
	}
	got := b.find(t, task.ID)
	checkState(t, got, ferry.TaskComplete, 2)
	sum := sha256.Sum256(body)
	if got.SHA256 != hex.EncodeToString(sum[:]) || got.Resume != nil {
		t.Errorf("sha256 %s, resume %s; want the whole body's and no parts", got.SHA256, got.Resume)
	}
	if r, err := b.engine.content.OpenPart(ctx, key); err == nil {
		r.Close()
		t.Error("the old part is still there after the import completed")
	}
}
