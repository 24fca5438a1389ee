package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sync"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// fileblobTemp matches the temporary files that fileblob leaves beside a
// key (KEY.<hex time>.tmp) when a write is interrupted; with no_tmp_dir,
// as serve's default storage has, List returns them.
var fileblobTemp = regexp.MustCompile(`\.[0-9a-f]+\.tmp$`)

// CopyStats counts the blobs of a bucket copy.
type CopyStats struct {
	Objects, Bytes int64
	Skipped        int64 // already in the destination, left alone
}

// CopyOptions tune CopyBucket.
type CopyOptions struct {
	// Parallel is how many blobs are copied at once. Defaults to 1.
	Parallel int
	// SkipTemp leaves out fileblob's temporary files.
	SkipTemp bool
	// Progress, if set, is told what there is to copy (done is zero),
	// then how far the copy got every ProgressEvery, and at the end
	// (finished).
	Progress func(done, total CopyStats, finished bool)
	// ProgressEvery defaults to 2 seconds.
	ProgressEvery time.Duration
}

// CopyBucket copies every blob of src to dst under the same key and
// content type, checking each copy's size. A blob that dst holds already
// with the same size and content type is left alone, so that an
// interrupted copy can be run again. It stops at the first failure.
func CopyBucket(ctx context.Context, src, dst *blob.Bucket, o CopyOptions) (CopyStats, error) {
	o.Parallel = max(o.Parallel, 1)
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = 2 * time.Second
	}
	if o.Progress == nil {
		o.Progress = func(CopyStats, CopyStats, bool) {}
	}
	var total CopyStats
	err := listBlobs(ctx, src, o.SkipTemp, func(obj *blob.ListObject) error {
		total.Objects++
		total.Bytes += obj.Size
		return nil
	})
	if err != nil {
		return CopyStats{}, err
	}
	o.Progress(CopyStats{}, total, false)
	done, err := copyAll(ctx, src, dst, o, total)
	if err != nil {
		return done, err
	}
	o.Progress(done, total, true)
	return done, nil
}

// listBlobs calls fn for every blob of b.
func listBlobs(ctx context.Context, b *blob.Bucket, skipTemp bool, fn func(*blob.ListObject) error) error {
	it := b.List(nil)
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("list source blobs: %w", err)
		}
		if obj.IsDir || skipTemp && fileblobTemp.MatchString(obj.Key) {
			continue
		}
		if err := fn(obj); err != nil {
			return err
		}
	}
}

// copyAll copies the blobs on o.Parallel workers fed by one listing.
func copyAll(ctx context.Context, src, dst *blob.Bucket, o CopyOptions, total CopyStats) (CopyStats, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		mu         sync.Mutex
		done       CopyStats
		lastReport = time.Now()
		keys       = make(chan string)
		wg         sync.WaitGroup
	)
	for range o.Parallel {
		wg.Go(func() {
			for key := range keys {
				n, skipped, err := copyBlob(ctx, src, dst, key)
				if err != nil {
					cancel(fmt.Errorf("copy blob %s: %w", key, err))
					continue
				}
				mu.Lock()
				done.Objects++
				done.Bytes += n
				if skipped {
					done.Skipped++
				}
				if time.Since(lastReport) >= o.ProgressEvery {
					lastReport = time.Now()
					o.Progress(done, total, false)
				}
				mu.Unlock()
			}
		})
	}
	err := listBlobs(ctx, src, o.SkipTemp, func(obj *blob.ListObject) error {
		select {
		case keys <- obj.Key:
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	})
	close(keys)
	wg.Wait()
	if cause := context.Cause(ctx); cause != nil {
		return done, cause
	}
	return done, err
}

// copyBlob streams one blob from src to dst with its content type and
// checks the size that dst reports afterwards. A blob that dst already
// holds with the same size and content type is left alone (skipped).
func copyBlob(ctx context.Context, src, dst *blob.Bucket, key string) (n int64, skipped bool, err error) {
	r, err := src.NewReader(ctx, key, nil)
	if err != nil {
		return 0, false, err
	}
	defer r.Close()
	a, err := dst.Attributes(ctx, key)
	switch {
	case err == nil && a.Size == r.Size() && a.ContentType == r.ContentType():
		return a.Size, true, nil
	case err != nil && gcerrors.Code(err) != gcerrors.NotFound:
		return 0, false, err
	}
	wctx, abort := context.WithCancel(ctx) // canceling it before Close abandons the write
	defer abort()
	w, err := dst.NewWriter(wctx, key, &blob.WriterOptions{ContentType: r.ContentType()})
	if err != nil {
		return 0, false, err
	}
	n, err = io.Copy(w, r)
	if err == nil && n != r.Size() {
		err = fmt.Errorf("read %d bytes, the source says %d", n, r.Size())
	}
	if err != nil {
		abort()
		w.Close()
		return 0, false, err
	}
	if err := w.Close(); err != nil {
		return 0, false, err
	}
	if a, err = dst.Attributes(ctx, key); err != nil {
		return 0, false, fmt.Errorf("check the copy: %w", err)
	}
	if a.Size != n {
		return 0, false, fmt.Errorf("the destination holds %d bytes, want %d", a.Size, n)
	}
	return n, false, nil
}
