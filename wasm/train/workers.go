package train

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/govae/govae/core"
	dp "github.com/govae/govae/wasm/worker/dataparallel"
)

// MaxWorkers caps the number of training workers: each step every worker
// sends its share of the gradient to every other, so traffic grows with the
// square of their number, and the batch is split ever thinner.
const MaxWorkers = 8

// DefaultWorkers is how many workers train on a machine with the given
// number of logical cores (navigator.hardwareConcurrency): one per core but
// one, which the page's main thread and the browser's compositor (with a
// software renderer, a busy one) need to draw without dropping frames; at
// least 1, and at most 4 — beyond that a batch of 128 splits into shares
// too thin to keep each core busy between the exchanges. The workers
// setting overrides it.
func DefaultWorkers(cores int) int { return min(max(cores-1, 1), 4) }

// Transport carries messages between the page and its workers.
type Transport interface {
	// Post sends m to worker i. It does not keep m's slices.
	Post(i int, m *dp.Message)
	// Close stops the workers.
	Close()
}

// StartTransport starts n workers that deliver their messages to deliver
// (from any goroutine, one message at a time).
type StartTransport func(n int, deliver func(*dp.Message)) Transport

// Workers is the Backend that trains in Web Workers: synchronous
// data-parallel steps (see package dataparallel), the page's main thread
// only sending controls and receiving results. The workers are started on
// first use — the first FetchData, SetData or SetSynthetic — and download
// the training images themselves. Worker 0 sends the weights many times a
// second (dataparallel.DefaultWeightsEvery); Snapshot returns the latest.
type Workers struct {
	n     int
	start StartTransport
	t     Transport // nil until started
	now   func() time.Time

	mu    sync.Mutex // guards the inbox and the model, which deliver writes
	inbox []*dp.Message
	model *core.Model // the latest weights from worker 0 (or from Load)
	wver  uint64      // counts the weights deliver copied in
	wstep int         // the step the model's weights are from
	onW   func()      // OnWeights'

	cfg      core.TrainConfig
	gen      uint64
	version  uint64
	seq      uint64 // of the last control sent
	acked    uint64 // the last control worker 0 answered
	running  bool
	pending  int
	active   bool // worker 0 has steps under way (its latest report)
	steps    int
	epoch    int
	examples int64
	rate     rateMeter
	results  []StepResult
	stepAt   map[int]float64   // worker 0's clock (ms) at the end of each step, when recorded
	stepTime map[int][]float64 // and where the step's time went (Message.Times)

	data  workersData
	fatal error // the workers are gone

	ck workersCheckpoint // checkpoints asked of worker 0, one to resume (checkpoint.go)
}

// workersData is the state of the workers' training images.
type workersData struct {
	state      string // "", "loading", "ready" or "failed", as dataset.state
	n          int
	err        string
	status     int // of a failed download: the HTTP status, 0 for a network failure
	ready      []bool
	got, total []int64
}

// NewWorkers returns a backend that will train m with cfg in n workers
// (1 to MaxWorkers), started by start when first needed.
func NewWorkers(m *core.Model, cfg core.TrainConfig, n int, start StartTransport) (*Workers, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if n < 1 || n > MaxWorkers {
		return nil, fmt.Errorf("%d workers: want 1 to %d", n, MaxWorkers)
	}
	w := &Workers{n: n, start: start, model: m, cfg: cfg, now: time.Now}
	w.data.ready = make([]bool, n)
	w.data.got, w.data.total = make([]int64, n), make([]int64, n)
	return w, nil
}

// Count returns the number of workers.
func (w *Workers) Count() int { return w.n }

// ensureStarted starts the workers and gives them the current weights.
func (w *Workers) ensureStarted() {
	if w.t != nil || w.fatal != nil {
		return
	}
	w.t = w.start(w.n, w.deliver)
	w.sendLoad()
}

func (w *Workers) sendLoad() {
	var weights []byte
	if w.ck.restore == nil { // else the checkpoint holds them
		w.mu.Lock()
		weights = w.model.MarshalBinary()
		w.mu.Unlock()
	}
	cfg := w.cfg
	for i := 0; i < w.n; i++ {
		w.t.Post(i, &dp.Message{Kind: dp.Load, Gen: w.gen, Weights: weights, Checkpoint: w.ck.restore, Config: &cfg,
			Steps: w.steps, Epoch: w.epoch, Examples: w.examples})
	}
	if w.running {
		w.control(dp.CmdStart, nil)
	}
}

// OnWeights makes f be called whenever new weights from worker 0 are in
// (Version will have changed), from the goroutine that delivers them: f
// must not block. The page wakes its work loop with it, so that a refresh
// of the pictures need not wait for the next frame.
func (w *Workers) OnWeights(f func()) {
	w.mu.Lock()
	w.onW = f
	w.mu.Unlock()
}

