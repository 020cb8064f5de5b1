package core

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Finite-difference checks of every backward pass. The scalar loss of a
// single layer is L = Σ y⊙R for a fixed random R, whose gradient with
// respect to y is R, so Backward(R) must return ∂L/∂x and accumulate
// ∂L/∂θ. Parameters are float32, so the loss is accumulated in float64 and
// the step h is large-ish (1e-3..1e-2); derivatives are compared with a
// relative tolerance of 1e-2 plus a small absolute floor tied to the
// gradient's scale.

const (
	gradRel = 1e-2
	gradAbs = 2e-3 // times the largest |gradient| of the tensor, at least
)

type layerCase struct {
	name   string
	layer  Layer
	x      matrix
	train  bool
	params []Param            // trainable parameters of the layer
	reseed func()             // called before every Forward (dropout masks); may be nil
	h      float64            // finite-difference step
	check  func(y, dx matrix) // extra assertions; may be nil
}

func runLayerCheck(t *testing.T, c layerCase) {
	t.Helper()
	rng := testRNG(99)
	fwd := func() matrix {
		if c.reseed != nil {
			c.reseed()
		}
		return c.layer.Forward(c.x, c.train)
	}
	y0 := fwd()
	r := randNormal(rng, len(y0.Data))
	loss := func() float64 { return dot64(fwd().Data, r) }

	for _, p := range c.params {
		clear(p.Grad)
	}
	y := fwd()
	yCopy := append([]float32(nil), y.Data...)
	dx := c.layer.Backward(matrix{Rows: y.Rows, Cols: y.Cols, Stride: y.Cols, Data: r})
	dxCopy := append([]float32(nil), dx.Data...)
	if dx.Rows != c.x.Rows || dx.Cols != c.x.Cols {
		t.Fatalf("%s: dx is %d×%d, x is %d×%d", c.name, dx.Rows, dx.Cols, c.x.Rows, c.x.Cols)
	}
	if c.check != nil {
		c.check(matrix{Rows: y.Rows, Cols: y.Cols, Stride: y.Cols, Data: yCopy},
			matrix{Rows: dx.Rows, Cols: dx.Cols, Stride: dx.Cols, Data: dxCopy})
	}
	checked := 0
	for _, p := range c.params {
		g := append([]float32(nil), p.Grad...)
		if maxAbs(g) == 0 {
			t.Errorf("%s: gradient of %s is identically zero", c.name, p.Name)
		}
		idx := checkIndices(rng, len(p.Value), 64, 40)
		checked += gradCheck(t, c.name+" d"+p.Name, p.Value, g, idx, c.h, gradRel, gradAbs*maxAbs(g), loss)
	}
	if maxAbs(dxCopy) == 0 {
		t.Errorf("%s: dx is identically zero", c.name)
	}
	idx := checkIndices(rng, len(c.x.Data), 64, 40)
	checked += gradCheck(t, c.name+" dx", c.x.Data, dxCopy, idx, c.h, gradRel, gradAbs*maxAbs(dxCopy), loss)
	t.Logf("%s: %d derivatives checked", c.name, checked)
}

func newTestDense(rng *rand.Rand, in, out int) (*Dense, *paramStore) {
	s := &paramStore{}
	d := newDense(s, "dense", in, out)
	s.finish()
	d.bind(s)
	copy(d.w.Value, randNormal(rng, in*out))
	copy(d.b.Value, randNormal(rng, out))
	return d, s
}

func TestGradDense(t *testing.T) {
	rng := testRNG(1)
	for _, sz := range [][3]int{{5, 4, 3}, {9, 40, 13}} { // rows, in, out
		n, in, out := sz[0], sz[1], sz[2]
		d, _ := newTestDense(rng, in, out)
		x := newMatrix(n, in)
		copy(x.Data, randNormal(rng, n*in))
		runLayerCheck(t, layerCase{
			name: fmt.Sprintf("dense %d×%d batch %d", in, out, n), layer: d, x: x,
			params: []Param{d.w, d.b}, h: 1e-2,
			check: func(y, _ matrix) {
				// y = x·W + b computed independently.
				for r := 0; r < n; r++ {
					for j := 0; j < out; j++ {
						want := float64(d.b.Value[j])
						for k := 0; k < in; k++ {
							want += float64(x.Data[r*in+k]) * float64(d.w.Value[k*out+j])
						}
						if got := float64(y.Data[r*out+j]); math.Abs(got-want) > 1e-5*(1+math.Abs(want)) {
							t.Errorf("y[%d,%d] = %v, want %v", r, j, got, want)
						}
					}
				}
			},
		})
	}
}

