package train

import (
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govae/govae/core"
	dp "github.com/govae/govae/wasm/worker/dataparallel"
)

// fakeWorkers runs dataparallel Nodes in goroutines of this process, one
// per worker as in the browser, connected by unbounded FIFO queues that
// copy every message (as postMessage does).
type fakeWorkers struct {
	nodes    []*dp.Node
	queues   []*msgQueue
	done     chan struct{}
	wg       sync.WaitGroup
	inflight atomic.Int64 // messages queued or being handled
	// sent counts the messages of each kind worker 0 sent the page.
	mu   sync.Mutex
	sent map[dp.Kind]int
}

type msgQueue struct {
	mu       sync.Mutex
	q        []*dp.Message
	wake     chan struct{}
	inflight *atomic.Int64
}

func (q *msgQueue) push(m *dp.Message) {
	q.inflight.Add(1)
	q.mu.Lock()
	q.q = append(q.q, m)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func copyMessage(m *dp.Message) *dp.Message {
	c := *m
	c.Grad, c.Values, c.State = slices.Clone(m.Grad), slices.Clone(m.Values), slices.Clone(m.State)
	c.Pixels, c.Bytes, c.Weights = slices.Clone(m.Pixels), slices.Clone(m.Bytes), slices.Clone(m.Weights)
	if m.Config != nil {
		cfg := *m.Config
		c.Config = &cfg
	}
	return &c
}

// startFake is a StartTransport for fakeWorkers; f receives the workers.
func startFake(f **fakeWorkers) StartTransport {
	return func(n int, deliver func(*dp.Message)) Transport {
		fw := &fakeWorkers{done: make(chan struct{}), sent: map[dp.Kind]int{}}
		*f = fw
		for i := 0; i < n; i++ {
			fw.queues = append(fw.queues, &msgQueue{wake: make(chan struct{}, 1), inflight: &fw.inflight})
		}
		for i := 0; i < n; i++ {
			node := &dp.Node{ID: i, N: n, WeightsEvery: time.Millisecond, MinShare: 1}
			node.Send = func(to int, m *dp.Message) {
				c := copyMessage(m)
				if to == dp.Main {
					c.From = i
					fw.mu.Lock()
					fw.sent[m.Kind]++
					fw.mu.Unlock()
					deliver(c)
					return
				}
				fw.queues[to].push(c)
			}
			fw.nodes = append(fw.nodes, node)
			fw.wg.Add(1)
			go func(node *dp.Node, q *msgQueue) {
				defer fw.wg.Done()
				for {
					q.mu.Lock()
					msgs := q.q
					q.q = nil
					q.mu.Unlock()
					for _, m := range msgs {
						if m.Kind == dp.Fetch {
							node.Send(dp.Main, &dp.Message{Kind: dp.Failed, Err: m.URL + ": HTTP 404 Not Found", Status: 404})
						} else {
							node.Handle(m)
						}
						for node.Ready() {
							node.Continue()
						}
						fw.inflight.Add(-1)
					}
					select {
					case <-q.wake:
					case <-fw.done:
						return
					}
				}
			}(node, fw.queues[i])
		}
		return fw
	}
}

func (f *fakeWorkers) Post(i int, m *dp.Message) { f.queues[i].push(copyMessage(m)) }

// Close lets the workers finish what is under way, then stops them.
func (f *fakeWorkers) Close() {
	for deadline := time.Now().Add(10 * time.Second); f.inflight.Load() > 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	close(f.done)
	f.wg.Wait()
}

// waitFor ticks b until ok, failing after a while.
func waitFor(t *testing.T, what string, b Backend, ok func() bool) []StepResult {
	t.Helper()
	var out []StepResult
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		out = append(out, b.Tick(time.Millisecond)...)
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; status %+v", what, b.Status())
		}
		time.Sleep(time.Millisecond)
	}
	return append(out, b.Tick(time.Millisecond)...)
}