// deliver takes a message from a worker. Weights are copied into the model
// at once (the transport may reuse the buffers); the rest waits in the inbox
// for the game loop.
func (w *Workers) deliver(m *dp.Message) {
	w.mu.Lock()
	if m.Kind == dp.Weights {
		in := m.Gen == w.gen && len(m.Values) == len(w.model.Values()) && len(m.State) == len(w.model.State())
		if in {
			copy(w.model.Values(), m.Values)
			copy(w.model.State(), m.State)
			if m.Config != nil {
				w.model.Likelihood = m.Config.Likelihood // what the pictures' means follow
			}
			w.wver++
			w.wstep = m.Steps
		}
		f := w.onW
		w.mu.Unlock()
		if in && f != nil {
			f()
		}
		return
	}
	w.inbox = append(w.inbox, m)
	w.mu.Unlock()
}

// drain handles the messages that came in since the last call.
func (w *Workers) drain() {
	w.mu.Lock()
	in := w.inbox
	w.inbox = nil
	if w.wver > 0 {
		w.version += w.wver
		w.wver = 0
	}
	w.mu.Unlock()
	for _, m := range in {
		w.handle(m)
	}
}

func (w *Workers) handle(m *dp.Message) {
	if w.checkpointMessage(m) {
		return
	}
	switch m.Kind {
	case dp.State:
		if m.Gen == w.gen {
			w.active = m.Active
		}
		w.adopt(m)
	case dp.StepDone:
		if m.Gen != w.gen {
			return
		}
		w.steps, w.epoch, w.examples, w.active = m.Steps, m.Epoch, m.Examples, m.Active
		if w.stepAt != nil {
			w.stepAt[m.Steps], w.stepTime[m.Steps] = m.At, m.Times
		}
		w.results = append(w.results, StepResult{Step: m.Steps, Epoch: m.Epoch, Loss: m.Loss})
		w.rate.add(w.now(), w.examples)
		if !w.adopt(m) && !w.running && w.pending > 0 {
			w.pending--
		}
	case dp.Stopped:
		if m.Gen != w.gen {
			return
		}
		w.results = append(w.results, StepResult{Step: m.Steps, Epoch: m.Epoch, Err: errors.New(m.Err)})
		w.running, w.pending, w.active = false, 0, false
		w.adopt(m)
	case dp.DataReady:
		if m.From >= 0 && m.From < w.n {
			w.data.ready[m.From] = true
		}
		w.data.n = m.N
		if w.allReady() {
			w.data.state = "ready"
		}
	case dp.DataProgress:
		if m.From >= 0 && m.From < w.n {
			w.data.got[m.From], w.data.total[m.From] = m.Got, m.Total
		}
	case dp.Failed:
		if m.Fatal {
			if w.fatal != nil {
				return // the first failure says it; the others follow from it
			}
			// Err reports it; the page moves training elsewhere.
			w.fatal = errors.New(m.Err)
			w.running, w.pending, w.active = false, 0, false
			return
		}
		if w.data.state == "loading" {
			w.data.state, w.data.err, w.data.status = "failed", m.Err, m.Status
		}
	}
}

// adopt takes worker 0's running state when it answers the latest control
// (older answers are overtaken by controls still on their way).
func (w *Workers) adopt(m *dp.Message) bool {
	if m.Seq != w.seq {
		return false
	}
	w.acked = m.Seq
	w.running, w.pending = m.Running, m.Pending
	return true
}

func (w *Workers) control(cmd string, cfg *core.TrainConfig) {
	if w.t == nil {
		return // sent with the weights when the workers start
	}
	w.seq++
	w.t.Post(0, &dp.Message{Kind: dp.Control, Seq: w.seq, Command: cmd, Config: cfg})
}

// Load implements Backend.
func (w *Workers) Load(m *core.Model) {
	w.ck.restore = nil
	w.load(m, 0, 0)
}

// load makes m the weights after steps steps and epoch epochs, in a new
// generation, and sends it to the workers.
func (w *Workers) load(m *core.Model, steps, epoch int) {
	w.drain()
	w.mu.Lock()
	w.model, w.wver, w.wstep = m, 0, steps
	w.mu.Unlock()
	w.gen++
	w.version++
	w.steps, w.epoch, w.examples, w.pending, w.active = steps, epoch, 0, 0, false
	w.rate = rateMeter{}
	if w.t != nil {
		w.sendLoad()
	}
}

// ContinueFrom makes the step, epoch and example counts go on from a
// previous backend's (when the number of workers changes).
func (w *Workers) ContinueFrom(st Status) {
	w.steps, w.epoch, w.examples = st.Steps, st.Epoch, st.Examples
	if w.t != nil {
		w.sendLoad()
	}
}