func TestDenseGradientAccumulates(t *testing.T) {
	// Backward adds into the parameter gradients (the model clears them).
	rng := testRNG(2)
	d, _ := newTestDense(rng, 3, 2)
	x := newMatrix(4, 3)
	copy(x.Data, randNormal(rng, 12))
	dy := matrix{Rows: 4, Cols: 2, Stride: 2, Data: randNormal(rng, 8)}
	d.Forward(x, true)
	d.Backward(dy)
	once := append([]float32(nil), d.w.Grad...)
	d.Forward(x, true)
	d.Backward(dy)
	for i := range once {
		if got, want := d.w.Grad[i], 2*once[i]; math.Abs(float64(got-want)) > 1e-5*math.Abs(float64(want))+1e-7 {
			t.Fatalf("after two backward passes dW[%d] = %v, want 2×%v", i, got, once[i])
		}
	}
}

func TestGradActivations(t *testing.T) {
	for _, act := range []Activation{ReLU, LeakyReLU, Tanh, Sigmoid} {
		t.Run(act.String(), func(t *testing.T) {
			rng := testRNG(uint64(10 + act))
			const n, f = 6, 11
			x := newMatrix(n, f)
			if act == ReLU || act == LeakyReLU {
				// Stay well away from the kink at 0: |x| ≥ 0.1 ≫ h.
				copy(x.Data, randAwayFromZero(rng, n*f, 0.1, 2))
			} else {
				copy(x.Data, randUniform(rng, n*f, -3, 3))
			}
			l := &activationLayer{kind: act}
			runLayerCheck(t, layerCase{
				name: "activation " + act.String(), layer: l, x: x, h: 1e-3,
				check: func(y, _ matrix) {
					for i, v := range x.Data {
						xv := float64(v)
						var want float64
						switch act {
						case ReLU:
							want = math.Max(xv, 0)
						case LeakyReLU:
							want = xv
							if xv < 0 {
								want = 0.01 * xv
							}
						case Tanh:
							want = math.Tanh(xv)
						case Sigmoid:
							want = 1 / (1 + math.Exp(-xv))
						}
						if got := float64(y.Data[i]); math.Abs(got-want) > 1e-6 {
							t.Errorf("%s(%v) = %v, want %v", act, xv, got, want)
						}
					}
				},
			})
		})
	}
}

func TestSigmoidExtremes(t *testing.T) {
	for _, x := range []float64{-1000, -745, -40, 0, 40, 745, 1000} {
		s := sigmoid(x)
		if math.IsNaN(s) || s < 0 || s > 1 {
			t.Errorf("sigmoid(%v) = %v", x, s)
		}
	}
	if got := sigmoid(0); got != 0.5 {
		t.Errorf("sigmoid(0) = %v", got)
	}
}

func newTestBatchNorm(rng *rand.Rand, f int) *BatchNorm {
	s := &paramStore{}
	bn := newBatchNorm(s, "bn", f)
	s.finish()
	bn.bind(s)
	bn.init()
	for j := 0; j < f; j++ {
		bn.gamma.Value[j] = float32(0.5 + rng.Float64())
		bn.beta.Value[j] = float32(rng.NormFloat64())
	}
	return bn
}

func TestGradBatchNormTrain(t *testing.T) {
	rng := testRNG(3)
	const n, f = 7, 5
	bn := newTestBatchNorm(rng, f)
	x := newMatrix(n, f)
	for i := range x.Data {
		x.Data[i] = float32(1.5*rng.NormFloat64() + float64(i%f))
	}
	runLayerCheck(t, layerCase{
		name: "batchnorm train", layer: bn, x: x, train: true, h: 3e-3,
		params: []Param{bn.gamma, bn.beta},
		check: func(y, dx matrix) {
			// In training mode each output feature has mean β and
			// (biased) standard deviation γ·σ/√(σ²+eps) ≈ γ, and the
			// batch statistics make Σ_rows dx = 0 for every feature.
			for j := 0; j < f; j++ {
				var mean, sq, sumDx, xm, xv float64
				for r := 0; r < n; r++ {
					mean += float64(y.Data[r*f+j])
					sumDx += float64(dx.Data[r*f+j])
					xm += float64(x.Data[r*f+j])
				}
				mean /= n
				xm /= n
				for r := 0; r < n; r++ {
					d := float64(y.Data[r*f+j]) - mean
					sq += d * d
					e := float64(x.Data[r*f+j]) - xm
					xv += e * e
				}
				xv /= n
				std := math.Sqrt(sq / n)
				wantStd := float64(bn.gamma.Value[j]) * math.Sqrt(xv/(xv+1e-5))
				if math.Abs(mean-float64(bn.beta.Value[j])) > 1e-5 || math.Abs(std-wantStd) > 1e-5 {
					t.Errorf("feature %d: mean %v std %v, want %v and %v", j, mean, std, bn.beta.Value[j], wantStd)
				}
				if math.Abs(sumDx) > 1e-4 {
					t.Errorf("feature %d: Σ dx = %v, want 0", j, sumDx)
				}
			}
		},
	})
}

