package files

import (
	"context"
	"io"

	"gocloud.dev/blob"

	"ferry/internal/ferry"
)

// partWriter is a blob writer that can be abandoned.
type partWriter struct {
	*blob.Writer
	cancel context.CancelFunc
}

// Abort discards the part: a blob writer whose context ends before Close
// writes nothing.
func (p *partWriter) Abort() {
	p.cancel()
	p.Writer.Close()
}

// Write writes to the part; a full storage is StorageFull.
func (p *partWriter) Write(b []byte) (int, error) {
	n, err := p.Writer.Write(b)
	return n, storageFull(err)
}

// Close makes the part durable.
func (p *partWriter) Close() error {
	defer p.cancel()
	return storageFull(p.Writer.Close())
}

// CreatePart implements ferry.ContentStore.
func (s *Service) CreatePart(ctx context.Context, key string) (ferry.PartWriter, error) {
	ctx, cancel := context.WithCancel(ctx)
	w, err := s.bucket.NewWriter(ctx, key, &blob.WriterOptions{ContentType: "application/octet-stream"})
	if err != nil {
		cancel()
		return nil, ferry.Wrap(err, "open part writer")
	}
	return &partWriter{Writer: w, cancel: cancel}, nil
}

// OpenPart implements ferry.ContentStore.
func (s *Service) OpenPart(ctx context.Context, key string) (io.ReadCloser, error) {
	r, err := s.bucket.NewReader(ctx, key, nil)
	if err != nil {
		return nil, ferry.Wrap(err, "open part")
	}
	return r, nil
}

// DeletePart implements ferry.ContentStore.
func (s *Service) DeletePart(key string) { s.deleteBlob(key) }
