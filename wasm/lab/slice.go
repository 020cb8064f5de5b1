//go:build js && wasm

package lab

import (
	"strings"

	"github.com/govae/govae/wasm/bridge"
	"github.com/govae/govae/wasm/view"
)

// The lab on a latent space larger than 2 (issue 11): its marks on the
// plane (the posterior's ellipses and samples, the interpolation path) and
// its decodes of plane points use the plane's slice, Shown.Slice — the two
// dimensions the plane shows, the others at the slice's reference. At
// latent size 2 the slice is the whole plane and everything is as before.

// slice returns the plane's slice of the shown model's latent space.
func (l *Lab) slice() view.Slice {
	sl := l.now.Slice
	if m := l.now.Model; m != nil && sl.Dim() != m.Arch.Latent {
		sl, _ = view.NewSlice(max(m.Arch.Latent, 2), 0, 1, nil)
	}
	return sl
}

// planeZ returns the full latent points (Latent values each, flattened) of
// points of the plane.
func (l *Lab) planeZ(pts [][2]float64) []float32 {
	sl := l.slice()
	z := make([]float32, 0, len(pts)*sl.Dim())
	for _, p := range pts {
		z = append(z, sl.Z(p[0], p[1])...)
	}
	return z
}

// pairIn returns the plane's two dimensions in a latent space of d
// dimensions: the slice's, or (0, 1) for a vector of another model (one
// computed before the weights changed, until it is computed again).
func (l *Lab) pairIn(d int) (i, j int) {
	if sl := l.slice(); sl.Dim() == d {
		return sl.I, sl.J
	}
	return 0, 1
}

// onPlane returns the plane's pair of a full latent vector v (μ, log σ², σ
// or a sample).
func (l *Lab) onPlane(v []float32) [2]float64 {
	if len(v) < 2 {
		return [2]float64{}
	}
	i, j := l.pairIn(len(v))
	return [2]float64{float64(v[i]), float64(v[j])}
}

// gradIndex returns the column of the encoder gradient's rows (∂/∂μ, then
// ∂/∂log σ², d each) that gradient component c of GradComponents — μ and
// log σ² of the plane's horizontal and vertical dimensions — is.
func (l *Lab) gradIndex(c, d int) int {
	i, j := l.pairIn(d)
	dim := []int{i, j}[c%2]
	if c >= 2 {
		return d + dim
	}
	return dim
}

// gradName names column k of the encoder gradient's rows in a latent space
// of d dimensions: ∂/∂μ₃, ∂/∂log σ₃².
func gradName(k, d int) string {
	if k < d {
		return "∂/∂μ" + subscript(k)
	}
	return "∂/∂log σ" + subscript(k-d) + "²"
}

// subscript returns dimension k's (0-based) number as a subscript: ₁ … ₁₆.
func subscript(k int) string { return strings.TrimPrefix(view.LatentName(k), "z") }

// gradOptions names the gradient components' menu after the plane's two
// dimensions (∂/∂μ₃ … at latent size 4 with the pair z₃, z₁).
func (l *Lab) gradOptions() {
	d := l.slice().Dim()
	options := make([]bridge.Option, len(view.GradComponents))
	for c, v := range view.GradComponents {
		options[c] = bridge.Option{Value: v, Text: gradName(l.gradIndex(c, d), d)}
	}
	l.dom.SetOptions("lab-gcomp", options, l.settings.Get("gcomp"))
}