func TestGradBatchNormEval(t *testing.T) {
	rng := testRNG(4)
	const n, f = 5, 6
	bn := newTestBatchNorm(rng, f)
	for j := 0; j < f; j++ {
		bn.runMean.Value[j] = float32(rng.NormFloat64())
		bn.runVar.Value[j] = float32(0.3 + 2*rng.Float64())
	}
	x := newMatrix(n, f)
	copy(x.Data, randNormal(rng, n*f))
	stateBefore := append(append([]float32(nil), bn.runMean.Value...), bn.runVar.Value...)
	runLayerCheck(t, layerCase{
		name: "batchnorm eval", layer: bn, x: x, train: false, h: 1e-2,
		params: []Param{bn.gamma, bn.beta},
		check: func(y, _ matrix) {
			for r := 0; r < n; r++ {
				for j := 0; j < f; j++ {
					want := float64(bn.gamma.Value[j])*(float64(x.Data[r*f+j])-float64(bn.runMean.Value[j]))/
						math.Sqrt(float64(bn.runVar.Value[j])+1e-5) + float64(bn.beta.Value[j])
					if got := float64(y.Data[r*f+j]); math.Abs(got-want) > 1e-5*(1+math.Abs(want)) {
						t.Errorf("y[%d,%d] = %v, want %v", r, j, got, want)
					}
				}
			}
		},
	})
	stateAfter := append(append([]float32(nil), bn.runMean.Value...), bn.runVar.Value...)
	if !float32sBitEqual(stateBefore, stateAfter) {
		t.Errorf("evaluation mode changed the running statistics")
	}
}

func TestBatchNormRunningStatistics(t *testing.T) {
	// running ← (1−0.1)·running + 0.1·batch, with the unbiased variance.
	rng := testRNG(5)
	bn := newTestBatchNorm(rng, 1)
	x := matrix{Rows: 4, Cols: 1, Stride: 1, Data: []float32{1, 2, 3, 6}}
	bn.Forward(x, true)
	// mean 3, unbiased variance ((−2)²+(−1)²+0+3²)/3 = 14/3.
	if got, want := float64(bn.runMean.Value[0]), 0.9*0+0.1*3; math.Abs(got-want) > 1e-6 {
		t.Errorf("running mean %v, want %v", got, want)
	}
	if got, want := float64(bn.runVar.Value[0]), 0.9*1+0.1*14.0/3; math.Abs(got-want) > 1e-6 {
		t.Errorf("running variance %v, want %v", got, want)
	}
}

func TestGradDropout(t *testing.T) {
	const rate = 0.4
	pcg := rand.NewPCG(1, 2)
	l := &Dropout{Rate: rate, rng: rand.New(pcg)}
	rng := testRNG(6)
	const n, f = 8, 9
	x := newMatrix(n, f)
	copy(x.Data, randNormal(rng, n*f))
	runLayerCheck(t, layerCase{
		name: "dropout train", layer: l, x: x, train: true, h: 1e-2,
		reseed: func() { pcg.Seed(7, 8) }, // the same mask before every forward
		check: func(y, dx matrix) {
			zero := 0
			for i, v := range y.Data {
				switch {
				case v == 0:
					zero++
				case math.Abs(float64(v)-float64(x.Data[i])/(1-rate)) > 1e-6:
					t.Errorf("y[%d] = %v: neither 0 nor x/(1−rate) = %v", i, v, x.Data[i]/(1-rate))
				}
			}
			if zero == 0 || zero == len(y.Data) {
				t.Errorf("%d of %d outputs dropped", zero, len(y.Data))
			}
		},
	})

	// Evaluation mode is the identity, forward and backward.
	y := l.Forward(x, false)
	if !float32sBitEqual(y.Data, x.Data) {
		t.Errorf("dropout in evaluation mode changed its input")
	}
	dy := matrix{Rows: n, Cols: f, Stride: f, Data: randNormal(rng, n*f)}
	if dx := l.Backward(dy); !float32sBitEqual(dx.Data, dy.Data) {
		t.Errorf("dropout in evaluation mode changed the gradient")
	}

	// The drop fraction is the rate and the mean is preserved.
	big := newMatrix(200, 500)
	for i := range big.Data {
		big.Data[i] = 1
	}
	y = l.Forward(big, true)
	zero, sum := 0, 0.0
	for _, v := range y.Data {
		if v == 0 {
			zero++
		}
		sum += float64(v)
	}
	frac, mean := float64(zero)/float64(len(y.Data)), sum/float64(len(y.Data))
	se := math.Sqrt(rate * (1 - rate) / float64(len(y.Data)))
	if math.Abs(frac-rate) > 5*se {
		t.Errorf("dropped fraction %v, want %v ± %v", frac, rate, 5*se)
	}
	if math.Abs(mean-1) > 5*se/(1-rate) {
		t.Errorf("mean after dropout %v, want 1", mean)
	}
}