// TestWorkersMatchLocal: the Workers backend with 1 to 4 in-process
// workers follows the loss trajectory of the in-page Local backend on the
// same data and seed (to float32 rounding), step by step, and its
// snapshots hold the workers' weights.
func TestWorkersMatchLocal(t *testing.T) {
	const n, steps = 80, 10
	data := randomImages(n, 3)
	cfg := core.DefaultTrainConfig()
	cfg.BatchSize = 24

	loc, err := NewLocal(smallModel(t, 7), cfg)
	if err != nil {
		t.Fatal(err)
	}
	loc.SetData(data, n)
	var want []StepResult
	for len(want) < steps {
		loc.Step()
		for loc.Status().Pending > 0 {
			want = append(want, loc.Tick(time.Second)...)
		}
	}
	for workers := 1; workers <= 4; workers++ {
		var fw *fakeWorkers
		w, err := NewWorkers(smallModel(t, 7), cfg, workers, startFake(&fw))
		if err != nil {
			t.Fatal(err)
		}
		if w.HasData() || fw != nil {
			t.Fatal("workers started before they were needed")
		}
		w.SetData(data, n)
		waitFor(t, "the data", w, w.HasData)
		v0 := w.Version()
		var got []StepResult
		for i := 0; i < steps; i++ {
			w.Step()
		}
		got = waitFor(t, "the steps", w, func() bool { return w.Status().Steps == steps && w.Status().Pending == 0 })
		if len(got) != steps {
			t.Fatalf("%d workers: %d results, want %d", workers, len(got), steps)
		}
		for i, r := range got {
			l, wl := r.Loss, want[i].Loss
			if r.Err != nil || r.Step != i+1 || math.Abs(l.NegELBO-wl.NegELBO) > 1e-4*math.Abs(wl.NegELBO) {
				t.Errorf("%d workers, step %d: %+v, Local: %+v", workers, i+1, r, want[i])
			}
		}
		st := w.Status()
		if st.Running || st.Examples != int64(steps*cfg.BatchSize) || st.Epoch != want[steps-1].Epoch {
			t.Errorf("%d workers: status %+v", workers, st)
		}
		waitFor(t, "the final weights", w, func() bool {
			w.mu.Lock()
			defer w.mu.Unlock()
			return w.wstep == steps
		})
		if w.Version() <= v0 {
			t.Error("the version did not change with the weights")
		}
		snap := w.Snapshot(nil)
		w.Close() // waits for the workers' goroutines
		for _, nd := range fw.nodes {
			if !slices.Equal(snap.Values(), nd.Model().Values()) {
				t.Errorf("%d workers: the snapshot differs from worker %d's weights", workers, nd.ID)
			}
		}
		// Close enough to Local's weights after 10 steps.
		var d float64
		for i, v := range snap.Values() {
			d = max(d, math.Abs(float64(v-loc.model.Values()[i])))
		}
		if d > 1e-3 {
			t.Errorf("%d workers: weights differ from Local's by up to %v", workers, d)
		}
	}
}

// TestWorkersStartPauseLoad: Start trains until Pause, Load restarts from
// new weights, settings reach the workers, and the rate is measured.
func TestWorkersStartPauseLoad(t *testing.T) {
	const n = 64
	cfg := core.DefaultTrainConfig()
	cfg.BatchSize = 16
	var fw *fakeWorkers
	w, err := NewWorkers(smallModel(t, 1), cfg, 3, startFake(&fw))
	if err != nil {
		t.Fatal(err)
	}
	w.SetData(randomImages(n, 4), n)
	waitFor(t, "the data", w, w.HasData)
	w.Start()
	if !w.Status().Running {
		t.Fatal("not running after Start")
	}
	waitFor(t, "20 steps", w, func() bool { return w.Status().Steps >= 20 })
	if r := w.Status().ExamplesPerSec; !(r > 0) {
		t.Errorf("examples/s while running: %v", r)
	}
	cfg2 := cfg
	cfg2.LearningRate = 1e-4
	if err := w.SetConfig(cfg2); err != nil {
		t.Fatal(err)
	}
	bad := cfg2
	bad.BatchSize = 0
	if w.SetConfig(bad) == nil {
		t.Error("a bad config was accepted")
	}
	w.Load(smallModel(t, 2))
	if st := w.Status(); st.Steps != 0 || !st.Running {
		t.Errorf("after Load: %+v", st)
	}
	waitFor(t, "steps on the new weights", w, func() bool { return w.Status().Steps >= 5 })
	w.Pause()
	// Worker 0 answers every control; steps it had already committed to
	// (at most two) may still come after the pause's answer.
	waitFor(t, "the pause's answer", w, w.Settled)
	time.Sleep(100 * time.Millisecond)
	w.Tick(0)
	stopped := w.Status().Steps
	time.Sleep(100 * time.Millisecond)
	if st := w.Status(); st.Steps != stopped || st.Running || st.ExamplesPerSec != 0 {
		t.Errorf("still training after the pause: %+v (stopped at %d)", st, stopped)
	}
	w.Close()
	for _, nd := range fw.nodes {
		if nd.Model().Values()[0] != fw.nodes[0].Model().Values()[0] {
			t.Error("workers disagree")
		}
		if c := nd.Config(); c != cfg2 {
			t.Errorf("worker %d trains with %+v", nd.ID, c)
		}
	}
}

