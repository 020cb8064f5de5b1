package view

import (
	"math"
	"testing"
)

func TestNormalQuantileKnownValues(t *testing.T) {
	// Reference values from R's qnorm (double precision).
	cases := []struct{ p, z float64 }{
		{0.5, 0},
		{0.975, 1.959963984540054},
		{0.025, -1.959963984540054},
		{0.95, 1.6448536269514722},
		{0.05, -1.6448536269514722},
		{0.8413447460685429, 1},
		{0.02425, -1.97296105131188},   // the tail boundary
		{0.97575, 1.97296105131188},    // and its mirror
		{1e-10, -6.361340902404056},    // deep lower tail
		{1 - 1e-10, 6.361340889697422}, // 1−p rounds, so not exactly the mirror
		{0.999, 3.090232306167813},
	}
	for _, c := range cases {
		got := NormalQuantile(c.p)
		if math.Abs(got-c.z) > 1e-9*math.Max(1, math.Abs(c.z)) {
			t.Errorf("Φ⁻¹(%v) = %.15g, want %.15g", c.p, got, c.z)
		}
	}
}

func TestNormalQuantileEdges(t *testing.T) {
	if !math.IsInf(NormalQuantile(0), -1) || !math.IsInf(NormalQuantile(-1), -1) {
		t.Error("Φ⁻¹(p ≤ 0) should be −Inf")
	}
	if !math.IsInf(NormalQuantile(1), 1) || !math.IsInf(NormalQuantile(2), 1) {
		t.Error("Φ⁻¹(p ≥ 1) should be +Inf")
	}
	if !math.IsNaN(NormalQuantile(math.NaN())) {
		t.Error("Φ⁻¹(NaN) should be NaN")
	}
}

func TestNormalQuantileInvertsCDF(t *testing.T) {
	for i := 1; i < 2000; i++ {
		p := float64(i) / 2000
		z := NormalQuantile(p)
		if back := NormalCDF(z); math.Abs(back-p) > 1e-13 {
			t.Fatalf("Φ(Φ⁻¹(%v)) = %v", p, back)
		}
		if s := NormalQuantile(1 - p); math.Abs(s+z) > 1e-9 {
			t.Fatalf("Φ⁻¹ not antisymmetric at %v: %v vs %v", p, z, s)
		}
	}
}
