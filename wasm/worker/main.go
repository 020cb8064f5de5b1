//go:build js && wasm

// Command worker is govae's training Web Worker: one dataparallel.Node,
// connected to the page by postMessage and to the other workers by
// MessagePorts. worker.js loads it; the page (wasm/app, Workers) starts N
// of them. It imports neither Ebiten nor anything that draws, which keeps
// it a fraction of the page's size.
package main

import (
	"bytes"
	"fmt"
	"runtime/debug"
	"sync"
	"syscall/js"
	"time"

	"github.com/govae/govae/core/mnist"
	dp "github.com/govae/govae/wasm/worker/dataparallel"
)

func main() {
	boot := js.Global().Get("govaeBoot") // {id, n, ports}, set by worker.js
	id, n, ports := boot.Get("id").Int(), boot.Get("n").Int(), boot.Get("ports")
	w := &worker{id: id, wake: make(chan struct{}, 1)}
	w.node = &dp.Node{ID: id, N: n, Send: func(to int, m *dp.Message) {
		obj, transfer := dp.ToJS(m)
		if to == dp.Main {
			js.Global().Call("postMessage", obj, transfer)
		} else {
			ports.Index(to).Call("postMessage", obj, transfer)
		}
	}}
	// Two buffers per peer, by the parity of the step: a peer can be one
	// step ahead of this worker, never two (it needs this worker's share).
	bufs := make([][2][]float32, n)
	for j := 0; j < n; j++ {
		if j == id {
			continue
		}
		ports.Index(j).Set("onmessage", js.FuncOf(func(_ js.Value, args []js.Value) any {
			m, err := dp.FromJS(args[0].Get("data"), func(h *dp.Message, field string, size int) []float32 {
				if field != "grad" {
					return nil
				}
				b := &bufs[j][h.Steps&1]
				if len(*b) != size {
					*b = make([]float32, size)
				}
				return *b
			})
			w.push(m, err)
			return nil
		}))
	}
	js.Global().Set("govaeReceive", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if r := args[0].Get("recycle"); r.Type() == js.TypeObject { // the page gives back weights buffers
			for i := 0; i < r.Length(); i++ {
				dp.Recycle(r.Index(i))
			}
			return nil
		}
		m, err := dp.FromJS(args[0], nil)
		if err == nil && m.Kind == dp.Fetch {
			go w.fetch(m.URL)
			return nil
		}
		w.push(m, err)
		return nil
	}))
	// yield lets the event loop deliver what has arrived: a message posted
	// to a MessageChannel runs after the tasks already queued, without the
	// 4 ms that nested setTimeouts are clamped to.
	ch := js.Global().Get("MessageChannel").New()
	yielded := make(chan struct{}, 1)
	ch.Get("port2").Set("onmessage", js.FuncOf(func(js.Value, []js.Value) any {
		yielded <- struct{}{}
		return nil
	}))
	w.yield = func() {
		ch.Get("port1").Call("postMessage", nil)
		<-yielded
	}
	js.Global().Call("govaeStarted")
	w.loop()
}

// worker queues the messages the event handlers receive for one goroutine
// that hands them to the Node: handlers must not block, and the Node is
// not safe for concurrent use.
type worker struct {
	id    int
	node  *dp.Node
	mu    sync.Mutex
	q     []*dp.Message
	wake  chan struct{}
	yield func()
}

func (w *worker) push(m *dp.Message, err error) {
	if err != nil {
		w.post(&dp.Message{Kind: dp.Failed, Fatal: true, Err: fmt.Sprintf("worker %d: bad message: %v", w.id, err)})
		return
	}
	w.mu.Lock()
	w.q = append(w.q, m)
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// loop hands the queued messages to the Node and, when it has its next
// step ready, first lets the event loop deliver what has arrived (a pause,
// say), then starts it.
func (w *worker) loop() {
	for {
		if !w.handleQueued() {
			select {} // stay silent; the page has been told
		}
		if w.node.Ready() {
			w.yield()
			if !w.handleQueued() || !w.safely(w.node.Continue) {
				select {}
			}
			continue
		}
		<-w.wake
	}
}

// handleQueued passes the queued messages to the Node; false after a panic.
func (w *worker) handleQueued() bool {
	for {
		w.mu.Lock()
		q := w.q
		w.q = nil
		w.mu.Unlock()
		if len(q) == 0 {
			return true
		}
		for _, m := range q {
			if !w.safely(func() { w.node.Handle(m) }) {
				return false
			}
		}
	}
}

// safely runs f; a panic is reported to the page as fatal.
func (w *worker) safely(f func()) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			stack := string(debug.Stack())
			if len(stack) > 1500 {
				stack = stack[:1500] + "…"
			}
			w.post(&dp.Message{Kind: dp.Failed, Fatal: true, From: w.id,
				Err: fmt.Sprintf("worker %d: internal error: %v\n%s", w.id, r, stack)})
			ok = false
		}
	}()
	f()
	return true
}

func (w *worker) post(m *dp.Message) {
	m.From = w.id
	obj, transfer := dp.ToJS(m)
	js.Global().Call("postMessage", obj, transfer)
}

// fetch downloads and parses the training images (worker.js gunzips them
// natively), reporting progress, and queues them for the Node.
func (w *worker) fetch(url string) {
	var last time.Time
	progress := js.FuncOf(func(_ js.Value, args []js.Value) any {
		got, total := int64(args[0].Float()), int64(args[1].Float())
		if now := time.Now(); now.Sub(last) >= 100*time.Millisecond || got == total {
			last = now
			w.post(&dp.Message{Kind: dp.DataProgress, Got: got, Total: total})
		}
		return nil
	})
	defer progress.Release()
	ch := make(chan js.Value, 1)
	done := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- args[0]
		return nil
	})
	defer done.Release()
	// govaeFetch resolves to a Uint8Array or to an Error.
	js.Global().Call("govaeFetch", url, progress).Call("then", done)
	v := <-ch
	if v.InstanceOf(js.Global().Get("Error")) {
		m := &dp.Message{Kind: dp.Failed, Err: v.Get("message").String()}
		if st := v.Get("status"); st.Type() == js.TypeNumber {
			m.Status = st.Int()
		}
		w.post(m)
		return
	}
	raw := make([]byte, v.Get("length").Int())
	js.CopyBytesToGo(raw, v)
	im, err := mnist.ReadImages(bytes.NewReader(raw))
	if err == nil && im.Rows*im.Cols != mnist.ImageSize {
		err = fmt.Errorf("images are %d×%d, want 28×28", im.Rows, im.Cols)
	}
	if err != nil {
		w.post(&dp.Message{Kind: dp.Failed, Err: fmt.Sprintf("%s: %v", url, err)})
		return
	}
	w.push(&dp.Message{Kind: dp.Data, Bytes: im.Pixels, N: im.N}, nil)
}
