package dataparallel

import (
	"fmt"
	"time"

	"github.com/govae/govae/core"
)

// Held-out evaluation in a worker: the page sends the held-out images once
// (HeldOut) and then asks every few seconds (Evaluate) for the −ELBO,
// reconstruction, KL and KL per latent dimension of the current weights on
// them (Evaluated), off its main thread. Two ways to use it:
//
//   - while training in workers, ask worker 0 about its own model (no
//     Weights, Gen = the Load's): it answers between two steps, with
//     exactly the weights of the step it reports, and nothing is copied;
//   - while training in the page, start one more worker (N = 1, never
//     loaded) and send it the weights file with each Evaluate.
//
// EvalClient is the page's side: it paces the requests and keeps the curve.

// heldOut is a node's held-out images and the Evaluate of its own model
// that waits for the step under way to finish.
type heldOut struct {
	pixels  []float32
	n, size int
	err     string // what was wrong with the last HeldOut message
	wait    *Message
}

// set takes a HeldOut message: N images as Pixels, or as Bytes scaled by
// 1/255 as package mnist scales them.
func (h *heldOut) set(m *Message) {
	*h = heldOut{wait: h.wait}
	px := m.Pixels
	if px == nil && m.Bytes != nil {
		px = bytesToUnit(m.Bytes)
	}
	switch {
	case m.N < 1:
		h.err = fmt.Sprintf("a held-out set of %d images", m.N)
	case len(px) == 0 || len(px)%m.N != 0:
		h.err = fmt.Sprintf("%d held-out values are not %d whole images", len(px), m.N)
	default:
		h.pixels, h.n, h.size = px, m.N, len(px)/m.N
	}
}

// bytesToUnit returns pixel bytes as values in [0, 1], b/255, as package
// mnist scales them.
func bytesToUnit(bytes []uint8) []float32 {
	px := make([]float32, len(bytes))
	for i, b := range bytes {
		px[i] = float32(b) / 255
	}
	return px
}

// evaluateWhenDone answers an Evaluate now, or, for the node's own model
// while a step is under way, once that step is done (afterStep).
func (n *Node) evaluateWhenDone(m *Message) {
	if m.Weights != nil || !n.busy {
		n.evaluate(m)
		return
	}
	if w := n.held.wait; w != nil {
		n.Send(Main, &Message{Kind: Evaluated, Gen: w.Gen, Seq: w.Seq, From: n.ID,
			Err: fmt.Sprintf("evaluation %d was overtaken by evaluation %d", w.Seq, m.Seq)})
	}
	n.held.wait = m
}

// evaluateWaiting answers the Evaluate that waited for the step.
func (n *Node) evaluateWaiting() {
	if w := n.held.wait; w != nil {
		n.held.wait = nil
		n.evaluate(w)
	}
}

// dropEvaluation answers the Evaluate that waited for a step that a Load
// abandoned: the weights it asked about are gone.
func (n *Node) dropEvaluation() {
	if w := n.held.wait; w != nil {
		n.held.wait = nil
		n.Send(Main, &Message{Kind: Evaluated, Gen: w.Gen, Seq: w.Seq, From: n.ID,
			Err: "new weights were loaded before the evaluation"})
	}
}

// evaluate answers req with an Evaluated message.
func (n *Node) evaluate(req *Message) {
	start := n.now()
	reply := &Message{Kind: Evaluated, Gen: req.Gen, Seq: req.Seq, From: n.ID, Steps: req.Steps}
	e, steps, err := n.evaluation(req)
	if err != nil {
		reply.Err = fmt.Sprintf("worker %d: held-out evaluation: %v", n.ID, err)
	} else {
		reply.Steps, reply.Loss, reply.KLDims = steps, e.Loss, e.KLPerDim
	}
	reply.Took = float64(n.now().Sub(start)) / 1e6
	n.Send(Main, reply)
}

// evaluation evaluates the weights req asks about on the held-out images
// and returns the step they are from.
func (n *Node) evaluation(req *Message) (core.Evaluation, int, error) {
	model, lik, steps := n.model, n.Config().Likelihood, n.base.Steps
	if n.trainer != nil {
		steps = n.trainer.Steps
	}
	switch {
	case req.Weights != nil:
		m, err := core.ParseModel(req.Weights)
		if err != nil {
			return core.Evaluation{}, 0, fmt.Errorf("the weights sent: %v", err)
		}
		model, lik, steps = m, m.Likelihood, req.Steps
	case model == nil:
		return core.Evaluation{}, 0, fmt.Errorf("no weights: none were loaded or sent")
	case req.Gen != n.gen:
		return core.Evaluation{}, 0, fmt.Errorf("asked about the weights of load %d, the worker holds load %d", req.Gen, n.gen)
	}
	h := &n.held
	switch {
	case h.err != "":
		return core.Evaluation{}, 0, fmt.Errorf("bad held-out images: %s", h.err)
	case h.n == 0:
		return core.Evaluation{}, 0, fmt.Errorf("no held-out images (send HeldOut first)")
	case h.size != model.Arch.Input:
		return core.Evaluation{}, 0, fmt.Errorf("held-out images of %d values, the model takes %d", h.size, model.Arch.Input)
	}
	e, err := core.EvaluatePerDim(model, h.pixels, h.n, lik, core.HeldOutSeed)
	return e, steps, err
}

