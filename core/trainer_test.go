package core

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// TestTrainerLossDecreasesMNIST trains the default model on 300 real MNIST
// digits and checks that the loss goes down.
func TestTrainerLossDecreasesMNIST(t *testing.T) {
	const n = 300
	data := loadMNIST(t, n)
	m, err := New(DefaultArchitecture(), 1)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultTrainConfig()
	cfg.BatchSize = 32
	tr, err := NewTrainer(m, cfg, data, n)
	if err != nil {
		t.Fatal(err)
	}
	lik := cfg.Likelihood
	before := Evaluate(m, data, n, lik, 1)
	// An untrained decoder outputs logits near 0: about 784·ln 2 ≈ 543 nats.
	if before.NegELBO < 300 || before.NegELBO > 1000 {
		t.Errorf("initial −ELBO %v nats, expected roughly 784·ln 2", before.NegELBO)
	}
	const steps = 60
	losses := make([]float64, steps)
	for i := range losses {
		l, err := tr.TrainStep()
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if l.N != 32 {
			t.Fatalf("step %d used %d images", i, l.N)
		}
		losses[i] = l.NegELBO
	}
	first, last := mean64(losses[:5]), mean64(losses[steps-5:])
	after := Evaluate(m, data, n, lik, 1)
	t.Logf("training loss %.1f → %.1f nats; evaluation −ELBO %.1f → %.1f (recon %.1f, KL %.2f); %d steps, epoch %d",
		first, last, before.NegELBO, after.NegELBO, after.Recon, after.KL, tr.Steps, tr.Epoch)
	if !(last < 0.8*first) {
		t.Errorf("mean loss of the last 5 steps %v is not below 0.8× that of the first 5 (%v)", last, first)
	}
	if !(after.NegELBO < before.NegELBO-50) {
		t.Errorf("evaluation −ELBO %v → %v: no clear improvement", before.NegELBO, after.NegELBO)
	}
	if tr.Steps != steps || tr.Epoch != steps*32/n {
		t.Errorf("Steps %d Epoch %d, want %d and %d", tr.Steps, tr.Epoch, steps, steps*32/n)
	}
}

