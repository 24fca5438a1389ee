package files

import (
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"gocloud.dev/blob"
)

// Partials finds and removes what interrupted writes leave in blob
// storage: the ".tmp" files of a local blob directory, and the incomplete
// multipart uploads of an S3 bucket. Only what has not changed for MinAge
// is removed, so that a transfer still running on this or another
// instance is never touched.
type Partials struct {
	// Dir is the local blob directory ("" when the blobs are not local).
	Dir string
	// Bucket is the blob bucket; on S3, its incomplete uploads are
	// aborted. S3Bucket names it there, S3Prefix limits the sweep.
	Bucket   *blob.Bucket
	S3Bucket string
	S3Prefix string
	MinAge   time.Duration
	Log      *slog.Logger
}

// Sweep removes every partial write older than minAge and returns how
// many it removed.
func (p Partials) Sweep(ctx context.Context, minAge time.Duration) int {
	n := 0
	cutoff := time.Now().Add(-minAge)
	if p.Dir != "" {
		filepath.WalkDir(p.Dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(d.Name(), ".tmp") {
				return nil
			}
			if info, err := d.Info(); err == nil && info.ModTime().Before(cutoff) && os.Remove(path) == nil {
				n++
			}
			return nil
		})
	}
	var client *s3.Client
	if p.S3Bucket != "" && p.Bucket != nil && p.Bucket.As(&client) {
		n += p.abortUploads(ctx, client, cutoff)
	}
	if n > 0 {
		p.Log.Info("removed partial writes left by interrupted transfers", "count", n, "olderThan", minAge)
	}
	return n
}

// abortUploads aborts the bucket's multipart uploads begun before cutoff.
func (p Partials) abortUploads(ctx context.Context, client *s3.Client, cutoff time.Time) int {
	n := 0
	in := &s3.ListMultipartUploadsInput{Bucket: &p.S3Bucket}
	if p.S3Prefix != "" {
		in.Prefix = &p.S3Prefix
	}
	for {
		out, err := client.ListMultipartUploads(ctx, in)
		if err != nil {
			p.Log.Warn("list incomplete uploads", "err", err)
			return n
		}
		for _, u := range out.Uploads {
			if u.Initiated == nil || !u.Initiated.Before(cutoff) {
				continue
			}
			_, err := client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &p.S3Bucket, Key: u.Key, UploadId: u.UploadId})
			if err == nil {
				n++
			}
		}
		if out.IsTruncated == nil || !*out.IsTruncated {
			return n
		}
		in.KeyMarker, in.UploadIdMarker = out.NextKeyMarker, out.NextUploadIdMarker
	}
}

// Run sweeps every MinAge/2 what is older than MinAge, until ctx ends.
func (p Partials) Run(ctx context.Context) {
	t := time.NewTicker(max(p.MinAge/2, time.Second))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			p.Sweep(ctx, p.MinAge)
		}
	}
}
