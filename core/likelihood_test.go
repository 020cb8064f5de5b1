package core

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// ---- independent float64 reference ----

// refBCE is −[t·log σ(η) + (1−t)·log(1−σ(η))] written the naive way.
func refBCE(t, eta float64) float64 {
	p := 1 / (1 + math.Exp(-eta))
	return -(t*math.Log(p) + (1-t)*math.Log(1-p))
}

// refCBLogC is log C(λ) from the definition C(λ) = 2·atanh(1−2λ)/(1−2λ),
// with the series atanh(u)/u = Σ u^(2k)/(2k+1) close to λ = ½.
func refCBLogC(lambda float64) float64 {
	u := 1 - 2*lambda
	if math.Abs(u) < 1e-3 {
		u2 := u * u
		return math.Log(2 * (1 + u2/3 + u2*u2/5 + u2*u2*u2/7))
	}
	return math.Log(2 * math.Atanh(u) / u)
}

// refNLL is the per-pixel negative log-likelihood of target t at logit η.
func refNLL(lik Likelihood, logSigma, t, eta float64) float64 {
	switch lik.Kind {
	case Bernoulli:
		return refBCE(t, eta)
	case Gaussian, GaussianLearned:
		sigma := lik.Sigma
		if lik.Kind == GaussianLearned {
			sigma = math.Exp(logSigma)
		}
		m := 1 / (1 + math.Exp(-eta))
		return (t-m)*(t-m)/(2*sigma*sigma) + math.Log(sigma) + 0.5*math.Log(2*math.Pi)
	case ContinuousBernoulli:
		lambda := 1 / (1 + math.Exp(-eta))
		return refBCE(t, eta) - refCBLogC(lambda)
	}
	panic("unknown likelihood")
}

func refActivation(a Activation, v float64) float64 {
	switch a {
	case ReLU:
		return math.Max(v, 0)
	case LeakyReLU:
		if v < 0 {
			return 0.01 * v
		}
		return v
	case Tanh:
		return math.Tanh(v)
	case Sigmoid:
		return 1 / (1 + math.Exp(-v))
	}
	panic("unknown activation")
}

// refDense computes act(x·W + b) in float64 from the model's tensors.
func refDense(t *testing.T, m *Model, name string, x []float64, act *Activation) []float64 {
	w, b := paramByName(t, m, name+".w"), paramByName(t, m, name+".b")
	in, out := w.Shape[0], w.Shape[1]
	if len(x) != in {
		t.Fatalf("%s: input %d, want %d", name, len(x), in)
	}
	y := make([]float64, out)
	for j := range y {
		s := float64(b.Value[j])
		for k := 0; k < in; k++ {
			s += x[k] * float64(w.Value[k*out+j])
		}
		if act != nil {
			s = refActivation(*act, s)
		}
		y[j] = s
	}
	return y
}

// refLoss evaluates the VAE loss of an architecture without batch norm or
// dropout entirely in float64, image by image, from the definitions.
func refLoss(t *testing.T, m *Model, x, eps []float32, n int, lik Likelihood, w float64) (recon, kl float64) {
	a := m.Arch
	logSigma := float64(paramByName(t, m, "likelihood.log_sigma").Value[0])
	for r := 0; r < n; r++ {
		h := make([]float64, a.Input)
		for i := range h {
			h[i] = float64(x[r*a.Input+i])
		}
		for i := range a.Encoder {
			h = refDense(t, m, fmt.Sprintf("encoder.%d", i), h, &a.Activation)
		}
		mu := refDense(t, m, "encoder.mu", h, nil)
		lv := refDense(t, m, "encoder.logvar", h, nil)
		z := make([]float64, a.Latent)
		for j := range z {
			z[j] = mu[j] + math.Exp(0.5*lv[j])*float64(eps[r*a.Latent+j])
			kl += -0.5 * (1 + lv[j] - mu[j]*mu[j] - math.Exp(lv[j]))
		}
		h = z
		for i := range a.Decoder {
			h = refDense(t, m, fmt.Sprintf("decoder.%d", i), h, &a.Activation)
		}
		logits := refDense(t, m, "decoder.out", h, nil)
		for i, eta := range logits {
			recon += refNLL(lik, logSigma, float64(x[r*a.Input+i]), eta)
		}
	}
	return recon / float64(n), kl / float64(n)
}

