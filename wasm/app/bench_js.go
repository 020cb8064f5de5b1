//go:build js && wasm

package app

import (
	"errors"
	"fmt"
	"syscall/js"
	"time"

	"github.com/govae/govae/core"
	"github.com/govae/govae/wasm/view"
	dp "github.com/govae/govae/wasm/worker/dataparallel"
)

// Benchmark hooks for cmd/bench: window.govae.benchTrain and benchDecode.
// They run the page's real code paths — the Workers or Local backend, the
// scene's decoder — on synthetic inputs, so they need no download.

// benchImages is how many synthetic images the training benchmark draws
// its batches from.
const benchImages = 4096

// exposeBenchHooks installs window.govae.benchTrain and benchDecode.
func (g *Game) exposeBenchHooks() {
	govae := js.Global().Get("govae")
	govae.Set("benchTrain", js.FuncOf(func(_ js.Value, args []js.Value) any {
		opts := optionsArg(args)
		return promise(func() (any, error) { return g.benchTrain(opts) })
	}))
	govae.Set("benchDecode", js.FuncOf(func(_ js.Value, args []js.Value) any {
		opts := optionsArg(args)
		return promise(func() (any, error) { return g.benchDecode(opts) })
	}))
}

func optionsArg(args []js.Value) js.Value {
	if len(args) > 0 && args[0].Type() == js.TypeObject {
		return args[0]
	}
	return js.Global().Get("Object").New()
}

// intOption reads a whole-number option in [lo, hi], def when absent.
func intOption(opts js.Value, name string, def, lo, hi int) (int, error) {
	v := opts.Get(name)
	if v.IsUndefined() || v.IsNull() {
		return def, nil
	}
	if v.Type() != js.TypeNumber || v.Float() != float64(v.Int()) || v.Int() < lo || v.Int() > hi {
		return 0, fmt.Errorf("%s: %s is not a whole number in [%d, %d]", name, v.String(), lo, hi)
	}
	return v.Int(), nil
}

// promise runs f on a goroutine and returns a Promise of its result.
func promise(f func() (any, error)) js.Value {
	var executor js.Func
	executor = js.FuncOf(func(_ js.Value, args []js.Value) any {
		resolve, reject := args[0], args[1]
		go func() {
			defer executor.Release()
			v, err := f()
			if err != nil {
				reject.Invoke(js.Global().Get("Error").New(err.Error()))
				return
			}
			resolve.Invoke(js.ValueOf(v))
		}()
		return nil
	})
	return js.Global().Get("Promise").New(executor)
}

// benchTrain trains a fresh default model (seed 1) on synthetic images
// with the given batch size in the given number of workers (0: in the page,
// with Local's time slices) and measures steps after a few to warm up:
// {examplesPerSec, msPerStep, workers, batch, steps, losses}, losses being
// every step's −ELBO, warm-up included — the same run in any number of
// workers, to float32 rounding. With workers the time is worker 0's, from
// the end of the last warm-up step to the end of the last measured one.
func (g *Game) benchTrain(opts js.Value) (any, error) {
	batch, err := intOption(opts, "batch", 128, 1, core.MaxBatchSize)
	if err != nil {
		return nil, err
	}
	steps, err := intOption(opts, "steps", 20, 1, 100000)
	if err != nil {
		return nil, err
	}
	warm, err := intOption(opts, "warmup", 3, 1, 1000)
	if err != nil {
		return nil, err
	}
	workers, err := intOption(opts, "workers", g.workerCount(), 0, MaxWorkers)
	if err != nil {
		return nil, err
	}
	m, err := core.New(core.DefaultArchitecture(), 1)
	if err != nil {
		return nil, err
	}
	cfg := core.DefaultTrainConfig()
	cfg.BatchSize = batch
	var took time.Duration
	var losses []any
	phases := map[string]any{}
	if workers == 0 {
		took, losses, err = g.benchLocal(m, cfg, warm, steps)
	} else {
		took, losses, err = benchWorkers(m, cfg, workers, warm, steps, phases)
	}
	if err != nil {
		return nil, err
	}
	ms := took.Seconds() * 1000 / float64(steps)
	return map[string]any{
		"examplesPerSec": float64(steps*batch) / took.Seconds(), "msPerStep": ms,
		"workers": workers, "batch": batch, "steps": steps, "losses": losses, "phases": phases,
	}, nil
}

// benchLocal trains in the page as Local does for a visitor: slices of
// sliceBudget, each in a task of its own.
func (g *Game) benchLocal(m *core.Model, cfg core.TrainConfig, warm, steps int) (time.Duration, []any, error) {
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
		for _, r := range l.Tick(sliceBudget) {
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
		g.dom.nextTask()
	}
}

// benchWorkers trains in a pool of its own, closed afterwards.
// phases receives the mean ms per step worker 0 spent waiting to begin,
// computing and sending its share, waiting for the others', and adding up
// and stepping (dataparallel.Message.Times).
func benchWorkers(m *core.Model, cfg core.TrainConfig, n, warm, steps int, phases map[string]any) (time.Duration, []any, error) {
	wake := make(chan struct{}, 1)
	w, err := NewWorkers(m, cfg, n, func(n int, deliver func(*dp.Message)) workerTransport {
		return startWorkerPool(n, func(msg *dp.Message) {
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

// benchDecode times the decoder on the page's current model: the n×n grid
// of the manifold (n = grid, default 20) as the scene decodes it, and a
// single z (the large sample), each reps times (default 10):
// {msPerGrid, minMsPerGrid, msPerZ, grid}.
func (g *Game) benchDecode(opts js.Value) (any, error) {
	grid, err := intOption(opts, "grid", view.DefaultGrid, 1, 100)
	if err != nil {
		return nil, err
	}
	reps, err := intOption(opts, "n", 10, 1, 1000)
	if err != nil {
		return nil, err
	}
	g.lock.Lock()
	defer g.lock.Unlock()
	if g.scene == nil {
		return nil, errors.New("benchmark: no model yet (await govae.ready)")
	}
	m := g.scene.Model.Clone()
	z := view.GridZ(grid)
	out := make([]float32, grid*grid*m.Arch.Input)
	m.Decode(z, grid*grid, m.Likelihood, out) // warm up
	var total, best time.Duration
	for i := 0; i < reps; i++ {
		t := time.Now()
		m.Decode(z, grid*grid, m.Likelihood, out)
		d := time.Since(t)
		total += d
		if i == 0 || d < best {
			best = d
		}
	}
	t := time.Now()
	for i := 0; i < reps*10; i++ {
		m.Decode(z[:2], 1, m.Likelihood, out)
	}
	one := time.Since(t) / time.Duration(reps*10)
	ms := func(d time.Duration) float64 { return d.Seconds() * 1000 }
	return map[string]any{"msPerGrid": ms(total) / float64(reps), "minMsPerGrid": ms(best), "msPerZ": ms(one), "grid": grid}, nil
}
