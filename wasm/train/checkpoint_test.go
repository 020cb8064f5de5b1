package train

import (
	"math"
	"testing"
	"time"

	"github.com/govae/govae/core"
)

// stepLocal takes k steps in l and returns their results.
func stepLocal(t *testing.T, l *Local, k int) []StepResult {
	t.Helper()
	var out []StepResult
	for len(out) < k {
		l.Step()
		for l.Status().Pending > 0 {
			out = append(out, l.Tick(time.Second)...)
		}
	}
	return out
}

// takeCheckpoint asks b for its run's checkpoint and parses it.
func takeCheckpoint(t *testing.T, b Checkpointer, history []core.HistoryPoint, settings string) *core.Checkpoint {
	t.Helper()
	b.RequestCheckpoint(history, []byte(settings))
	var s Saved
	waitFor(t, "the checkpoint", b, func() bool {
		var ok bool
		s, ok = b.TakeCheckpoint()
		return ok
	})
	if s.Err != nil {
		t.Fatal(s.Err)
	}
	c, err := core.ParseCheckpoint(s.Data)
	if err != nil {
		t.Fatal(err)
	}
	if c.Steps != s.Steps || c.Epoch != s.Epoch || string(c.Settings) != settings || len(c.History) != len(history) {
		t.Fatalf("checkpoint at step %d epoch %d (reported %d, %d), settings %q, %d history points",
			c.Steps, c.Epoch, s.Steps, s.Epoch, c.Settings, len(c.History))
	}
	return c
}

func closeLoss(a, b core.Loss) bool {
	return math.Abs(a.NegELBO-b.NegELBO) <= 1e-5*math.Abs(b.NegELBO) && math.Abs(a.KL-b.KL) <= 1e-4*math.Abs(b.KL)+1e-6
}

// TestCheckpointMovesRun: a run saved after 6 steps goes on in another
// backend — in the page or in 2 workers, from either — with the losses of
// the run that was not interrupted (to float32 rounding: the workers add up
// the gradient in another order) and the same step numbers. Resumed from
// the weights alone (Load: a fresh Adam and data order) its losses differ,
// which shows the comparison can fail.
func TestCheckpointMovesRun(t *testing.T) {
	const n, first, more = 60, 6, 6 // 3 batches an epoch
	data := randomImages(n, 5)
	cfg := core.DefaultTrainConfig()
	cfg.BatchSize, cfg.WarmupSteps = 20, 8
	history := []core.HistoryPoint{{Step: 3, NegELBO: 540, Recon: 530, KL: 10}}

	ref, _ := NewLocal(smallModel(t, 11), cfg)
	ref.SetData(data, n)
	want := stepLocal(t, ref, first+more)[first:]

	fromLocal := func() *core.Checkpoint {
		l, _ := NewLocal(smallModel(t, 11), cfg)
		l.SetData(data, n)
		stepLocal(t, l, first)
		return takeCheckpoint(t, l, history, "lr=0.001")
	}
	fromWorkers := func() *core.Checkpoint {
		var fw *fakeWorkers
		w, _ := NewWorkers(smallModel(t, 11), cfg, 2, startFake(&fw))
		defer w.Close()
		w.SetData(data, n)
		waitFor(t, "the data", w, w.HasData)
		for i := 0; i < first; i++ {
			w.Step()
		}
		waitFor(t, "the steps", w, func() bool { return w.Status().Steps == first && !w.Status().Running })
		return takeCheckpoint(t, w, history, "lr=0.001")
	}
	toLocal := func(t *testing.T, c *core.Checkpoint) []StepResult {
		l, _ := NewLocal(smallModel(t, 99), cfg)
		if err := l.Restore(c); err != nil {
			t.Fatal(err)
		}
		if st := l.Status(); st.Steps != first || st.Epoch != c.Epoch {
			t.Fatalf("restored at step %d epoch %d before the data", st.Steps, st.Epoch)
		}
		l.SetData(data, n)
		return stepLocal(t, l, more)
	}
	toWorkers := func(t *testing.T, c *core.Checkpoint) []StepResult {
		var fw *fakeWorkers
		w, _ := NewWorkers(smallModel(t, 99), cfg, 2, startFake(&fw))
		defer w.Close()
		if err := w.Restore(c); err != nil {
			t.Fatal(err)
		}
		w.SetData(data, n)
		waitFor(t, "the data", w, w.HasData)
		for i := 0; i < more; i++ {
			w.Step()
		}
		return waitFor(t, "the steps", w, func() bool { return w.Status().Steps == first+more && !w.Status().Running })
	}
	for _, c := range []struct {
		name string
		from func() *core.Checkpoint
		to   func(*testing.T, *core.Checkpoint) []StepResult
	}{
		{"page to page", fromLocal, toLocal},
		{"page to workers", fromLocal, toWorkers},
		{"workers to page", fromWorkers, toLocal},
		{"workers to workers", fromWorkers, toWorkers},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := c.to(t, c.from())
			if len(got) != more {
				t.Fatalf("%d steps, want %d", len(got), more)
			}
			for i, r := range got {
				if r.Err != nil || r.Step != first+1+i || !closeLoss(r.Loss, want[i].Loss) {
					t.Errorf("step %d: %+v; uninterrupted: %+v", first+1+i, r, want[i])
				}
			}
		})
	}
	// The control: the weights alone.
	c := fromLocal()
	l, _ := NewLocal(c.Model, cfg)
	l.SetData(data, n)
	l.ContinueFrom(Status{Steps: first, Epoch: c.Epoch})
	got := stepLocal(t, l, more)
	same := 0
	for i, r := range got {
		if closeLoss(r.Loss, want[i].Loss) {
			same++
		}
	}
	if same == more {
		t.Error("the weights alone gave the uninterrupted run's losses: the comparison cannot fail")
	}
}

// TestCheckpointBeforeTraining: before any step or data, a backend's
// checkpoint is its weights with a fresh optimiser, and Workers answer
// before their workers start.
func TestCheckpointBeforeTraining(t *testing.T) {
	cfg := core.DefaultTrainConfig()
	m := smallModel(t, 3)
	for _, b := range []Checkpointer{
		func() Checkpointer { l, _ := NewLocal(m.Clone(), cfg); return l }(),
		func() Checkpointer {
			var fw *fakeWorkers
			w, _ := NewWorkers(m.Clone(), cfg, 2, startFake(&fw))
			return w
		}(),
	} {
		c := takeCheckpoint(t, b, nil, "grid=20")
		if c.Steps != 0 || c.AdamM != nil || len(c.Model.Values()) != len(m.Values()) {
			t.Errorf("%T: step %d, Adam moments %v", b, c.Steps, c.AdamM != nil)
		}
		for i, v := range c.Model.Values() {
			if v != m.Values()[i] {
				t.Fatalf("%T: weight %d is %v, want %v", b, i, v, m.Values()[i])
			}
		}
	}
}
