//go:build js && wasm

package app

import (
	"fmt"
	"syscall/js"
	"time"

	"github.com/govae/govae/core"
	"github.com/govae/govae/core/mnist"
	"github.com/govae/govae/wasm/view"
	dp "github.com/govae/govae/wasm/worker/dataparallel"
)

// The page's side of the training workers: starting them (jsTransport) and
// choosing, switching and watching the backend.

// workerModule is worker.wasm compiled once (a promise of a
// WebAssembly.Module), shared by every pool: a module can be posted to a
// worker, which then only instantiates it.
var workerModule js.Value

func compiledWorker() js.Value {
	if workerModule.IsUndefined() {
		wa := js.Global().Get("WebAssembly")
		resp := js.Global().Call("fetch", "worker.wasm").Call("then", js.FuncOf(func(_ js.Value, args []js.Value) any {
			r := args[0]
			if !r.Get("ok").Bool() {
				return js.Global().Get("Promise").Call("reject", js.Global().Get("Error").New(
					fmt.Sprintf("worker.wasm: HTTP %d %s", r.Get("status").Int(), r.Get("statusText").String())))
			}
			return r
		}))
		if wa.Get("compileStreaming").Type() == js.TypeFunction {
			workerModule = wa.Call("compileStreaming", resp)
		} else {
			workerModule = resp.Call("then", js.FuncOf(func(_ js.Value, args []js.Value) any {
				return args[0].Call("arrayBuffer")
			})).Call("then", js.FuncOf(func(_ js.Value, args []js.Value) any {
				return wa.Call("compile", args[0])
			}))
		}
	}
	return workerModule
}

// jsTransport is n Web Workers running worker.js, each connected to every
// other by a MessageChannel.
type jsTransport struct {
	workers []js.Value
	funcs   []js.Func
	weights struct{ values, state []float32 } // reused for worker 0's weights
}

// workersAvailable reports whether the browser can run Web Workers.
func workersAvailable() bool { return js.Global().Get("Worker").Type() == js.TypeFunction }

// startWorkerPool is the startTransport of the page.
func startWorkerPool(n int, deliver func(*dp.Message)) workerTransport {
	t := &jsTransport{}
	fatal := func(msg string) { deliver(&dp.Message{Kind: dp.Failed, Fatal: true, Err: msg}) }
	for i := 0; i < n; i++ {
		w := js.Global().Get("Worker").New("worker.js")
		onMessage := js.FuncOf(func(_ js.Value, args []js.Value) any {
			d := args[0].Get("data")
			if f := d.Get("fatal"); f.Type() == js.TypeString {
				fatal(f.String())
				return nil
			}
			m, err := dp.FromJS(d, func(h *dp.Message, field string, size int) []float32 {
				// Only worker 0's weights are large; deliver copies them at once.
				switch field {
				case "values":
					t.weights.values = resize32(t.weights.values, size)
					return t.weights.values
				case "state":
					t.weights.state = resize32(t.weights.state, size)
					return t.weights.state
				}
				return nil
			})
			if err != nil {
				fatal(fmt.Sprintf("worker %d: %v", i, err))
				return nil
			}
			if m.Kind == dp.Weights {
				// Copied into Go: give the buffers back for the next weights.
				if list := dp.RecycleList(d, 1<<16); list.Length() > 0 {
					msg := js.Global().Get("Object").New()
					msg.Set("recycle", list)
					w.Call("postMessage", msg, list)
				}
			}
			deliver(m)
			return nil
		})
		onError := js.FuncOf(func(_ js.Value, args []js.Value) any {
			msg := "worker.js could not run"
			if e := args[0]; e.Get("message").Type() == js.TypeString {
				msg += ": " + e.Get("message").String()
			}
			fatal(msg)
			return nil
		})
		w.Set("onmessage", onMessage)
		w.Set("onerror", onError)
		t.workers = append(t.workers, w)
		t.funcs = append(t.funcs, onMessage, onError)
	}
	// ports[i][j] is worker i's end of its channel to worker j.
	ports := make([][]js.Value, n)
	for i := range ports {
		ports[i] = make([]js.Value, n)
		for j := 0; j < i; j++ {
			ch := js.Global().Get("MessageChannel").New()
			ports[i][j], ports[j][i] = ch.Get("port1"), ch.Get("port2")
		}
	}
	go func() {
		module, err := await(compiledWorker())
		if err != nil {
			workerModule = js.Undefined() // try again next time
			fatal("worker.wasm could not be loaded: " + err.Error())
			return
		}
		for i, w := range t.workers {
			list, transfer := js.Global().Get("Array").New(), js.Global().Get("Array").New()
			for j := 0; j < n; j++ {
				if j == i {
					list.Call("push", js.Null())
					continue
				}
				list.Call("push", ports[i][j])
				transfer.Call("push", ports[i][j])
			}
			boot := js.Global().Get("Object").New()
			boot.Set("id", i)
			boot.Set("n", n)
			boot.Set("module", module)
			boot.Set("ports", list)
			msg := js.Global().Get("Object").New()
			msg.Set("boot", boot)
			w.Call("postMessage", msg, transfer)
		}
	}()
	return t
}

