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

// ensureVariant makes a variant unless it exists. A request that waited
// for its share of resize work may find the variant made meanwhile.
func (s *Service) ensureVariant(ctx context.Context, f ferry.File, key string, edge int, upscale bool, ct string) error {
	if ok, err := s.bucket.Exists(ctx, key); err != nil || ok {
		return ferry.Wrap(err, "variant exists")
	}
	if f.Type != "IMG" || f.Width*f.Height == 0 {
		return ferry.Invalidf("size", "file %s is not an image that can be resized", f.ID)
	}
	cost, err := s.decodeCost(ctx, f, edge)
	if err != nil {
		return err
	}
	release, err := s.images.acquire(ctx, cost)
	if err != nil {
		return err
	}
	defer release()
	if ok, err := s.bucket.Exists(ctx, key); err != nil || ok {
		return ferry.Wrap(err, "variant exists")
	}
	return s.makeVariant(ctx, f, key, edge, upscale, ct)
}

func (s *Service) makeVariant(ctx context.Context, f ferry.File, key string, edge int, upscale bool, ct string) error {
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

// decodeCost reads an image's header, before any decoding, and returns
// the bytes its resize will hold: the decoded pixels (8 bytes a pixel for
// 16-bit colour, else 4) and the variant. An image of more pixels than
// the limit is refused.
func (s *Service) decodeCost(ctx context.Context, f ferry.File, edge int) (int64, error) {
	r, err := s.Open(ctx, f)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	cfg, _, err := image.DecodeConfig(io.LimitReader(r, 32<<20))
	if err != nil {
		return 0, ferry.Invalidf("size", "file %s could not be decoded as an image", f.ID)
	}
	pixels := int64(cfg.Width) * int64(cfg.Height)
	if pixels > s.images.limits.MaxPixels {
		return 0, &ferry.Error{Kind: ferry.Invalid, SubCategory: "IMAGE_TOO_LARGE",
			Message: fmt.Sprintf("file %s is %dx%d, %d pixels, more than the %d this server resizes", f.ID, cfg.Width, cfg.Height, pixels, s.images.limits.MaxPixels),
			Details: []ferry.Detail{{In: "size", Code: "IMAGE_TOO_LARGE", Message: "the image has too many pixels to resize"}}}
	}
	bpp := int64(4)
	switch cfg.ColorModel {
	case color.RGBA64Model, color.NRGBA64Model, color.Gray16Model:
		bpp = 8
	}
	return pixels*bpp + int64(edge)*int64(edge)*4, nil
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
