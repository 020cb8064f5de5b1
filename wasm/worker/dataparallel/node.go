package dataparallel

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/govae/govae/core"
)

// DefaultWeightsEvery is how often worker 0 sends the weights to the page
// while training (after the first step that ends at least this long after
// the last sending): the page refreshes the manifold from them up to 12.5
// times a second (explorer.ManifoldInterval), so they must come more often
// than that. Sending costs the worker one copy of the weights (1.9 MB by
// default) into a buffer the page gives back (js.go).
const DefaultWeightsEvery = 50 * time.Millisecond

// DefaultMinShare is Node.MinShare's default. A step costs every worker a
// few milliseconds whatever its share (sending and adding up ~470 000
// gradients, the optimiser step): below about 32 images, splitting a batch
// further loses more to that than the computing it saves (measured in
// Chromium on 2 cores: batch 32 in 2 workers of 16 images ran at half the
// speed of 1 worker).
const DefaultMinShare = 32

// Node is one worker's part of data-parallel training. Handle takes the
// messages addressed to it one at a time; it sends through Send. A Node is
// not safe for concurrent use.
type Node struct {
	ID, N int
	// Send delivers m to worker to, or to the page when to is Main. It must
	// not keep m's slices after it returns (postMessage copies them).
	Send func(to int, m *Message)
	// Now reads the clock; time.Now when nil.
	Now func() time.Time
	// WeightsEvery is how often worker 0 sends the weights while training;
	// DefaultWeightsEvery when zero.
	WeightsEvery time.Duration
	// MinShare is the fewest images a worker computes when the batch is
	// split; DefaultMinShare when zero. Smaller batches go to fewer workers
	// (the rest only take the step).
	MinShare int

	gen      uint64
	model    *core.Model
	cfg      core.TrainConfig // what the trainer is created with
	trainer  *core.Trainer    // nil until there are both weights and data
	base     Message          // Steps, Epoch, Examples the last Load counts on from
	examples int64
	pixels   []float32
	bytes    []uint8
	n        int
	newData  *Message // images that arrived during a step

	// Worker 0's controls.
	seq      uint64
	running  bool
	pending  int
	want     core.TrainConfig
	lastSent time.Time
	clock0   time.Time // StepDone.At counts from here (a monotonic reading)
	// When the step began, had sent its share, and when the last one ended.
	tBegin, tSent, tEnd time.Time

	// The step in progress and the messages that arrived early.
	busy   bool
	own    Message
	got    map[[2]int]*Message // by step and sender
	parts  []*Message
	sum    []float32
	waitGo *Message          // a Go that arrived during the previous step or before the data
	later  []*Message        // of a Load that has not arrived yet
	next   *core.TrainConfig // the step to start on Continue

	held heldOut        // the held-out images and an Evaluate waiting for the step (heldout.go)
	ck   nodeCheckpoint // a Save waiting for the step, a checkpoint to resume (checkpoint.go)
}

func (n *Node) now() time.Time {
	if n.Now != nil {
		return n.Now()
	}
	return time.Now()
}

func (n *Node) leader() bool { return n.ID == 0 }

// Model returns the node's model (nil before the first Load).
func (n *Node) Model() *core.Model { return n.model }

// Config returns the settings of the node's last step (or of its Load).
func (n *Node) Config() core.TrainConfig {
	if n.trainer != nil {
		return n.trainer.Config
	}
	return n.cfg
}

// Ready reports whether the node has its next step to start: the driver
// then calls Continue, after taking in the messages that have arrived.
// (Starting it at once would, with one worker, run step after step inside
// one Handle, and no pause could ever arrive.)
func (n *Node) Ready() bool { return n.next != nil }

// Continue starts the step Ready announced.
func (n *Node) Continue() {
	if cfg := n.next; cfg != nil && n.trainer != nil {
		n.next = nil
		n.begin(*cfg)
	}
}

