package core

import (
	"errors"
	"math"
	"slices"
	"testing"
)

// TestKLPerDimByHand: an encoder with no hidden layers whose heads are set
// by hand, against KL_j = −½(1 + log σ²_j − μ_j² − σ²_j) worked out on paper.
func TestKLPerDimByHand(t *testing.T) {
	m, err := New(Architecture{Input: 3, Encoder: []int{}, Decoder: []int{}, Latent: 3}, 1)
	if err != nil {
		t.Fatal(err)
	}
	clear(paramByName(t, m, "encoder.mu.w").Value)
	clear(paramByName(t, m, "encoder.logvar.w").Value)
	copy(paramByName(t, m, "encoder.mu.b").Value, []float32{1, 0, 2})
	copy(paramByName(t, m, "encoder.logvar.b").Value, []float32{0, float32(math.Ln2), -1})
	// μ₁ = x₁ + 1: images with x₁ = 1 and x₁ = 3 give μ₁ = 2 and 4.
	paramByName(t, m, "encoder.mu.w").Value[0] = 1
	x := []float32{1, 0.5, -2, 3, 7, 0}
	kl, err := KLPerDim(m, x, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{
		(0.5*4 + 0.5*16) / 2, // log σ² = 0: KL = ½μ², μ = 2 and 4
		0.5 - 0.5*math.Ln2,   // μ = 0, σ² = 2: −½(1 + ln 2 − 2)
		0.5 * (4 + math.Exp(-1)),
	}
	for j := range want {
		if math.Abs(kl[j]-want[j]) > 1e-6 {
			t.Errorf("KL of dimension %d = %.9f, by hand %.9f", j+1, kl[j], want[j])
		}
	}
}

// perImageKL is the reference: each image encoded alone with Encode, the
// formula written out in float64.
func perImageKL(m *Model, x []float32, n int) []float64 {
	in, d := m.Arch.Input, m.Arch.Latent
	kl := make([]float64, d)
	for r := 0; r < n; r++ {
		mu, lv := m.Encode(x[r*in:(r+1)*in], 1)
		for j := 0; j < d; j++ {
			l, u := float64(lv[j]), float64(mu[j])
			kl[j] += -0.5 * (1 + l - u*u - math.Exp(l)) / float64(n)
		}
	}
	return kl
}

// evalModel returns a model of arch with random weights and batch-norm
// running statistics that are not their initial values.
func evalModel(t testing.TB, arch Architecture) *Model {
	t.Helper()
	m, err := New(arch, 3)
	if err != nil {
		t.Fatal(err)
	}
	randomizeModel(m, 4)
	rng := testRNG(5)
	for i := range m.State() {
		m.State()[i] = float32(0.5 + rng.Float64())
	}
	return m
}

// noDropoutCopy returns a model of m's architecture without dropout and
// with m's weights and batch-norm statistics: what evaluation mode must
// compute.
func noDropoutCopy(t *testing.T, m *Model) *Model {
	a := m.Arch
	a.Dropout = 0
	c, err := New(a, 9)
	if err != nil {
		t.Fatal(err)
	}
	copy(c.Values(), m.Values())
	copy(c.State(), m.State())
	return c
}

// TestKLPerDimBatched: over 1 234 images (three batches), with batch norm
// and dropout, KLPerDim matches images encoded one at a time (so batch norm
// used its running statistics, not the batch's), the model without dropout
// (so no unit was dropped), and leaves the running statistics alone.
func TestKLPerDimBatched(t *testing.T) {
	arch := Architecture{Input: 20, Encoder: []int{16, 12}, Decoder: []int{12}, Latent: 5, Activation: LeakyReLU, BatchNorm: true, Dropout: 0.5}
	m := evalModel(t, arch)
	const n = 1234
	x := randUniform(testRNG(8), n*arch.Input, 0, 1)
	state := slices.Clone(m.State())
	kl, err := KLPerDim(m, x, n)
	if err != nil {
		t.Fatal(err)
	}
	ref := perImageKL(m, x, n)
	plain, err := KLPerDim(noDropoutCopy(t, m), x, n)
	if err != nil {
		t.Fatal(err)
	}
	for j := range kl {
		if math.Abs(kl[j]-ref[j]) > 1e-6*math.Max(1, ref[j]) {
			t.Errorf("dimension %d: KLPerDim %.9f, image by image %.9f", j+1, kl[j], ref[j])
		}
		if kl[j] != plain[j] {
			t.Errorf("dimension %d: %v with dropout 0.5, %v without", j+1, kl[j], plain[j])
		}
		if !(kl[j] > 0) {
			t.Errorf("dimension %d: KL %v", j+1, kl[j])
		}
	}
	if !float32sBitEqual(m.State(), state) {
		t.Error("KLPerDim changed the batch-norm running statistics")
	}
}

func TestKLPerDimErrors(t *testing.T) {
	m := evalModel(t, smallArch(ReLU))
	x := randUniform(testRNG(1), 4*12, 0, 1)
	if _, err := KLPerDim(m, x, 0); err == nil {
		t.Error("0 images accepted")
	}
	if _, err := KLPerDim(m, x, 5); err == nil {
		t.Error("5 images of data holding 4 accepted")
	}
	x[13] = float32(math.NaN())
	if _, err := KLPerDim(m, x, 4); !errors.Is(err, ErrNonFinite) {
		t.Errorf("a NaN pixel: %v, want ErrNonFinite", err)
	}
}

func TestDefaultPair(t *testing.T) {
	for _, c := range []struct {
		kl   []float64
		i, j int
	}{
		{[]float64{0.1, 3, 0.2, 2.9}, 1, 3},
		{[]float64{5, 0, 0, 4}, 0, 3},
		{[]float64{0, 0, 5}, 0, 2},      // the tie for second place goes to dimension 0
		{[]float64{1, 1, 1, 1}, 0, 1},   // all tied: the first two
		{[]float64{3, 5, 3, 7}, 1, 3},   // top two 7 and 5, returned in index order
		{[]float64{5, 3, 5}, 0, 2},      // tie for first place
		{[]float64{0.3, 9.1}, 0, 1},     // latent size 2: the whole plane, in order
		{[]float64{9.1, 0.3}, 0, 1},     // whatever the KL
		{[]float64{-1e-17, 0, 2}, 1, 2}, // rounding can leave a KL just below 0
	} {
		i, j, err := DefaultPair(c.kl)
		if err != nil || i != c.i || j != c.j {
			t.Errorf("DefaultPair(%v) = %d, %d, %v; want %d, %d", c.kl, i, j, err, c.i, c.j)
		}
	}
	for _, bad := range [][]float64{nil, {1}, {1, math.NaN(), 2}, {math.Inf(1), 0}} {
		if _, _, err := DefaultPair(bad); err == nil {
			t.Errorf("DefaultPair(%v) accepted", bad)
		}
	}
}

// TestEvaluatePerDim: the loss is Evaluate's, bit for bit; the dimensions'
// KL add up to it and equal KLPerDim's (the KL needs no noise); the same
// seed gives the same figures and another seed other ones; evaluation mode
// (dropout off, running statistics kept).
func TestEvaluatePerDim(t *testing.T) {
	arch := Architecture{Input: 20, Encoder: []int{16}, Decoder: []int{12, 16}, Latent: 4, Activation: Tanh, BatchNorm: true, Dropout: 0.3}
	m := evalModel(t, arch)
	m.Likelihood = Likelihood{Kind: Bernoulli}
	const n = 1100
	x := randUniform(testRNG(2), n*arch.Input, 0, 1)
	state := slices.Clone(m.State())
	e, err := EvaluatePerDim(m, x, n, m.Likelihood, HeldOutSeed)
	if err != nil {
		t.Fatal(err)
	}
	if want := Evaluate(m, x, n, m.Likelihood, HeldOutSeed); e.Loss != want {
		t.Errorf("loss %+v, Evaluate %+v", e.Loss, want)
	}
	kl, _ := KLPerDim(m, x, n)
	sum := 0.0
	for j, v := range e.KLPerDim {
		sum += v
		if v != kl[j] {
			t.Errorf("dimension %d: %v, KLPerDim %v", j+1, v, kl[j])
		}
	}
	if math.Abs(sum-e.KL) > 1e-9*e.KL || e.N != n || e.NegELBO != e.Recon+e.KL {
		t.Errorf("dimensions sum to %v, KL %v; N %d; −ELBO %v", sum, e.KL, e.N, e.NegELBO)
	}
	again, _ := EvaluatePerDim(m, x, n, m.Likelihood, HeldOutSeed)
	other, _ := EvaluatePerDim(m, x, n, m.Likelihood, HeldOutSeed+1)
	if again.Loss != e.Loss || !slices.Equal(again.KLPerDim, e.KLPerDim) || other.Recon == e.Recon {
		t.Errorf("repeat %+v, other seed %+v, first %+v", again.Loss, other.Loss, e.Loss)
	}
	plain, _ := EvaluatePerDim(noDropoutCopy(t, m), x, n, m.Likelihood, HeldOutSeed)
	if plain.Loss != e.Loss {
		t.Errorf("with dropout %+v, without %+v", e.Loss, plain.Loss)
	}
	if !float32sBitEqual(m.State(), state) {
		t.Error("evaluation changed the batch-norm running statistics")
	}
	// Errors, and a diverged model refused rather than reported as +Inf.
	if _, err := EvaluatePerDim(m, x, 0, m.Likelihood, 1); err == nil {
		t.Error("0 images accepted")
	}
	if _, err := EvaluatePerDim(m, x[:10], 1, m.Likelihood, 1); err == nil {
		t.Error("short data accepted")
	}
	// (A huge log σ² no longer diverges: ClampLogVar keeps it finite.)
	paramByName(t, m, "encoder.mu.b").Value[2] = float32(math.Inf(1))
	if _, err := EvaluatePerDim(m, x, n, m.Likelihood, 1); !errors.Is(err, ErrNonFinite) {
		t.Errorf("an infinite encoder mean: %v, want ErrNonFinite", err)
	}
}

func TestHeldOutIndices(t *testing.T) {
	idx, err := HeldOutIndices(10000, HeldOutSize)
	if err != nil || len(idx) != 1000 {
		t.Fatal(idx, err)
	}
	for i, k := range idx {
		if k != 10*i {
			t.Fatalf("index %d is image %d, want %d", i, k, 10*i)
		}
	}
	if idx, _ := HeldOutIndices(7, 3); !slices.Equal(idx, []int{0, 2, 4}) {
		t.Errorf("3 of 7: %v", idx)
	}
	if idx, _ := HeldOutIndices(5, 5); !slices.Equal(idx, []int{0, 1, 2, 3, 4}) {
		t.Errorf("5 of 5: %v", idx)
	}
	for _, c := range [][2]int{{10, 0}, {10, 11}, {0, 1}, {10, -1}} {
		if _, err := HeldOutIndices(c[0], c[1]); err == nil {
			t.Errorf("%d of %d accepted", c[1], c[0])
		}
	}
	px := make([]float32, 7*2)
	for i := range px {
		px[i] = float32(i)
	}
	got, err := HeldOutImages(px, 7, 2, 3)
	if err != nil || !slices.Equal(got, []float32{0, 1, 4, 5, 8, 9}) {
		t.Errorf("HeldOutImages = %v, %v", got, err)
	}
	if _, err := HeldOutImages(px[:13], 7, 2, 3); err == nil {
		t.Error("short pixels accepted")
	}
	if _, err := HeldOutImages(px, 7, 0, 3); err == nil {
		t.Error("image size 0 accepted")
	}
}

// BenchmarkEvaluateHeldOut times one point of the held-out curve (1 000
// images, EvaluatePerDim) for the reference model and for the editor's
// largest (4 hidden layers of 1 024 on each side, latent 16).
func BenchmarkEvaluateHeldOut(b *testing.B) {
	wide := []int{1024, 1024, 1024, 1024}
	for _, c := range []struct {
		name string
		arch Architecture
	}{
		{"reference", DefaultArchitecture()},
		{"largest", Architecture{Input: 784, Encoder: wide, Decoder: wide, Latent: 16, Activation: ReLU}},
	} {
		b.Run(c.name, func(b *testing.B) {
			m, err := New(c.arch, 1)
			if err != nil {
				b.Fatal(err)
			}
			x := randUniform(testRNG(1), HeldOutSize*784, 0, 1)
			for b.Loop() {
				if _, err := EvaluatePerDim(m, x, HeldOutSize, m.Likelihood, HeldOutSeed); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
