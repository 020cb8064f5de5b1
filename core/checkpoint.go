package core

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/rand/v2"
)

// A checkpoint is a training run between two steps, everything needed to
// continue it exactly as if it had not stopped: the model, the training
// settings, the optimiser's state, the trainer's position in the data and
// its random sources, plus the loss curve and the page's settings for the
// view. It is what the page keeps (in IndexedDB) so that a reload or a lost
// GPU context loses nothing.
//
// The checkpoint file format, version 1. All integers and floats are
// little-endian; the format is in the family of the weights file.
//
//	offset  size  field
//	0       8     magic "GOVAECK\n"
//	8       4     version (uint32) = 1
//	12      4     weights length W (uint32)
//	16      W     a complete weights file (weights.go: its own magic, version
//	              and CRC-32C): the model, batch-norm statistics included
//	...     58    training settings (TrainConfig): likelihood kind u8,
//	              Gaussian σ f64, β f64, warm-up steps u32, optimiser u8
//	              (0 Adam, 1 SGD), learning rate f64, momentum f64, gradient
//	              clip norm f64, batch size u32, seed u64
//	        16    optimiser steps taken u64, completed epochs u64. The KL
//	              warm-up position is TrainConfig.KLWeight(steps).
//	        40    the trainer's random source of ε and shuffles, then the
//	              model's source of dropout masks: math/rand/v2 PCG states as
//	              PCG.MarshalBinary writes them ("pcg:" and 16 bytes), 20 each
//	        8     data order length P (uint32): 0, or the number of training
//	              images; cursor (uint32), the next position in the order, ≤ P
//	        4P    the order: a permutation of 0…P−1, u32 each
//	        …     optimiser state. Adam: its step count u64, moment count K
//	              (uint32), then K first moments f32 and K second moments f32.
//	              SGD: velocity count K (uint32), then K f32. K is 0 before
//	              the first step, else the model's trainable parameter count
//	              (Model.Values order).
//	        4     loss history length H (uint32), ≤ MaxCheckpointHistory
//	        32H   H points: step, −ELBO, recon, KL, f64 each (nats per image)
//	        4     settings length S (uint32), ≤ MaxCheckpointSettings
//	        S     settings: opaque bytes, the page's URL query string
//	end−4   4     CRC-32C (Castagnoli) of every byte before it
//
// Every count is checked against its limit and against the bytes left
// before anything of that size is allocated; every float must be finite,
// Adam's second moments non-negative, the order a permutation.
const (
	checkpointMagic   = "GOVAECK\n"
	checkpointVersion = 1

	// MaxCheckpointHistory bounds the loss history a checkpoint holds (the
	// page's chart keeps 4 096 points, decimating as it goes).
	MaxCheckpointHistory = 1 << 16
	// MaxCheckpointSettings bounds the settings blob (a URL query with a
	// drawn digit is about 1 KB).
	MaxCheckpointSettings = 64 << 10
	// MaxCheckpointImages bounds the data order (MNIST has 60 000 images).
	MaxCheckpointImages = 1 << 22
	// MaxCheckpointFileSize bounds what a loader reads: the weights, two
	// Adam moments of the same size, the order, the history and settings.
	MaxCheckpointFileSize = 3*MaxWeightsFileSize + 4*MaxCheckpointImages + 32*MaxCheckpointHistory + MaxCheckpointSettings + 1<<20

	// maxCheckpointCount bounds step, epoch and Adam step counts: integers
	// exact in a JavaScript number.
	maxCheckpointCount = 1<<53 - 1
)

// Errors returned by the checkpoint reader; each is wrapped with details.
// A corrupt embedded weights file gives the weights reader's errors
// (ErrChecksum, ErrCorrupt…), wrapped as the checkpoint's weights.
var (
	ErrCheckpointMagic     = errors.New("core: not a govae checkpoint (bad magic)")
	ErrCheckpointVersion   = errors.New("core: unsupported checkpoint version")
	ErrCheckpointTruncated = errors.New("core: checkpoint truncated")
	ErrCheckpointChecksum  = errors.New("core: checkpoint checksum mismatch")
	ErrCheckpointCorrupt   = errors.New("core: checkpoint corrupt")
	ErrCheckpointTooLarge  = errors.New("core: checkpoint too large")
)