func relClose(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}

// TestLossOnePixel computes a one-pixel, one-latent VAE by hand.
func TestLossOnePixel(t *testing.T) {
	arch := Architecture{Input: 1, Latent: 1, Activation: Tanh}
	set := func(m *Model, name string, v float32) { paramByName(t, m, name).Value[0] = v }
	const (
		wMu, bMu = 0.8, -0.3
		wLv, bLv = -0.5, 0.2
		wOut, bO = 1.7, 0.4
		pixel    = 0.7
		noise    = 0.35
		klw      = 0.3
	)
	// By hand: μ = 0.8·0.7 − 0.3 = 0.26; log σ² = −0.5·0.7 + 0.2 = −0.15;
	// σ = e^−0.075; z = μ + σ·0.35; η = 1.7·z + 0.4.
	mu := wMu*pixel + bMu
	lv := wLv*pixel + bLv
	if math.Abs(mu-0.26) > 1e-12 || math.Abs(lv+0.15) > 1e-12 {
		t.Fatalf("arithmetic: μ %v, logvar %v", mu, lv)
	}
	z := mu + math.Exp(-0.075)*noise
	eta := wOut*z + bO
	lambda := 1 / (1 + math.Exp(-eta))
	kl := -0.5 * (1 + lv - mu*mu - math.Exp(lv))
	sigmaFixed, sigmaLearned := 0.2, 0.25
	cases := []struct {
		lik   Likelihood
		recon float64
	}{
		{Likelihood{Kind: Bernoulli}, -(pixel*math.Log(lambda) + (1-pixel)*math.Log(1-lambda))},
		{Likelihood{Kind: Gaussian, Sigma: sigmaFixed},
			(pixel-lambda)*(pixel-lambda)/(2*sigmaFixed*sigmaFixed) + math.Log(sigmaFixed) + 0.5*math.Log(2*math.Pi)},
		{Likelihood{Kind: GaussianLearned},
			(pixel-lambda)*(pixel-lambda)/(2*sigmaLearned*sigmaLearned) + math.Log(sigmaLearned) + 0.5*math.Log(2*math.Pi)},
		{Likelihood{Kind: ContinuousBernoulli},
			-(pixel*math.Log(lambda) + (1-pixel)*math.Log(1-lambda)) - math.Log(2*math.Atanh(1-2*lambda)/(1-2*lambda))},
	}
	for _, c := range cases {
		m, err := New(arch, 1)
		if err != nil {
			t.Fatal(err)
		}
		set(m, "encoder.mu.w", wMu)
		set(m, "encoder.mu.b", bMu)
		set(m, "encoder.logvar.w", wLv)
		set(m, "encoder.logvar.b", bLv)
		set(m, "decoder.out.w", wOut)
		set(m, "decoder.out.b", bO)
		set(m, "likelihood.log_sigma", float32(math.Log(sigmaLearned)))
		l := m.Loss([]float32{pixel}, []float32{noise}, 1, LossOptions{Likelihood: c.lik, KLWeight: klw})
		const tol = 2e-6 // float32 forward pass
		if !relClose(l.Recon, c.recon, tol) || !relClose(l.KL, kl, tol) ||
			!relClose(l.NegELBO, c.recon+kl, tol) || !relClose(l.Objective, c.recon+klw*kl, tol) ||
			l.KLWeight != klw || l.N != 1 {
			t.Errorf("%s: got %+v, want recon %v KL %v −ELBO %v objective %v", c.lik.Kind, l, c.recon, kl, c.recon+kl, c.recon+klw*kl)
		}
	}
}

