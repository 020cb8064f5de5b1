package view

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// The manifold grid spans these cumulative probabilities: tile centres are
// evenly spaced in p, and z = Φ⁻¹(p), as in the Keras VAE tutorial.
const (
	GridPLow  = 0.05
	GridPHigh = 0.95
)

// Rect is an axis-aligned rectangle; (X, Y) is its top-left corner and y
// grows downwards, as on screen.
type Rect struct{ X, Y, W, H float64 }

// Right returns the x coordinate of r's right edge.
func (r Rect) Right() float64 { return r.X + r.W }

// Bottom returns the y coordinate of r's bottom edge.
func (r Rect) Bottom() float64 { return r.Y + r.H }

// Contains reports whether (x, y) lies in r, edges included.
func (r Rect) Contains(x, y float64) bool {
	return x >= r.X && x <= r.Right() && y >= r.Y && y <= r.Bottom()
}

// Empty reports whether r has no area.
func (r Rect) Empty() bool { return !(r.W > 0 && r.H > 0) }

// Scale returns r with every coordinate multiplied by s.
func (r Rect) Scale(s float64) Rect { return Rect{r.X * s, r.Y * s, r.W * s, r.H * s} }

// GridP returns n ≥ 2 probabilities evenly spaced over [GridPLow, GridPHigh].
func GridP(n int) []float64 {
	p := make([]float64, n)
	for i := range p {
		p[i] = GridPLow + (GridPHigh-GridPLow)*float64(i)/float64(n-1)
	}
	return p
}

// GridZ returns the latent points of an n×n manifold, z = (Φ⁻¹(p₁), Φ⁻¹(p₂)),
// as n·n·2 values ready for one batched Decode: tiles in reading order, row
// 0 at the top (largest z₂), column 0 on the left (smallest z₁).
func GridZ(n int) []float32 {
	zs := make([]float64, n)
	for i, p := range GridP(n) {
		zs[i] = NormalQuantile(p)
	}
	out := make([]float32, 0, 2*n*n)
	for r := 0; r < n; r++ {
		for c := 0; c < n; c++ {
			out = append(out, float32(zs[c]), float32(zs[n-1-r]))
		}
	}
	return out
}

// Plane maps between the pixels of the manifold's square on screen and the
// latent z. Both axes are linear in the cumulative probability p = Φ(z), so
// the tiles of the quantile grid are evenly spaced: z₁ grows to the right
// and z₂ upwards.
type Plane struct {
	Rect Rect
	// PMin and PMax are the probabilities at the left/bottom and right/top
	// edges: half a tile beyond the outermost tile centres.
	PMin, PMax float64
}

// NewPlane returns the plane of an n×n grid drawn in r.
func NewPlane(r Rect, n int) Plane {
	half := (GridPHigh - GridPLow) / float64(n-1) / 2
	return Plane{Rect: r, PMin: GridPLow - half, PMax: GridPHigh + half}
}

// pEdge keeps p inside (0, 1) where a small grid puts the plane's edge at
// p = 0 or 1 (z = ∓∞).
const pEdge = 1e-4

// P returns the cumulative probabilities (p₁, p₂) at pixel (x, y).
func (pl Plane) P(x, y float64) (p1, p2 float64) {
	span := pl.PMax - pl.PMin
	p1 = pl.PMin + (x-pl.Rect.X)/pl.Rect.W*span
	p2 = pl.PMin + (pl.Rect.Bottom()-y)/pl.Rect.H*span
	return p1, p2
}

// Z returns the latent point at pixel (x, y). Pixels outside the plane are
// first clamped to its edge, so dragging past the edge pins z there.
func (pl Plane) Z(x, y float64) (z1, z2 float64) {
	x = min(max(x, pl.Rect.X), pl.Rect.Right())
	y = min(max(y, pl.Rect.Y), pl.Rect.Bottom())
	p1, p2 := pl.P(x, y)
	return NormalQuantile(clampP(p1)), NormalQuantile(clampP(p2))
}

// Pixel returns the pixel at latent point z, the inverse of Z. Points
// beyond the plane's edges map outside Rect.
func (pl Plane) Pixel(z1, z2 float64) (x, y float64) {
	span := pl.PMax - pl.PMin
	x = pl.Rect.X + (NormalCDF(z1)-pl.PMin)/span*pl.Rect.W
	y = pl.Rect.Bottom() - (NormalCDF(z2)-pl.PMin)/span*pl.Rect.H
	return x, y
}

// ZMax returns the largest |z| on the plane, at its edges.
func (pl Plane) ZMax() float64 { return NormalQuantile(clampP(pl.PMax)) }

func clampP(p float64) float64 { return min(max(p, pEdge), 1-pEdge) }

// Ticks returns the z values to label on an axis of the plane that is
// length pixels long: multiples of ½ at least minGap/2 inside the plane's
// edges, chosen from 0 outwards so that labels are at least minGap pixels
// apart (the quantile scale crowds the outer ones).
func (pl Plane) Ticks(length, minGap float64) []float64 {
	span := pl.PMax - pl.PMin
	pos := func(z float64) float64 { return (NormalCDF(z) - pl.PMin) / span * length }
	var kept []float64
	for k := 0; k <= 8; k++ {
		for _, z := range []float64{-0.5 * float64(k), 0.5 * float64(k)} {
			if k == 0 && z < 0 {
				continue
			}
			p := pos(z)
			if p < minGap/2 || p > length-minGap/2 {
				continue
			}
			ok := true
			for _, o := range kept {
				if math.Abs(pos(o)-p) < minGap {
					ok = false
					break
				}
			}
			if ok {
				kept = append(kept, z)
			}
		}
	}
	slices.Sort(kept)
	return kept
}

// FormatNumber formats v with the given number of decimals and a true
// minus sign (U+2212), as labels should read.
func FormatNumber(v float64, decimals int) string {
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if s == "-"+strconv.FormatFloat(0, 'f', decimals, 64) {
		s = s[1:] // no "−0.00"
	}
	return strings.Replace(s, "-", "\u2212", 1)
}
