package core

import (
	"math"
	"testing"
)

// sampleMoments returns the mean, unbiased variance and the standard error
// of that variance estimate, sqrt((m4 − s⁴)/n), from the fourth central moment.
func sampleMoments(xs []float64) (mean, variance, varSE float64) {
	st := Summarize(xs)
	var m4 float64
	for _, x := range xs {
		d := x - st.Mean
		m4 += d * d * d * d
	}
	n := float64(len(xs))
	m4 /= n
	return st.Mean, st.Var, math.Sqrt(math.Max(m4-st.Var*st.Var, 0) / n)
}

func TestSummarize(t *testing.T) {
	st := Summarize([]float64{1, 2, 3, 4})
	// mean 2.5, unbiased variance (2.25+0.25+0.25+2.25)/3 = 5/3.
	if st.Mean != 2.5 || math.Abs(st.Var-5.0/3) > 1e-15 || st.N != 4 {
		t.Errorf("Summarize(1,2,3,4) = %+v", st)
	}
	if st := Summarize(nil); st.N != 0 || st.Mean != 0 || st.Var != 0 {
		t.Errorf("Summarize(nil) = %+v", st)
	}
	if st := Summarize([]float64{7}); st.Mean != 7 || st.Var != 0 {
		t.Errorf("Summarize(7) = %+v", st)
	}
}

// TestToyGradientVarianceFormula verifies Var[(θ+ε)²ε] = θ⁴ + 14θ² + 15 by
// integrating against the normal density numerically, independently of the
// moment algebra in the code.
func TestToyGradientVarianceFormula(t *testing.T) {
	for _, theta := range []float64{0, 0.5, 1, -1.3, 2, 3} {
		phi := func(e float64) float64 { return math.Exp(-e*e/2) / math.Sqrt(2*math.Pi) }
		mean := simpson(func(e float64) float64 { return (theta + e) * (theta + e) * e * phi(e) }, -14, 14, 20000)
		second := simpson(func(e float64) float64 {
			s := (theta + e) * (theta + e) * e
			return s * s * phi(e)
		}, -14, 14, 20000)
		wantScore := second - mean*mean
		wantReparam := simpson(func(e float64) float64 {
			d := 2*(theta+e) - 2*theta
			return d * d * phi(e)
		}, -14, 14, 20000)
		if math.Abs(mean-2*theta) > 1e-9 {
			t.Errorf("θ = %v: E[score] = %v, want 2θ", theta, mean)
		}
		gotR, gotS := ToyGradientVariance(theta)
		if math.Abs(gotR-wantReparam) > 1e-9 || math.Abs(gotS-wantScore) > 1e-8*wantScore {
			t.Errorf("θ = %v: variances %v, %v; numerical integration gives %v, %v", theta, gotR, gotS, wantReparam, wantScore)
		}
		if by := theta*theta*theta*theta + 14*theta*theta + 15; math.Abs(by-wantScore) > 1e-8*by {
			t.Errorf("θ = %v: θ⁴+14θ²+15 = %v but the integral is %v", theta, by, wantScore)
		}
	}
}

func TestToyGradientSamples(t *testing.T) {
	n := 400_000
	if testing.Short() {
		n = 100_000
	}
	for _, theta := range []float64{0, 0.5, 2} {
		rp, sf := ToyGradientSamples(theta, n, 7)
		if len(rp) != n || len(sf) != n {
			t.Fatalf("got %d and %d samples, want %d", len(rp), len(sf), n)
		}
		wantR, wantS := ToyGradientVariance(theta)
		for _, c := range []struct {
			name    string
			xs      []float64
			wantVar float64
		}{{"reparameterisation", rp, wantR}, {"score function", sf, wantS}} {
			mean, v, vse := sampleMoments(c.xs)
			se := math.Sqrt(v / float64(n))
			if math.Abs(mean-2*theta) > 4*se {
				t.Errorf("θ = %v %s: mean %v, want %v ± %v", theta, c.name, mean, 2*theta, 4*se)
			}
			if math.Abs(v-c.wantVar) > 4*vse {
				t.Errorf("θ = %v %s: variance %v, want %v ± %v", theta, c.name, v, c.wantVar, 4*vse)
			}
		}
		_, vr, _ := sampleMoments(rp)
		_, vs, _ := sampleMoments(sf)
		t.Logf("θ = %v: variance reparam %.4f, score %.4f, ratio %.2f (exact %.2f)", theta, vr, vs, vs/vr, wantS/wantR)
		if theta == 0.5 && !(vs > 3*vr) {
			t.Errorf("θ = 0.5: score-function variance %v is not > 3× the reparameterisation variance %v", vs, vr)
		}
	}
	// Same seed, same samples; another seed, other samples.
	a, _ := ToyGradientSamples(1, 10, 3)
	b, _ := ToyGradientSamples(1, 10, 3)
	c, _ := ToyGradientSamples(1, 10, 4)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, different samples")
		}
	}
	if a[0] == c[0] && a[1] == c[1] {
		t.Errorf("different seeds, same samples")
	}
}