// TestLossAgainstReference compares whole losses with the float64
// reference: reconstruction summed over pixels, everything averaged over
// the batch.
func TestLossAgainstReference(t *testing.T) {
	liks := []Likelihood{{Kind: Bernoulli}, {Kind: Gaussian, Sigma: 0.15}, {Kind: GaussianLearned}, {Kind: ContinuousBernoulli}}
	for _, act := range []Activation{ReLU, LeakyReLU, Tanh, Sigmoid} {
		for _, lik := range liks {
			arch := smallArch(act)
			m, _ := New(arch, uint64(40+act))
			randomizeModel(m, uint64(50+act))
			rng := testRNG(60)
			const n = 3
			x := randUniform(rng, n*arch.Input, 0, 1)
			eps := randNormal(rng, n*arch.Latent)
			const w = 0.45
			l := m.Loss(x, eps, n, LossOptions{Likelihood: lik, KLWeight: w})
			recon, kl := refLoss(t, m, x, eps, n, lik, w)
			if !relClose(l.Recon, recon, 1e-5) || !relClose(l.KL, kl, 1e-5) ||
				!relClose(l.NegELBO, recon+kl, 1e-5) || !relClose(l.Objective, recon+w*kl, 1e-5) || l.N != n {
				t.Errorf("%s %s: got %+v, want recon %v KL %v", act, lik.Kind, l, recon, kl)
			}
		}
	}
}

func TestLossBatchSemantics(t *testing.T) {
	arch := smallArch(Tanh)
	m, _ := New(arch, 70)
	randomizeModel(m, 71)
	rng := testRNG(72)
	const n = 4
	x := randUniform(rng, n*arch.Input, 0, 1)
	eps := randNormal(rng, n*arch.Latent)
	for _, lik := range []Likelihood{{Kind: Bernoulli}, {Kind: GaussianLearned}, {Kind: ContinuousBernoulli}} {
		opts := LossOptions{Likelihood: lik, KLWeight: 0.8}
		base := m.Gradient(x, eps, n, opts)
		g1 := append([]float32(nil), m.Grads()...)

		// The same images twice: the per-image mean is unchanged.
		x2 := append(append([]float32(nil), x...), x...)
		eps2 := append(append([]float32(nil), eps...), eps...)
		dup := m.Gradient(x2, eps2, 2*n, opts)
		if !relClose(dup.NegELBO, base.NegELBO, 1e-12) || !relClose(dup.Recon, base.Recon, 1e-12) ||
			!relClose(dup.KL, base.KL, 1e-12) || !relClose(dup.Objective, base.Objective, 1e-12) || dup.N != 2*n {
			t.Errorf("%s: duplicated batch %+v, original %+v", lik.Kind, dup, base)
		}
		for i, g := range m.Grads() {
			if !gradClose(float64(g), float64(g1[i]), 1e-5, 1e-7) {
				t.Fatalf("%s: duplicated batch changes gradient %d: %v vs %v", lik.Kind, i, g, g1[i])
			}
		}

		// Normalizer 2n halves the loss and the gradient.
		opts.Normalizer = 2 * n
		half := m.Gradient(x, eps, n, opts)
		if !relClose(half.NegELBO, base.NegELBO/2, 1e-12) || !relClose(half.Recon, base.Recon/2, 1e-12) ||
			!relClose(half.KL, base.KL/2, 1e-12) || !relClose(half.Objective, base.Objective/2, 1e-12) {
			t.Errorf("%s: normalizer 2n gives %+v, want half of %+v", lik.Kind, half, base)
		}
		for i, g := range m.Grads() {
			if !gradClose(float64(g), float64(g1[i])/2, 1e-5, 1e-7) {
				t.Fatalf("%s: normalizer 2n gradient %d = %v, want %v", lik.Kind, i, g, g1[i]/2)
			}
		}

		// Two halves of the batch with Normalizer n add up to the whole.
		opts.Normalizer = n
		a := m.Gradient(x[:2*arch.Input], eps[:2*arch.Latent], 2, opts)
		ga := append([]float32(nil), m.Grads()...)
		b := m.Gradient(x[2*arch.Input:], eps[2*arch.Latent:], 2, opts)
		if !relClose(a.Objective+b.Objective, base.Objective, 1e-12) {
			t.Errorf("%s: halves %v + %v, whole %v", lik.Kind, a.Objective, b.Objective, base.Objective)
		}
		for i, g := range m.Grads() {
			if !gradClose(float64(g+ga[i]), float64(g1[i]), 1e-4, 1e-6) {
				t.Fatalf("%s: split gradient %d = %v, whole %v", lik.Kind, i, g+ga[i], g1[i])
			}
		}
	}
}

