package core

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// loadShippedModel reads the pretrained weights assets/vae.bin.
func loadShippedModel(t testing.TB) *Model {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "assets", "vae.bin"))
	if err != nil {
		t.Skipf("no shipped weights: %v", err)
	}
	m, err := ParseModel(data)
	if err != nil {
		t.Fatalf("assets/vae.bin: %v", err)
	}
	return m
}

// TestLargeLogVarTrains is failure 3 of issue 13: the pretrained model with
// encoder.logvar.b set to 80 or 200 (log σ² far above float32's exp range,
// about 88) must train at lr 1e-3 with finite losses that fall. Before the
// log σ² clamp every step was refused as non-finite.
func TestLargeLogVarTrains(t *testing.T) {
	const n, steps = 512, 30
	data := loadMNIST(t, n)
	for _, bias := range []float32{80, 200} {
		m := loadShippedModel(t)
		b := paramByName(t, m, "encoder.logvar.b")
		for i := range b.Value {
			b.Value[i] = bias
		}
		cfg := DefaultTrainConfig()
		cfg.LearningRate = 1e-3
		cfg.BatchSize = 64
		tr, err := NewTrainer(m, cfg, data, n)
		if err != nil {
			t.Fatal(err)
		}
		before := Evaluate(m, data, n, cfg.Likelihood, 1)
		losses := make([]float64, steps)
		for i := range losses {
			l, err := tr.TrainStep()
			if err != nil {
				t.Fatalf("log σ² bias %v: step %d refused: %v", bias, i, err)
			}
			if math.IsNaN(l.Objective) || math.IsInf(l.Objective, 0) {
				t.Fatalf("log σ² bias %v: step %d loss %v", bias, i, l.Objective)
			}
			losses[i] = l.NegELBO
		}
		after := Evaluate(m, data, n, cfg.Likelihood, 1)
		t.Logf("log σ² bias %v: −ELBO on the %d images %.4g → %.4g nats (KL %.4g → %.4g); training loss %.4g → %.4g",
			bias, n, before.NegELBO, after.NegELBO, before.KL, after.KL, losses[0], losses[steps-1])
		if !(after.NegELBO < before.NegELBO) || math.IsInf(after.NegELBO, 0) {
			t.Errorf("log σ² bias %v: −ELBO %v → %v after %d steps, want it to fall", bias, before.NegELBO, after.NegELBO, steps)
		}
		if !(mean64(losses[steps-5:]) < mean64(losses[:5])) {
			t.Errorf("log σ² bias %v: training loss of the last 5 steps %v not below the first 5 %v",
				bias, mean64(losses[steps-5:]), mean64(losses[:5]))
		}
	}
}

// TestClampLogVar checks ClampLogVar against hand-computed values, that it
// is the identity (bit for bit, slope 1) inside its bounds, that it stays
// inside (MinLogVar−1, MaxLogVar+1), and its slope against central
// differences inside, at and beyond both bounds.
func TestClampLogVar(t *testing.T) {
	for _, c := range []struct{ v, s, slope float64 }{
		{0, 0, 1}, {-9.828101, -9.828101, 1}, {MaxLogVar, MaxLogVar, 1}, {MinLogVar, MinLogVar, 1},
		{21, 20.5, 0.25},               // d = 1: 20 + 1/2, 1/2²
		{23, 20.75, 1.0 / 16},          // d = 3: 20 + 3/4, 1/4²
		{80, 20 + 60.0/61, 1.0 / 3721}, // d = 60
		{-31, -30.5, 0.25},
		{-39, -30.9, 0.01}, // d = 9: −30 − 9/10, 1/10²
		{math.Inf(1), 21, 0}, {math.Inf(-1), -31, 0},
	} {
		s, slope := ClampLogVar(c.v)
		if math.Abs(s-c.s) > 1e-13 || math.Abs(slope-c.slope) > 1e-15 {
			t.Errorf("ClampLogVar(%v) = %v, %v; want %v, %v", c.v, s, slope, c.s, c.slope)
		}
	}
	if s, slope := ClampLogVar(math.NaN()); !math.IsNaN(s) || !math.IsNaN(s*slope) {
		t.Errorf("ClampLogVar(NaN) = %v, %v; want NaN to stay NaN", s, slope)
	}
	// Identity inside, for float32 values as the encoder produces them.
	rng := testRNG(71)
	for i := 0; i < 10000; i++ {
		v := float32(MinLogVar + (MaxLogVar-MinLogVar)*rng.Float64())
		s, slope := ClampLogVar(float64(v))
		if math.Float32bits(float32(s)) != math.Float32bits(v) || slope != 1 {
			t.Fatalf("ClampLogVar(%v) = %v, %v inside the bounds", v, s, slope)
		}
	}
	// Bounded for every finite value, float32's extremes included.
	for _, v := range []float64{math.MaxFloat32, -math.MaxFloat32, 1e300, -1e300, 88.8, 200, -200} {
		s, slope := ClampLogVar(v)
		if !(s >= MinLogVar-1 && s <= MaxLogVar+1) || !(slope >= 0 && slope <= 1) || slope == 0 && math.Abs(v) < 1e150 {
			t.Errorf("ClampLogVar(%v) = %v, slope %v: outside [%d, %d] or slope not in (0, 1]", v, s, slope, MinLogVar-1, MaxLogVar+1)
		}
		if math.IsInf(math.Exp(s), 0) || math.IsInf(float64(float32(math.Exp(s))), 0) {
			t.Errorf("exp(ClampLogVar(%v)) overflows float32", v)
		}
	}
	// Slope against central differences of s, inside, at and beyond the bounds.
	for _, v := range []float64{-1000, -45, -31, -30.2, MinLogVar, -29.9, -5, 0, 19.7, MaxLogVar, 20.3, 21, 80, 200, 1e4} {
		h := 1e-6 * math.Max(1, math.Abs(v))
		sp, _ := ClampLogVar(v + h)
		sm, _ := ClampLogVar(v - h)
		num := (sp - sm) / (2 * h)
		_, slope := ClampLogVar(v)
		if math.Abs(num-slope) > 1e-4*slope { // h/2 at a bound, where s'' jumps
			t.Errorf("ClampLogVar'(%v) = %v, central difference %v", v, slope, num)
		}
	}
}