// TestWorkersErrors: a step that turns non-finite stops training with the
// message, keeping the last good weights; a failed download is reported
// and leaves the backend usable; a worker that dies is reported by Err.
func TestWorkersErrors(t *testing.T) {
	const n = 32
	data := randomImages(n, 5)
	for i := 0; i < 784; i++ {
		data[3*784+i] = float32(math.Inf(1))
	}
	cfg := core.DefaultTrainConfig()
	cfg.BatchSize = n
	var fw *fakeWorkers
	m := smallModel(t, 3)
	before := slices.Clone(m.Values())
	w, err := NewWorkers(m, cfg, 2, startFake(&fw))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.FetchData("data/train-images-idx3-ubyte.gz")
	waitFor(t, "the failed download", w, func() bool { s, _, _, _, _ := w.DataState(); return s == "failed" })
	if s, _, _, _, e := w.DataState(); s != "failed" || !strings.Contains(e, "404") || w.DataStatus() != 404 {
		t.Errorf("download state %q, %q, HTTP status %d", s, e, w.DataStatus())
	}
	w.SetData(data, n)
	waitFor(t, "the data", w, w.HasData)
	w.Start()
	res := waitFor(t, "the failure", w, func() bool { return !w.Status().Running })
	if len(res) != 1 || res[0].Err == nil || !strings.Contains(res[0].Err.Error(), "non-finite") {
		t.Fatalf("results: %+v", res)
	}
	t.Logf("shown: %v", res[0].Err)
	waitFor(t, "the last good weights", w, func() bool { return w.Version() > 0 })
	if !slices.Equal(w.Snapshot(nil).Values(), before) {
		t.Error("the weights changed")
	}
	if w.Err() != nil {
		t.Errorf("Err after a training error: %v", w.Err())
	}
	fw.nodes[1].Send(dp.Main, &dp.Message{Kind: dp.Failed, Fatal: true, Err: "worker 1 could not start: boom"})
	if err := w.Err(); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("Err after a fatal failure: %v", err)
	}
}

func TestDefaultWorkers(t *testing.T) {
	for cores, want := range map[int]int{0: 1, 1: 1, 2: 1, 3: 2, 4: 3, 5: 4, 16: 4} {
		if got := DefaultWorkers(cores); got != want {
			t.Errorf("DefaultWorkers(%d) = %d, want %d", cores, got, want)
		}
	}
	if _, err := NewWorkers(nil, core.DefaultTrainConfig(), MaxWorkers+1, nil); err == nil {
		t.Error("too many workers accepted")
	}
}

// OnWeights is called for each set of weights from worker 0 that the
// backend takes — after Version has changed — and not for weights of an
// older generation (sent before a Load), which it drops.
func TestWorkersOnWeights(t *testing.T) {
	m := smallModel(t, 1)
	w, err := NewWorkers(m, core.DefaultTrainConfig(), 1, func(int, func(*dp.Message)) Transport { return nopTransport{} })
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	var seen []uint64
	w.OnWeights(func() { calls++ })
	weights := func(gen uint64) *dp.Message {
		return &dp.Message{Kind: dp.Weights, Gen: gen, Steps: 3, Values: slices.Clone(m.Values()), State: slices.Clone(m.State())}
	}
	v0 := w.Version()
	w.deliver(weights(0))
	seen = append(seen, w.Version())
	if calls != 1 || seen[0] == v0 {
		t.Fatalf("after new weights: %d calls, version %d → %d", calls, v0, seen[0])
	}
	w.Load(smallModel(t, 2)) // generation 1
	w.deliver(weights(0))
	if calls != 1 {
		t.Fatalf("weights of an older generation: %d calls, want 1", calls)
	}
	w.deliver(weights(1))
	if calls != 2 {
		t.Fatalf("weights of the current generation: %d calls, want 2", calls)
	}
}

// nopTransport drops every message.
type nopTransport struct{}

func (nopTransport) Post(int, *dp.Message) {}
func (nopTransport) Close()                {}