func TestKLClosedForm(t *testing.T) {
	if got := KL([]float32{0, 0}, []float32{0, 0}); got != 0 {
		t.Errorf("KL(N(0,1)‖N(0,1)) = %v", got)
	}
	// Hand values: one dimension μ = 1, σ² = 1: ½μ² = 0.5.
	if got := KL([]float32{1}, []float32{0}); math.Abs(got-0.5) > 1e-15 {
		t.Errorf("KL(μ=1) = %v, want 0.5", got)
	}
	// μ = 0, σ² = e: −½(1 + 1 − e) = (e − 2)/2.
	if got := KL([]float32{0}, []float32{1}); math.Abs(got-(math.E-2)/2) > 1e-7 {
		t.Errorf("KL(logvar=1) = %v, want %v", got, (math.E-2)/2)
	}
}

// TestKLMonteCarlo checks the closed form against E_q[log q(z) − log p(z)].
func TestKLMonteCarlo(t *testing.T) {
	samples := 200_000
	if testing.Short() {
		samples = 50_000
	}
	cases := [][2][]float32{
		{{0.5, -1.2, 2}, {0.3, -1, 0.7}},
		{{0, 0}, {-3, 1.5}},
		{{3}, {-0.2}},
	}
	rng := testRNG(80)
	for _, c := range cases {
		mu, lv := c[0], c[1]
		var sum, sq float64
		for s := 0; s < samples; s++ {
			var d float64 // log q(z) − log p(z), the ½log 2π terms cancel
			for j := range mu {
				sigma := math.Exp(0.5 * float64(lv[j]))
				e := rng.NormFloat64()
				z := float64(mu[j]) + sigma*e
				d += -0.5*e*e - math.Log(sigma) + 0.5*z*z
			}
			sum += d
			sq += d * d
		}
		mean := sum / float64(samples)
		se := math.Sqrt((sq/float64(samples) - mean*mean) / float64(samples))
		got := KL(mu, lv)
		if math.Abs(got-mean) > 4*se {
			t.Errorf("KL(μ=%v, logvar=%v) = %v, Monte Carlo %v ± %v", mu, lv, got, mean, se)
		}
		t.Logf("KL(μ=%v, logvar=%v) = %.5f, Monte Carlo %.5f ± %.5f", mu, lv, got, mean, se)
	}
}

func TestBCEFromLogit(t *testing.T) {
	// (The naive reference loses digits in 1−σ(η) beyond |η| ≈ 10.)
	for _, eta := range []float64{-10, -5, -1, -0.1, 0, 0.1, 1, 5, 10} {
		for _, tgt := range []float64{0, 0.25, 0.5, 1} {
			if got, want := bceFromLogit(tgt, eta), refBCE(tgt, eta); math.Abs(got-want) > 1e-9*math.Max(1, want) {
				t.Errorf("bce(t=%v, η=%v) = %v, want %v", tgt, eta, got, want)
			}
		}
	}
	// −log σ(30) = log(1+e^−30) ≈ e^−30, so BCE(t, 30) = (1−t)·30 + e^−30.
	for _, tgt := range []float64{0, 0.25, 1} {
		if got, want := bceFromLogit(tgt, 30), (1-tgt)*30+math.Exp(-30); math.Abs(got-want) > 1e-12*math.Max(1, want) {
			t.Errorf("bce(t=%v, η=30) = %v, want %v", tgt, got, want)
		}
	}
	// Far out the naive form overflows; the stable one is exact: BCE(t=0, η) → η.
	if got := bceFromLogit(0, 800); got != 800 {
		t.Errorf("bce(0, 800) = %v, want 800", got)
	}
	if got := bceFromLogit(1, -800); got != 800 {
		t.Errorf("bce(1, −800) = %v, want 800", got)
	}
}

