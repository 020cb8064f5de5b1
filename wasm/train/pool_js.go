//go:build js && wasm

package train

import (
	"fmt"
	"syscall/js"

	"github.com/govae/govae/core/kernels"
	"github.com/govae/govae/wasm/bridge"
	dp "github.com/govae/govae/wasm/worker/dataparallel"
)

// The page's side of the training workers: starting them (jsTransport).

// workerFile is the workers' build: the one with the page's kernels
// (worker-simd.wasm when the page itself runs the SIMD build, which the
// loader chose because the browser validates wasm SIMD).
var workerFile = map[bool]string{false: "worker.wasm", true: "worker-simd.wasm"}[kernels.SIMD()]

// workerModule is worker.wasm compiled once (a promise of a
// WebAssembly.Module), shared by every pool: a module can be posted to a
// worker, which then only instantiates it.
var workerModule js.Value

func compiledWorker() js.Value {
	if workerModule.IsUndefined() {
		wa := js.Global().Get("WebAssembly")
		resp := js.Global().Call("fetch", workerFile).Call("then", js.FuncOf(func(_ js.Value, args []js.Value) any {
			r := args[0]
			if !r.Get("ok").Bool() {
				return js.Global().Get("Promise").Call("reject", js.Global().Get("Error").New(
					fmt.Sprintf("%s: HTTP %d %s", workerFile, r.Get("status").Int(), r.Get("statusText").String())))
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

// WorkersAvailable reports whether the browser can run Web Workers.
func WorkersAvailable() bool { return js.Global().Get("Worker").Type() == js.TypeFunction }

// StartWorkerPool is the page's StartTransport: n Web Workers running
// worker.js and worker.wasm, connected to each other by MessageChannels.
func StartWorkerPool(n int, deliver func(*dp.Message)) Transport {
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
			if m.Kind == dp.Weights || m.Kind == dp.Saved {
				// Copied into Go: give the buffers back for the next
				// weights (or checkpoint).
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
		module, err := bridge.Await(compiledWorker())
		if err != nil {
			workerModule = js.Undefined() // try again next time
			fatal(workerFile + " could not be loaded: " + err.Error())
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

// Post implements Transport.
func (t *jsTransport) Post(i int, m *dp.Message) {
	if i < len(t.workers) {
		obj, transfer := dp.ToJS(m)
		t.workers[i].Call("postMessage", obj, transfer)
	}
}

// Close implements Transport.
func (t *jsTransport) Close() {
	for _, w := range t.workers {
		w.Call("terminate")
	}
	for _, f := range t.funcs {
		f.Release()
	}
	t.workers, t.funcs = nil, nil
}
