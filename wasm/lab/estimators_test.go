package lab

import (
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/govae/govae/core"
)

// pretrained loads the shipped weights.
func pretrained(t *testing.T) *core.Model {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "assets", "vae.bin"))
	if err != nil {
		t.Skipf("no pretrained weights: %v", err)
	}
	m, err := core.ParseModel(data)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// digitLike returns binarised decoder means at z: an image the model
// knows, with the grey levels of a drawing.
func digitLike(m *core.Model, z1, z2 float32) []float32 {
	x := m.Decode([]float32{z1, z2}, 1, m.Likelihood, nil)
	for i, v := range x {
		if v > 0.5 {
			x[i] = 1
		} else {
			x[i] = 0
		}
	}
	return x
}

func TestRunToy(t *testing.T) {
	r := RunToy(2, 100000, 7)
	if r.N != 100000 || len(r.Reparam) != r.N || len(r.Score) != r.N || r.ExactR != 4 || r.ExactS != 87 {
		t.Fatalf("result %+v", r)
	}
	// Both unbiased for 2θ = 4; the variances match the formulas.
	if math.Abs(r.R.Mean-4) > 4*math.Sqrt(4.0/1e5) || math.Abs(r.S.Mean-4) > 4*math.Sqrt(87.0/1e5) {
		t.Errorf("means %v and %v, want 4", r.R.Mean, r.S.Mean)
	}
	if math.Abs(r.R.Var/4-1) > 0.03 || math.Abs(r.S.Var/87-1) > 0.15 {
		t.Errorf("variances %v and %v, want 4 and 87", r.R.Var, r.S.Var)
	}
	if r.Ratio() < 15 {
		t.Errorf("ratio %v at θ = 2 (exact 21.75)", r.Ratio())
	}
	again := RunToy(2, 100000, 7)
	if again.S != r.S || again.R != r.R {
		t.Error("the same seed gave different estimates")
	}
	if other := RunToy(2, 100000, 8); other.S == r.S {
		t.Error("another seed gave the same estimates")
	}
}

func TestEncoderGradJobSlicing(t *testing.T) {
	m := pretrained(t)
	x := digitLike(m, 0.5, -0.5)
	lik := m.Likelihood
	const n = 203 // not a multiple of the chunk
	sliced := NewEncoderGradJob(m, x, lik, n, 11)
	calls := 0
	for !sliced.Work(time.Nanosecond, fakeClock(time.Millisecond)) {
		calls++
	}
	calls++
	if want := (n + encoderChunk - 1) / encoderChunk; calls != want {
		t.Errorf("%d slices of at least one chunk each, want %d", calls, want)
	}
	whole := NewEncoderGradJob(m, x, lik, n, 11)
	if !whole.Work(time.Hour, time.Now) {
		t.Fatal("not done within an hour's budget")
	}
	if len(sliced.Reparam) != n || len(sliced.Score) != n || len(sliced.Reparam[0]) != 4 {
		t.Fatalf("%d×%d estimates", len(sliced.Reparam), len(sliced.Reparam[0]))
	}
	for i := range whole.Reparam {
		for c := range whole.Reparam[i] {
			if whole.Reparam[i][c] != sliced.Reparam[i][c] || whole.Score[i][c] != sliced.Score[i][c] {
				t.Fatalf("estimate %d differs between slicings", i)
			}
		}
	}
	mu, lv := m.Encode(x, 1)
	for j := range mu {
		if sliced.Mu[j] != mu[j] || sliced.Logvar[j] != lv[j] {
			t.Errorf("posterior (%v, %v), Encode says (%v, %v)", sliced.Mu, sliced.Logvar, mu, lv)
		}
	}
	if other := NewEncoderGradJob(m, x, lik, n, 12); other.Work(time.Hour, time.Now) && other.Reparam[0][0] == sliced.Reparam[0][0] {
		t.Error("another seed gave the same first estimate")
	}
}

// TestEncoderEstimators measures both estimators on a digit with the
// pretrained model: both are unbiased for the same gradient, and the score
// function's variance is far larger for every component.
func TestEncoderEstimators(t *testing.T) {
	m := pretrained(t)
	x := digitLike(m, -0.8, 0.6)
	const n = 4000
	j := NewEncoderGradJob(m, x, m.Likelihood, n, 3)
	j.Work(time.Hour, time.Now)
	st := j.Stats()
	names := []string{"∂/∂μ₁", "∂/∂μ₂", "∂/∂logσ₁²", "∂/∂logσ₂²"}
	for c, name := range names {
		r, s := st[0][c], st[1][c]
		t.Logf("%s: reparam mean %9.3f var %10.3g | score mean %9.3f var %10.3g | ratio %.0f", name, r.Mean, r.Var, s.Mean, s.Var, s.Var/r.Var)
		if !(s.Var > 20*r.Var) {
			t.Errorf("%s: score-function variance %v is not far above the reparameterisation's %v", name, s.Var, r.Var)
		}
		se := math.Sqrt(r.Var/n + s.Var/n)
		if math.Abs(r.Mean-s.Mean) > 5*se {
			t.Errorf("%s: means %v and %v differ by more than 5 standard errors (%v)", name, r.Mean, s.Mean, se)
		}
	}
	if got := j.Component(1, 2); len(got) != n || got[5] != j.Score[5][2] {
		t.Error("Component does not pick the column")
	}
	for _, g := range m.Grads() {
		if g != 0 {
			t.Fatal("the model's gradient is not cleared")
		}
	}
}

func TestEvalJob(t *testing.T) {
	m := pretrained(t)
	const n = 120
	data := make([]float32, 0, n*784)
	for i := 0; i < n; i++ {
		data = append(data, digitLike(m, float32(i%11)/5-1, float32(i%7)/3-1)...)
	}
	e := NewEvalJob(m, data, n)
	slices := 0
	for !e.Work(time.Nanosecond, fakeClock(time.Millisecond)) {
		slices++
	}
	if slices+1 != (n+evalChunk-1)/evalChunk {
		t.Errorf("%d slices", slices+1)
	}
	l := e.Loss()
	ref := core.Evaluate(m, data, n, m.Likelihood, 1)
	if l.N != n || math.Abs(l.NegELBO-l.Recon-l.KL) > 1e-9 {
		t.Errorf("loss %+v", l)
	}
	// The KL does not depend on the noise; the reconstruction does, a little.
	if math.Abs(l.KL-ref.KL) > 1e-6*ref.KL || math.Abs(l.Recon-ref.Recon) > 0.05*ref.Recon {
		t.Errorf("sliced evaluation %+v, core.Evaluate %+v", l, ref)
	}
	if (&EvalJob{}).Loss().N != 0 {
		t.Error("an empty evaluation has images")
	}
}

// fakeClock advances by step on every reading, so slices of work "take" a
// known time.
func fakeClock(step time.Duration) func() time.Time {
	t := time.Unix(0, 0)
	return func() time.Time { t = t.Add(step); return t }
}