// Handle processes one message. Messages from the peers and the page may
// come in any order between their sources; Handle holds back what arrives
// early. The slices of a Grad message must stay valid until the node has
// finished that step.
func (n *Node) Handle(m *Message) {
	switch m.Kind {
	case Load:
		n.load(m)
	case Data:
		if n.busy || n.next != nil {
			n.newData = m // applied when the step is done
			return
		}
		n.setData(m)
	case Control:
		n.control(m)
	case HeldOut:
		n.held.set(m)
	case Evaluate:
		n.evaluateWhenDone(m)
	case Save:
		n.saveWhenDone(m)
	case Go, Grad:
		switch {
		case m.Gen > n.gen:
			n.later = append(n.later, m)
		case m.Gen == n.gen && m.Kind == Go:
			n.waitGo = m
			n.startFollowing()
		case m.Gen == n.gen:
			if n.got == nil {
				n.got = map[[2]int]*Message{}
			}
			n.got[[2]int{m.Steps, m.From}] = m
			n.tryFinish()
		}
	}
}

// load replaces the weights and restarts training from them.
func (n *Node) load(m *Message) {
	model, err := n.parseLoad(m) // a weights file, or a checkpoint to resume
	if err == nil && m.Config == nil {
		err = fmt.Errorf("no settings")
	}
	if err == nil {
		err = m.Config.Validate()
	}
	if err != nil {
		n.Send(Main, &Message{Kind: Failed, Fatal: true, Err: fmt.Sprintf("worker %d: loading the weights: %v", n.ID, err)})
		return
	}
	n.dropEvaluation()
	n.gen, n.model, n.cfg, n.want = m.Gen, model, *m.Config, *m.Config
	n.base = Message{Steps: m.Steps, Epoch: m.Epoch, Examples: m.Examples}
	n.examples = m.Examples
	n.trainer, n.busy, n.waitGo, n.got, n.next = nil, false, nil, nil, nil
	n.pending = 0 // as Local.Load: requested steps are dropped, a running training goes on
	if n.newData != nil {
		n.setData(n.newData)
	}
	n.ensureTrainer()
	later := n.later
	n.later = nil
	for _, l := range later {
		if l.Gen >= n.gen {
			n.Handle(l)
		}
	}
	if n.leader() {
		n.maybeStart()
	}
}

// setData takes new training images. The step count goes on; the
// optimiser restarts, on every worker alike.
func (n *Node) setData(m *Message) {
	n.newData = nil
	if n.trainer != nil {
		n.base.Steps, n.base.Epoch = n.trainer.Steps, n.trainer.Epoch
	}
	n.pixels, n.bytes, n.n = m.Pixels, m.Bytes, m.N
	if m.Pixels == nil && m.Bytes == nil {
		n.bytes = SyntheticImages(m.N, 28*28, m.Seed)
	}
	n.trainer = nil
	n.ensureTrainer()
	n.Send(Main, &Message{Kind: DataReady, From: n.ID, N: m.N})
	if n.leader() {
		n.maybeStart()
	} else {
		n.startFollowing()
	}
}

func (n *Node) ensureTrainer() {
	if n.trainer != nil || n.model == nil || n.n == 0 {
		return
	}
	t, err := n.resumeTrainer()
	switch {
	case err != nil, t != nil:
	case n.bytes != nil:
		t, err = core.NewTrainerBytes(n.model, n.cfg, n.bytes, n.n)
	default:
		t, err = core.NewTrainer(n.model, n.cfg, n.pixels, n.n)
	}
	if err != nil {
		n.Send(Main, &Message{Kind: Failed, Fatal: true, Err: fmt.Sprintf("worker %d: %v", n.ID, err)})
		return
	}
	t.Steps, t.Epoch = n.base.Steps, n.base.Epoch
	n.trainer = t
}

// control applies one of the page's controls (worker 0 only).
func (n *Node) control(m *Message) {
	n.seq = m.Seq
	switch m.Command {
	case CmdStart:
		n.running = true
	case CmdPause:
		n.running, n.pending = false, 0
	case CmdStep:
		n.pending++
	case CmdConfig:
		if m.Config != nil && m.Config.Validate() == nil {
			n.want = *m.Config
		}
	}
	n.maybeStart()
	n.Send(Main, n.state(State))
}

// state returns a message of the given kind with worker 0's controls.
func (n *Node) state(k Kind) *Message {
	return &Message{Kind: k, Gen: n.gen, Seq: n.seq, Running: n.running, Pending: n.pending, Active: n.busy || n.next != nil}
}