// ---- whole model ----

type modelCase struct {
	name string
	arch Architecture
	lik  Likelihood
	klw  float64
	n    int
	// train evaluates in training mode; with dropout the masks are reseeded
	// before every evaluation so that they are the same.
	train bool
	h     float64
}

func runModelCheck(t *testing.T, c modelCase) {
	t.Helper()
	m, err := New(c.arch, 11)
	if err != nil {
		t.Fatal(err)
	}
	randomizeModel(m, 12)
	rng := testRNG(13)
	x := randUniform(rng, c.n*c.arch.Input, 0, 1)
	// A few exactly binary pixels, as in binarised MNIST.
	for i := 0; i < len(x); i += 5 {
		x[i] = float32(i / 5 % 2)
	}
	eps := randNormal(rng, c.n*c.arch.Latent)
	opts := LossOptions{Likelihood: c.lik, KLWeight: c.klw, Train: c.train}
	const dropSeed = 4242
	loss := func() float64 {
		m.SeedDropout(dropSeed)
		return m.Loss(x, eps, c.n, opts).Objective
	}
	m.SeedDropout(dropSeed)
	l := m.Gradient(x, eps, c.n, opts)
	if got := loss(); got != l.Objective {
		t.Fatalf("Loss %v and Gradient %v disagree on the objective", got, l.Objective)
	}
	if want := l.Recon + c.klw*l.KL; math.Abs(l.Objective-want) > 1e-12*math.Abs(want) {
		t.Errorf("objective %v, want recon + w·KL = %v", l.Objective, want)
	}
	grads := append([]float32(nil), m.Grads()...)
	scale := maxAbs(grads)
	checked := 0
	for i, p := range m.Params() {
		if p.Grad == nil {
			continue
		}
		off := m.store.specs[i].offset // where p lives in Values and Grads
		g := grads[off : off+len(p.Value)]
		idx := checkIndices(rng, len(p.Value), 16, 12)
		abs := math.Max(gradAbs*maxAbs(g), 1e-4*scale)
		checked += gradCheck(t, c.name+" d"+p.Name, p.Value, g, idx, c.h, gradRel, abs, loss)
		if p.Name == "likelihood.log_sigma" {
			if c.lik.Kind == GaussianLearned && g[0] == 0 {
				t.Errorf("%s: learned log σ has zero gradient", c.name)
			}
			if c.lik.Kind != GaussianLearned && g[0] != 0 {
				t.Errorf("%s: log σ gradient %v, want 0 for %s", c.name, g[0], c.lik.Kind)
			}
		}
		// The encoder heads receive the KL gradient as well as the decoder's:
		// check their biases fully and insist they are not trivially zero.
		if p.Name == "encoder.mu.b" || p.Name == "encoder.logvar.b" {
			if maxAbs(g) == 0 {
				t.Errorf("%s: %s gradient is zero", c.name, p.Name)
			}
		}
	}
	t.Logf("%s: objective %.6g, %d derivatives checked", c.name, l.Objective, checked)
}

