package dataparallel

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/govae/govae/core"
)

// cluster connects n Nodes and a page in one goroutine. Every sender has a
// FIFO queue per receiver, as a MessagePort has, and deliver takes the next
// message from a queue chosen at random, so that messages from different
// senders arrive in every possible order.
type cluster struct {
	t     *testing.T
	nodes []*Node
	queue map[[2]int][]*Message // by sender and receiver (Main for the page)
	page  []*Message            // what the page received
	rng   *rand.Rand
	clock time.Time
}

func newCluster(t *testing.T, n int, seed uint64) *cluster {
	c := &cluster{t: t, queue: map[[2]int][]*Message{}, rng: rand.New(rand.NewPCG(seed, 3)), clock: time.Unix(0, 0)}
	for i := 0; i < n; i++ {
		node := &Node{ID: i, N: n, MinShare: 1, Now: func() time.Time { c.clock = c.clock.Add(time.Millisecond); return c.clock }}
		node.Send = func(to int, m *Message) { c.post(i, to, m) }
		c.nodes = append(c.nodes, node)
	}
	return c
}

// post queues a copy of m, as postMessage does.
func (c *cluster) post(from, to int, m *Message) {
	cp := *m
	cp.Grad = slices.Clone(m.Grad)
	cp.Values = slices.Clone(m.Values)
	cp.State = slices.Clone(m.State)
	if m.Config != nil {
		cfg := *m.Config
		cp.Config = &cfg
	}
	k := [2]int{from, to}
	c.queue[k] = append(c.queue[k], &cp)
}

// fromPage sends m from the page to worker i.
func (c *cluster) fromPage(i int, m *Message) { c.post(Main, i, m) }

func (c *cluster) toAll(m *Message) {
	for i := range c.nodes {
		c.fromPage(i, m)
	}
}

// run delivers messages, and lets ready nodes continue, until nothing is
// left to do.
func (c *cluster) run() {
	for steps := 0; c.step(); steps++ {
		if steps > 1e6 {
			c.t.Fatal("the cluster does not settle")
		}
	}
}

// step does one thing, chosen at random: delivers the next message of a
// queue, or lets a ready node start its step (as a worker's event loop
// does once the messages that came in are handled). It reports whether
// there was anything to do.
func (c *cluster) step() bool {
	var keys [][2]int
	for k, q := range c.queue {
		if len(q) > 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b [2]int) int { return (a[0]-b[0])*100 + a[1] - b[1] })
	for _, n := range c.nodes {
		if n.Ready() {
			keys = append(keys, [2]int{-2, n.ID})
		}
	}
	if len(keys) == 0 {
		return false
	}
	k := keys[c.rng.IntN(len(keys))]
	if k[0] == -2 {
		c.nodes[k[1]].Continue()
		return true
	}
	m := c.queue[k][0]
	c.queue[k] = c.queue[k][1:]
	if k[1] == Main {
		c.page = append(c.page, m)
		return true
	}
	c.nodes[k[1]].Handle(m)
	return true
}

// received returns and forgets the page's messages of kind k.
func (c *cluster) received(k Kind) []*Message {
	var out, rest []*Message
	for _, m := range c.page {
		if m.Kind == k {
			out = append(out, m)
		} else {
			rest = append(rest, m)
		}
	}
	c.page = rest
	return out
}

// checkSameWeights: every worker holds the same weights, bit for bit.
func (c *cluster) checkSameWeights(when string) {
	c.t.Helper()
	w0 := c.nodes[0].model.Values()
	for _, n := range c.nodes[1:] {
		if !slices.Equal(math32bits(n.model.Values()), math32bits(w0)) {
			c.t.Fatalf("%s: worker %d's weights differ from worker 0's", when, n.ID)
		}
	}
}

func math32bits(v []float32) []uint32 {
	out := make([]uint32, len(v))
	for i, x := range v {
		out[i] = math.Float32bits(x)
	}
	return out
}