// maybeStart starts a step on every worker when worker 0 is idle and
// training is wanted.
func (n *Node) maybeStart() {
	if n.busy || n.next != nil || n.trainer == nil || !(n.running || n.pending > 0) {
		return
	}
	cfg := n.want
	for j := 1; j < n.N; j++ {
		n.Send(j, &Message{Kind: Go, Gen: n.gen, Steps: n.trainer.Steps, Config: &cfg})
	}
	n.begin(cfg)
}

// startFollowing starts the step a Go message asked for, once the previous
// step and the data are done (a follower).
func (n *Node) startFollowing() {
	g := n.waitGo
	if g == nil || n.busy || n.trainer == nil {
		return
	}
	n.waitGo = nil
	if g.Steps != n.trainer.Steps {
		n.fail(fmt.Errorf("worker %d is at step %d, worker 0 at %d", n.ID, n.trainer.Steps, g.Steps))
		return
	}
	n.begin(*g.Config)
}

// begin computes this worker's share of the next step and sends it to the
// others.
func (n *Node) begin(cfg core.TrainConfig) {
	t := n.trainer
	if n.leader() && !n.running && n.pending > 0 {
		n.pending--
	}
	if t.Config != cfg {
		if err := t.SetConfig(cfg); err != nil {
			n.fail(err) // validated by the page
			return
		}
	}
	n.busy = true
	n.tBegin = n.now()
	x, eps, b := t.NextBatch()
	in, lat := n.model.Arch.Input, n.model.Arch.Latent
	lo, hi := share(n.ID, n.N, b, n.MinShare)
	n.own = Message{Kind: Grad, Gen: n.gen, From: n.ID, Steps: t.Steps, Rows: hi - lo}
	if hi > lo {
		loss, err := t.Compute(x[lo*in:hi*in], eps[lo*lat:hi*lat], hi-lo, b)
		if err != nil {
			n.own.Err = err.Error() // the loss is not finite: not sent
		} else {
			n.own.Loss, n.own.Grad = loss, n.model.Grads()
		}
	}
	if n.leader() {
		want := n.want
		n.own.Next, n.own.Config = n.running || n.pending > 0, &want
	}
	for j := 0; j < n.N; j++ {
		if j != n.ID {
			m := n.own
			n.Send(j, &m)
		}
	}
	n.tSent = n.now()
	n.tryFinish()
}

// tryFinish completes the step once every worker's share is in: sums the
// gradients in worker order and takes the optimiser step.
func (n *Node) tryFinish() {
	if !n.busy {
		return
	}
	step := n.trainer.Steps
	n.parts = n.parts[:0]
	for j := 0; j < n.N; j++ {
		p := &n.own
		if j != n.ID {
			if p = n.got[[2]int{step, j}]; p == nil {
				return
			}
		}
		n.parts = append(n.parts, p)
	}
	for j := 0; j < n.N; j++ {
		delete(n.got, [2]int{step, j})
	}
	n.busy = false
	tAll := n.now()

	var loss core.Loss
	var failure string
	rows := 0
	for j, p := range n.parts {
		if p.Err != "" && failure == "" {
			failure = p.Err
			if n.N > 1 {
				failure = fmt.Sprintf("%s (worker %d of %d)", p.Err, j+1, n.N)
			}
		}
		rows += p.Rows
		loss.NegELBO += p.Loss.NegELBO
		loss.Recon += p.Loss.Recon
		loss.KL += p.Loss.KL
		loss.Objective += p.Loss.Objective
		if p.Rows > 0 {
			loss.KLWeight = p.Loss.KLWeight
		}
	}
	loss.N = rows
	lead := n.parts[0]
	next, nextCfg := lead.Next, *lead.Config
	if failure == "" {
		n.addGrads()
		if err := n.trainer.Apply(); err != nil {
			failure = err.Error()
		}
	} else {
		n.trainer.Discard()
	}
	if failure != "" {
		// Every worker saw the same shares, so all stop here.
		if n.leader() {
			n.running, n.pending = false, 0
			st := n.state(Stopped)
			st.Err, st.Steps, st.Epoch = failure, n.trainer.Steps, n.trainer.Epoch
			n.Send(Main, st)
			n.sendWeights()
		}
		n.afterStep(false, nextCfg)
		return
	}
	n.examples += int64(rows)
	if n.leader() {
		st := n.state(StepDone)
		st.Steps, st.Epoch, st.Examples, st.Loss, st.Active = n.trainer.Steps, n.trainer.Epoch, n.examples, loss, next
		now := n.now()
		if n.clock0.IsZero() {
			n.clock0 = now
		}
		st.At = float64(now.Sub(n.clock0)) / 1e6
		ms := func(a, b time.Time) float64 { return float64(b.Sub(a)) / 1e6 }
		st.Times = []float64{0, ms(n.tBegin, n.tSent), ms(n.tSent, tAll), ms(tAll, now)}
		if !n.tEnd.IsZero() {
			st.Times[0] = ms(n.tEnd, n.tBegin)
		}
		n.tEnd = now
		n.Send(Main, st)
		if !next || n.now().Sub(n.lastSent) >= n.weightsEvery() {
			n.sendWeights()
		}
	}
	n.afterStep(next, nextCfg)
}