// ---- continuous Bernoulli ----

// simpson integrates f over [a, b] with n (even) intervals.
func simpson(f func(float64) float64, a, b float64, n int) float64 {
	h := (b - a) / float64(n)
	s := f(a) + f(b)
	for i := 1; i < n; i++ {
		w := 2.0
		if i%2 == 1 {
			w = 4
		}
		s += w * f(a+float64(i)*h)
	}
	return s * h / 3
}

// logSigmoidPair returns log λ and log(1−λ) for λ = σ(η) without forming
// 1−λ, which loses every digit for large η.
func logSigmoidPair(eta float64) (logL, log1mL float64) {
	if eta >= 0 {
		l := math.Log1p(math.Exp(-eta))
		return -l, -eta - l
	}
	l := math.Log1p(math.Exp(eta))
	return eta - l, -l
}

// cbIntegral is ∫₀¹ λ^x (1−λ)^(1−x) dx = 1/C(λ) for λ = σ(η), by Simpson's
// rule with n intervals; cbMomentIntegral is ∫₀¹ x·λ^x (1−λ)^(1−x) dx.
func cbIntegral(eta float64, n int) float64 {
	a, b := logSigmoidPair(eta)
	return simpson(func(x float64) float64 { return math.Exp(x*a + (1-x)*b) }, 0, 1, n)
}

func cbMomentIntegral(eta float64, n int) float64 {
	a, b := logSigmoidPair(eta)
	return simpson(func(x float64) float64 { return x * math.Exp(x*a+(1-x)*b) }, 0, 1, n)
}

func logit(lambda float64) float64 { return math.Log(lambda) - math.Log1p(-lambda) }

func TestContinuousBernoulliLogNormValues(t *testing.T) {
	cases := []struct {
		lambda, want float64
	}{
		{0.5, math.Ln2},
		{0.5 + 1e-7, refCBLogC(0.5 + 1e-7)},
		{0.5 - 1e-7, refCBLogC(0.5 - 1e-7)},
		{0.5 + 1e-3, refCBLogC(0.5 + 1e-3)},
		{0.5 - 1e-3, refCBLogC(0.5 - 1e-3)},
		// By hand: C(0.2) = 2·atanh(0.6)/0.6 = ln 4/0.6.
		{0.2, math.Log(math.Log(4) / 0.6)},
		// C(0.9) = 2·atanh(−0.8)/(−0.8) = ln 9/0.8.
		{0.9, math.Log(math.Log(9) / 0.8)},
		// 0 and 1 are clamped to 1e-7 and 1−1e-7: C = 2·atanh(1−2e-7)/(1−2e-7).
		{0, math.Log(2 * math.Atanh(1-2e-7) / (1 - 2e-7))},
		{1, math.Log(2 * math.Atanh(1-2e-7) / (1 - 2e-7))},
	}
	for _, c := range cases {
		got := ContinuousBernoulliLogNorm(c.lambda)
		if math.IsNaN(got) || math.IsInf(got, 0) {
			t.Errorf("log C(%v) = %v", c.lambda, got)
			continue
		}
		// The logit of λ near 0 and 1 loses a few digits in float64.
		if math.Abs(got-c.want) > 1e-9*math.Max(1, math.Abs(c.want)) {
			t.Errorf("log C(%v) = %.15g, want %.15g", c.lambda, got, c.want)
		}
	}
	// Near ½ the value is ln 2 + (1−2λ)²/3 + …, symmetric in λ ↔ 1−λ.
	if d := ContinuousBernoulliLogNorm(0.5+1e-3) - math.Ln2; math.Abs(d-4e-6/3) > 1e-11 {
		t.Errorf("log C(0.501) − ln 2 = %v, want %v", d, 4e-6/3)
	}
	for _, l := range []float64{0.01, 0.2, 0.4999, 0.3} {
		if a, b := ContinuousBernoulliLogNorm(l), ContinuousBernoulliLogNorm(1-l); math.Abs(a-b) > 1e-12 {
			t.Errorf("log C(%v) = %v but log C(%v) = %v", l, a, 1-l, b)
		}
	}
	// Beyond the clamp the value stays put rather than diverging.
	if a, b := ContinuousBernoulliLogNorm(-1), ContinuousBernoulliLogNorm(0); a != b {
		t.Errorf("log C(−1) = %v, log C(0) = %v", a, b)
	}
}

