package files

import (
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"

	"gocloud.dev/blob"
	"golang.org/x/image/draw"

	"ferry/internal/ferry"
)

// maxVariantPixels bounds the images Ferry decodes to resize, so that a
// small file that declares huge dimensions cannot exhaust memory.
const maxVariantPixels = 50_000_000

func variantPrefix(f ferry.File) string {
	return fmt.Sprintf("variants/%d/%d/", f.Portal, f.ID)
}

// OpenVariant implements ferry.FileService. A variant is made on first use
// and kept under a key that includes the content's MD5, so that replaced
// content never serves a stale variant.
func (s *Service) OpenVariant(ctx context.Context, f ferry.File, size string, upscale bool) (io.ReadSeekCloser, string, error) {
	edge, ok := ferry.SignedURLSizes[size]
	if !ok {
		return nil, "", ferry.Invalidf("size", "size %q is not one of icon, thumb, medium, preview", size)
	}
	ct := "image/png"
	if f.ContentType == "image/jpeg" {
		ct = "image/jpeg"
	}
	key := fmt.Sprintf("%s%s-%s-%t", variantPrefix(f), f.MD5, size, upscale)
	if ok, err := s.bucket.Exists(ctx, key); err != nil {
		return nil, "", ferry.Wrap(err, "variant exists")
	} else if !ok {
		if err := s.makeVariant(ctx, f, key, edge, upscale, ct); err != nil {
			return nil, "", err
		}
	}
	r, err := s.openKey(ctx, key, f.ID)
	return r, ct, err
}

func (s *Service) makeVariant(ctx context.Context, f ferry.File, key string, edge int, upscale bool, ct string) error {
	if f.Type != "IMG" || f.Width*f.Height == 0 || f.Width*f.Height > maxVariantPixels {
		return ferry.Invalidf("size", "file %s is not an image that can be resized", f.ID)
	}
	r, err := s.Open(ctx, f)
	if err != nil {
		return err
	}
	defer r.Close()
	src, _, err := image.Decode(r)
	if err != nil {
		return ferry.Invalidf("size", "file %s could not be decoded as an image", f.ID)
	}
	w, h := fit(src.Bounds().Dx(), src.Bounds().Dy(), edge, upscale)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Over, nil)
	bw, err := s.bucket.NewWriter(ctx, key, &blob.WriterOptions{ContentType: ct})
	if err != nil {
		return ferry.Wrap(err, "variant writer")
	}
	if ct == "image/jpeg" {
		err = jpeg.Encode(bw, dst, &jpeg.Options{Quality: 85})
	} else {
		err = png.Encode(bw, dst)
	}
	if cerr := bw.Close(); err == nil {
		err = cerr
	}
	return ferry.Wrap(err, "write variant")
}

// fit scales w×h to fit in an edge×edge box, keeping the aspect ratio;
// without upscale it never enlarges.
func fit(w, h, edge int, upscale bool) (int, int) {
	if !upscale && w <= edge && h <= edge {
		return w, h
	}
	if w >= h {
		return edge, max(1, h*edge/w)
	}
	return max(1, w*edge/h), edge
}

// deleteVariants removes every variant made of a file.
func (s *Service) deleteVariants(ctx context.Context, f ferry.File) error {
	it := s.bucket.List(&blob.ListOptions{Prefix: variantPrefix(f)})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return ferry.Wrap(err, "list variants")
		}
		if err := s.DeleteBlob(ctx, obj.Key); err != nil {
			return err
		}
	}
}
