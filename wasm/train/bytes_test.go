package train

import (
	"math"
	"testing"
	"time"

	"github.com/govae/govae/core"
)

// TestWorkersSetDataBytes: images given as bytes train exactly as the same
// images given as values b/255 do in the page.
func TestWorkersSetDataBytes(t *testing.T) {
	const n, steps = 40, 4
	raw := make([]uint8, n*784)
	for i := range raw {
		raw[i] = uint8((i * 37) % 251)
	}
	pixels := make([]float32, len(raw))
	for i, b := range raw {
		pixels[i] = float32(b) / 255
	}
	cfg := core.DefaultTrainConfig()
	cfg.BatchSize = 16
	loc, err := NewLocal(smallModel(t, 4), cfg)
	if err != nil {
		t.Fatal(err)
	}
	loc.SetData(pixels, n)
	var want []StepResult
	for len(want) < steps {
		loc.Step()
		for loc.Status().Pending > 0 {
			want = append(want, loc.Tick(time.Second)...)
		}
	}
	var fw *fakeWorkers
	w, err := NewWorkers(smallModel(t, 4), cfg, 2, startFake(&fw))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.SetDataBytes(raw, n)
	waitFor(t, "the data", w, w.HasData)
	if _, _, _, got, _ := w.DataState(); got != n {
		t.Fatalf("the workers report %d images, want %d", got, n)
	}
	for i := 0; i < steps; i++ {
		w.Step()
	}
	got := waitFor(t, "the steps", w, func() bool { return w.Status().Steps == steps && w.Status().Pending == 0 })
	if len(got) != steps {
		t.Fatalf("%d results, want %d", len(got), steps)
	}
	for i, r := range got {
		if r.Err != nil || math.Abs(r.Loss.NegELBO-want[i].Loss.NegELBO) > 1e-4*math.Abs(want[i].Loss.NegELBO) {
			t.Errorf("step %d: %+v, from values in the page: %+v", i+1, r, want[i])
		}
	}
}
