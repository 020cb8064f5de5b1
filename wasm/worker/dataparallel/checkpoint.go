package dataparallel

import (
	"errors"
	"fmt"

	"github.com/govae/govae/core"
)

// Checkpoints of a run in workers. The optimiser's state, the data order
// and the random sources live in the workers (identical in each), so the
// page asks worker 0 for them (Save) to keep the run, and sends them back
// to every worker (a Load with Checkpoint) to go on with it.

// nodeCheckpoint is a node's checkpoint traffic: a Save that waits for the
// step under way, and a checkpoint to resume once the images are in.
type nodeCheckpoint struct {
	wait   *Message
	resume *core.Checkpoint
}

// parseLoad returns the model a Load brings: its weights file, or the
// model of its checkpoint, which is then kept to resume from.
func (n *Node) parseLoad(m *Message) (*core.Model, error) {
	n.ck.resume = nil
	if m.Checkpoint == nil {
		return core.ParseModel(m.Weights)
	}
	c, err := core.ParseCheckpoint(m.Checkpoint)
	if err != nil {
		return nil, err
	}
	n.ck.resume = c
	return c.Model, nil
}

// resumeTrainer returns the trainer of the checkpoint a Load brought, on the
// node's images; nil when there is none.
func (n *Node) resumeTrainer() (*core.Trainer, error) {
	c := n.ck.resume
	if c == nil {
		return nil, nil
	}
	n.ck.resume = nil
	return ResumeOn(c, n.pixels, n.bytes, n.n)
}

// ResumeOn returns the trainer that goes on with c's run on n images, given
// as bytes (0–255) when bytes is not nil, else as pixels. On other images
// than the run's (another number of them) the run goes on in a fresh order
// drawn from its own random source. It trains c.Model.
func ResumeOn(c *core.Checkpoint, pixels []float32, bytes []uint8, n int) (*core.Trainer, error) {
	if len(c.Order) != n {
		c.Order, c.Cursor = nil, 0
	}
	if bytes != nil {
		return c.ResumeBytes(bytes, n)
	}
	return c.Resume(pixels, n)
}

// saveWhenDone answers a Save at once between two steps, else once the
// step under way is done (afterStep calls saveWaiting).
func (n *Node) saveWhenDone(m *Message) {
	if n.busy {
		if w := n.ck.wait; w != nil {
			n.Send(Main, &Message{Kind: Saved, Gen: w.Gen, Seq: w.Seq, From: n.ID,
				Err: fmt.Sprintf("checkpoint %d was overtaken by checkpoint %d", w.Seq, m.Seq)})
		}
		n.ck.wait = m
		return
	}
	n.save(m)
}

// saveWaiting answers the Save that waited for the step.
func (n *Node) saveWaiting() {
	if w := n.ck.wait; w != nil {
		n.ck.wait = nil
		n.save(w)
	}
}

// errNoRun is Saved's error before the node has a model.
var errNoRun = errors.New("no weights loaded yet")

// save sends the page the run's checkpoint: the trainer's state, or, before
// the images are in, the checkpoint the last Load brought, or the weights
// with a fresh optimiser.
func (n *Node) save(m *Message) {
	out := &Message{Kind: Saved, Gen: n.gen, Seq: m.Seq, From: n.ID}
	data, steps, epoch, err := n.checkpoint(m)
	if err != nil {
		out.Err = err.Error()
	} else {
		out.Checkpoint, out.Steps, out.Epoch = data, steps, epoch
	}
	n.Send(Main, out)
}

func (n *Node) checkpoint(m *Message) (data []byte, steps, epoch int, err error) {
	if n.model == nil {
		return nil, 0, 0, errNoRun
	}
	history := make([]core.HistoryPoint, len(m.History))
	for i, p := range m.History {
		history[i] = core.HistoryPoint{Step: p[0], NegELBO: p[1], Recon: p[2], KL: p[3]}
	}
	c, err := CheckpointOf(n.trainer, n.ck.resume, n.model, n.cfg, n.base.Steps, n.base.Epoch, history, []byte(m.Settings))
	if err == nil {
		data, err = c.Marshal()
	}
	if err != nil {
		return nil, 0, 0, err
	}
	return data, c.Steps, c.Epoch, nil
}

// CheckpointOf returns the checkpoint of a run with history and settings
// written in: its trainer's state when it has one (t), else the checkpoint
// it is to resume (resume), else model m with a fresh optimiser for cfg
// after steps steps and epoch epochs. Nothing it returns aliases the
// trainer; the checkpoint to resume shares its slices.
func CheckpointOf(t *core.Trainer, resume *core.Checkpoint, m *core.Model, cfg core.TrainConfig, steps, epoch int,
	history []core.HistoryPoint, settings []byte) (*core.Checkpoint, error) {
	switch {
	case t != nil:
		return t.Checkpoint(history, settings), nil
	case resume != nil:
		r := *resume
		r.History, r.Settings = history, settings
		return &r, nil
	}
	t, err := core.NewTrainer(m, cfg, nil, 0)
	if err != nil {
		return nil, err
	}
	t.Steps, t.Epoch = steps, epoch
	return t.Checkpoint(history, settings), nil
}
