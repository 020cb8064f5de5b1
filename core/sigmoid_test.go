package core

import (
	"math"
	"testing"
)

// TestSigmoidAccuracy: the float32 sigmoid of the pictures is within
// 4e-7 of σ computed in float64 (relative) wherever |x| ≤ 87, keeps 0 <
// σ < 1 below 16.6 (where float32 rounds σ to 1) and is monotone; beyond
// ±87 it saturates at e^−87 (1.6e-38) and 1; NaN stays NaN.
func TestSigmoidAccuracy(t *testing.T) {
	var xs []float32
	for x := -100.0; x <= 100; x += 0.001953125 {
		xs = append(xs, float32(x))
	}
	out := make([]float32, len(xs))
	sigmoidScalar(xs, out)
	worst := 0.0
	for i, x := range xs {
		want := 1 / (1 + math.Exp(-float64(x)))
		got := float64(out[i])
		if math.Abs(float64(x)) <= 87 {
			rel := math.Abs(got-want) / want
			worst = max(worst, rel)
			if rel > 4e-7 {
				t.Errorf("σ(%v) = %v, want %v (relative error %.2g)", x, got, want, rel)
			}
		} else if x < 0 && !(got > 0 && got < 2e-38) || x > 0 && got != 1 {
			t.Errorf("σ(%v) = %v beyond the clamp", x, got)
		}
		if i > 0 && out[i] < out[i-1] {
			t.Errorf("σ decreases from %v at %v to %v at %v", out[i-1], xs[i-1], out[i], x)
		}
		if x < 16.6 && !(got > 0 && got < 1) {
			t.Errorf("σ(%v) = %v is not in (0, 1)", x, got)
		}
	}
	t.Logf("largest relative error for |x| ≤ 87: %.3g", worst)
	nan := []float32{float32(math.NaN())}
	sigmoidScalar(nan, nan)
	if nan[0] == nan[0] {
		t.Errorf("σ(NaN) = %v", nan[0])
	}
}
