//go:build js && wasm

package page

import (
	"errors"
	"fmt"
	"sync"
	"syscall/js"
	"time"

	"github.com/govae/govae/core"
	"github.com/govae/govae/wasm/bridge"
	"github.com/govae/govae/wasm/train"
	"github.com/govae/govae/wasm/view"
)

// Benchmark hooks for cmd/bench: window.govae.benchTrain and benchDecode.
// They run the page's real code paths — the Workers or Local backend, the
// scene's decoder — on synthetic inputs, so they need no download.

// bench runs the benchmarks on the page's session.
type bench struct {
	s    *session
	dom  *bridge.DOM
	lock sync.Locker // the game's
}

// exposeBenchHooks installs window.govae.benchTrain and benchDecode.
func (g *bench) exposeBenchHooks() {
	govae := js.Global().Get("govae")
	govae.Set("benchTrain", js.FuncOf(func(_ js.Value, args []js.Value) any {
		opts := optionsArg(args)
		return bridge.Promise(func() (any, error) { return g.benchTrain(opts) })
	}))
	govae.Set("benchDecode", js.FuncOf(func(_ js.Value, args []js.Value) any {
		opts := optionsArg(args)
		return bridge.Promise(func() (any, error) { return g.benchDecode(opts) })
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

// benchTrain trains a fresh default model (seed 1) on synthetic images
// with the given batch size in the given number of workers (0: in the page,
// with Local's time slices) and measures steps after a few to warm up:
// {examplesPerSec, msPerStep, workers, batch, steps, losses}, losses being
// every step's −ELBO, warm-up included — the same run in any number of
// workers, to float32 rounding. With workers the time is worker 0's, from
// the end of the last warm-up step to the end of the last measured one.
func (g *bench) benchTrain(opts js.Value) (any, error) {
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
	workers, err := intOption(opts, "workers", g.s.workerCount(), 0, train.MaxWorkers)
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
		took, losses, err = train.MeasureLocal(m, cfg, warm, steps, sliceBudget, g.dom.NextTask)
	} else {
		took, losses, err = train.MeasureWorkers(m, cfg, workers, warm, steps, train.StartWorkerPool, phases)
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

// benchDecode times the decoder on the page's current model: the n×n grid
// of the manifold (n = grid, default 20) as the scene decodes it, and a
// single z (the large sample), each reps times (default 10):
// {msPerGrid, minMsPerGrid, msPerZ, grid}.
func (g *bench) benchDecode(opts js.Value) (any, error) {
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
	if g.s.scene == nil {
		return nil, errors.New("benchmark: no model yet (await govae.ready)")
	}
	m := g.s.scene.Model.Clone()
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