func TestContinuousBernoulliLogNormIntegral(t *testing.T) {
	for _, lambda := range []float64{1e-4, 0.01, 0.1, 0.2, 0.3, 0.45, 0.49, 0.499, 0.4999999, 0.5, 0.5000001, 0.6, 0.75, 0.9, 0.99, 0.9999} {
		want := -math.Log(cbIntegral(logit(lambda), 20000))
		got := ContinuousBernoulliLogNorm(lambda)
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("log C(%v) = %.12g, −log ∫λ^x(1−λ)^(1−x)dx = %.12g", lambda, got, want)
		}
	}
}

// TestContinuousBernoulliTaylorSwitch checks that the Taylor branches
// around η = 0 join the closed forms without a visible step.
func TestContinuousBernoulliTaylorSwitch(t *testing.T) {
	r := cbTaylorRadius
	for _, sign := range []float64{1, -1} {
		in, out := sign*r*(1-1e-12), sign*r*(1+1e-12)
		for _, f := range []struct {
			name string
			fn   func(float64) float64
			tol  float64
		}{
			{"log C", cbLogNormFromLogit, 1e-12},
			{"d log C/dη", cbLogNormGradFromLogit, 1e-11},
			{"mean", cbMeanFromLogit, 1e-8},
		} {
			a, b := f.fn(in), f.fn(out)
			if math.Abs(a-b) > f.tol {
				t.Errorf("%s jumps at η = %v: %.15g inside, %.15g outside", f.name, sign*r, a, b)
			}
		}
	}
	// On both sides of the switch, the value agrees with the integral and
	// the derivative with a finite difference of it.
	for _, eta := range []float64{0, 1e-9, -1e-5, 0.5 * r, -0.999 * r, 1.001 * r, -2 * r, 0.3, -2, 7, 45, -60} {
		if got, want := cbLogNormFromLogit(eta), -math.Log(cbIntegral(eta, 20000)); math.Abs(got-want) > 1e-9 {
			t.Errorf("log C at η = %v: %.12g, integral %.12g", eta, got, want)
		}
		const h = 1e-4
		num := (refCBLogC(1/(1+math.Exp(-(eta+h)))) - refCBLogC(1/(1+math.Exp(-(eta-h))))) / (2 * h)
		if got := cbLogNormGradFromLogit(eta); math.Abs(got-num) > 1e-7 {
			t.Errorf("d log C/dη at η = %v: %.12g, finite difference %.12g", eta, got, num)
		}
	}
}

func TestContinuousBernoulliMean(t *testing.T) {
	for _, eta := range []float64{0, 1e-6, -0.005, 0.009, 0.0101, -0.02, 0.3, -1, 2.5, -6, 15, 30} {
		want := cbMomentIntegral(eta, 20000) / cbIntegral(eta, 20000)
		if got := cbMeanFromLogit(eta); math.Abs(got-want) > 1e-8 {
			t.Errorf("CB mean at η = %v: %.12g, ∫x p(x)dx = %.12g", eta, got, want)
		}
	}
	// The decoder's pictures use this mean for the CB likelihood.
	out := make([]float32, 3)
	Likelihood{Kind: ContinuousBernoulli}.mean([]float32{-4, 0, 4}, out)
	if math.Abs(float64(out[1])-0.5) > 1e-7 || !(out[0] < 0.5 && out[2] > 0.5) ||
		math.Abs(float64(out[0]+out[2])-1) > 1e-6 {
		t.Errorf("CB means at −4, 0, 4: %v", out)
	}
}

