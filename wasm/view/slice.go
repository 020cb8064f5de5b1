package view

import (
	"fmt"
	"math"
)

// Slice is the 2-D slice of a latent space of d ≥ 2 dimensions that the
// plane shows: the horizontal axis (the plane's z₁) is latent dimension I,
// the vertical one (z₂) is dimension J, and every other dimension is held
// at the reference Ref — the origin, or the encoder mean μ of a chosen test
// digit or of a drawing. With d = 2, I = 0, J = 1 it is the whole latent
// plane, as the page draws it without a slice: every method then gives
// exactly what the page computes without one.
type Slice struct {
	I, J int
	// Ref holds d values; Ref[I] and Ref[J] are not used.
	Ref []float32
}

// NewSlice returns the slice of a d-dimensional latent space through ref
// (d values, nil for the origin) along dimensions i and j (0-based). Errors:
// d < 2, i or j outside [0, d), i = j, ref of another length than d, or a
// reference value that is NaN or infinite. ref is copied.
func NewSlice(d, i, j int, ref []float32) (Slice, error) {
	if d < 2 {
		return Slice{}, fmt.Errorf("a slice needs a latent space of at least 2 dimensions, not %d", d)
	}
	if i < 0 || i >= d || j < 0 || j >= d || i == j {
		return Slice{}, fmt.Errorf("latent dimensions %d and %d: want two different ones among 1 to %d", i+1, j+1, d)
	}
	s := Slice{I: i, J: j, Ref: make([]float32, d)}
	if ref != nil {
		if len(ref) != d {
			return Slice{}, fmt.Errorf("a reference of %d values for a latent space of %d dimensions", len(ref), d)
		}
		for k, v := range ref {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return Slice{}, fmt.Errorf("reference value %v in latent dimension %d", v, k+1)
			}
		}
		copy(s.Ref, ref)
	}
	return s, nil
}

// Dim returns the number of latent dimensions d.
func (s Slice) Dim() int { return len(s.Ref) }

// Z returns the full latent point (d values) at the plane's point (z1, z2):
// the reference with dimension I set to z1 and J to z2.
func (s Slice) Z(z1, z2 float64) []float32 {
	z := make([]float32, len(s.Ref))
	s.put(z, float32(z1), float32(z2))
	return z
}

func (s Slice) put(z []float32, z1, z2 float32) {
	copy(z, s.Ref)
	z[s.I], z[s.J] = z1, z2
}

// GridZ returns the latent points of the n×n manifold in the slice, n·n·d
// values ready for one batched Decode: the tiles of GridZ(n) in the same
// order, each the reference with dimensions I and J set to the tile's
// quantiles (z₁, z₂).
func (s Slice) GridZ(n int) []float32 {
	d := len(s.Ref)
	plane := GridZ(n)
	out := make([]float32, n*n*d)
	for k := 0; k < n*n; k++ {
		s.put(out[k*d:(k+1)*d], plane[2*k], plane[2*k+1])
	}
	return out
}

// Project returns the plane's coordinates (dimensions I and J) of n latent
// points given as n×d values — the encoder means μ of the overlay's test
// digits, say — as n×2 values (z₁, z₂ for each point).
func (s Slice) Project(z []float32, n int) []float32 {
	d := len(s.Ref)
	out := make([]float32, 2*n)
	for r := 0; r < n; r++ {
		out[2*r], out[2*r+1] = z[r*d+s.I], z[r*d+s.J]
	}
	return out
}

// Coords returns the plane's coordinates (z₁, z₂) of one latent point z
// (d values), where the plane draws it.
func (s Slice) Coords(z []float32) (z1, z2 float64) {
	return float64(z[s.I]), float64(z[s.J])
}