// TestGradLogVarClamp checks the whole model's gradient against finite
// differences with the log σ² head's outputs inside, at and beyond both
// bounds of ClampLogVar. The head's weights are zeroed so that its output is
// exactly its bias; its weight gradient (hidden activation × ∂/∂log σ²) is
// still checked, as are μ's and the decoder's, which see z = μ + σ·ε.
func TestGradLogVarClamp(t *testing.T) {
	for _, bias := range []float32{-200, -40, -31, MinLogVar, -29.5, -5, 0, 19.5, MaxLogVar, 21, 80, 200} {
		t.Run(fmt.Sprint(bias), func(t *testing.T) {
			m, err := New(smallArch(Tanh), 81)
			if err != nil {
				t.Fatal(err)
			}
			randomizeModel(m, 82)
			clear(paramByName(t, m, "encoder.logvar.w").Value)
			b := paramByName(t, m, "encoder.logvar.b")
			b.Value[0], b.Value[1] = bias, bias/2 // two places on the curve
			rng := testRNG(83)
			const n = 4
			x := randUniform(rng, n*12, 0, 1)
			eps := randNormal(rng, n*2)
			opts := LossOptions{Likelihood: Likelihood{Kind: Bernoulli}, KLWeight: 0.8}
			l := m.Gradient(x, eps, n, opts)
			if isNonFinite(l.Objective) {
				t.Fatalf("objective %v", l.Objective)
			}
			grads := append([]float32(nil), m.Grads()...)
			loss := func() float64 { return m.Loss(x, eps, n, opts).Objective }
			for i, p := range m.Params() {
				if p.Grad == nil || !(strings.HasPrefix(p.Name, "encoder.logvar") || strings.HasPrefix(p.Name, "encoder.mu") || p.Name == "decoder.out.b") {
					continue
				}
				off := m.store.specs[i].offset
				g := grads[off : off+len(p.Value)]
				for _, k := range checkIndices(rng, len(p.Value), 16, 12) {
					h := 1e-3
					if strings.HasPrefix(p.Name, "encoder.logvar") {
						h = clampStep(float64(b.Value[k%2])) // the latent dimension's log σ²
					}
					num := centralDiff5(&p.Value[k], h, loss)
					if !gradClose(float64(g[k]), num, gradRel, math.Max(gradAbs*maxAbs(g), 1e-6)) {
						t.Errorf("bias %v: d%s[%d]: analytic %.8g, numerical %.8g (h %g)", bias, p.Name, k, g[k], num, h)
					}
				}
			}
			if g := paramByName(t, m, "encoder.logvar.b").Grad; g[0] == 0 || g[1] == 0 {
				t.Errorf("log σ² bias %v: gradient %v, want it nonzero (the KL pulls it back)", bias, g)
			}
		})
	}
}