// TestContinuousBernoulliLossFinite sweeps the logits over [−100, 100],
// including exactly 0 and the Taylor switch, for several targets.
func TestContinuousBernoulliLossFinite(t *testing.T) {
	var logits []float32
	for e := -100.0; e <= 100; e += 0.25 {
		logits = append(logits, float32(e))
	}
	logits = append(logits, 0, float32(cbTaylorRadius), -float32(cbTaylorRadius), 1e-30, -1e-30, 1e-7, 40, -40, 40.0001)
	// Reference: BCE from log λ and log(1−λ), minus log C from the integral.
	refLogC := make([]float64, len(logits))
	for i, e := range logits {
		refLogC[i] = -math.Log(cbIntegral(float64(e), 4000))
	}
	for _, tgt := range []float32{0, 1e-3, 0.3, 0.5, 1} {
		x := make([]float32, len(logits))
		for i := range x {
			x[i] = tgt
		}
		dl := make([]float32, len(logits))
		lik := Likelihood{Kind: ContinuousBernoulli}
		nll, _ := lik.nll(x, logits, dl, 0, 1)
		if math.IsNaN(nll) || math.IsInf(nll, 0) || !allFinite(dl) {
			t.Fatalf("target %v: nll %v, gradient finite: %v", tgt, nll, allFinite(dl))
		}
		for i, e := range logits {
			one, _ := lik.nll(x[i:i+1], logits[i:i+1], dl[i:i+1], 0, 1)
			a, b := logSigmoidPair(float64(e))
			want := -(float64(tgt)*a + (1-float64(tgt))*b) - refLogC[i]
			if math.Abs(one-want) > 1e-7*math.Max(1, math.Abs(want)) {
				t.Errorf("target %v η %v: nll %v, want %v", tgt, e, one, want)
			}
			// The gradient's sign: the NLL decreases towards the target's side.
			if g := dl[i]; math.IsNaN(float64(g)) || math.Abs(float64(g)) > 1.01 {
				t.Errorf("target %v η %v: ∂nll/∂η = %v", tgt, e, g)
			}
		}
	}
	out := make([]float32, len(logits))
	Likelihood{Kind: ContinuousBernoulli}.mean(logits, out)
	for i, v := range out {
		if !(v >= 0 && v <= 1) {
			t.Errorf("CB mean at η = %v is %v", logits[i], v)
		}
	}
}

// TestLikelihoodGradientPerPixel checks ∂nll/∂η of each likelihood against
// a float64 finite difference of the reference NLL.
func TestLikelihoodGradientPerPixel(t *testing.T) {
	liks := []Likelihood{{Kind: Bernoulli}, {Kind: Gaussian, Sigma: 0.3}, {Kind: GaussianLearned}, {Kind: ContinuousBernoulli}}
	const logSigma = -1.1
	for _, lik := range liks {
		for _, eta := range []float32{-8, -2, -0.3, -0.004, 0, 0.02, 1, 3.5, 9} {
			for _, tgt := range []float32{0, 0.2, 0.9, 1} {
				dl := []float32{0}
				nll, dls := lik.nll([]float32{tgt}, []float32{eta}, dl, logSigma, 0.5)
				ref := refNLL(lik, logSigma, float64(tgt), float64(eta))
				if math.Abs(nll-ref) > 1e-9*math.Max(1, math.Abs(ref)) {
					t.Errorf("%s t=%v η=%v: nll %v, want %v", lik.Kind, tgt, eta, nll, ref)
				}
				const h = 1e-5
				num := (refNLL(lik, logSigma, float64(tgt), float64(eta)+h) - refNLL(lik, logSigma, float64(tgt), float64(eta)-h)) / (2 * h)
				if !gradClose(float64(dl[0]), 0.5*num, 1e-5, 1e-7) {
					t.Errorf("%s t=%v η=%v: ∂/∂η = %v, want ½·%v", lik.Kind, tgt, eta, dl[0], num)
				}
				wantLS := 0.0
				if lik.Kind == GaussianLearned {
					wantLS = (refNLL(lik, logSigma+h, float64(tgt), float64(eta)) - refNLL(lik, logSigma-h, float64(tgt), float64(eta))) / (2 * h)
				}
				if !gradClose(dls, wantLS, 1e-5, 1e-8) {
					t.Errorf("%s t=%v η=%v: ∂/∂logσ = %v, want %v", lik.Kind, tgt, eta, dls, wantLS)
				}
			}
		}
	}
}

