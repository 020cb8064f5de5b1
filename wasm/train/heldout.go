package train

import (
	"errors"
	"sync"
	"time"

	"github.com/govae/govae/core"
	dp "github.com/govae/govae/wasm/worker/dataparallel"
)

// HeldOut evaluates the page's weights on the held-out set (core.HeldOutSize
// test images, dp.HeldOutMessage) off the page's main thread, in one Web
// Worker of its own that never trains: each request carries a weights file
// (dataparallel's Evaluate with Weights), so the same path serves training
// in the page, training in Web Workers, and weights that are not training
// at all (the pretrained ones, a fresh architecture, a loaded file). An
// EvalClient paces the requests — every DefaultEvalEvery (5 s) at most,
// and never more than a tenth of the worker's time — and keeps the curve of
// one generation of weights.
//
// The main thread's share is a copy of the weights and their file (1.9 MB
// for the reference model) per request; the evaluation itself (one
// encoder and decoder pass over 1 000 images) runs in the worker.
type HeldOut struct {
	start StartTransport
	held  *dp.Message // the HeldOut message, sent once when the worker starts
	t     Transport   // nil until the first request
	now   func() time.Time

	client dp.EvalClient

	mu    sync.Mutex // guards inbox and fatal, which deliver writes
	inbox []*dp.Message
	fatal error
}

// NewHeldOut returns the evaluator of the held-out images in held (a
// HeldOut message, as dp.HeldOutMessage makes it); start starts its worker
// at the first request.
func NewHeldOut(start StartTransport, held *dp.Message) *HeldOut {
	return &HeldOut{start: start, held: held, now: time.Now}
}

func (h *HeldOut) deliver(m *dp.Message) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case m.Kind == dp.Evaluated:
		h.inbox = append(h.inbox, m)
	case m.Kind == dp.Failed && m.Fatal && h.fatal == nil:
		h.fatal = errors.New(m.Err)
	}
}

// Ask sends a request about the weights of generation gen (the page's
// count of weight changes: a new gen starts a new curve) when one is due;
// weights, called only then, returns their weights file and the optimiser
// step they are from. It reports whether it asked; never after the worker
// failed.
func (h *HeldOut) Ask(gen uint64, weights func() (file []byte, steps int)) bool {
	if h.Err() != nil {
		return false
	}
	m := h.client.Request(h.now(), gen, 0, nil)
	if m == nil {
		return false
	}
	if h.t == nil {
		h.t = h.start(1, h.deliver)
		h.t.Post(0, h.held)
	}
	m.Weights, m.Steps = weights()
	h.t.Post(0, m)
	return true
}

// Take returns the points of the current generation that arrived since the
// last call, oldest first, and the error of an evaluation that failed
// (non-finite weights, a bad file), if any.
func (h *HeldOut) Take() ([]dp.EvalPoint, error) {
	h.mu.Lock()
	in := h.inbox
	h.inbox = nil
	h.mu.Unlock()
	var pts []dp.EvalPoint
	var last error
	for _, m := range in {
		p, ok, err := h.client.Receive(m)
		switch {
		case err != nil:
			last = err
		case ok:
			pts = append(pts, p)
		}
	}
	return pts, last
}

// Points returns the curve of the current generation, oldest first
// (aliasing the client's; do not modify).
func (h *HeldOut) Points() []dp.EvalPoint { return h.client.Points() }

// Err returns why the evaluation worker stopped (it could not start, or
// crashed), or nil.
func (h *HeldOut) Err() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.fatal
}

// Close stops the worker.
func (h *HeldOut) Close() {
	if h.t != nil {
		h.t.Close()
		h.t = nil
	}
}

// SnapshotStep returns a copy of b's current weights (into dst when it has
// their architecture) and the optimiser step they are from: Local's step
// count, or for Workers the step of the weights worker 0 last sent (its
// step count before the first).
func SnapshotStep(b Backend, dst *core.Model) (*core.Model, int) {
	switch b := b.(type) {
	case *Workers:
		b.drain()
		b.mu.Lock()
		defer b.mu.Unlock()
		m := dst
		if dst == nil || dst.CopyFrom(b.model) != nil {
			m = b.model.Clone()
		}
		if b.wstep == 0 { // no weights from worker 0 since the last Load
			return m, b.steps
		}
		return m, b.wstep
	}
	return b.Snapshot(dst), b.Status().Steps
}
