package view

import (
	"math"
	"slices"
	"testing"

	"github.com/govae/govae/core"
)

// TestSliceLatent2: at latent size 2 along (0, 1), the slice computes
// exactly what the page does without one: GridZ(n), z = (z₁, z₂) as
// float32, and the means themselves as the overlay's coordinates.
func TestSliceLatent2(t *testing.T) {
	s, err := NewSlice(2, 0, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	for n := MinGrid; n <= MaxGrid; n++ {
		if got, want := s.GridZ(n), GridZ(n); !slices.Equal(got, want) {
			t.Fatalf("n = %d: the slice's grid differs from GridZ", n)
		}
	}
	z1, z2 := -1.2345678901234, 0.987654321
	if z := s.Z(z1, z2); !slices.Equal(z, []float32{float32(z1), float32(z2)}) {
		t.Errorf("Z = %v", z)
	}
	mu := []float32{0.5, -1, 2, 3.25, -0.75, 0}
	if p := s.Project(mu, 3); !slices.Equal(p, mu) {
		t.Errorf("Project = %v, want the means themselves", p)
	}
	if a, b := s.Coords([]float32{0.25, -4}); a != 0.25 || b != -4 {
		t.Errorf("Coords = %v, %v", a, b)
	}
	// A reference changes nothing at latent size 2: both dimensions vary.
	r, _ := NewSlice(2, 0, 1, []float32{3, -3})
	if !slices.Equal(r.GridZ(12), GridZ(12)) || !slices.Equal(r.Z(z1, z2), s.Z(z1, z2)) {
		t.Error("a reference moved the plane at latent size 2")
	}
}

// TestSliceGrid: in 5 dimensions along (3, 1), every tile holds the
// reference except in dimensions 3 and 1, which hold the tile's quantiles:
// dimension 3 grows to the right, dimension 1 upwards; projecting the grid
// gives back the plane's grid.
func TestSliceGrid(t *testing.T) {
	ref := []float32{0.5, 9, -1.5, 9, 2}
	s, err := NewSlice(5, 3, 1, ref)
	if err != nil {
		t.Fatal(err)
	}
	const n = 15
	g, plane := s.GridZ(n), GridZ(n)
	if len(g) != n*n*5 {
		t.Fatalf("%d values, want %d", len(g), n*n*5)
	}
	for k := 0; k < n*n; k++ {
		row := g[k*5 : (k+1)*5]
		want := []float32{0.5, plane[2*k+1], -1.5, plane[2*k], 2}
		if !slices.Equal(row, want) {
			t.Fatalf("tile %d = %v, want %v", k, row, want)
		}
	}
	if lo, hi := float32(NormalQuantile(GridPLow)), float32(NormalQuantile(GridPHigh)); g[3] != lo || g[1] != hi {
		t.Errorf("top-left tile: dimension 3 = %v, 1 = %v; want %v, %v", g[3], g[1], lo, hi)
	}
	if p := s.Project(g, n*n); !slices.Equal(p, plane) {
		t.Error("projecting the slice's grid does not give the plane's grid")
	}
	z := s.Z(1.5, -0.25)
	if !slices.Equal(z, []float32{0.5, -0.25, -1.5, 1.5, 2}) {
		t.Errorf("Z(1.5, −0.25) = %v", z)
	}
	if a, b := s.Coords(z); a != 1.5 || b != -0.25 {
		t.Errorf("Coords(Z(1.5, −0.25)) = %v, %v", a, b)
	}
	ref[0] = 100 // the slice keeps its own copy
	if s.Z(0, 0)[0] != 0.5 {
		t.Error("the slice aliases the reference it was given")
	}
	o, _ := NewSlice(4, 2, 0, nil)
	if z := o.Z(1, 2); !slices.Equal(z, []float32{2, 0, 1, 0}) {
		t.Errorf("through the origin: Z(1, 2) = %v", z)
	}
}

// TestSliceDecode: the grid's n×d layout is the one core's Decode reads —
// decoding it in one batch gives each tile's picture decoded alone.
func TestSliceDecode(t *testing.T) {
	arch := core.Architecture{Input: 784, Encoder: []int{16}, Decoder: []int{16}, Latent: 4, Activation: core.ReLU}
	m, err := core.New(arch, 3)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := NewSlice(4, 1, 3, []float32{0.7, 0, -0.4, 0})
	const n = 10
	all := m.Decode(s.GridZ(n), n*n, m.Likelihood, nil)
	p := GridZ(n)
	for _, k := range []int{0, 7, 42, n*n - 1} {
		one := m.Decode(s.Z(float64(p[2*k]), float64(p[2*k+1])), 1, m.Likelihood, nil)
		for i, v := range one {
			if math.Abs(float64(v-all[k*784+i])) > 1e-6 {
				t.Fatalf("tile %d pixel %d: %v in the batch, %v alone", k, i, all[k*784+i], v)
			}
		}
	}
}

func TestNewSliceErrors(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(-1))
	for _, c := range []struct {
		d, i, j int
		ref     []float32
	}{
		{1, 0, 0, nil}, {0, 0, 1, nil}, {3, 1, 1, nil}, {3, -1, 1, nil}, {3, 0, 3, nil},
		{3, 0, 1, []float32{0, 0}}, {3, 0, 1, []float32{0, 0, 0, 0}},
		{3, 0, 1, []float32{0, nan, 0}}, {3, 0, 1, []float32{inf, 0, 0}},
	} {
		if s, err := NewSlice(c.d, c.i, c.j, c.ref); err == nil {
			t.Errorf("NewSlice(%d, %d, %d, %v) = %+v accepted", c.d, c.i, c.j, c.ref, s)
		}
	}
}