// FetchData makes every worker download the training images from url
// (progress and failures in DataState).
func (w *Workers) FetchData(url string) {
	w.ensureStarted()
	if w.t == nil {
		return
	}
	w.data = workersData{state: "loading", ready: make([]bool, w.n), got: make([]int64, w.n), total: make([]int64, w.n)}
	for i := 0; i < w.n; i++ {
		w.t.Post(i, &dp.Message{Kind: dp.Fetch, URL: url})
	}
}

// SetData implements Backend: every worker gets a copy of the images.
func (w *Workers) SetData(pixels []float32, n int) {
	w.sendData(&dp.Message{Kind: dp.Data, Pixels: pixels, N: n})
}

// SetSynthetic gives the workers n synthetic images drawn from seed
// (dataparallel.SyntheticImages), for benchmarks.
func (w *Workers) SetSynthetic(n int, seed uint64) {
	w.sendData(&dp.Message{Kind: dp.Data, N: n, Seed: seed})
}

func (w *Workers) sendData(m *dp.Message) {
	w.ensureStarted()
	if w.t == nil {
		return
	}
	w.data = workersData{state: "loading", ready: make([]bool, w.n), got: make([]int64, w.n), total: make([]int64, w.n)}
	for i := 0; i < w.n; i++ {
		w.t.Post(i, m)
	}
}

// HasData implements Backend: every worker has the images.
func (w *Workers) HasData() bool {
	w.drain()
	return w.allReady()
}

func (w *Workers) allReady() bool {
	for _, r := range w.data.ready {
		if !r {
			return false
		}
	}
	return true
}

// DataState reports the workers' download: "", "loading", "ready" or
// "failed" (with the error), and the bytes received of the total, summed
// over the workers.
func (w *Workers) DataState() (state string, got, total int64, n int, err string) {
	w.drain()
	for i := range w.data.got {
		got += w.data.got[i]
		total += w.data.total[i]
	}
	return w.data.state, got, total, w.data.n, w.data.err
}

// DataStatus returns the HTTP status of the workers' failed download (404:
// the site does not have the file), or 0 for a network failure or when
// the download did not fail.
func (w *Workers) DataStatus() int {
	w.drain()
	return w.data.status
}

// Err returns why the workers stopped working, or nil.
func (w *Workers) Err() error {
	w.drain()
	return w.fatal
}

// SetConfig implements Backend.
func (w *Workers) SetConfig(cfg core.TrainConfig) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	w.cfg = cfg
	w.control(dp.CmdConfig, &cfg)
	return nil
}

// Start implements Backend.
func (w *Workers) Start() {
	w.drain()
	if !w.running {
		w.rate = rateMeter{} // a pause must not count as slowness
	}
	w.running = true
	w.control(dp.CmdStart, nil)
}

// Pause implements Backend. Steps already under way finish (see Status).
func (w *Workers) Pause() {
	w.drain()
	w.running, w.pending = false, 0
	w.control(dp.CmdPause, nil)
}

// Step implements Backend.
func (w *Workers) Step() {
	w.drain()
	w.pending++
	w.control(dp.CmdStep, nil)
}

// Tick implements Backend: it only collects what the workers did, so it
// takes no time whatever the budget.
func (w *Workers) Tick(time.Duration) []StepResult {
	w.drain()
	out := w.results
	w.results = nil
	return out
}

// Settled reports whether worker 0 has answered every control sent.
func (w *Workers) Settled() bool {
	w.drain()
	return w.acked == w.seq
}

// Remote reports that the training work happens elsewhere: the page's work
// loop need not run for it.
func (w *Workers) Remote() bool { return true }

// Status implements Backend. After Pause it reports Running until worker 0
// says that the steps under way (at most two: one computing, one committed
// to) are done, so that nothing changes once it reports stopped.
func (w *Workers) Status() Status {
	w.drain()
	s := Status{Running: w.running || w.active, Pending: w.pending, Steps: w.steps, Epoch: w.epoch, Examples: w.examples, Config: w.cfg}
	if s.Running || w.pending > 0 {
		s.ExamplesPerSec = w.rate.perSecond()
	}
	return s
}

// Version implements Backend.
func (w *Workers) Version() uint64 {
	w.drain()
	return w.version
}

// Snapshot implements Backend.
func (w *Workers) Snapshot(dst *core.Model) *core.Model {
	w.drain()
	w.mu.Lock()
	defer w.mu.Unlock()
	if dst == nil || dst.CopyFrom(w.model) != nil {
		return w.model.Clone()
	}
	return dst
}

// Close stops the workers.
func (w *Workers) Close() {
	if w.t != nil {
		w.t.Close()
		w.t = nil
	}
}