// TestEncoderGradientSamples: both estimators are unbiased for the same
// gradient of E_q[log p(x|z)], so their means agree within statistical
// error; the score function's variance is larger. Their mean also matches
// a deterministic estimate: the reparameterisation average over a large
// fixed set of ε computed through the model's own Gradient path.
func TestEncoderGradientSamples(t *testing.T) {
	arch := Architecture{Input: 12, Encoder: []int{8}, Decoder: []int{8}, Latent: 2, Activation: Tanh}
	m, _ := New(arch, 90)
	randomizeModel(m, 91)
	x := randUniform(testRNG(92), arch.Input, 0, 1)
	samples := 40_000
	if testing.Short() {
		samples = 10_000
	}
	lik := Likelihood{Kind: Bernoulli}
	rp, sf, mu, logvar := m.EncoderGradientSamples(x, lik, samples, 5)
	if len(rp) != samples || len(sf) != samples || len(rp[0]) != 2*arch.Latent {
		t.Fatalf("shapes: %d, %d samples of %d", len(rp), len(sf), len(rp[0]))
	}
	wantMu, wantLv := m.Encode(x, 1)
	if !float32sBitEqual(mu, wantMu) || !float32sBitEqual(logvar, wantLv) {
		t.Errorf("posterior %v %v, Encode gives %v %v", mu, logvar, wantMu, wantLv)
	}
	for i, g := range m.Grads() {
		if g != 0 {
			t.Fatalf("Grads()[%d] = %v after EncoderGradientSamples, want cleared", i, g)
		}
	}
	for j := 0; j < 2*arch.Latent; j++ {
		r := make([]float64, samples)
		s := make([]float64, samples)
		d := make([]float64, samples)
		for i := range r {
			r[i], s[i] = rp[i][j], sf[i][j]
			d[i] = r[i] - s[i] // paired: both use the same ε
		}
		rs, ss, ds := Summarize(r), Summarize(s), Summarize(d)
		se := math.Sqrt(ds.Var / float64(samples))
		if math.Abs(ds.Mean) > 4*se {
			t.Errorf("component %d: reparameterisation mean %v, score-function mean %v, difference %v > 4×%v",
				j, rs.Mean, ss.Mean, ds.Mean, se)
		}
		if !(ss.Var > rs.Var) {
			t.Errorf("component %d: score-function variance %v ≤ reparameterisation variance %v", j, ss.Var, rs.Var)
		}
		t.Logf("component %d: mean reparam %.4f ± %.4f, score %.4f ± %.4f; variance ratio %.1f",
			j, rs.Mean, math.Sqrt(rs.Var/float64(samples)), ss.Mean, math.Sqrt(ss.Var/float64(samples)), ss.Var/rs.Var)
	}

	// Independent check of the reparameterisation samples, which are
	// precise enough to pin down the gradient: with KL weight 0, minus the
	// gradient of Model.Gradient's loss with respect to the μ and log σ²
	// head biases is the reparameterisation gradient of log p(x|z) for one
	// ε. Averaged over fresh ε it estimates the same expectation.
	rng := testRNG(93)
	const k = 4000
	sum := make([]float64, 2*arch.Latent)
	eps := make([]float32, arch.Latent)
	muB := paramByName(t, m, "encoder.mu.b")
	lvB := paramByName(t, m, "encoder.logvar.b")
	for i := 0; i < k; i++ {
		for j := range eps {
			eps[j] = float32(rng.NormFloat64())
		}
		m.Gradient(x, eps, 1, LossOptions{Likelihood: lik})
		for j := 0; j < arch.Latent; j++ {
			sum[j] -= float64(muB.Grad[j]) / k // −∂nll/∂μ = ∂ log p/∂μ
			sum[arch.Latent+j] -= float64(lvB.Grad[j]) / k
		}
	}
	for j := range sum {
		r := make([]float64, samples)
		for i := range r {
			r[i] = rp[i][j]
		}
		st := Summarize(r)
		se := math.Sqrt(st.Var/float64(samples) + st.Var/k)
		if math.Abs(st.Mean-sum[j]) > 4*se {
			t.Errorf("component %d: EncoderGradientSamples mean %v, Model.Gradient average %v (± %v)", j, st.Mean, sum[j], se)
		}
	}
}
