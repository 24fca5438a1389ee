package files

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"

	"gocloud.dev/blob"
	"golang.org/x/image/draw"

	"ferry/internal/ferry"
)

// maxVariantBytes bounds the decoded size of an image Ferry resizes, so
// that a small file that declares huge dimensions (or 16 bits a channel)
// cannot exhaust memory. One variant is made at a time (Service.variants).
const maxVariantBytes = 100 << 20

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
	if err := s.ensureVariant(ctx, f, key, edge, upscale, ct); err != nil {
		return nil, "", err
	}
	r, err := s.openKey(ctx, key, f.ID)
	return r, ct, err
}

// ensureVariant makes a variant unless it exists. Variants are made one at
// a time, so that concurrent requests cannot multiply the memory a
// decode takes; a request that waited finds the variant made.
func (s *Service) ensureVariant(ctx context.Context, f ferry.File, key string, edge int, upscale bool, ct string) error {
	if ok, err := s.bucket.Exists(ctx, key); err != nil || ok {
		return ferry.Wrap(err, "variant exists")
	}
	select {
	case s.variants <- struct{}{}:
		defer func() { <-s.variants }()
	case <-ctx.Done():
		return ctx.Err()
	}
	if ok, err := s.bucket.Exists(ctx, key); err != nil || ok {
		return ferry.Wrap(err, "variant exists")
	}
	return s.makeVariant(ctx, f, key, edge, upscale, ct)
}

func (s *Service) makeVariant(ctx context.Context, f ferry.File, key string, edge int, upscale bool, ct string) error {
	if f.Type != "IMG" || f.Width*f.Height == 0 {
		return ferry.Invalidf("size", "file %s is not an image that can be resized", f.ID)
	}
	if err := s.checkDecodedSize(ctx, f); err != nil {
		return err
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

// checkDecodedSize refuses an image whose decoded pixels would take more
// than maxVariantBytes: 8 bytes a pixel for 16-bit colour, else 4.
func (s *Service) checkDecodedSize(ctx context.Context, f ferry.File) error {
	r, err := s.Open(ctx, f)
	if err != nil {
		return err
	}
	defer r.Close()
	cfg, _, err := image.DecodeConfig(r)
	if err != nil {
		return ferry.Invalidf("size", "file %s could not be decoded as an image", f.ID)
	}
	bpp := int64(4)
	switch cfg.ColorModel {
	case color.RGBA64Model, color.NRGBA64Model, color.Gray16Model:
		bpp = 8
	}
	if int64(cfg.Width)*int64(cfg.Height)*bpp > maxVariantBytes {
		return ferry.Invalidf("size", "file %s is too large an image to resize (%dx%d)", f.ID, cfg.Width, cfg.Height)
	}
	return nil
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
