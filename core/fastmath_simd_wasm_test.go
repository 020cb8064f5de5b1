//go:build goexperiment.simd && wasm

package core

import (
	"math"
	"testing"
)

// TestAdamOnePassSIMD: the vector Adam update gives bit for bit the scalar
// one's parameters and moments, for lengths with and without a tail of
// fewer than 4 and gradients spread over 9 orders of magnitude.
func TestAdamOnePassSIMD(t *testing.T) {
	rng := testRNG(31)
	for _, n := range []int{0, 1, 3, 4, 5, 8, 1001} {
		p1 := randNormal(rng, n)
		m1, v1 := randNormal(rng, n), randNormal(rng, n)
		for i := range v1 {
			v1[i] *= v1[i]
		}
		p2, m2, v2 := append([]float32(nil), p1...), append([]float32(nil), m1...), append([]float32(nil), v1...)
		for step := 0; step < 5; step++ {
			g := randNormal(rng, n)
			for i := range g {
				g[i] *= float32(math.Pow(10, float64(i%9-4)))
			}
			adamOnePassSIMD(p1, m1, v1, g, 0.9, 0.999, 1e-3, 1e-8)
			adamOnePassScalar(p2, m2, v2, g, 0.9, 0.999, 1e-3, 1e-8)
			if !float32sBitEqual(p1, p2) || !float32sBitEqual(m1, m2) || !float32sBitEqual(v1, v2) {
				t.Fatalf("n = %d, step %d: SIMD and scalar Adam differ", n, step)
			}
		}
	}
}

// TestAdamExcessSIMD: the vector bounds check reports exactly what the
// scalar one does, for every array and every position of an excess (each
// vector lane and the scalar tail), NaN and infinities included.
func TestAdamExcessSIMD(t *testing.T) {
	rng := testRNG(32)
	const n = 11
	const gLimit, lLimit = 0x5d5e0b6b, 0x7cf0bdc2 // 1e18, 1e37
	for a := range 4 {
		for i := range n {
			for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(-1)), 2e18, 2e37, 1} {
				arrs := [4][]float32{randNormal(rng, n), randNormal(rng, n), randNormal(rng, n), randNormal(rng, n)}
				arrs[a][i] = bad
				got := adamExcessSIMD(arrs[0], arrs[1], arrs[2], arrs[3], gLimit, lLimit)
				want := adamExcessScalar(arrs[0], arrs[1], arrs[2], arrs[3], gLimit, lLimit)
				if got != want {
					t.Errorf("array %d, index %d = %v: SIMD %#x, scalar %#x", a, i, bad, got, want)
				}
			}
		}
	}
}

// TestReLUSIMD: the vector ReLU and its backward give bit for bit the
// scalar ones, with negative, positive, ±0, NaN and ±Inf inputs at every
// lane and in the tail.
func TestReLUSIMD(t *testing.T) {
	rng := testRNG(33)
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), -1e-30, 1e-30}
	for _, n := range []int{0, 1, 3, 4, 7, 13} {
		x, g := randNormal(rng, n), randNormal(rng, n)
		for i := range x {
			if i%3 == 0 {
				x[i] = special[(i/3)%len(special)]
			}
		}
		y1, y2 := make([]float32, n), make([]float32, n)
		reluForwardSIMD(x, y1)
		reluForwardScalar(x, y2)
		if !float32sBitEqual(y1, y2) {
			t.Errorf("n = %d: ReLU forward SIMD %v, scalar %v", n, y1, y2)
		}
		d1, d2 := make([]float32, n), make([]float32, n)
		for i := range d1 {
			d1[i], d2[i] = 7, 7 // every element must be written
		}
		reluBackwardSIMD(g, x, d1)
		reluBackwardScalar(g, x, d2)
		if !float32sBitEqual(d1, d2) {
			t.Errorf("n = %d: ReLU backward SIMD %v, scalar %v", n, d1, d2)
		}
	}
}

// TestSigmoidSIMD: the vector sigmoid gives bit for bit the scalar one's
// values (NaN where it gives NaN), for lengths with and without a tail and
// logits from −200 to 200, ±0, ±Inf and NaN.
func TestSigmoidSIMD(t *testing.T) {
	rng := testRNG(41)
	special := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
		87, -87, 87.5, -88, 1e-30, -1e-30, 0.34657359, -0.34657359}
	for _, n := range []int{0, 1, 3, 4, 5, 8, 1001} {
		x := randNormal(rng, n)
		for i := range x {
			x[i] *= 40
			if i < len(special) {
				x[i] = special[i]
			}
		}
		want, got := make([]float32, n), make([]float32, n)
		sigmoidScalar(x, want)
		sigmoidSIMD(x, got)
		for i := range x {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
				t.Errorf("n %d: σ(%v): vector %v, scalar %v", n, x[i], got[i], want[i])
			}
		}
	}
}
