package dataparallel

import (
	"slices"
	"strings"
	"testing"

	"github.com/govae/govae/core"
)

// stepN asks worker 0 for k single steps and runs the cluster.
func (c *cluster) stepN(seq *uint64, k int) {
	for i := 0; i < k; i++ {
		*seq++
		c.fromPage(0, &Message{Kind: Control, Seq: *seq, Command: CmdStep})
	}
	c.run()
}

// save asks worker 0 for the run's checkpoint and returns its answer.
func (c *cluster) save(seq uint64, history [][4]float64, settings string) *Message {
	c.t.Helper()
	c.fromPage(0, &Message{Kind: Save, Seq: seq, History: history, Settings: settings})
	c.run()
	got := c.received(Saved)
	if len(got) != 1 || got[0].Seq != seq {
		c.t.Fatalf("Save %d: answers %+v", seq, got)
	}
	return got[0]
}

// TestCheckpointResumesRun: a run in 2 workers, saved after 7 steps through
// Save and resumed in 2 new workers through a Load with the checkpoint,
// goes on exactly as the run that was not interrupted: the same weights,
// bit for bit, after 7 more steps (crossing an epoch), and the same step
// numbers. Resumed from the checkpoint's weights alone (a fresh Adam and
// data order) it does not, which shows the comparison can fail.
func TestCheckpointResumesRun(t *testing.T) {
	const n, first, more = 48, 7, 7 // 4 batches an epoch
	data := testImages(n)
	cfg := core.DefaultTrainConfig()
	cfg.BatchSize, cfg.WarmupSteps = 12, 10
	var seq uint64
	a := newCluster(t, 2, 1)
	a.load(1, testModel(t, 3), cfg)
	a.toAll(&Message{Kind: Data, Pixels: data, N: n})
	a.run()
	a.stepN(&seq, first)
	history := [][4]float64{{1, 550, 540, 10}, {7, 300, 290, 10}}
	seq++
	saved := a.save(seq, history, "lr=0.001&batch=12")
	if saved.Err != "" || saved.Steps != first || saved.Epoch != 1 {
		t.Fatalf("Saved: step %d epoch %d err %q; want step %d epoch 1", saved.Steps, saved.Epoch, saved.Err, first)
	}
	ck, err := core.ParseCheckpoint(saved.Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	if ck.Steps != first || len(ck.History) != 2 || ck.History[1].NegELBO != 300 || string(ck.Settings) != "lr=0.001&batch=12" || ck.AdamM == nil {
		t.Fatalf("checkpoint: step %d, history %+v, settings %q, Adam moments %v", ck.Steps, ck.History, ck.Settings, ck.AdamM != nil)
	}
	a.stepN(&seq, more)
	want := math32bits(a.nodes[0].model.Values())
	a.received(StepDone)

	for _, c := range []struct {
		name  string
		load  *Message
		exact bool
	}{
		{"checkpoint", &Message{Kind: Load, Gen: 1, Checkpoint: saved.Checkpoint, Config: &cfg, Steps: first, Epoch: 1}, true},
		{"weights alone", &Message{Kind: Load, Gen: 1, Weights: ck.Model.MarshalBinary(), Config: &cfg, Steps: first, Epoch: 1}, false},
	} {
		b := newCluster(t, 2, 9)
		b.toAll(c.load)
		// Before the images: a Save returns the checkpoint it was loaded
		// from (or the weights with a fresh optimiser).
		if s := b.save(1, nil, "x=1"); s.Err != "" || s.Steps != first {
			t.Fatalf("%s: Save before the images: step %d, %q", c.name, s.Steps, s.Err)
		}
		b.toAll(&Message{Kind: Data, Pixels: data, N: n})
		b.run()
		var bseq uint64 = 1
		b.stepN(&bseq, more)
		done := b.received(StepDone)
		if len(done) != more || done[0].Steps != first+1 || done[more-1].Steps != first+more {
			t.Fatalf("%s: %d steps reported, from %d", c.name, len(done), done[0].Steps)
		}
		b.checkSameWeights(c.name)
		same := slices.Equal(math32bits(b.nodes[0].model.Values()), want)
		if same != c.exact {
			t.Errorf("%s: weights after %d more steps equal the uninterrupted run's: %v, want %v", c.name, more, same, c.exact)
		}
	}
}

// TestSaveWaitsForStep: a Save that arrives while a step is under way is
// answered once it is done, with the state after that step; one overtaken
// by a newer Save is answered with an error; a Save before any weights is
// an error, not a crash.
func TestSaveWaitsForStep(t *testing.T) {
	const n = 32
	cfg := core.DefaultTrainConfig()
	cfg.BatchSize = 8
	c := newCluster(t, 1, 4)
	if s := c.save(1, nil, ""); !strings.Contains(s.Err, "no weights") {
		t.Fatalf("Save before Load: %+v", s)
	}
	c.load(1, testModel(t, 4), cfg)
	c.toAll(&Message{Kind: Data, Pixels: testImages(n), N: n})
	c.run()
	c.fromPage(0, &Message{Kind: Control, Seq: 1, Command: CmdStep})
	c.deliverOne() // the step begins (one worker: its share is done at once)
	node := c.nodes[0]
	node.busy = true // as while another worker's share is awaited
	node.saveWhenDone(&Message{Kind: Save, Seq: 2})
	node.saveWhenDone(&Message{Kind: Save, Seq: 3})
	node.busy = false
	node.afterStep(false, cfg)
	c.run()
	got := c.received(Saved)
	if len(got) != 2 || got[0].Seq != 2 || !strings.Contains(got[0].Err, "overtaken") || got[1].Seq != 3 || got[1].Err != "" {
		t.Fatalf("answers: %+v", got)
	}
	ck, err := core.ParseCheckpoint(got[1].Checkpoint)
	if err != nil || ck.Steps != node.trainer.Steps {
		t.Fatalf("checkpoint at step %v (%v), the node is at %d", ck, err, node.trainer.Steps)
	}
}