// addGrads sets the model's gradient to the sum of the shares, added in
// worker order so that every worker gets the same bits.
func (n *Node) addGrads() {
	g := n.model.Grads()
	if n.N == 1 {
		return // the only share is this worker's, already in place
	}
	if len(n.sum) != len(g) {
		n.sum = make([]float32, len(g))
	}
	first := true
	for _, p := range n.parts {
		if p.Rows == 0 {
			continue
		}
		src := p.Grad[:len(n.sum)]
		if first {
			copy(n.sum, src)
			first = false
			continue
		}
		for i, v := range src {
			n.sum[i] += v
		}
	}
	copy(g, n.sum)
}

// afterStep readies the next step when worker 0 said so (see Ready), or
// waits (and takes images that arrived during training).
func (n *Node) afterStep(next bool, cfg core.TrainConfig) {
	n.evaluateWaiting()
	n.saveWaiting()
	if next {
		n.next = &cfg
		return
	}
	if n.newData != nil {
		n.setData(n.newData)
		return
	}
	if n.leader() {
		n.maybeStart()
	} else {
		n.startFollowing()
	}
}

// share returns the rows [lo, hi) of a batch of b that worker id of n
// computes: equal shares for as many workers as get at least minShare rows
// (DefaultMinShare when 0), at least one, and none for the others.
func share(id, n, b, minShare int) (lo, hi int) {
	if minShare <= 0 {
		minShare = DefaultMinShare
	}
	active := min(n, max(1, b/minShare))
	if id >= active {
		return b, b
	}
	return id * b / active, (id + 1) * b / active
}

func (n *Node) weightsEvery() time.Duration {
	if n.WeightsEvery > 0 {
		return n.WeightsEvery
	}
	return DefaultWeightsEvery
}

// sendWeights sends the current weights to the page (worker 0).
func (n *Node) sendWeights() {
	cfg := n.trainer.Config
	n.Send(Main, &Message{Kind: Weights, Gen: n.gen, Steps: n.trainer.Steps, Config: &cfg,
		Values: n.model.Values(), State: n.model.State()})
	n.lastSent = n.now()
}

// fail reports a broken invariant; the page gives up on the workers.
func (n *Node) fail(err error) {
	n.busy = false
	n.Send(Main, &Message{Kind: Failed, Fatal: true, From: n.ID, Err: fmt.Sprintf("worker %d: %v", n.ID, err)})
}

// SyntheticImages returns n images of size pixels each, as bytes: about a
// fifth of the pixels lit at random, as in an MNIST digit, the same for the
// same seed. Benchmarks train on them without downloading anything.
func SyntheticImages(n, size int, seed uint64) []uint8 {
	rng := rand.New(rand.NewPCG(seed, 0x5e7))
	out := make([]uint8, n*size)
	for i := 0; i < n; i++ {
		img := out[i*size : (i+1)*size]
		for j := range img {
			if rng.IntN(5) == 0 {
				img[j] = uint8(rng.IntN(256))
			}
		}
	}
	return out
}
