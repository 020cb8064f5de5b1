package core

import (
	"math"
	"testing"
)

// TestFastMathAccuracy checks expNeg, log1pUnit and the logistic function
// built on them against package math over their whole domains.
func TestFastMathAccuracy(t *testing.T) {
	rng := testRNG(11)
	var worstExp, worstLog, worstSig float64
	for i := 0; i < 200000; i++ {
		a := rng.Float64() * 40
		switch i % 4 {
		case 1:
			a = rng.Float64() * expNegMax
		case 2:
			a = rng.Float64() * 1e-3
		case 3:
			a = float64(i%100) * math.Ln2 / 32 // the table's knots
		}
		if got, want := expNeg(a), math.Exp(-a); math.Abs(got-want) > 1e-14*want {
			t.Fatalf("expNeg(%v) = %v, want %v", a, got, want)
		} else {
			worstExp = max(worstExp, math.Abs(got-want)/want)
		}
		u := rng.Float64()
		if i%3 == 0 {
			u = math.Exp(-rng.Float64() * 60)
		}
		got, want := log1pUnit(u), math.Log1p(u)
		if err := math.Abs(got - want); err > 1e-15 || (u > 0.1 && err > 1e-14*want) {
			t.Fatalf("log1pUnit(%v) = %v, want %v", u, got, want)
		}
		worstLog = max(worstLog, math.Abs(got-want))
		x := (rng.Float64() - 0.5) * 100
		want = 1 / (1 + math.Exp(-x))
		if x < 0 {
			want = math.Exp(x) / (1 + math.Exp(x))
		}
		if got := sigmoid(x); math.Abs(got-want) > 1e-14*want {
			t.Fatalf("sigmoid(%v) = %v, want %v", x, got, want)
		} else {
			worstSig = max(worstSig, math.Abs(got-want)/want)
		}
	}
	for _, u := range []float64{0, 1, 0.5, 1 - 0x1p-53, 0x1p-1074} {
		if got, want := log1pUnit(u), math.Log1p(u); math.Abs(got-want) > 1e-15 {
			t.Errorf("log1pUnit(%v) = %v, want %v", u, got, want)
		}
	}
	if got := expNeg(0); got != 1 {
		t.Errorf("expNeg(0) = %v", got)
	}
	if got := expNeg(expNegMax); !(got > 0 && math.Abs(got-math.Exp(-expNegMax)) <= 1e-14*got) {
		t.Errorf("expNeg(%v) = %v", float64(expNegMax), got)
	}
	if got := expNeg(math.NaN()); !math.IsNaN(got) {
		t.Errorf("expNeg(NaN) = %v", got)
	}
	if s := sigmoid32(float32(math.NaN())); s == s {
		t.Errorf("sigmoid32(NaN) = %v", s)
	}
	for _, x := range []float64{1e6, math.Inf(1), -1e6, math.Inf(-1), 0} {
		want := map[bool]float64{true: 1, false: 0}[x > 0]
		if x == 0 {
			want = 0.5
		}
		if got := sigmoid(x); math.Abs(got-want) > 1e-300 && got != want {
			t.Errorf("sigmoid(%v) = %v, want %v", x, got, want)
		}
	}
	t.Logf("worst relative errors: expNeg %.2g, sigmoid %.2g; worst absolute error of log1pUnit %.2g", worstExp, worstSig, worstLog)
}

// TestBernoulliLossMatchesMath compares the per-pixel Bernoulli loss and
// gradient of the training step with the same quantities computed with
// package math, for logits across the float32 range.
func TestBernoulliLossMatchesMath(t *testing.T) {
	rng := testRNG(12)
	const n = 4096
	logits := randNormal(rng, n)
	x := make([]float32, n)
	for i := range logits {
		logits[i] *= float32([]float64{0.1, 3, 20, 1e3, 1e30}[i%5])
		x[i] = []float32{0, 1, rng.Float32()}[i%3]
	}
	d := make([]float32, n)
	nll, _ := Likelihood{Kind: Bernoulli}.nll(x, logits, d, 0, 0.25)
	var want float64
	for i, e := range logits {
		eta, tg := float64(e), float64(x[i])
		want += max(eta, 0) - tg*eta + math.Log1p(math.Exp(-math.Abs(eta)))
		s := 1 / (1 + math.Exp(-eta))
		if eta < 0 {
			s = math.Exp(eta) / (1 + math.Exp(eta))
		}
		if g := float32(0.25 * (float64(float32(s)) - tg)); math.Abs(float64(d[i]-g)) > 1e-7*math.Abs(float64(g)) {
			t.Fatalf("∂/∂η at η=%v, t=%v: %v, want %v", e, x[i], d[i], g)
		}
	}
	if math.Abs(nll-want) > 1e-12*want {
		t.Errorf("summed loss %v, want %v", nll, want)
	}
}

// BenchmarkBernoulliNLL is the per-pixel part of the loss for one batch of
// 128 images: what expNeg and log1pUnit exist for.
func BenchmarkBernoulliNLL(b *testing.B) {
	const n = 128 * 784
	rng := testRNG(9)
	logits := randNormal(rng, n)
	for i := range logits {
		logits[i] *= 6
	}
	x := syntheticData(128, 784, 3)
	d := make([]float32, n)
	lik := Likelihood{Kind: Bernoulli}
	var s float64
	for b.Loop() {
		v, _ := lik.nll(x, logits, d, 0, 1.0/128)
		s += v
	}
	benchSink += s
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/pixel")
}

// TestMeanMatchesSigmoid: the decoder means are σ(logit) within float32
// resolution of sigmoid32 (relative 4e-7, absolute 2e-38 in the tails
// where the float32 sigmoid saturates at e^−87), NaN included.
func TestMeanMatchesSigmoid(t *testing.T) {
	logits := randNormal(testRNG(13), 1000)
	for i := range logits {
		logits[i] *= 30
	}
	logits = append(logits, 0, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1e30, -1e30)
	out := make([]float32, len(logits))
	Likelihood{Kind: Bernoulli}.mean(logits, out)
	for i, e := range logits {
		want := sigmoid32(e)
		if d := math.Abs(float64(out[i]) - float64(want)); !(d <= 4e-7*float64(want) || d <= 2e-38) && !(out[i] != out[i] && want != want) {
			t.Errorf("mean at %v = %v, want %v", e, out[i], want)
		}
	}
}