// HistoryPoint is the training loss around one step, in nats per image.
// Step is fractional where the page's chart averaged neighbouring steps.
type HistoryPoint struct {
	Step, NegELBO, Recon, KL float64
}

// Checkpoint is a training run between two steps (see the file format
// above). Trainer.Checkpoint fills one, Marshal and ParseCheckpoint convert
// it, Resume continues it.
type Checkpoint struct {
	Model  *Model // weights, batch-norm statistics and likelihood
	Config TrainConfig
	Steps  int // optimiser steps taken
	Epoch  int // completed passes over the data

	// Optimiser state for Config.Optimizer: Adam's step count and moments,
	// or SGD's velocity; the slices are nil before the first step.
	AdamStep     int
	AdamM, AdamV []float32
	Velocity     []float32

	// RNG and Dropout are the states of the trainer's source of ε and
	// shuffles and of the model's source of dropout masks
	// (math/rand/v2 PCG.MarshalBinary).
	RNG, Dropout []byte
	// Order is the current epoch's order of the training images (nil when
	// the trainer had no data) and Cursor the next position in it.
	Order  []int
	Cursor int

	History  []HistoryPoint
	Settings []byte // opaque: the page's URL query
}

// Checkpoint returns the trainer's state between steps, with a copy of the
// loss history (at most MaxCheckpointHistory points) and of the settings
// blob (at most MaxCheckpointSettings bytes); Marshal checks both limits.
// Nothing it returns aliases the trainer.
func (t *Trainer) Checkpoint(history []HistoryPoint, settings []byte) *Checkpoint {
	c := &Checkpoint{
		Model: t.Model.Clone(), Config: t.Config, Steps: t.Steps, Epoch: t.Epoch,
		Order: append([]int(nil), t.perm...), Cursor: t.cursor,
		History: append([]HistoryPoint(nil), history...), Settings: append([]byte(nil), settings...),
	}
	c.RNG, c.Dropout = mustMarshal(t.pcg), mustMarshal(t.Model.pcg)
	switch o := t.opt.(type) {
	case *Adam:
		c.AdamStep = o.t
		if o.m != nil {
			c.AdamM, c.AdamV = append([]float32(nil), o.m...), append([]float32(nil), o.v...)
		}
	case *SGD:
		if o.velocity != nil {
			c.Velocity = append([]float32(nil), o.velocity...)
		}
	}
	return c
}

func mustMarshal(p *rand.PCG) []byte {
	b, err := p.MarshalBinary()
	if err != nil {
		panic(err) // PCG.MarshalBinary cannot fail
	}
	return b
}

// Resume returns a trainer that continues the checkpoint's run on n images
// (n×Input values in data), exactly as the trainer it was taken from would
// have gone on: same weights, optimiser state, data order, ε and dropout
// masks. It trains c.Model itself. The data must be the run's (a
// checkpoint's order covers n images; with no order, a fresh one is drawn
// from the saved random source).
func (c *Checkpoint) Resume(data []float32, n int) (*Trainer, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	if len(data) < n*c.Model.Arch.Input {
		return nil, fmt.Errorf("core: %d images need %d values, got %d", n, n*c.Model.Arch.Input, len(data))
	}
	return c.resume(n, func(t *Trainer) { t.data = data })
}

// ResumeBytes is Resume for images stored as bytes (0 to 255, scaled by
// 1/255 as in NewTrainerBytes).
func (c *Checkpoint) ResumeBytes(pixels []uint8, n int) (*Trainer, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	if len(pixels) < n*c.Model.Arch.Input {
		return nil, fmt.Errorf("core: %d images need %d values, got %d", n, n*c.Model.Arch.Input, len(pixels))
	}
	return c.resume(n, func(t *Trainer) { t.bytes = pixels })
}

