package train

import (
	"testing"

	"github.com/govae/govae/core"
)

// TestWorkersSetDataBytes: images given to the workers as bytes train
// exactly as the same images given as values b/255 (package mnist's
// scaling), step for step.
func TestWorkersSetDataBytes(t *testing.T) {
	const n, steps = 40, 4
	raw := make([]uint8, n*784)
	pixels := make([]float32, len(raw))
	for i := range raw {
		raw[i] = uint8((i * 37) % 251)
		pixels[i] = float32(raw[i]) / 255
	}
	cfg := core.DefaultTrainConfig()
	cfg.BatchSize = 16
	run := func(give func(w *Workers)) []StepResult {
		var fw *fakeWorkers
		w, err := NewWorkers(smallModel(t, 4), cfg, 2, startFake(&fw))
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		give(w)
		waitFor(t, "the data", w, w.HasData)
		if _, _, _, got, _ := w.DataState(); got != n {
			t.Fatalf("the workers report %d images, want %d", got, n)
		}
		for i := 0; i < steps; i++ {
			w.Step()
		}
		return waitFor(t, "the steps", w, func() bool { return w.Status().Steps == steps && w.Status().Pending == 0 })
	}
	want := run(func(w *Workers) { w.SetData(pixels, n) })
	got := run(func(w *Workers) { w.SetDataBytes(raw, n) })
	if len(got) != steps || len(want) != steps {
		t.Fatalf("%d and %d results, want %d", len(got), len(want), steps)
	}
	for i := range got {
		if got[i].Err != nil || got[i].Loss != want[i].Loss {
			t.Errorf("step %d: from bytes %+v, from values %+v", i+1, got[i], want[i])
		}
	}
}
