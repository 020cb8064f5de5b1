package scene

import (
	"github.com/govae/govae/core"
	"github.com/govae/govae/wasm/view"
)

// The 2-D slice a scene shows of a latent space larger than 2 (issue 11):
// the manifold, the large sample and the overlay's dots are drawn over
// latent dimensions I and J, the others held at a reference — the origin or
// the encoder mean of an image, computed with each snapshot so that the
// reference follows the weights while they train.

// sliceWant is the slice the page asked for (SetSlice).
type sliceWant struct {
	i, j int
	ref  []float32 // an image whose encoder mean is the reference; nil for the origin
}

// SetSlice makes the next Refresh show latent dimensions i and j (0-based)
// with the others at the encoder mean μ of ref (Input values, copied), or at
// the origin when ref is nil. A pair that does not fit the model's latent
// space falls back to (0, 1); at latent size 2 the slice along (0, 1) is
// the whole plane, drawn exactly as without one. The page refreshes the
// parts it wants redrawn.
func (s *Scene) SetSlice(i, j int, ref []float32) {
	s.want = sliceWant{i: i, j: j, ref: append([]float32(nil), ref...)}
	if ref == nil {
		s.want.ref = nil
	}
}

// sliceFor returns the slice of the requested pair and reference for m:
// the reference is m's encoder mean of the reference image (evaluation
// mode), or the origin when there is none or it does not fit m.
func (w sliceWant) sliceFor(m *core.Model) view.Slice {
	d := m.Arch.Latent
	i, j := w.i, w.j
	if i < 0 || j < 0 || i >= d || j >= d || i == j {
		i, j = 0, 1
	}
	var ref []float32
	if w.ref != nil && len(w.ref) == m.Arch.Input && d > 2 {
		ref, _ = m.Encode(w.ref, 1)
	}
	sl, err := view.NewSlice(d, i, j, ref)
	if err != nil {
		// A non-finite μ (diverged weights): the origin instead.
		sl, _ = view.NewSlice(d, i, j, nil)
	}
	return sl
}

// sliceFits reports whether s.Slice is one of the model's latent space.
func (s *Scene) sliceFits() bool { return s.Slice.Dim() == s.Model.Arch.Latent && s.Slice.Dim() >= 2 }
