package train

import (
	"time"

	"github.com/govae/govae/core"
	"github.com/govae/govae/wasm/timeslice"
)

// Local is the in-page Backend. One optimiser step on a full mini-batch
// can take far longer than a frame in WebAssembly, so Tick splits each
// mini-batch into slices sized to the time left, sums their gradients
// (each slice is normalised by the whole batch size, as core's workers do)
// and applies the step when the batch is complete. With neither batch norm
// nor dropout this is exactly the full-batch step.
type Local struct {
	model   *core.Model
	cfg     core.TrainConfig
	trainer *core.Trainer // nil until there is data
	data    []float32
	n       int

	running bool
	pending int
	version uint64

	// The mini-batch in progress: bn images, done of them computed.
	x, eps   []float32
	bn, done int
	acc      []float32 // summed gradient of the done images
	part     core.Loss // summed loss of the done images

	perImage time.Duration // running estimate of one image's cost
	examples int64
	rate     rateMeter
	base     Status // the step count to go on from (ContinueFrom)
	now      func() time.Time

	resume *core.Checkpoint // the run to go on with once there is data (Restore)
	saved  *Saved           // the checkpoint requested, until taken
}

// minTrainSlice is the smallest slice worth computing: each slice also
// clears and sums the whole gradient and re-packs every weight matrix for
// the matrix products, which tiny slices would spend most of their time on.
const minTrainSlice = 16

// initialImageCost is a pessimistic guess of one image's forward and
// backward pass in WebAssembly, so the first slice cannot overrun a frame.
const initialImageCost = 10 * time.Millisecond

// NewLocal returns a backend that trains m with cfg once it has data.
func NewLocal(m *core.Model, cfg core.TrainConfig) (*Local, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Local{model: m, cfg: cfg, perImage: initialImageCost, now: time.Now}, nil
}

// Load implements Backend.
func (l *Local) Load(m *core.Model) {
	l.model, l.trainer, l.base, l.resume = m, nil, Status{}, nil
	l.bn, l.done, l.examples, l.pending = 0, 0, 0, 0
	l.rate = rateMeter{}
	l.version++
	l.ensureTrainer()
}

// SetData implements Backend.
func (l *Local) SetData(pixels []float32, n int) {
	l.data, l.n, l.trainer, l.bn = pixels, n, nil, 0
	l.ensureTrainer()
}

// HasData implements Backend.
func (l *Local) HasData() bool { return l.n > 0 }

func (l *Local) ensureTrainer() {
	if l.trainer != nil || l.n == 0 {
		return
	}
	// cfg was validated and the data sized by SetData's caller, so this
	// cannot fail (a checkpoint was validated when parsed).
	t, err := l.resumeTrainer()
	if t == nil && err == nil {
		t, err = core.NewTrainer(l.model, l.cfg, l.data, l.n)
	}
	if err != nil {
		panic(err)
	}
	t.Steps, t.Epoch = l.base.Steps, l.base.Epoch
	l.trainer = t
}

// SetConfig implements Backend.
func (l *Local) SetConfig(cfg core.TrainConfig) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	l.cfg = cfg
	return nil
}

// Start implements Backend.
func (l *Local) Start() {
	if !l.running {
		l.rate = rateMeter{} // a pause must not count as slowness
	}
	l.running = true
}

// Pause implements Backend.
func (l *Local) Pause() { l.running, l.pending = false, 0 }

// Step implements Backend.
func (l *Local) Step() { l.pending++ }

// Version implements Backend.
func (l *Local) Version() uint64 { return l.version }

// Snapshot implements Backend.
func (l *Local) Snapshot(dst *core.Model) *core.Model {
	if dst == nil || dst.CopyFrom(l.model) != nil {
		return l.model.Clone()
	}
	return dst
}

// Status implements Backend.
func (l *Local) Status() Status {
	s := Status{Running: l.running, Pending: l.pending, Examples: l.examples, Config: l.cfg}
	s.Steps, s.Epoch = l.base.Steps, l.base.Epoch
	if l.trainer != nil {
		s.Steps, s.Epoch = l.trainer.Steps, l.trainer.Epoch
	}
	if l.running || l.pending > 0 {
		s.ExamplesPerSec = l.rate.perSecond()
	}
	return s
}

// Tick implements Backend.
func (l *Local) Tick(budget time.Duration) []StepResult {
	var out []StepResult
	start := l.now()
	worked := false
	for (l.running || l.pending > 0) && l.trainer != nil {
		left := budget - l.now().Sub(start)
		if worked && left <= 0 {
			break
		}
		if l.bn == 0 {
			l.startBatch()
		}
		k := min(timeslice.Size(left, l.perImage, minTrainSlice), l.bn-l.done)
		t0 := l.now()
		err := l.compute(k)
		worked = true
		l.perImage = timeslice.Track(l.perImage, l.now().Sub(t0), k)
		if err == nil && l.done == l.bn {
			copy(l.model.Grads(), l.acc)
			err = l.trainer.Apply()
			if err == nil {
				l.version++
				l.model.Likelihood = l.cfg.Likelihood // what the pictures' means follow
				out = append(out, StepResult{Step: l.trainer.Steps, Epoch: l.trainer.Epoch, Loss: l.part})
				l.bn = 0
				if l.pending > 0 {
					l.pending--
				}
			}
		}
		if err != nil {
			out = append(out, StepResult{Step: l.trainer.Steps, Epoch: l.trainer.Epoch, Err: err})
			l.bn = 0 // the batch is discarded with its step
			l.Pause()
			break
		}
	}
	if worked {
		l.rate.add(l.now(), l.examples)
	}
	return out
}

// ContinueFrom makes the step count go on from st, another backend's
// status; the optimiser starts afresh.
func (l *Local) ContinueFrom(st Status) {
	l.base, l.examples = st, st.Examples
	if l.trainer != nil {
		l.trainer.Steps, l.trainer.Epoch = st.Steps, st.Epoch
	}
}

// startBatch draws the next mini-batch, applying settings changed since
// the last one.
func (l *Local) startBatch() {
	if l.trainer.Config != l.cfg {
		// Validated by SetConfig.
		if err := l.trainer.SetConfig(l.cfg); err != nil {
			panic(err)
		}
	}
	l.x, l.eps, l.bn = l.trainer.NextBatch()
	l.done, l.part = 0, core.Loss{}
	if len(l.acc) != len(l.model.Grads()) {
		l.acc = make([]float32, len(l.model.Grads()))
	} else {
		clear(l.acc)
	}
}

// compute adds the gradient and loss of the next k images of the batch.
func (l *Local) compute(k int) error {
	in, lat := l.model.Arch.Input, l.model.Arch.Latent
	x := l.x[l.done*in : (l.done+k)*in]
	eps := l.eps[l.done*lat : (l.done+k)*lat]
	loss, err := l.trainer.Compute(x, eps, k, l.bn)
	if err != nil {
		return err
	}
	for i, g := range l.model.Grads() {
		l.acc[i] += g
	}
	l.part.NegELBO += loss.NegELBO
	l.part.Recon += loss.Recon
	l.part.KL += loss.KL
	l.part.Objective += loss.Objective
	l.part.KLWeight = loss.KLWeight
	l.part.N += k
	l.done += k
	l.examples += int64(k)
	return nil
}