func (c *Checkpoint) resume(n int, setData func(*Trainer)) (*Trainer, error) {
	if len(c.Order) != 0 && len(c.Order) != n {
		return nil, fmt.Errorf("core: the checkpoint's data order covers %d images, the data have %d", len(c.Order), n)
	}
	t, err := NewTrainer(c.Model, c.Config, nil, 0)
	if err != nil {
		return nil, err
	}
	setData(t)
	t.n, t.Steps, t.Epoch = n, c.Steps, c.Epoch
	if err := t.pcg.UnmarshalBinary(c.RNG); err != nil {
		return nil, fmt.Errorf("%w: random source: %v", ErrCheckpointCorrupt, err)
	}
	if err := c.Model.pcg.UnmarshalBinary(c.Dropout); err != nil {
		return nil, fmt.Errorf("%w: dropout source: %v", ErrCheckpointCorrupt, err)
	}
	if len(c.Order) == n && n > 0 {
		t.perm, t.cursor = append([]int(nil), c.Order...), c.Cursor
	} else {
		t.newOrder()
	}
	switch o := t.opt.(type) {
	case *Adam:
		o.t = c.AdamStep
		if c.AdamM != nil {
			o.m, o.v = append([]float32(nil), c.AdamM...), append([]float32(nil), c.AdamV...)
		}
	case *SGD:
		if c.Velocity != nil {
			o.velocity = append([]float32(nil), c.Velocity...)
		}
	}
	return t, nil
}

// validate checks what Marshal writes and ParseCheckpoint accepts, beyond
// the weights: the same rules on both sides.
func (c *Checkpoint) validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrCheckpointCorrupt, fmt.Sprintf(format, a...))
	}
	if c.Model == nil {
		return bad("no model")
	}
	if err := c.Config.Validate(); err != nil {
		return bad("training settings: %v", err)
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"Gaussian σ", c.Config.Likelihood.Sigma}, {"learning rate", c.Config.LearningRate}, {"β", c.Config.Beta},
		{"momentum", c.Config.Momentum}, {"clip norm", c.Config.ClipNorm}} {
		if isNonFinite(f.v) {
			return bad("%s is %v", f.name, f.v)
		}
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"steps", c.Steps}, {"epoch", c.Epoch}, {"Adam step", c.AdamStep}} {
		if f.v < 0 || f.v > maxCheckpointCount {
			return bad("%s %d out of range [0, %d]", f.name, f.v, maxCheckpointCount)
		}
	}
	var probe rand.PCG
	if err := probe.UnmarshalBinary(c.RNG); err != nil {
		return bad("random source: %v", err)
	}
	if err := probe.UnmarshalBinary(c.Dropout); err != nil {
		return bad("dropout source: %v", err)
	}
	if len(c.Order) > MaxCheckpointImages {
		return fmt.Errorf("%w: a data order of %d images (at most %d)", ErrCheckpointTooLarge, len(c.Order), MaxCheckpointImages)
	}
	if c.Cursor < 0 || c.Cursor > len(c.Order) {
		return bad("cursor %d outside the order of %d images", c.Cursor, len(c.Order))
	}
	seen := make([]bool, len(c.Order))
	for i, v := range c.Order {
		if v < 0 || v >= len(c.Order) || seen[v] {
			return bad("the data order is not a permutation: image %d at position %d", v, i)
		}
		seen[v] = true
	}
	params := len(c.Model.Values())
	moments := func(name string, v []float32, nonNegative bool) error {
		if v != nil && len(v) != params {
			return bad("%s holds %d values, the model has %d parameters", name, len(v), params)
		}
		for i, x := range v {
			if x-x != 0 || nonNegative && x < 0 {
				return bad("%s[%d] is %v", name, i, x)
			}
		}
		return nil
	}
	switch {
	case c.Config.Optimizer == "adam" && c.Velocity != nil, c.Config.Optimizer == "sgd" && (c.AdamM != nil || c.AdamV != nil || c.AdamStep != 0):
		return bad("optimiser state of another optimiser than %s", c.Config.Optimizer)
	case (c.AdamM == nil) != (c.AdamV == nil):
		return bad("one Adam moment without the other")
	}
	if err := moments("Adam's first moment", c.AdamM, false); err != nil {
		return err
	}
	if err := moments("Adam's second moment", c.AdamV, true); err != nil {
		return err
	}
	if err := moments("SGD's velocity", c.Velocity, false); err != nil {
		return err
	}
	if len(c.History) > MaxCheckpointHistory {
		return fmt.Errorf("%w: %d loss history points (at most %d)", ErrCheckpointTooLarge, len(c.History), MaxCheckpointHistory)
	}
	for i, p := range c.History {
		if isNonFinite(p.Step) || isNonFinite(p.NegELBO) || isNonFinite(p.Recon) || isNonFinite(p.KL) {
			return bad("loss history point %d is %+v", i, p)
		}
	}
	if len(c.Settings) > MaxCheckpointSettings {
		return fmt.Errorf("%w: %d bytes of settings (at most %d)", ErrCheckpointTooLarge, len(c.Settings), MaxCheckpointSettings)
	}
	return nil
}

