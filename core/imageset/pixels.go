package imageset

import (
	"image"
	"math"
	"slices"
)

// WorkSide bounds the grey image Import normalises: a larger image is first
// averaged down in k×k blocks (k = ⌈side/WorkSide⌉), which core/digit's box
// filter down to 20×20 would average anyway.
const WorkSide = 280

// Ink detection, applied by prepare. A light background is one whose border
// median is above LightBackground; the background level is the
// BackgroundPercentile of the border (after any inversion), and an image
// whose brightest pixel is less than MinContrast above it has no ink.
const (
	LightBackground      = 0.5
	BackgroundPercentile = 0.9
	MinContrast          = 0.1
)

// greyscale converts img to grey levels in [0, 1] (0 black, 1 white), row
// major, averaged down to at most WorkSide on the longer side. Transparent
// pixels are composited over white, as a browser shows them on a white
// page. Luma uses ITU-R BT.601 weights (0.299 R + 0.587 G + 0.114 B), as
// Go's color.GrayModel and JPEG's Y do; for JPEG's YCbCr and grey images
// the stored Y is used directly.
func greyscale(img image.Image) ([]float32, int, int) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	k := (max(w, h) + WorkSide - 1) / WorkSide
	ow, oh := (w+k-1)/k, (h+k-1)/k
	sum := make([]float64, ow*oh)
	count := make([]float64, ow*oh)
	add := func(x, y int, v float64) {
		i := (y/k)*ow + x/k
		sum[i] += v
		count[i]++
	}
	switch m := img.(type) {
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			row := m.Y[(y+b.Min.Y-m.Rect.Min.Y)*m.YStride+(b.Min.X-m.Rect.Min.X):]
			for x := 0; x < w; x++ {
				add(x, y, float64(row[x])/255)
			}
		}
	case *image.Gray:
		for y := 0; y < h; y++ {
			row := m.Pix[(y+b.Min.Y-m.Rect.Min.Y)*m.Stride+(b.Min.X-m.Rect.Min.X):]
			for x := 0; x < w; x++ {
				add(x, y, float64(row[x])/255)
			}
		}
	default:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				r, g, bl, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
				// Premultiplied: over white adds the uncovered part.
				white := float64(0xffff - a)
				lum := 0.299*(float64(r)+white) + 0.587*(float64(g)+white) + 0.114*(float64(bl)+white)
				add(x, y, lum/0xffff)
			}
		}
	}
	out := make([]float32, ow*oh)
	for i := range out {
		out[i] = float32(sum[i] / count[i])
	}
	return out, ow, oh
}

// border returns the pixels of the outermost ring of a w×h image.
func border(p []float32, w, h int) []float32 {
	var out []float32
	for x := 0; x < w; x++ {
		out = append(out, p[x])
		if h > 1 {
			out = append(out, p[(h-1)*w+x])
		}
	}
	for y := 1; y < h-1; y++ {
		out = append(out, p[y*w])
		if w > 1 {
			out = append(out, p[y*w+w-1])
		}
	}
	return out
}

// quantile returns the q-quantile (nearest rank) of v, which it sorts.
func quantile(v []float32, q float64) float32 {
	slices.Sort(v)
	i := int(math.Ceil(q*float64(len(v)))) - 1
	return v[min(max(i, 0), len(v)-1)]
}

// prepare turns grey levels into ink intensities in place, as core/digit
// wants them (0 background, 1 ink): it inverts the image when its border
// is light (median above LightBackground), then stretches the levels so
// that the background (the border's BackgroundPercentile) becomes 0 and the
// brightest pixel 1, clipping below. It reports whether it inverted, and
// whether there is any ink: false when the brightest pixel is less than
// MinContrast above the background.
func prepare(p []float32, w, h int) (inverted, inked bool) {
	ring := border(p, w, h)
	if quantile(ring, 0.5) > LightBackground {
		inverted = true
		for i := range p {
			p[i] = 1 - p[i]
		}
		for i := range ring {
			ring[i] = 1 - ring[i]
		}
	}
	bg := quantile(ring, BackgroundPercentile)
	peak := slices.Max(p)
	if peak-bg < MinContrast {
		return inverted, false
	}
	scale := 1 / (peak - bg)
	for i, v := range p {
		p[i] = min(1, max(0, (v-bg)*scale))
	}
	return inverted, true
}

// stretch scales p in place so that its brightest pixel is 1, as in MNIST,
// where strokes reach full intensity: box-filtering a thin stroke down to
// 20×20 leaves it grey otherwise. It returns p.
func stretch(p []float32) []float32 {
	if peak := slices.Max(p); peak > 0 {
		for i := range p {
			p[i] = min(1, p[i]/peak)
		}
	}
	return p
}

// quantise rounds intensities in [0, 1] to bytes, as IDX stores them.
func quantise(p []float32) []uint8 {
	out := make([]uint8, len(p))
	for i, v := range p {
		out[i] = uint8(math.Round(float64(min(1, max(0, v))) * 255))
	}
	return out
}
