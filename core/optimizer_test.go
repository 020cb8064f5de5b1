package core

import (
	"errors"
	"math"
	"testing"
)

// adamRef is Adam in float64 exactly as in Kingma & Ba (2015), Algorithm 1.
type adamRef struct {
	lr, b1, b2, eps float64
	m, v            []float64
	t               int
}

func (a *adamRef) step(p, g []float64) {
	if a.m == nil {
		a.m, a.v = make([]float64, len(p)), make([]float64, len(p))
	}
	a.t++
	for i := range p {
		a.m[i] = a.b1*a.m[i] + (1-a.b1)*g[i]
		a.v[i] = a.b2*a.v[i] + (1-a.b2)*g[i]*g[i]
		mhat := a.m[i] / (1 - math.Pow(a.b1, float64(a.t)))
		vhat := a.v[i] / (1 - math.Pow(a.b2, float64(a.t)))
		p[i] -= a.lr * mhat / (math.Sqrt(vhat) + a.eps)
	}
}

func TestAdamDefaults(t *testing.T) {
	a := NewAdam(1e-3)
	if a.LR != 1e-3 || a.Beta1 != 0.9 || a.Beta2 != 0.999 || a.Epsilon != 1e-8 {
		t.Errorf("NewAdam defaults %+v", *a)
	}
	if o, ok := newOptimizer(DefaultTrainConfig()).(*Adam); !ok || o.LR != 1e-3 || o.Beta1 != 0.9 || o.Beta2 != 0.999 || o.Epsilon != 1e-8 {
		t.Errorf("default optimiser %#v", newOptimizer(DefaultTrainConfig()))
	}
}

func TestAdamAgainstReference(t *testing.T) {
	for _, lr := range []float64{1e-3, 0.05} {
		p := []float32{0.5, -1.25, 2, 0, 3e-3, -7}
		grads := [][]float32{
			{0.1, -0.2, 3, 1e-9, -4e-9, 0},
			{0.3, 0.2, -1, 2e-9, 5, 0.5},
			{-0.05, 0.7, 0.25, -1e-9, -5, -0.5},
		}
		ref := &adamRef{lr: lr, b1: 0.9, b2: 0.999, eps: 1e-8}
		pr := make([]float64, len(p))
		for i, v := range p {
			pr[i] = float64(v)
		}
		a := NewAdam(lr)
		for s, g := range grads {
			gr := make([]float64, len(g))
			for i, v := range g {
				gr[i] = float64(v)
			}
			ref.step(pr, gr)
			if err := a.Update(p, g); err != nil {
				t.Fatal(err)
			}
			for i := range p {
				if math.Abs(float64(p[i])-pr[i]) > 1e-6*math.Max(1, math.Abs(pr[i])) {
					t.Errorf("lr %g step %d: p[%d] = %.9g, reference %.9g", lr, s+1, i, p[i], pr[i])
				}
			}
		}
		// Step 1 by hand: m̂ = g, v̂ = g², so every parameter with a
		// gradient far above ε moves by −lr·sign(g) (checked via the
		// reference above; here the fourth one, where ε matters:
		// g = 1e-9 gives a first step of lr·1e-9/(1e-9 + 1e-8) = lr/11).
		q := []float32{0}
		b := NewAdam(lr)
		b.Update(q, []float32{1e-9})
		if want := -lr / 11; math.Abs(float64(q[0])-want) > 1e-6*lr {
			t.Errorf("lr %g: first step with g = 1e-9 moved to %v, want %v", lr, q[0], want)
		}
	}
}

func TestSGDMomentum(t *testing.T) {
	// v ← μ·v + g; p ← p − lr·v.
	p := []float32{1, -2}
	s := &SGD{LR: 0.1, Momentum: 0.9}
	gs := [][]float32{{1, 0.5}, {1, -0.5}, {-2, 0}}
	// By hand, first parameter: v = 1, 1.9, −0.29; p = 0.9, 0.71, 0.739.
	// Second: v = 0.5, −0.05, −0.045; p = −2.05, −2.045, −2.0405.
	want := [][2]float64{{0.9, -2.05}, {0.71, -2.045}, {0.739, -2.0405}}
	for i, g := range gs {
		if err := s.Update(p, g); err != nil {
			t.Fatal(err)
		}
		for j := range p {
			if math.Abs(float64(p[j])-want[i][j]) > 1e-6 {
				t.Errorf("step %d: p[%d] = %v, want %v", i+1, j, p[j], want[i][j])
			}
		}
	}
	// Without momentum it is plain gradient descent.
	q := []float32{1}
	plain := &SGD{LR: 0.5}
	plain.Update(q, []float32{2})
	plain.Update(q, []float32{2})
	if q[0] != -1 {
		t.Errorf("plain SGD: %v, want −1", q[0])
	}
	plain.SetLearningRate(0.25)
	plain.Update(q, []float32{4})
	if q[0] != -2 {
		t.Errorf("after SetLearningRate: %v, want −2", q[0])
	}
}