func TestGradModelLikelihoods(t *testing.T) {
	liks := []Likelihood{
		{Kind: Bernoulli},
		{Kind: Gaussian, Sigma: 0.3},
		{Kind: GaussianLearned},
		{Kind: ContinuousBernoulli},
	}
	warm := TrainConfig{Beta: 2, WarmupSteps: 10}.KLWeight(3) // 0.6
	if warm != 2*3.0/10 {
		t.Fatalf("warm-up weight %v, want 0.6", warm)
	}
	for _, lik := range liks {
		for _, w := range []float64{1, 0.5, warm} {
			for _, act := range []Activation{Tanh, LeakyReLU} {
				name := fmt.Sprintf("%s w=%g %s", lik.Kind, w, act)
				t.Run(name, func(t *testing.T) {
					// LeakyReLU has a kink at 0: with h = 1e-2 some
					// pre-activation crosses it; 1e-3 stays clear.
					h := 1e-2
					if act == LeakyReLU {
						h = 1e-3
					}
					runModelCheck(t, modelCase{name: name, arch: smallArch(act), lik: lik, klw: w, n: 4, h: h})
				})
			}
		}
	}
}

func TestGradModelBatchNormDropout(t *testing.T) {
	for _, lik := range []Likelihood{{Kind: Bernoulli}, {Kind: GaussianLearned}, {Kind: ContinuousBernoulli}} {
		for _, train := range []bool{true, false} {
			arch := smallArch(Tanh)
			arch.BatchNorm = true
			arch.Dropout = 0.2
			name := fmt.Sprintf("%s batchnorm+dropout train=%v", lik.Kind, train)
			t.Run(name, func(t *testing.T) {
				runModelCheck(t, modelCase{name: name, arch: arch, lik: lik, klw: 0.5, n: 6, train: train, h: 5e-3})
			})
		}
	}
}

func TestGradModelShapes(t *testing.T) {
	// No hidden layers at all, and a single one on each side.
	for _, arch := range []Architecture{
		{Input: 5, Latent: 3, Activation: Sigmoid},
		{Input: 6, Encoder: []int{4}, Decoder: []int{3}, Latent: 1, Activation: Sigmoid},
	} {
		name := arch.String()
		t.Run(name, func(t *testing.T) {
			runModelCheck(t, modelCase{name: name, arch: arch, lik: Likelihood{Kind: Bernoulli}, klw: 1, n: 3, h: 1e-2})
		})
	}
}

// TestGradHeads checks ∂/∂μ and ∂/∂logσ² at the heads' biases against the
// closed-form contribution of the KL term alone: with the decoder cut off
// (output weights zero) the reconstruction does not depend on z, so the
// bias gradients are exactly w·mean(μ) and w·mean(exp(logvar)−1)/2.
func TestGradHeads(t *testing.T) {
	m, err := New(smallArch(Tanh), 21)
	if err != nil {
		t.Fatal(err)
	}
	randomizeModel(m, 22)
	clear(paramByName(t, m, "decoder.out.w").Value)
	rng := testRNG(23)
	const n = 5
	x := randUniform(rng, n*12, 0, 1)
	eps := randNormal(rng, n*2)
	const w = 0.7
	m.Gradient(x, eps, n, LossOptions{Likelihood: Likelihood{Kind: Bernoulli}, KLWeight: w})
	gmu := append([]float32(nil), paramByName(t, m, "encoder.mu.b").Grad...)
	glv := append([]float32(nil), paramByName(t, m, "encoder.logvar.b").Grad...)
	mu, logvar := m.Encode(x, n)
	for j := 0; j < 2; j++ {
		var wantMu, wantLv float64
		for r := 0; r < n; r++ {
			wantMu += w * float64(mu[r*2+j]) / n
			wantLv += w * 0.5 * (math.Exp(float64(logvar[r*2+j])) - 1) / n
		}
		if math.Abs(float64(gmu[j])-wantMu) > 1e-5 {
			t.Errorf("∂/∂b_μ[%d] = %v, want %v", j, gmu[j], wantMu)
		}
		if math.Abs(float64(glv[j])-wantLv) > 1e-5 {
			t.Errorf("∂/∂b_logvar[%d] = %v, want %v", j, glv[j], wantLv)
		}
	}
}

func TestGradientOverwrites(t *testing.T) {
	// Gradient sets Grads() rather than adding to what was there.
	m, _ := New(smallArch(Tanh), 31)
	rng := testRNG(32)
	x := randUniform(rng, 3*12, 0, 1)
	eps := randNormal(rng, 3*2)
	opts := LossOptions{Likelihood: Likelihood{Kind: Bernoulli}, KLWeight: 1}
	m.Gradient(x, eps, 3, opts)
	first := append([]float32(nil), m.Grads()...)
	for i := range m.Grads() {
		m.Grads()[i] = 1e6
	}
	m.Gradient(x, eps, 3, opts)
	if !float32sBitEqual(first, m.Grads()) {
		t.Errorf("a second Gradient call does not reproduce the first")
	}
}