// TestShippedModelUnclamped checks that the clamp leaves the pretrained model
// as it was: its log σ² on 2 000 training images stays inside the bounds,
// and its loss equals refLoss, which computes the unclamped definitions in
// float64.
func TestShippedModelUnclamped(t *testing.T) {
	m := loadShippedModel(t)
	const n = 2000
	data := loadMNIST(t, n)
	_, lv := m.Encode(data, n)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range lv {
		lo, hi = math.Min(lo, float64(v)), math.Max(hi, float64(v))
	}
	t.Logf("shipped model: log σ² in [%.3f, %.3f] on %d training images", lo, hi, n)
	if lo <= MinLogVar || hi >= MaxLogVar {
		t.Errorf("log σ² in [%v, %v], reaching a clamp bound", lo, hi)
	}
	const k = 6
	eps := randNormal(testRNG(91), k*m.Arch.Latent)
	lik := Likelihood{Kind: Bernoulli}
	l := m.Loss(data[:k*784], eps, k, LossOptions{Likelihood: lik, KLWeight: 1})
	recon, kl := refLoss(t, m, data[:k*784], eps, k, lik, 1)
	if !relClose(l.Recon, recon, 1e-5) || !relClose(l.KL, kl, 1e-5) {
		t.Errorf("shipped model: recon %v KL %v, unclamped reference %v and %v", l.Recon, l.KL, recon, kl)
	}
}

// TestTrainingErrorNamesTheQuantity provokes each non-finite quantity a
// training step can meet and checks that the error names it and where it
// is, keeps the weights, and blames the learning rate only where it is the
// cause.
func TestTrainingErrorNamesTheQuantity(t *testing.T) {
	arch := Architecture{Input: 16, Encoder: []int{8}, Decoder: []int{8}, Latent: 2, Activation: Tanh}
	newTrainer := func(t *testing.T, opt string) *Trainer {
		m, _ := New(arch, 1)
		cfg := DefaultTrainConfig()
		cfg.Optimizer, cfg.BatchSize, cfg.LearningRate = opt, 4, 1e-3
		tr, err := NewTrainer(m, cfg, syntheticData(8, arch.Input, 5), 8)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr.TrainStep(); err != nil {
			t.Fatal(err)
		}
		return tr
	}
	compute := func(tr *Trainer) (Loss, error) {
		x, eps, n := tr.NextBatch()
		return tr.Compute(x, eps, n, 0)
	}
	set := func(m *Model, name string, i int, v float32) { paramByName(t, m, name).Value[i] = v }
	check := func(t *testing.T, err error, what, where string, lr bool) {
		t.Helper()
		var te *TrainingError
		if !errors.As(err, &te) || !errors.Is(err, ErrNonFinite) {
			t.Fatalf("got %v, want a *TrainingError", err)
		}
		if te.What != what || !strings.HasPrefix(te.Where, where) {
			t.Errorf("What %q Where %q, want %q at %q…: %v", te.What, te.Where, what, where, err)
		}
		if msg := err.Error(); !strings.Contains(msg, what) || !strings.Contains(msg, where) || strings.Contains(msg, "learning rate") != lr {
			t.Errorf("message %q: want %q at %q, learning rate mentioned: %v", msg, what, where, lr)
		}
	}
	// saturate makes every hidden unit of the encoder output exactly 1, so
	// that a head with weights of 3e38 overflows to +Inf.
	saturate := func(m *Model) {
		for i := range paramByName(t, m, "encoder.0.b").Value {
			set(m, "encoder.0.b", i, 100)
		}
	}
	t.Run("μ", func(t *testing.T) {
		tr := newTrainer(t, "adam")
		saturate(tr.Model)
		for i := range paramByName(t, tr.Model, "encoder.mu.w").Value {
			set(tr.Model, "encoder.mu.w", i, 3e38)
		}
		_, err := compute(tr)
		check(t, err, "μ", "image 0, latent dimension 0", false)
	})
	t.Run("log σ²", func(t *testing.T) {
		// The head overflows to +Inf: ClampLogVar would make it a finite
		// 21 with a zero gradient, so it must be caught before.
		tr := newTrainer(t, "adam")
		saturate(tr.Model)
		w := paramByName(t, tr.Model, "encoder.logvar.w")
		for i := 1; i < len(w.Value); i += 2 { // latent dimension 1 only
			w.Value[i] = 3e38
		}
		_, err := compute(tr)
		check(t, err, "log σ²", "image 0, latent dimension 1", false)
	})
	t.Run("logits", func(t *testing.T) {
		tr := newTrainer(t, "adam")
		for i := range paramByName(t, tr.Model, "decoder.out.w").Value {
			set(tr.Model, "decoder.out.w", i, float32(3e38*float64(1-2*(i%2))))
		}
		_, err := compute(tr)
		check(t, err, "logits", "image ", false)
	})
	t.Run("noise ε", func(t *testing.T) {
		tr := newTrainer(t, "adam")
		x, eps, n := tr.NextBatch()
		eps[5] = float32(math.NaN())
		_, err := tr.Compute(x, eps, n, 0)
		check(t, err, "noise ε", "image 2, latent dimension 1", false)
	})
	t.Run("gradient", func(t *testing.T) {
		tr := newTrainer(t, "adam")
		if _, err := compute(tr); err != nil {
			t.Fatal(err)
		}
		g := paramByName(t, tr.Model, "decoder.0.b").Grad
		g[3] = float32(math.Inf(-1))
		check(t, tr.Apply(), "gradient", "decoder.0.b[3]", true)
	})
	t.Run("weight", func(t *testing.T) {
		// SGD at learning rate 1 with a gradient of 3e38: the step
		// overflows the weight although the gradient is finite.
		tr := newTrainer(t, "sgd")
		cfg := tr.Config
		cfg.LearningRate = 1
		tr.SetConfig(cfg)
		if _, err := compute(tr); err != nil {
			t.Fatal(err)
		}
		paramByName(t, tr.Model, "encoder.0.w").Grad[7] = -3e38
		set(tr.Model, "encoder.0.w", 7, 3e38)
		check(t, tr.Apply(), "weight", "encoder.0.w[7]", true)
	})
	t.Run("second moment", func(t *testing.T) {
		tr := newTrainer(t, "adam")
		if _, err := compute(tr); err != nil {
			t.Fatal(err)
		}
		paramByName(t, tr.Model, "encoder.logvar.b").Grad[0] = 1e22 // (1−β₂)·g² = 1e41 > 3.4e38
		check(t, tr.Apply(), "second moment", "encoder.logvar.b[0]", true)
	})
	// recon, KL and the objective cannot go non-finite while the input,
	// ε, μ, log σ², z and logits are finite (the likelihoods are finite for
	// finite logits, ClampLogVar bounds exp(log σ²), sums run in float64),
	// so the ordered search is checked on a loss alone.
	m, _ := New(arch, 1)
	x := syntheticData(2, arch.Input, 1)
	eps := make([]float32, 4)
	m.Loss(x, eps, 2, LossOptions{Likelihood: Likelihood{Kind: Bernoulli}, KLWeight: 1})
	for _, c := range []struct {
		loss Loss
		what string
	}{
		{Loss{Recon: math.NaN(), KL: math.Inf(1), Objective: math.NaN()}, "recon"},
		{Loss{KL: math.Inf(1), Objective: math.Inf(1)}, "KL"},
		{Loss{Objective: math.Inf(-1)}, "loss"},
	} {
		q, bad := m.firstNonFiniteForward(x, eps, 2, c.loss)
		if !bad || q.what != c.what {
			t.Errorf("loss %+v: found %+v, want %s", c.loss, q, c.what)
		}
	}
	if _, bad := m.firstNonFiniteForward(x, eps, 2, Loss{Objective: 1}); bad {
		t.Error("a finite step reported as non-finite")
	}
}