func TestClipGradNorm(t *testing.T) {
	g := []float32{3, 4}
	if n := ClipGradNorm(g, 1); n != 5 || math.Abs(float64(g[0])-0.6) > 1e-7 || math.Abs(float64(g[1])-0.8) > 1e-7 {
		t.Errorf("clip [3 4] to 1: norm %v, g %v", n, g)
	}
	g = []float32{3, 4}
	if n := ClipGradNorm(g, 10); n != 5 || g[0] != 3 || g[1] != 4 {
		t.Errorf("clip [3 4] to 10: norm %v, g %v", n, g)
	}
	g = []float32{3, 4}
	if n := ClipGradNorm(g, 0); n != 5 || g[0] != 3 || g[1] != 4 {
		t.Errorf("clip 0 (off): norm %v, g %v", n, g)
	}
	// A large vector: the norm is accumulated in float64 and the result has norm maxNorm.
	big := make([]float32, 10000)
	for i := range big {
		big[i] = 1e20
	}
	if n := ClipGradNorm(big, 2); math.Abs(n-1e22)/1e22 > 1e-6 {
		t.Errorf("norm of 10⁴ × 1e20 = %v", n)
	}
	var s float64
	for _, v := range big {
		s += float64(v) * float64(v)
	}
	if math.Abs(math.Sqrt(s)-2) > 1e-5 {
		t.Errorf("clipped norm %v, want 2", math.Sqrt(s))
	}
	if n := ClipGradNorm([]float32{float32(math.NaN())}, 1); !math.IsNaN(n) {
		t.Errorf("norm with NaN = %v", n)
	}
}

// TestOptimizerRejectsNonFinite: a step that would produce a non-finite
// parameter changes nothing, parameters and optimiser state alike.
func TestOptimizerRejectsNonFinite(t *testing.T) {
	inf := float32(math.Inf(1))
	for _, tc := range []struct {
		name string
		opt  Optimizer
		g    []float32
	}{
		{"adam, infinite gradient", NewAdam(1e-3), []float32{0.1, inf}},
		{"adam, NaN gradient", NewAdam(1e-3), []float32{float32(math.NaN()), 0.1}},
		{"sgd, infinite gradient", &SGD{LR: 0.1, Momentum: 0.5}, []float32{0.1, inf}},
		{"sgd, overflowing step", &SGD{LR: 1}, []float32{-3e38, 3e38}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// One good step first, so there is state to preserve.
			p := []float32{1, 3e38}
			if tc.name == "sgd, overflowing step" {
				p = []float32{2e38, -2e38} // − (−3e38) overflows
			}
			if err := tc.opt.Update(p, []float32{0.5, -0.25}); err != nil {
				t.Fatal(err)
			}
			before := append([]float32(nil), p...)
			stateBefore := optimizerState(tc.opt)
			err := tc.opt.Update(p, tc.g)
			if !errors.Is(err, ErrNonFinite) {
				t.Fatalf("Update: %v, want ErrNonFinite", err)
			}
			if !float32sBitEqual(p, before) {
				t.Errorf("parameters changed: %v → %v", before, p)
			}
			if !float32sBitEqual(optimizerState(tc.opt), stateBefore) {
				t.Errorf("optimiser state changed")
			}
			if a, ok := tc.opt.(*Adam); ok && a.t != 1 {
				t.Errorf("Adam step counter %d after a rejected step, want 1", a.t)
			}
		})
	}
}

func optimizerState(o Optimizer) []float32 {
	switch o := o.(type) {
	case *Adam:
		return append(append([]float32(nil), o.m...), o.v...)
	case *SGD:
		return append([]float32(nil), o.velocity...)
	}
	return nil
}

// TestAdamHugeGradient: a finite gradient whose square overflows float32
// must not leave an infinite second moment behind, which would freeze the
// parameter (m/√∞ = 0) for the rest of training.
func TestAdamHugeGradient(t *testing.T) {
	a := NewAdam(1e-2)
	p := []float32{1, 1}
	err := a.Update(p, []float32{1e30, 0.5})
	if !errors.Is(err, ErrNonFinite) || p[0] != 1 || p[1] != 1 {
		t.Errorf("Update with a gradient of 1e30: %v, parameters %v", err, p)
	}
	for i, v := range append(append([]float32(nil), a.m...), a.v...) {
		if math.IsInf(float64(v), 0) || math.IsNaN(float64(v)) {
			t.Fatalf("Adam state %d is %v after a gradient of 1e30 (Update returned %v)", i, v, err)
		}
	}
	// Training continues: a normal gradient moves the parameter.
	before := p[0]
	if err := a.Update(p, []float32{0.5, 0.5}); err != nil {
		t.Fatal(err)
	}
	if p[0] == before {
		t.Errorf("parameter frozen after a huge gradient")
	}
}