func mean64(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// syntheticData returns n images of size in with values in [0, 1] and a
// little structure (two prototypes plus noise).
func syntheticData(n, in int, seed uint64) []float32 {
	rng := testRNG(seed)
	data := make([]float32, n*in)
	for i := 0; i < n; i++ {
		for j := 0; j < in; j++ {
			v := 0.1
			if (j < in/2) == (i%2 == 0) {
				v = 0.9
			}
			v += 0.1 * rng.NormFloat64()
			data[i*in+j] = float32(min(max(v, 0), 1))
		}
	}
	return data
}

func TestTrainerReproducible(t *testing.T) {
	arch := Architecture{Input: 30, Encoder: []int{16}, Decoder: []int{16}, Latent: 2, Activation: ReLU, BatchNorm: true, Dropout: 0.2}
	data := syntheticData(50, arch.Input, 1)
	run := func(modelSeed, trainSeed uint64, lik Likelihood) ([]float64, *Model) {
		m, _ := New(arch, modelSeed)
		cfg := DefaultTrainConfig()
		cfg.Likelihood = lik
		cfg.BatchSize = 8
		cfg.Seed = trainSeed
		tr, err := NewTrainer(m, cfg, data, 50)
		if err != nil {
			t.Fatal(err)
		}
		var losses []float64
		for i := 0; i < 15; i++ {
			l, err := tr.TrainStep()
			if err != nil {
				t.Fatal(err)
			}
			losses = append(losses, l.Objective)
		}
		return losses, m
	}
	for _, lik := range []Likelihood{{Kind: Bernoulli}, {Kind: GaussianLearned}} {
		la, ma := run(1, 2, lik)
		lb, mb := run(1, 2, lik)
		for i := range la {
			if math.Float64bits(la[i]) != math.Float64bits(lb[i]) {
				t.Fatalf("%s: same seeds, step %d losses %v and %v", lik.Kind, i, la[i], lb[i])
			}
		}
		if !float32sBitEqual(ma.Values(), mb.Values()) || !float32sBitEqual(ma.State(), mb.State()) {
			t.Errorf("%s: same seeds, different weights", lik.Kind)
		}
		lc, mc := run(1, 3, lik)
		same := 0
		for i := range la {
			if la[i] == lc[i] {
				same++
			}
		}
		if same == len(la) || float32sBitEqual(ma.Values(), mc.Values()) {
			t.Errorf("%s: different trainer seeds give identical training", lik.Kind)
		}
		if _, md := run(4, 2, lik); float32sBitEqual(ma.Values(), md.Values()) {
			t.Errorf("%s: different model seeds give identical training", lik.Kind)
		}
	}
}

func TestKLWarmup(t *testing.T) {
	cfg := TrainConfig{Beta: 2, WarmupSteps: 10}
	for step, want := range map[int]float64{0: 0, 1: 0.2, 3: 0.6, 5: 1, 9: 1.8, 10: 2, 11: 2, 1000: 2} {
		if got := cfg.KLWeight(step); math.Abs(got-want) > 1e-15 {
			t.Errorf("KLWeight(%d) = %v, want %v", step, got, want)
		}
	}
	off := TrainConfig{Beta: 0.5}
	for _, s := range []int{0, 1, 100} {
		if got := off.KLWeight(s); got != 0.5 {
			t.Errorf("no warm-up: KLWeight(%d) = %v, want β = 0.5", s, got)
		}
	}

	// During training the reported loss uses the weight of its step.
	arch := Architecture{Input: 16, Encoder: []int{8}, Decoder: []int{8}, Latent: 2, Activation: Tanh}
	m, _ := New(arch, 5)
	tc := DefaultTrainConfig()
	tc.Beta, tc.WarmupSteps, tc.BatchSize = 2, 10, 4
	tr, err := NewTrainer(m, tc, syntheticData(20, arch.Input, 2), 20)
	if err != nil {
		t.Fatal(err)
	}
	for step := 0; step < 14; step++ {
		l, err := tr.TrainStep()
		if err != nil {
			t.Fatal(err)
		}
		want := 2 * math.Min(1, float64(step)/10)
		if math.Abs(l.KLWeight-want) > 1e-15 {
			t.Errorf("step %d: KL weight %v, want %v", step, l.KLWeight, want)
		}
		if math.Abs(l.Objective-(l.Recon+want*l.KL)) > 1e-9*math.Abs(l.Objective) || math.Abs(l.NegELBO-(l.Recon+l.KL)) > 1e-9*l.NegELBO {
			t.Errorf("step %d: %+v is not recon + w·KL", step, l)
		}
	}
}

func TestTrainConfigValidate(t *testing.T) {
	if err := DefaultTrainConfig().Validate(); err != nil {
		t.Fatalf("default config: %v", err)
	}
	d := DefaultTrainConfig()
	if d.Likelihood.Kind != Bernoulli || d.Beta != 1 || d.WarmupSteps != 0 || d.Optimizer != "adam" || d.LearningRate != 1e-3 || d.BatchSize != 128 {
		t.Errorf("DefaultTrainConfig %+v", d)
	}
	nan := math.NaN()
	for name, mod := range map[string]func(*TrainConfig){
		"lr 0":                func(c *TrainConfig) { c.LearningRate = 0 },
		"lr NaN":              func(c *TrainConfig) { c.LearningRate = nan },
		"lr −1e-3":            func(c *TrainConfig) { c.LearningRate = -1e-3 },
		"lr 10":               func(c *TrainConfig) { c.LearningRate = 10 },
		"lr +Inf":             func(c *TrainConfig) { c.LearningRate = math.Inf(1) },
		"batch 0":             func(c *TrainConfig) { c.BatchSize = 0 },
		"batch −1":            func(c *TrainConfig) { c.BatchSize = -1 },
		"batch 1e9":           func(c *TrainConfig) { c.BatchSize = 1e9 },
		"β −1":                func(c *TrainConfig) { c.Beta = -1 },
		"β NaN":               func(c *TrainConfig) { c.Beta = nan },
		"β 1e6":               func(c *TrainConfig) { c.Beta = 1e6 },
		"warm-up −1":          func(c *TrainConfig) { c.WarmupSteps = -1 },
		"optimizer rmsprop":   func(c *TrainConfig) { c.Optimizer = "rmsprop" },
		"optimizer empty":     func(c *TrainConfig) { c.Optimizer = "" },
		"momentum 1":          func(c *TrainConfig) { c.Momentum = 1 },
		"momentum NaN":        func(c *TrainConfig) { c.Momentum = nan },
		"clip −1":             func(c *TrainConfig) { c.ClipNorm = -1 },
		"clip NaN":            func(c *TrainConfig) { c.ClipNorm = nan },
		"gaussian σ 0":        func(c *TrainConfig) { c.Likelihood = Likelihood{Kind: Gaussian, Sigma: 0} },
		"unknown likelihood":  func(c *TrainConfig) { c.Likelihood.Kind = 17 },
		"gaussian σ NaN":      func(c *TrainConfig) { c.Likelihood = Likelihood{Kind: Gaussian, Sigma: nan} },
		"gaussian σ negative": func(c *TrainConfig) { c.Likelihood = Likelihood{Kind: Gaussian, Sigma: -0.1} },
	} {
		c := DefaultTrainConfig()
		mod(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
		m, _ := New(Architecture{Input: 4, Latent: 1}, 1)
		if _, err := NewTrainer(m, c, make([]float32, 8), 2); err == nil {
			t.Errorf("%s: NewTrainer accepted", name)
		}
	}
	for name, mod := range map[string]func(*TrainConfig){
		"sgd":              func(c *TrainConfig) { c.Optimizer = "sgd"; c.Momentum = 0.9 },
		"lr 1":             func(c *TrainConfig) { c.LearningRate = 1 },
		"lr 1e-6":          func(c *TrainConfig) { c.LearningRate = 1e-6 },
		"batch 1":          func(c *TrainConfig) { c.BatchSize = 1 },
		"batch 4096":       func(c *TrainConfig) { c.BatchSize = 4096 },
		"β 0":              func(c *TrainConfig) { c.Beta = 0 },
		"warm-up 1000":     func(c *TrainConfig) { c.WarmupSteps = 1000 },
		"cb":               func(c *TrainConfig) { c.Likelihood = Likelihood{Kind: ContinuousBernoulli} },
		"gaussian learned": func(c *TrainConfig) { c.Likelihood = Likelihood{Kind: GaussianLearned} },
	} {
		c := DefaultTrainConfig()
		mod(&c)
		if err := c.Validate(); err != nil {
			t.Errorf("%s: rejected: %v", name, err)
		}
	}
	m, _ := New(Architecture{Input: 4, Latent: 1}, 1)
	if _, err := NewTrainer(m, DefaultTrainConfig(), make([]float32, 7), 2); err == nil {
		t.Errorf("NewTrainer accepted 7 values for 2 images of 4 pixels")
	}
}

// checkGuard runs training steps until one fails (at most maxSteps) and
// checks that the failure is a *TrainingError wrapping ErrNonFinite and
// that the failed step left weights and state exactly as they were.
func checkGuard(t *testing.T, tr *Trainer, maxSteps int, what string) *TrainingError {
	t.Helper()
	for i := 0; i < maxSteps; i++ {
		values := append([]float32(nil), tr.Model.Values()...)
		state := append([]float32(nil), tr.Model.State()...)
		steps := tr.Steps
		_, err := tr.TrainStep()
		if err == nil {
			if !allFinite(tr.Model.Values()) || !allFinite(tr.Model.State()) {
				t.Fatalf("step %d succeeded with non-finite weights", i)
			}
			continue
		}
		if !errors.Is(err, ErrNonFinite) {
			t.Fatalf("step %d: %v does not wrap ErrNonFinite", i, err)
		}
		var te *TrainingError
		if !errors.As(err, &te) {
			t.Fatalf("step %d: %T is not a *TrainingError", i, err)
		}
		if what != "" && te.What != what {
			t.Errorf("TrainingError.What = %q, want %q (%v)", te.What, what, err)
		}
		if te.Step != steps || tr.Steps != steps {
			t.Errorf("TrainingError.Step %d, trainer at %d, want %d", te.Step, tr.Steps, steps)
		}
		if !float32sBitEqual(tr.Model.Values(), values) {
			t.Errorf("the failed step changed the weights")
		}
		if !float32sBitEqual(tr.Model.State(), state) {
			t.Errorf("the failed step changed the batch-norm statistics")
		}
		if !strings.Contains(err.Error(), "discarded") {
			t.Errorf("message %q does not say the step was discarded", err)
		}
		return te
	}
	t.Fatalf("no step failed in %d steps", maxSteps)
	return nil
}

func TestNaNGuardNaNPixel(t *testing.T) {
	for _, bn := range []bool{false, true} {
		arch := Architecture{Input: 16, Encoder: []int{8}, Decoder: []int{8}, Latent: 2, Activation: ReLU, BatchNorm: bn}
		m, _ := New(arch, 1)
		data := syntheticData(8, arch.Input, 3)
		cfg := DefaultTrainConfig()
		cfg.BatchSize = 8
		tr, _ := NewTrainer(m, cfg, data, 8)
		for i := 0; i < 3; i++ { // some finite steps first
			if _, err := tr.TrainStep(); err != nil {
				t.Fatal(err)
			}
		}
		data[5*arch.Input+3] = float32(math.NaN())
		te := checkGuard(t, tr, 1, "input")
		if !strings.HasSuffix(te.Where, ", pixel 3") || !strings.Contains(te.Error(), "the data are broken") {
			t.Errorf("batch norm %v: %v does not name pixel 3 of an image and blame the data", bn, te)
		}
		// After the bad pixel is gone training resumes from the kept weights.
		data[5*arch.Input+3] = 0.5
		if _, err := tr.TrainStep(); err != nil {
			t.Errorf("batch norm %v: training does not resume: %v", bn, err)
		}
		l := Evaluate(m, data, 8, cfg.Likelihood, 1)
		if math.IsNaN(l.NegELBO) || math.IsInf(l.NegELBO, 0) {
			t.Errorf("batch norm %v: evaluation after the guarded step gives %v", bn, l.NegELBO)
		}
	}
}

func TestNaNGuardDivergence(t *testing.T) {
	// SGD at learning rate 1 on a Gaussian with a tiny σ: the loss scales
	// as 1/σ² = 2.5e7, so the weights explode within a few steps.
	for _, bn := range []bool{false, true} {
		arch := Architecture{Input: 16, Encoder: []int{8}, Decoder: []int{8}, Latent: 2, Activation: ReLU, BatchNorm: bn}
		m, _ := New(arch, 1)
		cfg := DefaultTrainConfig()
		cfg.Likelihood = Likelihood{Kind: Gaussian, Sigma: 2e-4}
		cfg.Optimizer = "sgd"
		cfg.LearningRate = 1
		cfg.BatchSize = 8
		tr, err := NewTrainer(m, cfg, syntheticData(32, arch.Input, 4), 32)
		if err != nil {
			t.Fatal(err)
		}
		te := checkGuard(t, tr, 50, "")
		if !strings.Contains(te.Error(), "σ") {
			t.Errorf("message %q does not mention the small σ", te.Error())
		}
		t.Logf("batch norm %v: diverged at step %d: %v", bn, te.Step, te)
	}
}

func TestNaNGuardHugeGradient(t *testing.T) {
	arch := Architecture{Input: 16, Encoder: []int{8}, Decoder: []int{8}, Latent: 2, Activation: Tanh, BatchNorm: true}
	for _, opt := range []string{"adam", "sgd"} {
		m, _ := New(arch, 1)
		cfg := DefaultTrainConfig()
		cfg.Optimizer = opt
		cfg.BatchSize = 4
		tr, _ := NewTrainer(m, cfg, syntheticData(8, arch.Input, 5), 8)
		tr.TrainStep()
		huge := []float32{float32(math.Inf(1)), float32(math.NaN())}
		if opt == "adam" {
			huge = append(huge, 3e38) // g² overflows Adam's second moment
		}
		for _, g := range huge {
			x, eps, n := tr.NextBatch()
			state := append([]float32(nil), m.State()...)
			if _, err := tr.Compute(x, eps, n, 0); err != nil {
				t.Fatal(err)
			}
			values := append([]float32(nil), m.Values()...)
			for i := range m.Grads() {
				m.Grads()[i] = g
			}
			err := tr.Apply()
			var te *TrainingError
			if !errors.Is(err, ErrNonFinite) || !errors.As(err, &te) {
				t.Errorf("%s: gradient %v: Apply returned %v", opt, g, err)
			}
			if !float32sBitEqual(values, m.Values()) {
				t.Errorf("%s: gradient %v changed the weights", opt, g)
			}
			if !float32sBitEqual(state, m.State()) {
				t.Errorf("%s: gradient %v: the discarded step changed the batch-norm statistics", opt, g)
			}
			if tr.Steps != 1 {
				t.Errorf("%s: step counter %d after a discarded step", opt, tr.Steps)
			}
		}
		// With clipping on, the same huge gradient is tamed.
		cfg.ClipNorm = 1
		if err := tr.SetConfig(cfg); err != nil {
			t.Fatal(err)
		}
		x, eps, n := tr.NextBatch()
		tr.Compute(x, eps, n, 0)
		for i := range m.Grads() {
			m.Grads()[i] = 1e30
		}
		if err := tr.Apply(); err != nil {
			t.Errorf("%s: clipped huge gradient: %v", opt, err)
		}
	}
}

func TestTrainerBatches(t *testing.T) {
	// Image i is filled with the value i, so batches reveal their indices.
	const n, in = 10, 3
	data := make([]float32, n*in)
	for i := range data {
		data[i] = float32(i / in)
	}
	m, _ := New(Architecture{Input: in, Latent: 1}, 1)
	cfg := DefaultTrainConfig()
	cfg.BatchSize = 4
	tr, _ := NewTrainer(m, cfg, data, n)
	for epoch := 0; epoch < 3; epoch++ {
		seen := map[int]int{}
		for b := 0; b < 2; b++ {
			x, eps, bn := tr.NextBatch()
			if bn != 4 || len(x) != 4*in || len(eps) != 4 {
				t.Fatalf("batch of %d images, %d pixels, %d noise values", bn, len(x), len(eps))
			}
			for r := 0; r < bn; r++ {
				seen[int(x[r*in])]++
				if x[r*in] != x[r*in+2] {
					t.Fatalf("mixed-up image in batch")
				}
			}
		}
		// Two batches of 4 fit in 10 images; the third starts a new
		// epoch, so each pair of batches is one epoch without repeats.
		if tr.Epoch != epoch {
			t.Errorf("Epoch %d, want %d", tr.Epoch, epoch)
		}
		if len(seen) != 8 {
			t.Errorf("epoch %d: %d distinct images in 8 draws: %v", epoch, len(seen), seen)
		}
	}
	// Noise is standard normal.
	var s, sq float64
	const k = 20000
	for i := 0; i < k/4; i++ {
		for _, e := range tr.Noise(4) {
			s += float64(e)
			sq += float64(e) * float64(e)
		}
	}
	if math.Abs(s/k) > 4/math.Sqrt(k) || math.Abs(sq/k-1) > 4*math.Sqrt(2.0/k) {
		t.Errorf("noise mean %v, variance %v", s/k, sq/k)
	}
	// A batch larger than the data set uses all of it.
	cfg.BatchSize = 64
	tr2, _ := NewTrainer(m, cfg, data, n)
	if _, _, bn := tr2.NextBatch(); bn != n {
		t.Errorf("batch of %d from %d images", bn, n)
	}
}

func TestSetConfig(t *testing.T) {
	arch := Architecture{Input: 16, Encoder: []int{8}, Decoder: []int{8}, Latent: 2, Activation: Tanh}
	m, _ := New(arch, 1)
	cfg := DefaultTrainConfig()
	cfg.BatchSize = 4
	tr, _ := NewTrainer(m, cfg, syntheticData(8, arch.Input, 6), 8)
	tr.TrainStep()
	opt := tr.opt
	cfg.LearningRate = 5e-4
	if err := tr.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	if tr.opt != opt || opt.(*Adam).LR != 5e-4 || opt.(*Adam).t != 1 {
		t.Errorf("changing the learning rate replaced or reset the optimiser")
	}
	bad := cfg
	bad.LearningRate = 0
	if err := tr.SetConfig(bad); err == nil || tr.Config.LearningRate != 5e-4 {
		t.Errorf("SetConfig accepted an invalid config: %v", err)
	}
	cfg.Optimizer = "sgd"
	if err := tr.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	if s, ok := tr.opt.(*SGD); !ok || s.LR != 5e-4 {
		t.Errorf("optimizer %T after switching to sgd", tr.opt)
	}
}

func TestEvaluate(t *testing.T) {
	arch := Architecture{Input: 16, Encoder: []int{8}, Decoder: []int{8}, Latent: 2, Activation: Tanh, BatchNorm: true, Dropout: 0.3}
	m, _ := New(arch, 1)
	randomizeModel(m, 2)
	const n = 1100 // more than one internal batch of 500
	data := syntheticData(n, arch.Input, 7)
	lik := Likelihood{Kind: Bernoulli}
	a := Evaluate(m, data, n, lik, 9)
	b := Evaluate(m, data, n, lik, 9)
	if a != b {
		t.Errorf("same seed: %+v and %+v", a, b)
	}
	// The KL term does not depend on ε: compare with the posterior from Encode.
	mu, lv := m.Encode(data, n)
	var kl float64
	for r := 0; r < n; r++ {
		kl += KL(mu[r*2:r*2+2], lv[r*2:r*2+2])
	}
	kl /= n
	if math.Abs(a.KL-kl) > 1e-9*kl || a.N != n || a.KLWeight != 1 || a.NegELBO != a.Recon+a.KL || a.Objective != a.NegELBO {
		t.Errorf("Evaluate %+v, KL from Encode %v", a, kl)
	}
	// The reconstruction term is a Monte Carlo estimate: another seed
	// gives another but close value.
	c := Evaluate(m, data, n, lik, 10)
	if c.Recon == a.Recon || math.Abs(c.Recon-a.Recon) > 0.05*a.Recon {
		t.Errorf("recon with seeds 9 and 10: %v and %v", a.Recon, c.Recon)
	}
	if z := Evaluate(m, data, 0, lik, 1); z.N != 0 || z.NegELBO != 0 {
		t.Errorf("Evaluate of nothing: %+v", z)
	}
}

// TestApplyFailureKeepsCommittedState: once a step has been applied, its
// batch-norm statistics are committed; a later failing Apply (gradient set
// by the caller, no Compute in between) must not roll them back.
func TestApplyFailureKeepsCommittedState(t *testing.T) {
	arch := Architecture{Input: 16, Encoder: []int{8}, Decoder: []int{8}, Latent: 2, Activation: Tanh, BatchNorm: true}
	m, _ := New(arch, 1)
	cfg := DefaultTrainConfig()
	cfg.BatchSize = 4
	tr, _ := NewTrainer(m, cfg, syntheticData(8, arch.Input, 8), 8)
	before := append([]float32(nil), m.State()...)
	if _, err := tr.TrainStep(); err != nil {
		t.Fatal(err)
	}
	committed := append([]float32(nil), m.State()...)
	if float32sBitEqual(before, committed) {
		t.Fatal("a training step did not update the running statistics")
	}
	for i := range m.Grads() {
		m.Grads()[i] = float32(math.NaN())
	}
	if err := tr.Apply(); !errors.Is(err, ErrNonFinite) {
		t.Fatalf("Apply with NaN gradient: %v", err)
	}
	if !float32sBitEqual(m.State(), committed) {
		t.Errorf("a failed Apply rolled back the statistics of an earlier, successful step")
	}
}