// clampStep is the finite-difference step for a log σ² of v: beyond a bound
// of ClampLogVar, at distance d, s moves only h/(1+d)², and the model keeps s
// in float32 (steps of 1.9e-6 near 21), so h grows with (1+d)² to move s by
// about 10⁻³, capped at (1+d)/10 where the curve bends.
func clampStep(v float64) float64 {
	d := max(v-MaxLogVar, MinLogVar-v, 0)
	return max(1e-3, min(1e-3*(1+d)*(1+d), (1+d)/10))
}

// centralDiff5 is the five-point central difference
// (−f(p+2h) + 8f(p+h) − 8f(p−h) + f(p−2h)) / 12h, exact up to h⁴ terms, with
// the float32-representable steps actually taken, and restores *p.
func centralDiff5(p *float32, h float64, f func() float64) float64 {
	orig := *p
	at := func(k float64) (float64, float64) {
		*p = float32(float64(orig) + k*h)
		return f(), float64(*p) - float64(orig)
	}
	f2, d2 := at(2)
	f1, d1 := at(1)
	m1, e1 := at(-1)
	m2, e2 := at(-2)
	*p = orig
	// Steps of h are close to representable; use their mean size.
	step := (d2 - e2 + 2*(d1-e1)) / 8
	return (-f2 + 8*f1 - 8*m1 + m2) / (12 * step)
}