func testModel(t *testing.T, seed uint64) *core.Model {
	t.Helper()
	m, err := core.New(core.Architecture{Input: 784, Encoder: []int{32, 16}, Decoder: []int{16, 32}, Latent: 2, Activation: core.ReLU}, seed)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func testImages(n int) []float32 { return bytesToUnit(SyntheticImages(n, 784, 5)) }

// reference trains the same model on the same data with one Trainer on
// whole batches.
func reference(t *testing.T, cfg core.TrainConfig, data []float32, n, steps int) []core.Loss {
	t.Helper()
	tr, err := core.NewTrainer(testModel(t, 1), cfg, data, n)
	if err != nil {
		t.Fatal(err)
	}
	var out []core.Loss
	for i := 0; i < steps; i++ {
		l, err := tr.TrainStep()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return out
}

func (c *cluster) load(gen uint64, m *core.Model, cfg core.TrainConfig) {
	c.toAll(&Message{Kind: Load, Gen: gen, Weights: m.MarshalBinary(), Config: &cfg})
}

// TestSameLossesAsOneTrainer: with 1 to 5 workers, and messages arriving in
// random orders, the losses of a run follow those of a single Trainer on
// whole batches (to float32 rounding: the workers add up the gradient in a
// different order), and all workers keep identical weights.
func TestSameLossesAsOneTrainer(t *testing.T) {
	const n, steps = 96, 12
	data := testImages(n)
	cfg := core.DefaultTrainConfig()
	cfg.BatchSize = 20
	cfg.LearningRate = 3e-3
	want := reference(t, cfg, data, n, steps)
	for workers := 1; workers <= 5; workers++ {
		c := newCluster(t, workers, uint64(workers))
		c.load(1, testModel(t, 1), cfg)
		c.toAll(&Message{Kind: Data, Pixels: data, N: n})
		c.run()
		if got := len(c.received(DataReady)); got != workers {
			t.Fatalf("%d workers: %d data-ready messages", workers, got)
		}
		for i := 0; i < steps; i++ {
			c.fromPage(0, &Message{Kind: Control, Seq: uint64(i + 1), Command: CmdStep})
		}
		c.run()
		done := c.received(StepDone)
		if len(done) != steps {
			t.Fatalf("%d workers: %d steps, want %d", workers, len(done), steps)
		}
		for i, m := range done {
			w := want[i]
			if m.Steps != i+1 || m.Examples != int64((i+1)*cfg.BatchSize) || m.Loss.N != cfg.BatchSize {
				t.Errorf("%d workers, step %d: reported step %d, %d examples, N %d", workers, i+1, m.Steps, m.Examples, m.Loss.N)
			}
			if math.Abs(m.Loss.NegELBO-w.NegELBO) > 1e-4*math.Abs(w.NegELBO) || math.Abs(m.Loss.KL-w.KL) > 1e-3*math.Abs(w.KL)+1e-4 {
				t.Errorf("%d workers, step %d: −ELBO %.6f KL %.6f, one trainer %.6f %.6f", workers, i+1, m.Loss.NegELBO, m.Loss.KL, w.NegELBO, w.KL)
			}
		}
		c.checkSameWeights("after the run")
		ws := c.received(Weights)
		if len(ws) == 0 || ws[len(ws)-1].Steps != steps || !slices.Equal(math32bits(ws[len(ws)-1].Values), math32bits(c.nodes[0].model.Values())) {
			t.Errorf("%d workers: the page did not get the final weights", workers)
		}
		states := c.received(State)
		if last := states[len(states)-1]; last.Seq != steps {
			t.Errorf("%d workers: last state answers control %d, want %d", workers, last.Seq, steps)
		}
	}
}

// TestStartPauseAndSettings: a running cluster stops at the same step on
// every worker when paused, and settings changed while it runs take effect
// at the same step everywhere.
func TestStartPauseAndSettings(t *testing.T) {
	for _, workers := range []int{1, 3} {
		testStartPauseAndSettings(t, workers)
	}
}

func testStartPauseAndSettings(t *testing.T, workers int) {
	const n = 64
	cfg := core.DefaultTrainConfig()
	cfg.BatchSize = 16
	c := newCluster(t, workers, 7)
	c.load(1, testModel(t, 2), cfg)
	c.toAll(&Message{Kind: Data, Pixels: testImages(n), N: n})
	c.fromPage(0, &Message{Kind: Control, Seq: 1, Command: CmdStart})
	// Deliver a while, then change settings and pause mid-run.
	for i := 0; i < 400; i++ {
		c.deliverOne()
	}
	cfg2 := cfg
	cfg2.BatchSize, cfg2.LearningRate = 7, 5e-4 // 7 rows over 3 workers: 2, 2, 3
	c.fromPage(0, &Message{Kind: Control, Seq: 2, Command: CmdConfig, Config: &cfg2})
	for i := 0; i < 400; i++ {
		c.deliverOne()
	}
	c.fromPage(0, &Message{Kind: Control, Seq: 3, Command: CmdPause})
	c.run()
	done := c.received(StepDone)
	if len(done) < 3 {
		t.Fatalf("only %d steps", len(done))
	}
	for i, nd := range c.nodes {
		if nd.busy || nd.Ready() || nd.trainer.Steps != done[len(done)-1].Steps {
			t.Errorf("worker %d: busy %v at step %d; worker 0 reported step %d", i, nd.busy, nd.trainer.Steps, done[len(done)-1].Steps)
		}
		if nd.trainer.Config != c.nodes[0].trainer.Config {
			t.Errorf("worker %d trains with %+v, worker 0 with %+v", i, nd.trainer.Config, c.nodes[0].trainer.Config)
		}
	}
	if c.nodes[0].trainer.Config != cfg2 {
		t.Errorf("the new settings were not used")
	}
	sawSmall := false
	for _, m := range done {
		sawSmall = sawSmall || m.Loss.N == 7
	}
	if !sawSmall {
		t.Error("no step with the new batch size")
	}
	c.checkSameWeights("after the pause")
	last := c.received(State)
	if s := last[len(last)-1]; s.Seq != 3 || s.Running || s.Pending != 0 {
		t.Errorf("state after the pause: %+v", s)
	}
	if d := done[len(done)-1]; d.Active {
		t.Errorf("the last step says more are under way: %+v", d)
	}
}

func (c *cluster) deliverOne() { c.step() }

// TestNonFiniteStepStopsEveryWorker: a NaN in one worker's share discards
// the step on every worker, keeps the weights, and the page hears why.
func TestNonFiniteStepStopsEveryWorker(t *testing.T) {
	const n = 32
	data := testImages(n)
	for i := range data[5*784 : 6*784] {
		data[5*784+i] = float32(math.NaN())
	}
	cfg := core.DefaultTrainConfig()
	cfg.BatchSize = n // every batch holds the poisoned image
	c := newCluster(t, 4, 9)
	m := testModel(t, 3)
	before := slices.Clone(m.Values())
	c.load(1, m, cfg)
	c.toAll(&Message{Kind: Data, Pixels: data, N: n})
	c.fromPage(0, &Message{Kind: Control, Seq: 1, Command: CmdStart})
	c.run()
	stopped := c.received(Stopped)
	if len(stopped) != 1 || !strings.Contains(stopped[0].Err, "non-finite") || !strings.Contains(stopped[0].Err, "of 4") || stopped[0].Running {
		t.Fatalf("stopped messages: %+v", stopped)
	}
	t.Logf("the page is told: %s", stopped[0].Err)
	if len(c.received(StepDone)) != 0 {
		t.Error("a step was reported done")
	}
	for _, nd := range c.nodes {
		if nd.busy || nd.trainer.Steps != 0 || !slices.Equal(math32bits(nd.model.Values()), math32bits(before)) {
			t.Errorf("worker %d: busy %v, step %d, weights changed %v", nd.ID, nd.busy, nd.trainer.Steps, !slices.Equal(nd.model.Values(), before))
		}
	}
	if ws := c.received(Weights); len(ws) != 1 || !slices.Equal(math32bits(ws[0].Values), math32bits(before)) {
		t.Error("the page did not get the last good weights")
	}
}

// TestLoadWhileRunning: new weights sent to a running cluster replace the
// old ones on every worker, even when the workers get the Load at different
// moments and messages of the old and new generations cross.
func TestLoadWhileRunning(t *testing.T) {
	const n = 48
	cfg := core.DefaultTrainConfig()
	cfg.BatchSize = 12
	for seed := uint64(0); seed < 6; seed++ {
		c := newCluster(t, 3, seed)
		c.load(1, testModel(t, 4), cfg)
		c.toAll(&Message{Kind: Data, Pixels: testImages(n), N: n})
		c.fromPage(0, &Message{Kind: Control, Seq: 1, Command: CmdStart})
		for i := 0; i < 200+int(seed)*37; i++ {
			c.deliverOne()
		}
		fresh := testModel(t, 5)
		c.toAll(&Message{Kind: Load, Gen: 2, Weights: fresh.MarshalBinary(), Config: &cfg, Steps: 100, Examples: 1000})
		for i := 0; i < 300; i++ {
			c.deliverOne()
		}
		c.fromPage(0, &Message{Kind: Control, Seq: 2, Command: CmdPause})
		c.run()
		var after []*Message
		for _, m := range c.received(StepDone) {
			if m.Gen == 2 {
				after = append(after, m)
			}
		}
		if len(after) == 0 || after[0].Steps != 101 || after[0].Examples != 1012 {
			t.Fatalf("seed %d: steps after the load: %+v", seed, after)
		}
		for _, nd := range c.nodes {
			if nd.busy || nd.gen != 2 || nd.trainer.Steps != after[len(after)-1].Steps {
				t.Errorf("seed %d: worker %d: busy %v, gen %d, step %d", seed, nd.ID, nd.busy, nd.gen, nd.trainer.Steps)
			}
		}
		c.checkSameWeights("after the load")
	}
}

// TestSyntheticImages: the same seed gives the same images, and data given
// by seed reaches every worker alike.
func TestSyntheticImages(t *testing.T) {
	a, b := SyntheticImages(10, 784, 1), SyntheticImages(10, 784, 1)
	if !slices.Equal(a, b) || slices.Equal(a, SyntheticImages(10, 784, 2)) {
		t.Error("SyntheticImages is not a function of its seed")
	}
	lit := 0
	for _, v := range a {
		if v > 0 {
			lit++
		}
	}
	if f := float64(lit) / float64(len(a)); f < 0.1 || f > 0.3 {
		t.Errorf("%.2f of the pixels lit", f)
	}
	c := newCluster(t, 2, 1)
	cfg := core.DefaultTrainConfig()
	cfg.BatchSize = 8
	c.load(1, testModel(t, 1), cfg)
	c.toAll(&Message{Kind: Data, N: 64, Seed: 3})
	c.fromPage(0, &Message{Kind: Control, Seq: 1, Command: CmdStep})
	c.run()
	if len(c.received(StepDone)) != 1 {
		t.Fatal("no step on synthetic data")
	}
	c.checkSameWeights("synthetic data")
}

// TestShare: batches split into equal shares of at least MinShare images,
// covering the batch exactly once.
func TestShare(t *testing.T) {
	for _, c := range []struct{ n, b, min, active int }{
		{1, 128, 32, 1}, {2, 128, 32, 2}, {4, 128, 32, 4}, {8, 128, 32, 4}, {2, 32, 32, 1}, {2, 63, 32, 1},
		{3, 7, 1, 3}, {5, 3, 1, 3}, {4, 1, 0, 1}, {3, 96, 0, 3},
	} {
		next, active := 0, 0
		for id := 0; id < c.n; id++ {
			lo, hi := share(id, c.n, c.b, c.min)
			if hi == lo {
				continue
			}
			active++
			if lo != next || hi < lo || (c.min > 0 && hi-lo < min(c.min, c.b)) {
				t.Errorf("%+v: worker %d gets [%d, %d)", c, id, lo, hi)
			}
			next = hi
		}
		if next != c.b || active != c.active {
			t.Errorf("%+v: %d workers cover %d rows", c, active, next)
		}
	}
}
