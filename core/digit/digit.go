// Package digit turns a free-hand drawing into an MNIST-style 28×28 image:
// the ink's bounding box is scaled (keeping its aspect ratio, with
// anti-aliasing) to fit a 20×20 box, and the result is placed in the 28×28
// field so that its centre of mass sits at the centre, as the MNIST
// authors did with the NIST digits.
package digit

import (
	"errors"
	"fmt"
	"math"
)

// Sizes of the MNIST format.
const (
	Side    = 28 // the image is Side×Side
	BoxSide = 20 // the ink is scaled to fit BoxSide×BoxSide
)

// InkThreshold is the intensity above which a drawing pixel counts as ink
// when finding the bounding box; fainter anti-aliasing fringes are kept in
// the image but do not stretch the box.
const InkThreshold = 0.05

// ErrEmpty reports a drawing with no ink.
var ErrEmpty = errors.New("digit: the drawing is empty")

// Normalize converts a w×h drawing (row-major intensities in [0,1], 1 =
// ink) into Side×Side MNIST-style pixels in [0,1].
func Normalize(pixels []float32, w, h int) ([]float32, error) {
	if w <= 0 || h <= 0 || len(pixels) != w*h {
		return nil, fmt.Errorf("digit: %d pixels do not make a %d×%d drawing", len(pixels), w, h)
	}
	x0, y0, x1, y1, ok := inkBounds(pixels, w, h)
	if !ok {
		return nil, ErrEmpty
	}
	bw, bh := float64(x1-x0), float64(y1-y0)
	scale := BoxSide / math.Max(bw, bh)
	tw, th := max(1, int(math.Round(bw*scale))), max(1, int(math.Round(bh*scale)))
	small := resample(pixels, w, x0, y0, bw, bh, tw, th)

	// Place the scaled ink so that its centre of mass lands on the centre.
	cx, cy := centreOfMass(small, tw, th)
	dx := int(math.Round(Side/2 - cx))
	dy := int(math.Round(Side/2 - cy))
	out := make([]float32, Side*Side)
	for y := 0; y < th; y++ {
		for x := 0; x < tw; x++ {
			ox, oy := x+dx, y+dy
			if ox >= 0 && ox < Side && oy >= 0 && oy < Side {
				out[oy*Side+ox] = small[y*tw+x]
			}
		}
	}
	return out, nil
}

// inkBounds returns the half-open bounding box [x0,x1)×[y0,y1) of the ink.
func inkBounds(pixels []float32, w, h int) (x0, y0, x1, y1 int, ok bool) {
	x0, y0, x1, y1 = w, h, 0, 0
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if pixels[y*w+x] > InkThreshold {
				x0, y0 = min(x0, x), min(y0, y)
				x1, y1 = max(x1, x+1), max(y1, y+1)
			}
		}
	}
	return x0, y0, x1, y1, x1 > x0
}

// resample box-filters the source rectangle at (x0,y0) of size bw×bh onto a
// tw×th grid: each output pixel is the mean of the source over its
// footprint, with fractional coverage at the edges (anti-aliasing).
func resample(src []float32, w, x0, y0 int, bw, bh float64, tw, th int) []float32 {
	out := make([]float32, tw*th)
	sx, sy := bw/float64(tw), bh/float64(th)
	for ty := 0; ty < th; ty++ {
		fy0, fy1 := float64(y0)+float64(ty)*sy, float64(y0)+float64(ty+1)*sy
		for tx := 0; tx < tw; tx++ {
			fx0, fx1 := float64(x0)+float64(tx)*sx, float64(x0)+float64(tx+1)*sx
			var sum, area float64
			for y := int(fy0); float64(y) < fy1; y++ {
				cy := math.Min(fy1, float64(y+1)) - math.Max(fy0, float64(y))
				for x := int(fx0); float64(x) < fx1; x++ {
					cx := math.Min(fx1, float64(x+1)) - math.Max(fx0, float64(x))
					sum += cx * cy * float64(src[y*w+x])
					area += cx * cy
				}
			}
			if area > 0 {
				out[ty*tw+tx] = float32(min(1, sum/area))
			}
		}
	}
	return out
}

// centreOfMass returns the intensity-weighted mean position of an image,
// in continuous coordinates where pixel (x,y) covers [x,x+1)×[y,y+1).
func centreOfMass(img []float32, w, h int) (cx, cy float64) {
	var total float64
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := float64(img[y*w+x])
			total += v
			cx += v * (float64(x) + 0.5)
			cy += v * (float64(y) + 0.5)
		}
	}
	if total == 0 {
		return float64(w) / 2, float64(h) / 2
	}
	return cx / total, cy / total
}

// CentreOfMass returns the intensity-weighted centre of a Side×Side image
// in the same continuous coordinates Normalize aims at (Side/2 is the centre).
func CentreOfMass(img []float32) (cx, cy float64) { return centreOfMass(img, Side, Side) }
