package files

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"time"

	"golang.org/x/sync/semaphore"

	"ferry/internal/ferry"
)

// ImageLimits bound the work of resizing images for signed URLs.
type ImageLimits struct {
	// MaxPixels is the largest image, in pixels, that is resized; it is
	// read from the image's header before anything is decoded. Default
	// 16,777,216 (4096×4096).
	MaxPixels int64
	// Memory is the most memory resizes may hold at once, counted from
	// each image's header. Default 256 MiB.
	Memory int64
	// Workers is how many resizes may run at once. Default one less than
	// the CPUs (at least one), so that resizing never takes every CPU
	// from the requests beside it.
	Workers int
	// Wait is how long a resize waits for its share before it is answered
	// 503 with Retry-After. Default 10 s.
	Wait time.Duration
}

// imageWork shares the memory and the CPUs of resizing among requests: a
// small image never waits behind a large one while their sum fits.
type imageWork struct {
	limits  ImageLimits
	memory  *semaphore.Weighted
	workers *semaphore.Weighted
}

func newImageWork(l ImageLimits) imageWork {
	if l.MaxPixels <= 0 {
		l.MaxPixels = 4096 * 4096
	}
	if l.Memory <= 0 {
		l.Memory = 256 << 20
	}
	if l.Workers <= 0 {
		l.Workers = max(1, runtime.NumCPU()-1)
	}
	if l.Wait <= 0 {
		l.Wait = 10 * time.Second
	}
	return imageWork{limits: l, memory: semaphore.NewWeighted(l.Memory), workers: semaphore.NewWeighted(int64(l.Workers))}
}

// SetImageLimits replaces the bounds on resizing; call it before serving.
func (s *Service) SetImageLimits(l ImageLimits) { s.images = newImageWork(l) }

// bigDecode is a decode large enough that its memory is handed back to
// the operating system at once, rather than when the runtime gets to it.
const bigDecode = 32 << 20

// acquire waits, at most limits.Wait, for a worker and for cost bytes of
// the memory budget, and returns the function that gives them back.
func (w imageWork) acquire(ctx context.Context, cost int64) (func(), error) {
	if cost > w.limits.Memory {
		return nil, &ferry.Error{Kind: ferry.Invalid, SubCategory: "IMAGE_TOO_LARGE",
			Message: fmt.Sprintf("resizing this image would take %d bytes, more than the %d this server allows", cost, w.limits.Memory)}
	}
	ctx, cancel := context.WithTimeout(ctx, w.limits.Wait)
	defer cancel()
	busy := &ferry.Error{Kind: ferry.Unavailable, SubCategory: "RESIZE_BUSY", Message: "Every resize slot is busy; retry shortly."}
	if err := w.workers.Acquire(ctx, 1); err != nil {
		return nil, busy
	}
	if err := w.memory.Acquire(ctx, cost); err != nil {
		w.workers.Release(1)
		return nil, busy
	}
	return func() {
		w.memory.Release(cost)
		w.workers.Release(1)
		if cost >= bigDecode {
			debug.FreeOSMemory()
		}
	}, nil
}