// HeldOutMessage returns the HeldOut message of the held-out set: the
// core.HeldOutSize images at core.HeldOutIndices out of total images of
// size values each in pixels (a test set's mnist.Dataset.Pixels: every
// tenth of its 10 000 images), or all of them when there are fewer (the
// tenth of a visitor's images held out of training). Errors: as
// core.HeldOutImages.
func HeldOutMessage(pixels []float32, total, size int) (*Message, error) {
	n := min(core.HeldOutSize, total)
	px, err := core.HeldOutImages(pixels, total, size, n)
	if err != nil {
		return nil, err
	}
	return &Message{Kind: HeldOut, Pixels: px, N: n}, nil
}

// DefaultEvalEvery is EvalClient.Every's default: the held-out curve gets
// a point every few seconds.
const DefaultEvalEvery = 5 * time.Second

// EvalCostFactor paces the requests by their cost: the next one waits at
// least this many times as long as the last evaluation took, so that
// evaluating takes at most about a tenth of the worker's time (it delays
// worker 0's steps when it evaluates its own model).
const EvalCostFactor = 10

// EvalLost is how long an answer may take before EvalClient asks again
// (a worker that failed never answers).
const EvalLost = time.Minute

// EvalPoint is one point of the held-out curve.
type EvalPoint struct {
	At       time.Time // when it was asked for (the page's clock)
	Steps    int       // optimiser steps of the weights evaluated
	Loss     core.Loss // −ELBO, Recon, KL in nats per image; N held-out images
	KLPerDim []float64 // nats per image for each latent dimension
}

// EvalClient is the page's side of held-out evaluation: it decides when to
// ask (Request), takes the answers (Receive) and keeps the curve of one
// generation of weights. It is not safe for concurrent use.
type EvalClient struct {
	// Every is the least time between two requests; DefaultEvalEvery when
	// zero. A request also waits EvalCostFactor times the last
	// evaluation's duration.
	Every time.Duration

	gen     uint64
	seq     uint64
	asked   time.Time // of the request in flight
	waiting bool
	last    time.Time // of the last request
	took    time.Duration
	points  []EvalPoint
}

// Request returns the Evaluate message to post to the evaluating worker
// now, or nil when none is due: one is in flight, or less than Every (or
// EvalCostFactor times the last evaluation) has passed since the last.
// gen numbers the weights: the Load generation for a worker's own model
// (weights nil), the page's own count of weight changes (Reset, load,
// architecture) otherwise; a new gen starts a new curve. steps is the step
// the weights are from; weights is a weights file, or nil to ask about the
// worker's own model.
func (c *EvalClient) Request(now time.Time, gen uint64, steps int, weights []byte) *Message {
	if gen != c.gen {
		c.gen, c.points, c.waiting, c.last = gen, nil, false, time.Time{}
	}
	if c.waiting && now.Sub(c.asked) < EvalLost {
		return nil
	}
	every := c.Every
	if every <= 0 {
		every = DefaultEvalEvery
	}
	if !c.last.IsZero() && now.Sub(c.last) < max(every, EvalCostFactor*c.took) {
		return nil
	}
	c.seq++
	c.asked, c.last, c.waiting = now, now, true
	return &Message{Kind: Evaluate, Gen: gen, Seq: c.seq, Steps: steps, Weights: weights}
}

// Receive takes an Evaluated message. It returns the new point and true
// when the message answers the request in flight for the current gen (the
// point is then on the curve), or the worker's error; answers to earlier
// requests or generations are ignored (false, nil).
func (c *EvalClient) Receive(m *Message) (EvalPoint, bool, error) {
	if m.Kind != Evaluated || m.Seq != c.seq || !c.waiting {
		return EvalPoint{}, false, nil
	}
	c.waiting = false
	c.took = time.Duration(m.Took * float64(time.Millisecond))
	if m.Gen != c.gen {
		return EvalPoint{}, false, nil
	}
	if m.Err != "" {
		return EvalPoint{}, false, fmt.Errorf("%s", m.Err)
	}
	p := EvalPoint{At: c.asked, Steps: m.Steps, Loss: m.Loss, KLPerDim: m.KLDims}
	c.points = append(c.points, p)
	return p, true, nil
}

// Points returns the curve of the current generation, oldest first
// (aliasing the client's; do not modify).
func (c *EvalClient) Points() []EvalPoint { return c.points }

// Latest returns the newest point, if any.
func (c *EvalClient) Latest() (EvalPoint, bool) {
	if len(c.points) == 0 {
		return EvalPoint{}, false
	}
	return c.points[len(c.points)-1], true
}
