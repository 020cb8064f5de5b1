package train

import (
	"fmt"
	"time"

	"github.com/govae/govae/core"
	dp "github.com/govae/govae/wasm/worker/dataparallel"
)

// benchImages is how many synthetic images the training benchmarks draw
// their batches from.
const benchImages = 4096

// MeasureLocal trains m on synthetic images (dataparallel.SyntheticImages)
// in the page as Local does for a visitor — slices of budget, nextTask
// between them — and returns the time of steps steps after warm warm-up
// steps, and every step's −ELBO (nats per image), warm-up included.
func MeasureLocal(m *core.Model, cfg core.TrainConfig, warm, steps int, budget time.Duration, nextTask func()) (time.Duration, []any, error) {
	l, err := NewLocal(m, cfg)
	if err != nil {
		return 0, nil, err
	}
	b := dp.SyntheticImages(benchImages, m.Arch.Input, 1)
	px := make([]float32, len(b))
	for i, v := range b {
		px[i] = float32(v) / 255
	}
	l.SetData(px, benchImages)
	l.Start()
	var t0 time.Time
	var losses []any
	for {
		for _, r := range l.Tick(budget) {
			if r.Err != nil {
				return 0, nil, r.Err
			}
			losses = append(losses, r.Loss.NegELBO)
			switch r.Step {
			case warm:
				t0 = time.Now()
			case warm + steps:
				return time.Since(t0), losses, nil
			}
		}
		nextTask()
	}
}

// MeasureWorkers trains m on synthetic images in n workers started by
// start (a pool of its own, closed afterwards) and returns worker 0's time
// from the end of the last warm-up step to the end of the last measured
// one, and every step's −ELBO (nats per image). phases receives the mean ms per step worker 0 spent waiting to begin,
// computing and sending its share, waiting for the others', and adding up
// and stepping (dataparallel.Message.Times).
func MeasureWorkers(m *core.Model, cfg core.TrainConfig, n, warm, steps int, start StartTransport, phases map[string]any) (time.Duration, []any, error) {
	wake := make(chan struct{}, 1)
	w, err := NewWorkers(m, cfg, n, func(n int, deliver func(*dp.Message)) Transport {
		return start(n, func(msg *dp.Message) {
			deliver(msg)
			select {
			case wake <- struct{}{}:
			default:
			}
		})
	})
	if err != nil {
		return 0, nil, err
	}
	defer w.Close()
	wait := func(what string, limit time.Duration, ok func() bool) error {
		deadline := time.After(limit)
		for !ok() {
			if err := w.Err(); err != nil {
				return err
			}
			select {
			case <-wake:
			case <-deadline:
				return fmt.Errorf("benchmark: timed out after %v waiting for %s", limit, what)
			}
		}
		return nil
	}
	w.stepAt, w.stepTime = map[int]float64{}, map[int][]float64{}
	w.SetSynthetic(benchImages, 1)
	if err := wait("the workers to start", time.Minute, w.HasData); err != nil {
		return 0, nil, err
	}
	w.Start()
	var t0, t1 float64
	var failure error
	var losses []any
	err = wait("the steps", 10*time.Minute, func() bool {
		for _, r := range w.Tick(0) {
			if r.Err != nil {
				failure = r.Err
				return true
			}
			if r.Step <= warm+steps {
				losses = append(losses, r.Loss.NegELBO)
			}
		}
		if w.steps < warm+steps {
			return false
		}
		t0, t1 = w.stepAt[warm], w.stepAt[warm+steps]
		return true
	})
	w.Pause()
	if err == nil {
		err = failure
	}
	if err != nil {
		return 0, nil, err
	}
	names := []string{"begin", "compute", "wait", "apply"}
	for s := warm + 1; s <= warm+steps; s++ {
		for i, v := range w.stepTime[s] {
			if i < len(names) {
				prev, _ := phases[names[i]].(float64)
				phases[names[i]] = prev + v/float64(steps)
			}
		}
	}
	return time.Duration((t1 - t0) * float64(time.Millisecond)), losses, nil
}
