package train

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/govae/govae/core"
)

func smallModel(t *testing.T, seed uint64) *core.Model {
	t.Helper()
	m, err := core.New(core.Architecture{Input: 784, Encoder: []int{16}, Decoder: []int{16}, Latent: 2, Activation: core.ReLU}, seed)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func randomImages(n int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 2))
	x := make([]float32, n*784)
	for i := range x {
		if r.Float32() < 0.2 {
			x[i] = r.Float32()
		}
	}
	return x
}

// A fake clock that advances by step on every reading, so slices of work
// "take" a known time.
func fakeClock(step time.Duration) func() time.Time {
	t := time.Unix(0, 0)
	return func() time.Time { t = t.Add(step); return t }
}

func TestLocalSlicedStepEqualsFullStep(t *testing.T) {
	data := randomImages(64, 1)
	cfg := core.DefaultTrainConfig()
	cfg.BatchSize = 20

	ref := smallModel(t, 7)
	tr, err := core.NewTrainer(ref, cfg, data, 64)
	if err != nil {
		t.Fatal(err)
	}
	var want []core.Loss
	for i := 0; i < 3; i++ {
		l, err := tr.TrainStep()
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, l)
	}

	m := smallModel(t, 7)
	l, err := NewLocal(m, cfg)
	if err != nil {
		t.Fatal(err)
	}
	l.SetData(data, 64)
	l.now = fakeClock(time.Millisecond)
	var got []StepResult
	for i := 0; i < 3; i++ {
		l.Step()
		for ticks := 0; l.Status().Pending > 0; ticks++ {
			got = append(got, l.Tick(3*time.Millisecond)...) // slices of a few images
			if ticks > 100 {
				t.Fatal("no progress")
			}
		}
	}
	if len(got) != 3 {
		t.Fatalf("%d steps, want 3", len(got))
	}
	for i, r := range got {
		if r.Err != nil || r.Step != i+1 {
			t.Fatalf("step %d: %+v", i, r)
		}
		if math.Abs(r.Loss.NegELBO-want[i].NegELBO) > 1e-3*want[i].NegELBO || r.Loss.N != 20 {
			t.Errorf("step %d: −ELBO %v over %d images, full batch gives %v", i, r.Loss.NegELBO, r.Loss.N, want[i].NegELBO)
		}
	}
	for i, v := range m.Values() {
		if d := math.Abs(float64(v - ref.Values()[i])); d > 1e-4 {
			t.Fatalf("weight %d differs by %v after sliced steps", i, d)
		}
	}
	if s := l.Status(); s.Running || s.Steps != 3 || s.Examples != 60 {
		t.Errorf("status %+v", s)
	}
}

func TestLocalTickKeepsToBudget(t *testing.T) {
	m := smallModel(t, 1)
	cfg := core.DefaultTrainConfig()
	cfg.BatchSize = 4096 // far more than a frame's worth
	l, _ := NewLocal(m, cfg)
	// Every reading of the clock moves it on 3 ms: an image then "costs"
	// milliseconds, as in a slow browser, whatever this machine does.
	l.now = fakeClock(3 * time.Millisecond)
	l.SetData(randomImages(300, 2), 300)
	l.Start()
	var last int64
	for i := 0; i < 21; i++ {
		l.Tick(5 * time.Millisecond)
		done := l.Status().Examples - last
		last = l.Status().Examples
		// At least one image a tick, and never more than a minimum-size
		// slice once a slice costs more than the budget.
		if done < 1 || done > minTrainSlice {
			t.Fatalf("tick %d computed %d images for a 5 ms budget at ≥ 3 ms an image", i, done)
		}
	}
	if s := l.Status(); s.Examples == 0 || !s.Running {
		t.Errorf("status %+v", s)
	}
}

func TestLocalStopsOnNonFinite(t *testing.T) {
	m := smallModel(t, 1)
	data := randomImages(10, 3)
	data[5] = float32(math.NaN())
	cfg := core.DefaultTrainConfig()
	cfg.BatchSize = 10
	l, _ := NewLocal(m, cfg)
	l.SetData(data, 10)
	before := append([]float32(nil), m.Values()...)
	l.Start()
	res := l.Tick(time.Second)
	if len(res) != 1 || !errors.Is(res[0].Err, core.ErrNonFinite) {
		t.Fatalf("results %+v, want one non-finite error", res)
	}
	if l.Status().Running {
		t.Error("still running after a discarded step")
	}
	for i, v := range m.Values() {
		if v != before[i] {
			t.Fatal("weights changed by a discarded step")
		}
	}
}

func TestLocalLoadAndConfig(t *testing.T) {
	l, _ := NewLocal(smallModel(t, 1), core.DefaultTrainConfig())
	if l.Tick(time.Millisecond) != nil {
		t.Error("worked without data or a request")
	}
	l.SetData(randomImages(50, 4), 50)
	bad := core.DefaultTrainConfig()
	bad.LearningRate = 5
	if err := l.SetConfig(bad); err == nil {
		t.Error("out-of-range learning rate accepted")
	}
	cfg := core.DefaultTrainConfig()
	cfg.BatchSize = 5
	if err := l.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	l.Step()
	res := l.Tick(time.Second)
	if len(res) != 1 || res[0].Loss.N != 5 {
		t.Fatalf("results %+v, want one step of 5 images", res)
	}
	v := l.Version()
	fresh := smallModel(t, 9)
	l.Load(fresh)
	if l.Version() == v || l.Status().Steps != 0 {
		t.Errorf("Load kept the version or the step count: %+v", l.Status())
	}
	snap := l.Snapshot(nil)
	if snap == fresh || snap.Values()[0] != fresh.Values()[0] {
		t.Error("Snapshot should be an equal copy")
	}
	if again := l.Snapshot(snap); again != snap {
		t.Error("Snapshot should reuse a compatible model")
	}
}
