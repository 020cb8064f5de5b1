package dataparallel

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/govae/govae/core"
)

// heldImages returns n held-out images, other than the training ones.
func heldImages(n int) []float32 { return bytesToUnit(SyntheticImages(n, 784, 77)) }

// heldArch has batch norm and dropout, so that evaluating in training mode
// would give other figures (and would change the running statistics).
func heldArch() core.Architecture {
	return core.Architecture{Input: 784, Encoder: []int{32}, Decoder: []int{24}, Latent: 3, Activation: core.LeakyReLU, BatchNorm: true, Dropout: 0.3}
}

func heldModel(t *testing.T) *core.Model {
	m, err := core.New(heldArch(), 6)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// evaluated returns the page's Evaluated messages, checking that each
// would cross postMessage (its JSON header encodes).
func (c *cluster) evaluated() []*Message {
	out := c.received(Evaluated)
	for _, m := range out {
		if _, err := json.Marshal(m); err != nil {
			c.t.Fatalf("Evaluated %d does not encode: %v", m.Seq, err)
		}
	}
	return out
}

// TestEvaluateOwnModel: worker 0, asked about its own model at random
// moments of a 14-step run (while its step is under way too, with 1 and 3
// workers), answers every request once with the figures of the exact
// weights of the step it names — those a run without evaluations has after
// that step — and the evaluations change nothing in the training.
func TestEvaluateOwnModel(t *testing.T) {
	const n, steps, held = 64, 14, 150
	cfg := core.DefaultTrainConfig()
	cfg.BatchSize = 12
	data, heldPx := testImages(n), heldImages(held)
	setup := func(workers int, seed uint64) *cluster {
		c := newCluster(t, workers, seed)
		c.load(1, heldModel(t), cfg)
		c.toAll(&Message{Kind: Data, Pixels: data, N: n})
		c.fromPage(0, &Message{Kind: HeldOut, Pixels: heldPx, N: held})
		c.run()
		c.received(DataReady)
		return c
	}
	for _, workers := range []int{1, 3} {
		// The reference: step by step, evaluated directly between steps.
		ref := setup(workers, 1)
		var want []core.Evaluation
		var weights [][]float32
		for k := 0; k <= steps; k++ {
			e, err := core.EvaluatePerDim(ref.nodes[0].model, heldPx, held, cfg.Likelihood, core.HeldOutSeed)
			if err != nil {
				t.Fatal(err)
			}
			want, weights = append(want, e), append(weights, slices.Clone(ref.nodes[0].model.Values()))
			ref.fromPage(0, &Message{Kind: Control, Seq: uint64(k + 1), Command: CmdStep})
			ref.run()
		}
		for seed := uint64(0); seed < 4; seed++ {
			c := setup(workers, 10+seed)
			for k := 0; k < steps; k++ {
				c.fromPage(0, &Message{Kind: Control, Seq: uint64(k + 1), Command: CmdStep})
			}
			asked := 0
			for i := 0; c.step(); i++ {
				if i%(4+int(seed)*3) == 0 && asked < 40 {
					asked++
					c.fromPage(0, &Message{Kind: Evaluate, Gen: 1, Seq: uint64(asked)})
				}
			}
			got := c.evaluated()
			if len(got) != asked {
				t.Fatalf("%d workers, seed %d: %d answers to %d requests", workers, seed, len(got), asked)
			}
			figures := 0
			for i, m := range got {
				if m.Seq != uint64(i+1) || m.Gen != 1 || m.From != 0 {
					t.Fatalf("%d workers: answer %d: %+v", workers, i+1, m)
				}
				if strings.Contains(m.Err, "overtaken") { // asked again during the same step
					continue
				}
				if m.Err != "" {
					t.Fatalf("%d workers: answer %d: %s", workers, i+1, m.Err)
				}
				figures++
				w := want[m.Steps]
				if m.Loss != w.Loss || !slices.Equal(m.KLDims, w.KLPerDim) || m.Loss.N != held {
					t.Errorf("%d workers, seed %d: step %d evaluated as %+v %v, want %+v %v", workers, seed, m.Steps, m.Loss, m.KLDims, w.Loss, w.KLPerDim)
				}
			}
			if figures < 5 {
				t.Errorf("%d workers, seed %d: only %d answers with figures", workers, seed, figures)
			}
			if s := c.nodes[0].trainer.Steps; s != steps || !slices.Equal(math32bits(c.nodes[0].model.Values()), math32bits(weights[steps])) {
				t.Errorf("%d workers, seed %d: %d steps; the weights differ from a run without evaluations", workers, seed, s)
			}
			c.checkSameWeights("after evaluations")
		}
	}
}

// TestEvaluateWaitsForTheStep: a request that reaches worker 0 while its
// step waits for the others' shares is answered once the step is done,
// about the weights after it; a Load abandons a waiting request with an
// error.
func TestEvaluateWaitsForTheStep(t *testing.T) {
	cfg := core.DefaultTrainConfig()
	cfg.BatchSize = 8
	c := newCluster(t, 2, 5)
	c.load(1, heldModel(t), cfg)
	c.toAll(&Message{Kind: Data, Pixels: testImages(32), N: 32})
	c.fromPage(0, &Message{Kind: HeldOut, Pixels: heldImages(20), N: 20})
	c.run()
	c.fromPage(0, &Message{Kind: Control, Seq: 1, Command: CmdStep})
	for !c.nodes[0].busy {
		if !c.step() {
			t.Fatal("worker 0 never began the step")
		}
	}
	c.nodes[0].Handle(&Message{Kind: Evaluate, Gen: 1, Seq: 1})
	if len(c.queue[[2]int{0, Main}]) > 0 && c.queue[[2]int{0, Main}][len(c.queue[[2]int{0, Main}])-1].Kind == Evaluated {
		t.Fatal("answered during the step")
	}
	c.run()
	got := c.evaluated()
	if len(got) != 1 || got[0].Steps != 1 || got[0].Err != "" {
		t.Fatalf("answers: %+v", got)
	}
	// Now a Load arrives while a request waits.
	c.fromPage(0, &Message{Kind: Control, Seq: 2, Command: CmdStep})
	for !c.nodes[0].busy {
		c.step()
	}
	c.nodes[0].Handle(&Message{Kind: Evaluate, Gen: 1, Seq: 2})
	c.nodes[0].Handle(&Message{Kind: Evaluate, Gen: 1, Seq: 3})
	c.nodes[0].Handle(&Message{Kind: Load, Gen: 2, Weights: heldModel(t).MarshalBinary(), Config: &cfg})
	c.run()
	got = c.evaluated()
	if len(got) != 2 || got[0].Seq != 2 || !strings.Contains(got[0].Err, "overtaken") || got[1].Seq != 3 || !strings.Contains(got[1].Err, "new weights were loaded") {
		t.Fatalf("answers after the load: %+v", got)
	}
	for _, m := range got {
		t.Logf("the page is told: %s", m.Err)
	}
}

// TestEvaluateWeights: a worker that never trained evaluates weights sent
// with the request — the figures of core.EvaluatePerDim on the held-out
// images (sent as bytes), for the weights' own likelihood — and answers
// every bad request with an error, never a panic or a message that cannot
// be sent.
func TestEvaluateWeights(t *testing.T) {
	c := newCluster(t, 1, 2)
	m := heldModel(t)
	m.Likelihood = core.Likelihood{Kind: core.Gaussian, Sigma: 0.3}
	for i, v := range m.Values() {
		m.Values()[i] = v * 1.3 // not the fresh initialisation
	}
	const held = 40
	bytes := SyntheticImages(held, 784, 9)
	px := bytesToUnit(bytes)
	ask := func(req *Message) *Message {
		t.Helper()
		c.fromPage(0, req)
		c.run()
		got := c.evaluated()
		if len(got) != 1 || got[0].Seq != req.Seq || got[0].Gen != req.Gen {
			t.Fatalf("request %d: answers %+v", req.Seq, got)
		}
		return got[0]
	}
	if r := ask(&Message{Kind: Evaluate, Gen: 4, Seq: 1, Steps: 70, Weights: m.MarshalBinary()}); !strings.Contains(r.Err, "no held-out images") {
		t.Errorf("without held-out images: %q", r.Err)
	}
	c.fromPage(0, &Message{Kind: HeldOut, Bytes: bytes, N: held})
	r := ask(&Message{Kind: Evaluate, Gen: 4, Seq: 2, Steps: 70, Weights: m.MarshalBinary()})
	sent, _ := core.ParseModel(m.MarshalBinary()) // σ as the file stores it, in float32
	want, err := core.EvaluatePerDim(sent, px, held, sent.Likelihood, core.HeldOutSeed)
	if err != nil {
		t.Fatal(err)
	}
	if r.Err != "" || r.Steps != 70 || r.Loss != want.Loss || !slices.Equal(r.KLDims, want.KLPerDim) || len(r.KLDims) != 3 {
		t.Errorf("answer %+v %v, want %+v %v", r.Loss, r.KLDims, want.Loss, want.KLPerDim)
	}
	if bern := core.Evaluate(m, px, held, core.Likelihood{Kind: core.Bernoulli}, core.HeldOutSeed); bern.Recon == r.Loss.Recon {
		t.Error("evaluated with the Bernoulli likelihood, not the weights' own")
	}

	bad := m.Clone()
	for _, p := range bad.Params() {
		if strings.HasPrefix(p.Name, "decoder.") {
			// Finite weights whose logits overflow float32: a diverged
			// model. (A huge log σ² no longer is one: it is clamped.)
			for i := range p.Value {
				p.Value[i] = 3.4e38
			}
		}
	}
	other := core.Architecture{Input: 100, Latent: 2}
	small, _ := core.New(other, 1)
	for _, c := range []struct {
		req  *Message
		want string
	}{
		{&Message{Kind: Evaluate, Gen: 4, Seq: 3, Weights: m.MarshalBinary()[:100]}, "the weights sent"},
		{&Message{Kind: Evaluate, Gen: 4, Seq: 4, Weights: bad.MarshalBinary()}, "non-finite"},
		{&Message{Kind: Evaluate, Gen: 4, Seq: 5, Weights: small.MarshalBinary()}, "held-out images of 784 values, the model takes 100"},
		{&Message{Kind: Evaluate, Gen: 4, Seq: 6}, "no weights"},
	} {
		if r := ask(c.req); !strings.Contains(r.Err, c.want) || r.Loss != (core.Loss{}) || r.KLDims != nil {
			t.Errorf("request %d: %q, %+v; want an error saying %q", c.req.Seq, r.Err, r.Loss, c.want)
		}
	}
	c.fromPage(0, &Message{Kind: HeldOut, Pixels: px[:100], N: 3})
	if r := ask(&Message{Kind: Evaluate, Gen: 4, Seq: 7, Weights: m.MarshalBinary()}); !strings.Contains(r.Err, "not 3 whole images") {
		t.Errorf("bad held-out images: %q", r.Err)
	}
	c.fromPage(0, &Message{Kind: HeldOut, N: 0})
	if r := ask(&Message{Kind: Evaluate, Gen: 4, Seq: 8, Weights: m.MarshalBinary()}); !strings.Contains(r.Err, "0 images") {
		t.Errorf("an empty held-out set: %q", r.Err)
	}
	// A training worker asked about a load it does not hold.
	cfg := core.DefaultTrainConfig()
	c.load(5, m, cfg)
	c.fromPage(0, &Message{Kind: HeldOut, Pixels: px, N: held})
	if r := ask(&Message{Kind: Evaluate, Gen: 4, Seq: 9}); !strings.Contains(r.Err, "load 4, the worker holds load 5") {
		t.Errorf("another load: %q", r.Err)
	}
	if r := ask(&Message{Kind: Evaluate, Gen: 5, Seq: 10}); r.Err != "" || r.Loss.N != held {
		t.Errorf("own model before any data: %q %+v", r.Err, r.Loss)
	}
	if len(c.received(Failed)) != 0 {
		t.Error("a bad request was reported as a failure of the worker")
	}
}

// TestHeldOutMessage: every tenth image of the test set, copied; all of a
// set smaller than a held-out set.
func TestHeldOutMessage(t *testing.T) {
	const total, size = 10000, 3
	px := make([]float32, total*size)
	for i := range px {
		px[i] = float32(i / size) // each image holds its index
	}
	m, err := HeldOutMessage(px, total, size)
	if err != nil {
		t.Fatal(err)
	}
	if m.Kind != HeldOut || m.N != core.HeldOutSize || len(m.Pixels) != core.HeldOutSize*size {
		t.Fatalf("%+v", m)
	}
	for i := 0; i < m.N; i++ {
		if m.Pixels[i*size] != float32(10*i) || m.Pixels[i*size+2] != float32(10*i) {
			t.Fatalf("held-out image %d is test image %v, want %d", i, m.Pixels[i*size], 10*i)
		}
	}
	px[0] = -1
	if m.Pixels[0] != 0 {
		t.Error("the message aliases the test set")
	}
	// Fewer images than a held-out set (a visitor's held-out tenth): all
	// of them, in order.
	small, err := HeldOutMessage(px[:25*size], 25, size)
	if err != nil {
		t.Fatal(err)
	}
	if small.N != 25 || len(small.Pixels) != 25*size || small.Pixels[24*size] != 24 {
		t.Errorf("a set of 25 images: N %d, %d values, last image %v", small.N, len(small.Pixels), small.Pixels[len(small.Pixels)-1])
	}
	if _, err := HeldOutMessage(px[:10*size], 500, size); err == nil {
		t.Error("pixels of 10 images accepted as 500")
	}
	if _, err := HeldOutMessage(nil, 0, size); err == nil {
		t.Error("an empty set accepted")
	}
}

// TestEvalClient: requests are paced (Every, and ten times the last
// evaluation's cost), one at a time, asked again when an answer is lost;
// a new generation starts a new curve and earlier answers are ignored.
func TestEvalClient(t *testing.T) {
	c := &EvalClient{Every: 2 * time.Second}
	t0 := time.Unix(1000, 0)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	answer := func(req *Message, steps int, negELBO, tookMs float64) *Message {
		return &Message{Kind: Evaluated, Gen: req.Gen, Seq: req.Seq, Steps: steps, Took: tookMs,
			Loss: core.Loss{NegELBO: negELBO, N: 1000}, KLDims: []float64{1, 2}}
	}
	r1 := c.Request(at(0), 1, 10, nil)
	if r1 == nil || r1.Kind != Evaluate || r1.Gen != 1 || r1.Steps != 10 || r1.Weights != nil {
		t.Fatalf("first request %+v", r1)
	}
	if r := c.Request(at(30), 1, 11, nil); r != nil {
		t.Fatal("a second request while the first is in flight")
	}
	p, ok, err := c.Receive(answer(r1, 10, 180, 50))
	if !ok || err != nil || p.Steps != 10 || p.Loss.NegELBO != 180 || !p.At.Equal(at(0)) || len(c.Points()) != 1 {
		t.Fatalf("point %+v, %v, %v", p, ok, err)
	}
	if _, ok, _ := c.Receive(answer(r1, 10, 180, 50)); ok {
		t.Error("the same answer taken twice")
	}
	// Paced by Every after a cheap evaluation…
	if c.Request(at(1.9), 1, 20, nil) != nil {
		t.Error("asked again before Every")
	}
	r2 := c.Request(at(2), 1, 20, nil)
	if r2 == nil || r2.Seq == r1.Seq {
		t.Fatalf("second request %+v", r2)
	}
	// …and by ten times its cost after an expensive one.
	c.Receive(answer(r2, 20, 170, 700))
	if c.Request(at(8.9), 1, 30, nil) != nil {
		t.Error("asked again before 10 × 0.7 s")
	}
	r3 := c.Request(at(9), 1, 30, []byte{1})
	if r3 == nil || len(r3.Weights) != 1 {
		t.Fatalf("third request %+v", r3)
	}
	// An error answer: reported, no point, the next request may go.
	if _, ok, err := c.Receive(&Message{Kind: Evaluated, Gen: 1, Seq: r3.Seq, Err: "worker 0: boom"}); ok || err == nil || err.Error() != "worker 0: boom" {
		t.Errorf("error answer: %v, %v", ok, err)
	}
	if l, _ := c.Latest(); len(c.Points()) != 2 || l.Loss.NegELBO != 170 {
		t.Errorf("curve %+v", c.Points())
	}
	// A lost answer: asked again after EvalLost.
	r4 := c.Request(at(20), 1, 40, nil)
	if c.Request(at(20).Add(EvalLost-time.Second), 1, 41, nil) != nil {
		t.Error("asked again before the answer could be lost")
	}
	r5 := c.Request(at(20).Add(EvalLost), 1, 42, nil)
	if r4 == nil || r5 == nil || r5.Seq == r4.Seq {
		t.Fatal("no new request after a lost answer")
	}
	if _, ok, _ := c.Receive(answer(r4, 40, 1, 1)); ok {
		t.Error("the lost request's late answer was taken")
	}
	// New weights: a new curve, asked at once; the old generation's answer is ignored.
	r6 := c.Request(at(100), 2, 0, nil)
	if r6 == nil || r6.Gen != 2 || len(c.Points()) != 0 {
		t.Fatalf("new generation: %+v, %d points", r6, len(c.Points()))
	}
	if _, ok, _ := c.Receive(answer(r5, 42, 1, 1)); ok {
		t.Error("an answer about the old weights was taken")
	}
	if _, ok, _ := c.Receive(answer(r6, 0, 543.5, 1)); !ok || len(c.Points()) != 1 {
		t.Error("the new generation's answer was not taken")
	}
	if math.IsNaN(c.Points()[0].Loss.NegELBO) {
		t.Fatal("unreachable")
	}
}
