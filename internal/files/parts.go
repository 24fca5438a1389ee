package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

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

// ExtendPart implements ferry.ContentStore: on local disk the part's file
// is opened to write after its first size bytes.
func (s *Service) ExtendPart(ctx context.Context, key string, size int64) (ferry.PartWriter, bool, error) {
	path, ok := s.localPath(ctx, key)
	if !ok {
		return nil, false, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return nil, false, ferry.Wrap(err, "open part")
	}
	fi, err := f.Stat()
	if err == nil && fi.Size() < size {
		err = fmt.Errorf("part %s holds %d bytes, fewer than the %d recorded", key, fi.Size(), size)
	}
	if err == nil {
		err = f.Truncate(size)
	}
	if err == nil {
		_, err = f.Seek(size, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, false, ferry.Wrap(err, "extend part")
	}
	return localPart{f}, true, nil
}

// localPart is a part grown in place in its local file. Its bytes are
// written as they come; the caller records how many count.
type localPart struct{ f *os.File }

func (p localPart) Write(b []byte) (int, error) {
	n, err := p.f.Write(b)
	return n, storageFull(err)
}

func (p localPart) Close() error { return storageFull(p.f.Close()) }

func (p localPart) Abort() { p.f.Close() }

// localPath returns the local file that holds key, and whether there is
// one: the bucket is a local directory (fileblob) without metadata
// sidecars, and key maps to a path unescaped.
func (s *Service) localPath(ctx context.Context, key string) (string, bool) {
	var dir os.FileInfo
	if !s.bucket.As(&dir) { // only fileblob's bucket is a directory: elsewhere, spare a request
		return "", false
	}
	r, err := s.bucket.NewReader(ctx, key, nil)
	if err != nil {
		return "", false
	}
	defer r.Close()
	var under io.Reader
	if !r.As(&under) {
		return "", false
	}
	f, ok := under.(*os.File)
	if !ok {
		return "", false
	}
	name := f.Name()
	if !strings.HasSuffix(name, string(os.PathSeparator)+filepath.FromSlash(key)) {
		return "", false
	}
	if _, err := os.Lstat(name + ".attrs"); !errors.Is(err, fs.ErrNotExist) {
		return "", false
	}
	return name, true
}

// StageParts implements ferry.ContentStore.
func (s *Service) StageParts(ctx context.Context, c ferry.PartsContent) (ferry.Staged, error) {
	var n int64
	for _, p := range c.Parts {
		n += p.Size
	}
	if c.MaxBytes > 0 && n > c.MaxBytes {
		return ferry.Staged{}, tooLarge(c.MaxBytes)
	}
	head, err := s.partsHead(ctx, c.Parts)
	if err != nil {
		return ferry.Staged{}, err
	}
	if err := s.joinParts(ctx, c.Key, c.Parts); err != nil {
		s.obs.BlobError("write")
		s.deleteBlob(c.Key)
		return ferry.Staged{}, storageFull(err)
	}
	s.obs.BlobStored(n)
	return s.measured(ctx, c.Key, c.FileName, head, n, c.MD5, c.SHA256), nil
}

// partsHead reads the first sniffLen bytes of the parts' content.
func (s *Service) partsHead(ctx context.Context, parts []ferry.Part) ([]byte, error) {
	var head []byte
	for _, p := range parts {
		if len(head) >= sniffLen {
			break
		}
		r, err := s.bucket.NewRangeReader(ctx, p.Key, 0, min(p.Size, int64(sniffLen-len(head))), nil)
		if err != nil {
			return nil, ferry.Wrap(err, "open part")
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			return nil, ferry.Wrap(err, "read part")
		}
		head = append(head, b...)
	}
	return head, nil
}

// joinParts makes the parts' content the blob at key. A single part on
// local disk is renamed; one elsewhere is copied by the storage; several
// are streamed into a new blob.
func (s *Service) joinParts(ctx context.Context, key string, parts []ferry.Part) error {
	if len(parts) == 1 {
		p := parts[0]
		if path, ok := s.localPath(ctx, p.Key); ok {
			root := strings.TrimSuffix(path, filepath.FromSlash(p.Key))
			dst := root + filepath.FromSlash(key)
			if err := os.Truncate(path, p.Size); err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Dir(dst), 0o777); err != nil {
				return err
			}
			return os.Rename(path, dst)
		}
		return s.bucket.Copy(ctx, key, p.Key, nil)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel() // before Close: the writer discards
	w, err := s.bucket.NewWriter(wctx, key, &blob.WriterOptions{ContentType: "application/octet-stream"})
	if err != nil {
		return err
	}
	for _, p := range parts {
		if err = s.copyPart(ctx, w, p); err != nil {
			cancel()
			w.Close()
			return err
		}
	}
	return w.Close()
}

// copyPart copies a part's content to w.
func (s *Service) copyPart(ctx context.Context, w io.Writer, p ferry.Part) error {
	r, err := s.bucket.NewRangeReader(ctx, p.Key, 0, p.Size, nil)
	if err != nil {
		return err
	}
	defer r.Close()
	n, err := io.Copy(w, r)
	if err == nil && n != p.Size {
		err = fmt.Errorf("part %s holds %d bytes, fewer than the %d recorded", p.Key, n, p.Size)
	}
	return err
}