var optimizerCodes = []string{"adam", "sgd"}

// Marshal returns the checkpoint in the checkpoint file format, or an error
// wrapping ErrCheckpointCorrupt or ErrCheckpointTooLarge that names what
// cannot be written (a history or settings blob over its limit, moments of
// the wrong length, a non-finite value…).
func (c *Checkpoint) Marshal() ([]byte, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	return c.encode(), nil
}

// encode writes the format without checking (tests use it to write
// malformed checkpoints).
func (c *Checkpoint) encode() []byte {
	le := binary.LittleEndian
	var buf bytes.Buffer
	u32 := func(v int) { buf.Write(le.AppendUint32(nil, uint32(v))) }
	u64 := func(v int) { buf.Write(le.AppendUint64(nil, uint64(v))) }
	f64 := func(v float64) { buf.Write(le.AppendUint64(nil, math.Float64bits(v))) }
	f32s := func(v []float32) { writeFloat32s(&buf, v) }
	w := c.Model.MarshalBinary()
	buf.Grow(len(w) + 4*(len(c.AdamM)+len(c.AdamV)+len(c.Velocity)+len(c.Order)) + 32*len(c.History) + len(c.Settings) + 256)
	buf.WriteString(checkpointMagic)
	u32(checkpointVersion)
	u32(len(w))
	buf.Write(w)
	cfg := c.Config
	buf.WriteByte(byte(cfg.Likelihood.Kind))
	f64(cfg.Likelihood.Sigma)
	f64(cfg.Beta)
	u32(cfg.WarmupSteps)
	opt := indexOf(optimizerCodes, cfg.Optimizer)
	buf.WriteByte(byte(opt))
	f64(cfg.LearningRate)
	f64(cfg.Momentum)
	f64(cfg.ClipNorm)
	u32(cfg.BatchSize)
	buf.Write(le.AppendUint64(nil, cfg.Seed))
	u64(c.Steps)
	u64(c.Epoch)
	buf.Write(c.RNG)
	buf.Write(c.Dropout)
	u32(len(c.Order))
	u32(c.Cursor)
	b := buf.AvailableBuffer()
	for _, v := range c.Order {
		b = le.AppendUint32(b, uint32(v))
	}
	buf.Write(b)
	if cfg.Optimizer == "sgd" {
		u32(len(c.Velocity))
		f32s(c.Velocity)
	} else {
		u64(c.AdamStep)
		u32(len(c.AdamM))
		f32s(c.AdamM)
		f32s(c.AdamV)
	}
	u32(len(c.History))
	for _, p := range c.History {
		f64(p.Step)
		f64(p.NegELBO)
		f64(p.Recon)
		f64(p.KL)
	}
	u32(len(c.Settings))
	buf.Write(c.Settings)
	buf.Write(le.AppendUint32(nil, crc32.Checksum(buf.Bytes(), castagnoli)))
	return buf.Bytes()
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// ReadCheckpoint reads a checkpoint file of at most MaxCheckpointFileSize
// bytes; see ParseCheckpoint.
func ReadCheckpoint(r io.Reader) (*Checkpoint, error) {
	data, err := readAtMost(r, MaxCheckpointFileSize, "checkpoint")
	if err != nil {
		return nil, err
	}
	return ParseCheckpoint(data)
}

// ParseCheckpoint decodes a checkpoint file. Every problem is an error
// wrapping one of the ErrCheckpoint values (or, inside the embedded weights
// file, one of the weights reader's); it never panics, and it allocates
// nothing larger than what the bytes left could hold.
func ParseCheckpoint(data []byte) (*Checkpoint, error) {
	if len(data) > MaxCheckpointFileSize {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrCheckpointTooLarge, MaxCheckpointFileSize)
	}
	if bytes.HasPrefix(data, []byte(weightsMagic)) {
		return nil, fmt.Errorf("%w: this is a weights file, not a checkpoint", ErrCheckpointMagic)
	}
	d := &decoder{data: data, truncated: ErrCheckpointTruncated}
	if err := d.readMagic(checkpointMagic, checkpointVersion, ErrCheckpointMagic, ErrCheckpointVersion); err != nil {
		return nil, err
	}
	c := &Checkpoint{}
	w := d.bytes(int(d.u32()))
	if d.err != nil {
		return nil, fmt.Errorf("%w (the weights)", d.err)
	}
	m, err := ParseModel(w)
	if err != nil {
		return nil, fmt.Errorf("core: the checkpoint's weights: %w", err)
	}
	c.Model = m
	cfg := &c.Config
	cfg.Likelihood.Kind = LikelihoodKind(d.u8())
	cfg.Likelihood.Sigma = d.f64()
	cfg.Beta = d.f64()
	cfg.WarmupSteps = int(d.u32())
	opt := int(d.u8())
	cfg.LearningRate = d.f64()
	cfg.Momentum = d.f64()
	cfg.ClipNorm = d.f64()
	cfg.BatchSize = int(d.u32())
	cfg.Seed = d.u64()
	steps, epoch := d.u64(), d.u64()
	c.RNG = append([]byte(nil), d.bytes(20)...)
	c.Dropout = append([]byte(nil), d.bytes(20)...)
	if d.err != nil {
		return nil, d.err
	}
	if opt >= len(optimizerCodes) {
		return nil, fmt.Errorf("%w: optimiser code %d (0 Adam, 1 SGD)", ErrCheckpointCorrupt, opt)
	}
	cfg.Optimizer = optimizerCodes[opt]
	if steps > maxCheckpointCount || epoch > maxCheckpointCount {
		return nil, fmt.Errorf("%w: step %d, epoch %d beyond %d", ErrCheckpointCorrupt, steps, epoch, maxCheckpointCount)
	}
	c.Steps, c.Epoch = int(steps), int(epoch)

	// Counts: checked against their limits and the bytes left before
	// anything is allocated.
	count := func(what string, limit, size int) (int, error) {
		n := int(d.u32())
		if d.err != nil {
			return 0, d.err
		}
		if n > limit {
			return 0, fmt.Errorf("%w: %d %s (at most %d)", ErrCheckpointTooLarge, n, what, limit)
		}
		if left := len(data) - d.off; n*size > left {
			return 0, fmt.Errorf("%w: %d %s need %d bytes, %d are left", ErrCheckpointTruncated, n, what, n*size, left)
		}
		return n, nil
	}
	p, err := count("images in the data order", MaxCheckpointImages, 4)
	if err != nil {
		return nil, err
	}
	c.Cursor = int(d.u32())
	if p > 0 {
		c.Order = make([]int, p)
		for i := range c.Order {
			c.Order[i] = int(d.u32())
		}
	}
	params := len(m.Values())
	if cfg.Optimizer == "adam" {
		step := d.u64()
		if step > maxCheckpointCount {
			return nil, fmt.Errorf("%w: Adam step %d beyond %d", ErrCheckpointCorrupt, step, maxCheckpointCount)
		}
		c.AdamStep = int(step)
		k, err := count("Adam moments", params, 8)
		if err != nil {
			return nil, err
		}
		if k > 0 {
			c.AdamM, c.AdamV = d.f32s(k), d.f32s(k)
		}
	} else {
		k, err := count("SGD velocities", params, 4)
		if err != nil {
			return nil, err
		}
		if k > 0 {
			c.Velocity = d.f32s(k)
		}
	}
	h, err := count("loss history points", MaxCheckpointHistory, 32)
	if err != nil {
		return nil, err
	}
	if h > 0 {
		c.History = make([]HistoryPoint, h)
		for i := range c.History {
			c.History[i] = HistoryPoint{Step: d.f64(), NegELBO: d.f64(), Recon: d.f64(), KL: d.f64()}
		}
	}
	s, err := count("bytes of settings", MaxCheckpointSettings, 1)
	if err != nil {
		return nil, err
	}
	c.Settings = append([]byte{}, d.bytes(s)...)
	if err := d.readEndAs(ErrCheckpointCorrupt, ErrCheckpointChecksum); err != nil {
		return nil, err
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return c, nil
}

func (d *decoder) u64() uint64 {
	if b := d.bytes(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (d *decoder) f64() float64 { return math.Float64frombits(d.u64()) }

// f32s reads n float32 values; n·4 bytes must have been checked to remain.
func (d *decoder) f32s(n int) []float32 {
	v := make([]float32, n)
	d.float32s(v)
	return v
}
