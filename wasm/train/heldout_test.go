package train

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/govae/govae/core"
	dp "github.com/govae/govae/wasm/worker/dataparallel"
)

// heldOutSet returns a held-out message of core.HeldOutSize images picked
// from total random ones, and the picked images.
func heldOutSet(t *testing.T, total int) (*dp.Message, []float32) {
	t.Helper()
	px := randomImages(total, 21)
	m, err := dp.HeldOutMessage(px, total, 784)
	if err != nil {
		t.Fatal(err)
	}
	return m, slices.Clone(m.Pixels)
}

// waitPoints takes the evaluator's answers until n points of the current
// generation are in.
func waitPoints(t *testing.T, h *HeldOut, n int) []dp.EvalPoint {
	t.Helper()
	var got []dp.EvalPoint
	deadline := time.Now().Add(30 * time.Second)
	for len(got) < n {
		pts, err := h.Take()
		if err != nil {
			t.Fatalf("evaluation failed: %v", err)
		}
		got = append(got, pts...)
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %d held-out points (have %d)", n, len(got))
		}
		time.Sleep(time.Millisecond)
	}
	return got
}

// TestHeldOut: the evaluation worker answers with exactly
// core.EvaluatePerDim of the weights sent (eval mode, HeldOutSeed), for any
// architecture; requests are paced; a new generation starts a new curve; a
// bad weights file is an error of that evaluation, not of the worker.
func TestHeldOut(t *testing.T) {
	held, px := heldOutSet(t, 2*core.HeldOutSize)
	var fw *fakeWorkers
	h := NewHeldOut(startFake(&fw), held)
	defer h.Close()
	clock := time.Unix(1000, 0)
	h.now = func() time.Time { return clock }

	m := smallModel(t, 4)
	asked := 0
	if !h.Ask(1, func() ([]byte, int) { asked++; return m.MarshalBinary(), 7 }) || asked != 1 {
		t.Fatal("the first request was not sent")
	}
	if fw == nil || len(fw.nodes) != 1 {
		t.Fatal("no single evaluation worker started")
	}
	p := waitPoints(t, h, 1)[0]
	want, err := core.EvaluatePerDim(m, px, core.HeldOutSize, m.Likelihood, core.HeldOutSeed)
	if err != nil {
		t.Fatal(err)
	}
	if p.Steps != 7 || p.Loss.NegELBO != want.NegELBO || p.Loss.Recon != want.Recon || !slices.Equal(p.KLPerDim, want.KLPerDim) {
		t.Errorf("point %+v, want step 7 and %+v", p, want)
	}
	// Paced: not again within DefaultEvalEvery, and weights is not called.
	clock = clock.Add(time.Second)
	if h.Ask(1, func() ([]byte, int) { asked++; return nil, 8 }) || asked != 1 {
		t.Error("asked again after a second")
	}
	clock = clock.Add(dp.DefaultEvalEvery)
	if !h.Ask(1, func() ([]byte, int) { return m.MarshalBinary(), 9 }) {
		t.Error("not asked again after the interval")
	}
	waitPoints(t, h, 1)
	if n := len(h.Points()); n != 2 {
		t.Errorf("%d points on the curve, want 2", n)
	}

	// A new architecture (latent 4, batch norm, dropout) is a new
	// generation, asked at once, on a curve of its own.
	a := core.Architecture{Input: 784, Encoder: []int{32}, Decoder: []int{24, 16}, Latent: 4,
		Activation: core.LeakyReLU, BatchNorm: true, Dropout: 0.2}
	m4, err := core.New(a, 5)
	if err != nil {
		t.Fatal(err)
	}
	if !h.Ask(2, func() ([]byte, int) { return m4.MarshalBinary(), 0 }) {
		t.Fatal("a new generation was not asked at once")
	}
	p = waitPoints(t, h, 1)[0]
	want, _ = core.EvaluatePerDim(m4, px, core.HeldOutSize, m4.Likelihood, core.HeldOutSeed)
	if len(p.KLPerDim) != 4 || p.Loss.NegELBO != want.NegELBO || len(h.Points()) != 1 {
		t.Errorf("latent 4: point %+v (curve of %d), want %+v", p, len(h.Points()), want)
	}

	// A bad file: that evaluation fails, the worker stays.
	clock = clock.Add(time.Hour)
	h.Ask(2, func() ([]byte, int) { return []byte("GOVAEWT\nnot weights"), 1 })
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, err := h.Take()
		if err != nil {
			if !strings.Contains(err.Error(), "the weights sent") {
				t.Errorf("error %v", err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no error for a bad weights file")
		}
		time.Sleep(time.Millisecond)
	}
	if h.Err() != nil {
		t.Errorf("the worker failed: %v", h.Err())
	}
	fw.nodes[0].Send(dp.Main, &dp.Message{Kind: dp.Failed, Fatal: true, Err: "worker.wasm could not be loaded"})
	clock = clock.Add(time.Hour)
	if h.Err() == nil || h.Ask(3, func() ([]byte, int) { return m.MarshalBinary(), 0 }) {
		t.Error("asked after the worker failed")
	}
}

// TestWorkersNewArchitecture: Load with a model of another architecture
// rebuilds it in every worker — latent 4, LeakyReLU, batch norm, dropout —
// and training goes on in it: the workers agree, the page's snapshot has
// the new architecture and follows the training.
func TestWorkersNewArchitecture(t *testing.T) {
	const n = 64
	cfg := core.DefaultTrainConfig()
	cfg.BatchSize = 32
	var fw *fakeWorkers
	w, err := NewWorkers(smallModel(t, 1), cfg, 2, startFake(&fw))
	if err != nil {
		t.Fatal(err)
	}
	w.SetData(randomImages(n, 6), n)
	waitFor(t, "the data", w, w.HasData)
	w.Start()
	waitFor(t, "steps on latent 2", w, func() bool { return w.Status().Steps >= 3 })

	a := core.Architecture{Input: 784, Encoder: []int{48, 24}, Decoder: []int{24}, Latent: 4,
		Activation: core.LeakyReLU, BatchNorm: true, Dropout: 0.2}
	m4, err := core.New(a, 9)
	if err != nil {
		t.Fatal(err)
	}
	initial := slices.Clone(m4.Values())
	w.Load(m4)
	waitFor(t, "steps on latent 4", w, func() bool { return w.Status().Steps >= 5 })
	waitFor(t, "weights of latent 4", w, func() bool {
		_, step := SnapshotStep(w, nil)
		return step >= 5
	})
	snap, step := SnapshotStep(w, nil)
	if !snap.Arch.Equal(a) {
		t.Fatalf("snapshot of %s, want %s", snap.Arch, a)
	}
	if slices.Equal(snap.Values(), initial) {
		t.Error("the snapshot did not follow the training")
	}
	w.Pause()
	waitFor(t, "the pause", w, w.Settled)
	w.Close()
	for _, nd := range fw.nodes {
		if !nd.Model().Arch.Equal(a) {
			t.Errorf("worker %d holds %s", nd.ID, nd.Model().Arch)
		}
		if !slices.Equal(nd.Model().Values(), fw.nodes[0].Model().Values()) {
			t.Errorf("worker %d disagrees with worker 0", nd.ID)
		}
	}
	for _, v := range snap.Values() {
		if math.IsNaN(float64(v)) {
			t.Fatal("NaN in the weights")
		}
	}
	t.Logf("latent 4 after %d steps: %s", step, snap.Arch)
}

// SnapshotStep of Local is its step count.
func TestSnapshotStepLocal(t *testing.T) {
	cfg := core.DefaultTrainConfig()
	cfg.BatchSize = 16
	l, err := NewLocal(smallModel(t, 2), cfg)
	if err != nil {
		t.Fatal(err)
	}
	l.SetData(randomImages(32, 1), 32)
	l.Step()
	l.Step()
	for l.Status().Pending > 0 {
		l.Tick(time.Second)
	}
	m, step := SnapshotStep(l, nil)
	if step != 2 || !slices.Equal(m.Values(), l.model.Values()) || m == l.model {
		t.Errorf("step %d; a copy of the weights: %v", step, m != l.model)
	}
}
