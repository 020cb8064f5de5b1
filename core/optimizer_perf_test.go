package core

import (
	"math"
	"testing"
)

// TestAdamOnePassMatchesChecked: Adam's one-pass update (taken when bounds
// prove nothing can overflow) gives bit for bit what the checked two-pass
// update gives, step after step.
func TestAdamOnePassMatchesChecked(t *testing.T) {
	rng := testRNG(21)
	const n = 1001
	p1 := randNormal(rng, n)
	p2 := append([]float32(nil), p1...)
	a1, a2 := NewAdam(3e-3), NewAdam(3e-3)
	for step := 0; step < 20; step++ {
		g := randNormal(rng, n)
		for i := range g {
			g[i] *= float32(math.Pow(10, float64(i%9-4)))
		}
		if !adamCannotOverflow(p1, grow(a1.m, n), grow(a1.v, n), g, 1e-3, 1e-9, 0.9, 0.999) {
			t.Fatal("the bounds refuse an ordinary step")
		}
		if err := a1.Update(p1, g); err != nil {
			t.Fatal(err)
		}
		adamAlwaysCheck = true
		err := a2.Update(p2, g)
		adamAlwaysCheck = false
		if err != nil {
			t.Fatal(err)
		}
		if !float32sBitEqual(p1, p2) || !float32sBitEqual(a1.m, a2.m) || !float32sBitEqual(a1.v, a2.v) {
			t.Fatalf("step %d: one-pass and checked updates differ", step)
		}
	}
}

// TestAdamCannotOverflowRefuses: the one-pass bounds refuse NaN, infinities
// and values large enough to overflow, so Update falls back to the checked
// pass that rejects them.
func TestAdamCannotOverflowRefuses(t *testing.T) {
	base := func() (p, m, v, g []float32) {
		return []float32{1, -2, 3}, []float32{0.1, 0, -0.1}, []float32{0.01, 0, 0.02}, []float32{0.5, -0.5, 1}
	}
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for name, spoil := range map[string]func(p, m, v, g []float32){
		"NaN gradient":      func(p, m, v, g []float32) { g[1] = nan },
		"−Inf gradient":     func(p, m, v, g []float32) { g[2] = -inf },
		"huge gradient":     func(p, m, v, g []float32) { g[0] = 1e19 },
		"NaN parameter":     func(p, m, v, g []float32) { p[0] = nan },
		"huge parameter":    func(p, m, v, g []float32) { p[2] = -3e38 },
		"huge moment":       func(p, m, v, g []float32) { m[1] = 1e20 },
		"infinite variance": func(p, m, v, g []float32) { v[0] = inf },
	} {
		p, m, v, g := base()
		if !adamCannotOverflow(p, m, v, g, 1e-3, 1e-8, 0.9, 0.999) {
			t.Fatalf("%s: the bounds refuse the unspoilt values", name)
		}
		spoil(p, m, v, g)
		if adamCannotOverflow(p, m, v, g, 1e-3, 1e-8, 0.9, 0.999) {
			t.Errorf("%s: accepted", name)
		}
	}
	p, m, v, g := base()
	for _, c := range [][4]float64{{math.NaN(), 1e-8, 0.9, 0.999}, {1e-3, 0, 0.9, 0.999}, {1e-3, 1e-8, 1.5, 0.999}, {1e-3, 1e-8, 0.9, -1}, {1e30, 1e-30, 0.9, 0.999}} {
		if adamCannotOverflow(p, m, v, g, c[0], c[1], c[2], c[3]) {
			t.Errorf("step, eps, β1, β2 = %v accepted", c)
		}
	}
}