func TestLearnedSigmaClamp(t *testing.T) {
	// Outside [MinLogSigma, MaxLogSigma] σ is clamped and the gradient is 0.
	lik := Likelihood{Kind: GaussianLearned}
	for _, ls := range []float64{-20, MinLogSigma - 0.5, MaxLogSigma + 1, 50} {
		dl := []float32{0}
		nll, dls := lik.nll([]float32{0.3}, []float32{0.1}, dl, ls, 1)
		want := refNLL(lik, math.Min(math.Max(ls, MinLogSigma), MaxLogSigma), float64(float32(0.3)), float64(float32(0.1)))
		if dls != 0 || math.Abs(nll-want) > 1e-9*math.Abs(want) || math.IsInf(nll, 0) {
			t.Errorf("log σ = %v: nll %v (want %v), ∂/∂logσ %v (want 0)", ls, nll, want, dls)
		}
	}
}

func TestLikelihoodValidateAndNames(t *testing.T) {
	for _, l := range []Likelihood{{Kind: Bernoulli}, {Kind: Gaussian, Sigma: 0.1}, {Kind: GaussianLearned}, {Kind: ContinuousBernoulli}} {
		if err := l.Validate(); err != nil {
			t.Errorf("%v: %v", l, err)
		}
		k, err := ParseLikelihood(l.Kind.String())
		if err != nil || k != l.Kind {
			t.Errorf("ParseLikelihood(%q) = %v, %v", l.Kind.String(), k, err)
		}
	}
	for _, l := range []Likelihood{{Kind: Gaussian, Sigma: 0}, {Kind: Gaussian, Sigma: math.NaN()}, {Kind: Gaussian, Sigma: -1}, {Kind: Gaussian, Sigma: 11}, {Kind: 9}} {
		if err := l.Validate(); err == nil {
			t.Errorf("%+v accepted", l)
		}
	}
	if _, err := ParseLikelihood("poisson"); err == nil || !strings.Contains(err.Error(), "poisson") {
		t.Errorf("ParseLikelihood(poisson): %v", err)
	}
	for _, a := range []Activation{ReLU, LeakyReLU, Tanh, Sigmoid} {
		if b, err := ParseActivation(a.String()); err != nil || b != a {
			t.Errorf("ParseActivation(%q) = %v, %v", a.String(), b, err)
		}
	}
	if _, err := ParseActivation("gelu"); err == nil {
		t.Errorf("ParseActivation(gelu) accepted")
	}
}

// TestContinuousBernoulliModelFinite drives a whole model's output logits
// over [−100, 100] (including exactly 0 and the Taylor switch) and checks
// that loss and gradient stay finite.
func TestContinuousBernoulliModelFinite(t *testing.T) {
	var logits []float32
	for e := -100.0; e <= 100; e += 0.5 {
		logits = append(logits, float32(e))
	}
	logits = append(logits, 0, 0.01, -0.01, 1e-20)
	arch := Architecture{Input: len(logits), Decoder: []int{3}, Latent: 2, Activation: Tanh}
	m, _ := New(arch, 1)
	clear(paramByName(t, m, "decoder.out.w").Value)
	copy(paramByName(t, m, "decoder.out.b").Value, logits)
	for _, tgt := range []float32{0, 0.5, 1} {
		x := make([]float32, 2*arch.Input)
		for i := range x {
			x[i] = tgt
		}
		eps := []float32{0.3, -1, 2, 0}
		for _, train := range []bool{false, true} {
			l := m.Gradient(x, eps, 2, LossOptions{Likelihood: Likelihood{Kind: ContinuousBernoulli}, KLWeight: 1, Train: train})
			for _, v := range []float64{l.NegELBO, l.Recon, l.KL, l.Objective} {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("target %v: loss %+v", tgt, l)
				}
			}
			if !allFinite(m.Grads()) {
				t.Fatalf("target %v: non-finite gradient", tgt)
			}
		}
	}
}
