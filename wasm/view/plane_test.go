package view

import (
	"math"
	"testing"
)

func TestGridZ(t *testing.T) {
	n := 20
	z := GridZ(n)
	if len(z) != 2*n*n {
		t.Fatalf("len = %d, want %d", len(z), 2*n*n)
	}
	zlo, zhi := float32(NormalQuantile(0.05)), float32(NormalQuantile(0.95))
	// Top-left tile: smallest z₁, largest z₂; bottom-right: the opposite.
	if z[0] != zlo || z[1] != zhi {
		t.Errorf("top-left tile z = (%v, %v), want (%v, %v)", z[0], z[1], zlo, zhi)
	}
	last := 2 * (n*n - 1)
	if z[last] != zhi || z[last+1] != zlo {
		t.Errorf("bottom-right tile z = (%v, %v), want (%v, %v)", z[last], z[last+1], zhi, zlo)
	}
	// z₁ increases along a row, z₂ decreases down a column.
	for c := 1; c < n; c++ {
		if !(z[2*c] > z[2*(c-1)]) {
			t.Fatalf("z₁ not increasing along row 0 at column %d", c)
		}
	}
	for r := 1; r < n; r++ {
		if !(z[2*r*n+1] < z[2*(r-1)*n+1]) {
			t.Fatalf("z₂ not decreasing down column 0 at row %d", r)
		}
	}
	p := GridP(n)
	if p[0] != 0.05 || math.Abs(p[n-1]-0.95) > 1e-15 {
		t.Errorf("GridP ends = %v, %v", p[0], p[n-1])
	}
}

func TestPlaneInverse(t *testing.T) {
	for _, n := range []int{MinGrid, 15, 20, MaxGrid} {
		pl := NewPlane(Rect{X: 37, Y: 12, W: 600, H: 600}, n)
		for x := 37.5; x < 637; x += 13.7 {
			for y := 12.5; y < 612; y += 17.3 {
				z1, z2 := pl.Z(x, y)
				bx, by := pl.Pixel(z1, z2)
				if math.Abs(bx-x) > 1e-6 || math.Abs(by-y) > 1e-6 {
					t.Fatalf("n=%d: Pixel(Z(%v, %v)) = (%v, %v)", n, x, y, bx, by)
				}
			}
		}
		for z1 := -1.5; z1 <= 1.5; z1 += 0.25 {
			for z2 := -1.5; z2 <= 1.5; z2 += 0.25 {
				x, y := pl.Pixel(z1, z2)
				b1, b2 := pl.Z(x, y)
				if math.Abs(b1-z1) > 1e-9 || math.Abs(b2-z2) > 1e-9 {
					t.Fatalf("n=%d: Z(Pixel(%v, %v)) = (%v, %v)", n, z1, z2, b1, b2)
				}
			}
		}
	}
}

func TestPlaneDirections(t *testing.T) {
	pl := NewPlane(Rect{X: 100, Y: 50, W: 400, H: 400}, 20)
	z1, z2 := pl.Z(300, 250) // the centre
	if math.Abs(z1) > 1e-12 || math.Abs(z2) > 1e-12 {
		t.Errorf("centre z = (%v, %v), want the origin", z1, z2)
	}
	r1, r2 := pl.Z(350, 250)
	if !(r1 > z1) || r2 != z2 {
		t.Errorf("moving right: z (%v, %v) → (%v, %v); want z₁ up, z₂ unchanged", z1, z2, r1, r2)
	}
	u1, u2 := pl.Z(300, 200) // up is smaller y on screen
	if !(u2 > z2) || u1 != z1 {
		t.Errorf("moving up: z (%v, %v) → (%v, %v); want z₂ up, z₁ unchanged", z1, z2, u1, u2)
	}
}

func TestPlaneTileCentres(t *testing.T) {
	// The centre of tile (r, c) maps to the z that GridZ decodes there.
	n := 20
	rect := Rect{X: 0, Y: 0, W: 560, H: 560}
	pl, z := NewPlane(rect, n), GridZ(n)
	tile := rect.W / float64(n)
	for r := 0; r < n; r++ {
		for c := 0; c < n; c++ {
			z1, z2 := pl.Z((float64(c)+0.5)*tile, (float64(r)+0.5)*tile)
			i := 2 * (r*n + c)
			if math.Abs(z1-float64(z[i])) > 1e-6 || math.Abs(z2-float64(z[i+1])) > 1e-6 {
				t.Fatalf("tile (%d, %d): plane z (%v, %v), grid z (%v, %v)", r, c, z1, z2, z[i], z[i+1])
			}
		}
	}
}

func TestPlaneClampsOutside(t *testing.T) {
	pl := NewPlane(Rect{X: 0, Y: 0, W: 100, H: 100}, 20)
	z1, z2 := pl.Z(-50, 500)
	e1, e2 := pl.Z(0, 100)
	if z1 != e1 || z2 != e2 {
		t.Errorf("outside point gives (%v, %v), want the corner (%v, %v)", z1, z2, e1, e2)
	}
	if !(pl.ZMax() > 1.9 && pl.ZMax() < 2) {
		t.Errorf("ZMax for 20×20 = %v, want Φ⁻¹(0.05 − half a tile) ≈ 1.94", pl.ZMax())
	}
	small := NewPlane(Rect{X: 0, Y: 0, W: 100, H: 100}, MinGrid)
	if z, _ := small.Z(0, 50); math.IsInf(z, 0) || math.IsNaN(z) {
		t.Errorf("edge of a %d-grid gives z = %v", MinGrid, z)
	}
}

func TestTicks(t *testing.T) {
	pl := NewPlane(Rect{W: 600, H: 600}, 20)
	ticks := pl.Ticks(600, 40)
	want := []float64{-1.5, -1, -0.5, 0, 0.5, 1, 1.5}
	if len(ticks) != len(want) {
		t.Fatalf("ticks = %v, want %v", ticks, want)
	}
	for i := range want {
		if ticks[i] != want[i] {
			t.Fatalf("ticks = %v, want %v", ticks, want)
		}
	}
	if few := pl.Ticks(150, 40); len(few) >= len(ticks) || few[len(few)/2] != 0 {
		t.Errorf("short axis ticks = %v: want fewer, centred on 0", few)
	}
}

func TestFormatNumber(t *testing.T) {
	for _, c := range []struct {
		v    float64
		d    int
		want string
	}{{-1.5, 1, "−1.5"}, {0.25, 2, "0.25"}, {-0.0001, 2, "0.00"}, {2, 0, "2"}} {
		if got := FormatNumber(c.v, c.d); got != c.want {
			t.Errorf("FormatNumber(%v, %d) = %q, want %q", c.v, c.d, got, c.want)
		}
	}
}