func resize32(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n)
	}
	return b[:n]
}

// Post implements workerTransport.
func (t *jsTransport) Post(i int, m *dp.Message) {
	if i < len(t.workers) {
		obj, transfer := dp.ToJS(m)
		t.workers[i].Call("postMessage", obj, transfer)
	}
}

// Close implements workerTransport.
func (t *jsTransport) Close() {
	for _, w := range t.workers {
		w.Call("terminate")
	}
	for _, f := range t.funcs {
		f.Release()
	}
	t.workers, t.funcs = nil, nil
}

// workerCount resolves the workers setting: 0 trains in the page.
func (g *Game) workerCount() int {
	n := g.settings.Workers
	if n == view.AutoWorkers {
		n = DefaultWorkers(js.Global().Get("navigator").Get("hardwareConcurrency").Int())
	}
	if !workersAvailable() {
		return 0
	}
	return n
}

// newBackend returns the backend the settings ask for, training m: Web
// Workers when the browser has them, else the page itself.
func (g *Game) newBackend(m *core.Model) Backend {
	cfg := g.settings.TrainConfig() // validated when parsed
	if n := g.workerCount(); n > 0 {
		w, err := NewWorkers(m, cfg, n, startWorkerPool)
		if err == nil {
			return w
		}
	}
	l, err := NewLocal(m, cfg)
	if err != nil {
		panic(err)
	}
	return l
}

// switchBackend moves training to the backend the workers setting asks for,
// keeping the weights and the step count (the optimiser restarts) and going
// on training if it was.
func (g *Game) switchBackend() {
	if g.backend == nil {
		return // becomeReady reads the setting
	}
	want := g.workerCount()
	if w, ok := g.backend.(*Workers); ok && w.Count() == want || !ok && want == 0 {
		return
	}
	g.replaceBackend(g.newBackend(g.backend.Snapshot(nil)))
}

// replaceBackend makes b the backend, going on from the old one: the step
// count continues, and training (or the images' download) resumes where b
// trains.
func (g *Game) replaceBackend(b Backend) {
	old := g.backend
	st := old.Status()
	if w, ok := old.(*Workers); ok {
		w.Close()
	}
	continueFrom(b, st)
	g.backend = b
	g.sceneVersion = 0 // redraw from the new backend's weights
	want := g.train.want
	switch {
	case st.Running:
		want = "train"
	case st.Pending > 0:
		want = "step"
	}
	had := g.train.state == "ready" || g.train.state == "loading"
	g.train = dataset{want: want}
	switch {
	case want != "":
		g.startTraining() // fetches the images first
	case had:
		g.fetchTrainData() // from the browser's cache
	}
	g.lastStats = time.Time{}
}

// fetchTrainData downloads the training images where the backend trains:
// in every worker, or in the page.
func (g *Game) fetchTrainData() {
	w, ok := g.backend.(*Workers)
	if !ok {
		g.loadTrainData()
		return
	}
	if g.train.state == "loading" {
		return
	}
	g.train.state, g.train.err, g.train.got, g.train.total = "loading", "", 0, 0
	w.FetchData("data/" + mnist.Train.ImagesFile())
}

// watchBackend runs every frame: it shows the workers' download, starts
// what the visitor asked for once the images are in, and falls back to
// training in the page when the workers fail.
func (g *Game) watchBackend() {
	w, ok := g.backend.(*Workers)
	if !ok {
		return
	}
	if err := w.Err(); err != nil {
		for _, r := range w.Tick(0) { // steps that ended before the failure
			g.stepDone(r)
		}
		g.dom.showError("Training in Web Workers is not available; training runs in the page instead", err.Error())
		// The setting stays (a reload, or choosing it again, tries the
		// workers anew); the panel says where training runs.
		l, err := NewLocal(w.Snapshot(nil), g.settings.TrainConfig())
		if err != nil {
			panic(err) // the settings were validated when set
		}
		g.replaceBackend(l)
		return
	}
	if !g.training() {
		for _, r := range w.Tick(0) { // a step that ended after a pause
			g.stepDone(r)
			g.chartDirty = true
		}
	}
	state, got, total, n, msg := w.DataState()
	switch {
	case state == "loading" && g.train.state == "loading":
		g.train.got, g.train.total = got, total
	case state == "ready" && g.train.state != "ready":
		g.train.state, g.train.n, g.lastStats = "ready", n, time.Time{}
		if g.train.want != "" {
			g.startTraining()
		}
	case state == "failed" && g.train.state == "loading":
		g.train.state, g.train.err, g.lastStats = "failed", msg, time.Time{}
	}
}

// activeWorkers returns how many workers train (0: the page itself).
func (g *Game) activeWorkers() int {
	if w, ok := g.backend.(*Workers); ok {
		return w.Count()
	}
	return 0
}

// workersText says where training runs, beside the workers control.
func workersText(n int) string {
	switch n {
	case 0:
		return "Training runs in the page."
	case 1:
		return "Training runs in 1 Web Worker."
	}
	return fmt.Sprintf("Training runs in %d Web Workers, splitting each batch.", n)
}
