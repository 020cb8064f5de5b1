package scene

import (
	"slices"
	"testing"
	"time"

	"github.com/govae/govae/core"
	"github.com/govae/govae/wasm/view"
)

func latentModel(t *testing.T, d int, seed uint64) *core.Model {
	t.Helper()
	m, err := core.New(core.Architecture{Input: 784, Encoder: []int{16}, Decoder: []int{16}, Latent: d, Activation: core.Tanh}, seed)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func finish(s *Scene) {
	for s.Busy() {
		s.Work(time.Hour)
	}
}

// At latent size 4 the manifold, the sample and the overlay follow the
// slice: dimensions I and J over the quantile grid, the others at the
// reference image's encoder mean, computed with the snapshot.
func TestSceneSlice(t *testing.T) {
	const grid = 5
	m := latentModel(t, 4, 1)
	s := NewScene(m, grid)
	s.SetTestData(testSet(100))
	ref := randomImages(1, 9)
	s.SetSlice(2, 0, ref)
	s.Refresh(nil, PartManifold|PartDots|PartRecon, grid, 100)
	finish(s)

	mu, _ := m.Encode(ref, 1)
	if s.Slice.I != 2 || s.Slice.J != 0 || !slices.Equal(s.Slice.Ref, mu) || s.ManifoldSlice.I != 2 {
		t.Fatalf("slice %+v, manifold's %+v; want dims 2, 0 through μ = %v", s.Slice, s.ManifoldSlice, mu)
	}
	plane := view.GridZ(grid)
	z := make([]float32, 0, grid*grid*4)
	for k := 0; k < grid*grid; k++ {
		z = append(z, plane[2*k+1], mu[1], plane[2*k], mu[3]) // z₁ of the plane on dim 2, z₂ on dim 0
	}
	if want := m.Decode(z, grid*grid, m.Likelihood, nil); !slices.Equal(s.Manifold, want) {
		t.Fatal("the manifold is not the decoded slice")
	}
	got := s.SampleZ(0.5, -1)
	if !slices.Equal(got, []float32{-1, mu[1], 0.5, mu[3]}) {
		t.Errorf("SampleZ(0.5, -1) = %v with μ = %v", got, mu)
	}
	if want := m.Decode(got, 1, m.Likelihood, nil); !slices.Equal(s.Sample(0.5, -1, nil), want) {
		t.Error("Sample is not the decoded SampleZ")
	}
	dmu, _ := m.Encode(s.test.Image(0), 1)
	if d := s.Dots[0]; d.Z1 != dmu[2] || d.Z2 != dmu[0] {
		t.Errorf("dot 0 at (%v, %v), want dims 2 and 0 of μ = %v", d.Z1, d.Z2, dmu)
	}
	// The reference follows the weights: a new snapshot, a new μ.
	m2 := latentModel(t, 4, 2)
	s.Refresh(m2, PartManifold, grid, 0)
	finish(s)
	mu2, _ := m2.Encode(ref, 1)
	if !slices.Equal(s.Slice.Ref, mu2) {
		t.Errorf("after new weights the reference is %v, want their μ %v", s.Slice.Ref, mu2)
	}
	// The origin, and a pair that does not fit falls back to (0, 1).
	s.SetSlice(5, 7, nil)
	s.Refresh(nil, PartManifold, grid, 0)
	finish(s)
	if s.Slice.I != 0 || s.Slice.J != 1 || !slices.Equal(s.Slice.Ref, make([]float32, 4)) {
		t.Errorf("slice %+v, want dims 0, 1 through the origin", s.Slice)
	}
}

// At latent size 2 a slice through any reference draws exactly what the
// page drew before slices.
func TestSceneSliceLatent2(t *testing.T) {
	const grid = 6
	m := smallModel(t, 3)
	s := NewScene(m, grid)
	s.SetTestData(testSet(50))
	s.SetSlice(0, 1, randomImages(1, 4))
	s.Refresh(nil, PartManifold|PartDots, grid, 50)
	finish(s)
	if want := m.Decode(view.GridZ(grid), grid*grid, m.Likelihood, nil); !slices.Equal(s.Manifold, want) {
		t.Error("latent 2: the manifold differs from the plain grid's")
	}
	mu, _ := m.Encode(s.test.Image(7), 1)
	if d := s.Dots[7]; d.Z1 != mu[0] || d.Z2 != mu[1] {
		t.Errorf("latent 2: dot (%v, %v), μ %v", d.Z1, d.Z2, mu)
	}
	if z := s.SampleZ(0.25, 1.5); !slices.Equal(z, []float32{0.25, 1.5}) {
		t.Errorf("latent 2: SampleZ = %v", z)
	}
}
