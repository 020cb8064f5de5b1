package train

import (
	"errors"

	"github.com/govae/govae/core"
	dp "github.com/govae/govae/wasm/worker/dataparallel"
)

// Checkpoints of a backend's run, in core's checkpoint format: the page
// keeps them so that a reload or a lost GPU context loses nothing, and
// uses them to move a run between backends with its optimiser state.
// Local takes one at once; Workers asks worker 0, which holds the
// optimiser's state, and it arrives in a later frame.

// Saved is a checkpoint a backend delivered: core's checkpoint file of the
// run after Steps steps and Epoch epochs, or why there is none.
type Saved struct {
	Data         []byte
	Steps, Epoch int
	Err          error
}

// Checkpointer is a Backend whose run can be saved and resumed.
type Checkpointer interface {
	Backend
	// RequestCheckpoint asks for the run's checkpoint between two steps,
	// with history and settings written into it. It arrives through
	// TakeCheckpoint: at once (Local) or a few frames later (Workers).
	// A newer request overtakes an older one.
	RequestCheckpoint(history []core.HistoryPoint, settings []byte)
	// TakeCheckpoint returns the checkpoint requested, once, when it has
	// arrived.
	TakeCheckpoint() (Saved, bool)
	// Restore goes on with c's run: its weights (the backend owns c.Model
	// from then on), settings, optimiser state, data order and random
	// sources, and its step and epoch counts. Images given later (SetData,
	// the workers' download) resume it exactly when they are the run's.
	Restore(c *core.Checkpoint) error
}

var (
	_ Checkpointer = (*Local)(nil)
	_ Checkpointer = (*Workers)(nil)
)

// RequestCheckpoint implements Checkpointer: the trainer's state between
// two steps (a mini-batch half done in slices is left out, so the resumed
// run draws it anew).
func (l *Local) RequestCheckpoint(history []core.HistoryPoint, settings []byte) {
	st := l.Status()
	c, err := dp.CheckpointOf(l.trainer, l.resume, l.model, l.cfg, st.Steps, st.Epoch, history, settings)
	var data []byte
	if err == nil {
		data, err = c.Marshal()
	}
	l.saved = &Saved{Data: data, Steps: st.Steps, Epoch: st.Epoch, Err: err}
}

// TakeCheckpoint implements Checkpointer.
func (l *Local) TakeCheckpoint() (Saved, bool) {
	s := l.saved
	l.saved = nil
	if s == nil {
		return Saved{}, false
	}
	return *s, true
}

// Restore implements Checkpointer.
func (l *Local) Restore(c *core.Checkpoint) error {
	if err := c.Config.Validate(); err != nil {
		return err
	}
	l.cfg = c.Config
	l.Load(c.Model)
	l.trainer, l.resume, l.base = nil, c, Status{Steps: c.Steps, Epoch: c.Epoch}
	l.ensureTrainer()
	return nil
}

// resumeTrainer returns the trainer going on with the run Restore gave, on
// the images; nil when there is none.
func (l *Local) resumeTrainer() (*core.Trainer, error) {
	c := l.resume
	if c == nil {
		return nil, nil
	}
	l.resume = nil
	return dp.ResumeOn(c, l.data, nil, l.n)
}

// workersCheckpoint is the Workers' checkpoint traffic.
type workersCheckpoint struct {
	seq     uint64 // of the last Save sent
	saved   *Saved // its answer, until taken
	restore []byte // the checkpoint file the workers resume, until they step
}

// RequestCheckpoint implements Checkpointer: worker 0 answers between two
// steps. Before the workers start, the checkpoint is the one to resume or
// the weights with a fresh optimiser.
func (w *Workers) RequestCheckpoint(history []core.HistoryPoint, settings []byte) {
	w.drain()
	w.ck.seq++
	if w.t == nil {
		var c *core.Checkpoint
		var err error
		if w.ck.restore != nil {
			c, err = core.ParseCheckpoint(w.ck.restore)
		}
		if err == nil {
			w.mu.Lock()
			c, err = dp.CheckpointOf(nil, c, w.model.Clone(), w.cfg, w.steps, w.epoch, history, settings)
			w.mu.Unlock()
		}
		s := &Saved{Steps: w.steps, Epoch: w.epoch, Err: err}
		if err == nil {
			s.Data, s.Err = c.Marshal()
		}
		w.ck.saved = s
		return
	}
	hist := make([][4]float64, len(history))
	for i, p := range history {
		hist[i] = [4]float64{p.Step, p.NegELBO, p.Recon, p.KL}
	}
	w.t.Post(0, &dp.Message{Kind: dp.Save, Seq: w.ck.seq, History: hist, Settings: string(settings)})
}

// TakeCheckpoint implements Checkpointer.
func (w *Workers) TakeCheckpoint() (Saved, bool) {
	w.drain()
	s := w.ck.saved
	w.ck.saved = nil
	if s == nil {
		return Saved{}, false
	}
	return *s, true
}

// checkpointMessage takes worker 0's answer to the latest Save, and forgets
// the checkpoint to resume once the workers step from it. It reports
// whether m was a checkpoint's answer.
func (w *Workers) checkpointMessage(m *dp.Message) bool {
	switch m.Kind {
	case dp.Saved:
		if m.Seq == w.ck.seq {
			s := &Saved{Data: m.Checkpoint, Steps: m.Steps, Epoch: m.Epoch}
			if m.Err != "" {
				s.Data, s.Err = nil, errors.New(m.Err)
			}
			w.ck.saved = s
		}
		return true
	case dp.StepDone:
		if m.Gen == w.gen {
			w.ck.restore = nil
		}
	}
	return false
}

// Restore implements Checkpointer.
func (w *Workers) Restore(c *core.Checkpoint) error {
	data, err := c.Marshal()
	if err != nil {
		return err
	}
	w.cfg = c.Config
	w.ck.restore = data
	w.load(c.Model, c.Steps, c.Epoch)
	return nil
}

// WeightsStep returns the step of the weights Snapshot returns: the latest
// worker 0 sent (a step or two behind Status while training).
func (w *Workers) WeightsStep() int {
	w.drain()
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.wstep
}
