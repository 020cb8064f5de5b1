package core

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// TrainConfig holds the training settings. The zero value is not usable;
// start from DefaultTrainConfig.
type TrainConfig struct {
	Likelihood   Likelihood
	Beta         float64 // KL weight once warm-up is over
	WarmupSteps  int     // KL weight rises linearly from 0 to Beta over this many steps; 0 = off
	Optimizer    string  // "adam" or "sgd"
	LearningRate float64
	Momentum     float64 // SGD only
	ClipNorm     float64 // clip the gradient's global norm; 0 = off
	BatchSize    int
	Seed         uint64
}

// DefaultTrainConfig is Bernoulli likelihood, β = 1, no warm-up, Adam at
// 1e-3, batch 128.
func DefaultTrainConfig() TrainConfig {
	return TrainConfig{
		Likelihood:   Likelihood{Kind: Bernoulli, Sigma: DefaultGaussianSigma},
		Beta:         1,
		Optimizer:    "adam",
		LearningRate: 1e-3,
		BatchSize:    128,
		Seed:         1,
	}
}

// Ranges accepted by TrainConfig.Validate; the page's controls use them too.
const (
	MinLearningRate = 1e-6
	MaxLearningRate = 1.0
	MaxBatchSize    = 4096
	MaxBeta         = 100
	MaxWarmupSteps  = 10_000_000
)

// Validate rejects settings outside their meaningful ranges with an error
// that names the setting and the range.
func (c TrainConfig) Validate() error {
	if err := c.Likelihood.Validate(); err != nil {
		return err
	}
	if !(c.LearningRate >= MinLearningRate && c.LearningRate <= MaxLearningRate) {
		return fmt.Errorf("core: learning rate %v out of range [%g, %g]", c.LearningRate, MinLearningRate, float64(MaxLearningRate))
	}
	if c.BatchSize < 1 || c.BatchSize > MaxBatchSize {
		return fmt.Errorf("core: batch size %d out of range [1, %d]", c.BatchSize, MaxBatchSize)
	}
	if !(c.Beta >= 0 && c.Beta <= MaxBeta) {
		return fmt.Errorf("core: β %v out of range [0, %d]", c.Beta, MaxBeta)
	}
	if c.WarmupSteps < 0 || c.WarmupSteps > MaxWarmupSteps {
		return fmt.Errorf("core: warm-up steps %d out of range [0, %d]", c.WarmupSteps, MaxWarmupSteps)
	}
	if c.Optimizer != "adam" && c.Optimizer != "sgd" {
		return fmt.Errorf("core: optimizer %q unknown (want adam or sgd)", c.Optimizer)
	}
	if !(c.Momentum >= 0 && c.Momentum < 1) {
		return fmt.Errorf("core: momentum %v out of range [0, 1)", c.Momentum)
	}
	if !(c.ClipNorm >= 0 && c.ClipNorm <= 1e6) {
		return fmt.Errorf("core: gradient clip norm %v out of range [0, 1e6]", c.ClipNorm)
	}
	return nil
}

// KLWeight returns the KL weight at a given step: Beta·min(1, step/WarmupSteps).
func (c TrainConfig) KLWeight(step int) float64 {
	if c.WarmupSteps <= 0 || step >= c.WarmupSteps {
		return c.Beta
	}
	return c.Beta * float64(step) / float64(c.WarmupSteps)
}

// Trainer runs mini-batch training of a Model on a data set held in memory.
type Trainer struct {
	Model  *Model
	Config TrainConfig
	Steps  int // optimiser steps taken
	Epoch  int // completed passes over the data

	opt    Optimizer
	pcg    *rand.PCG  // the source of rng, whose state a Checkpoint keeps
	rng    *rand.Rand // ε and shuffling
	data   []float32
	bytes  []uint8 // instead of data: pixel bytes, scaled by 1/255 per batch
	n      int
	perm   []int
	cursor int
	batch  []float32
	eps    []float32

	// Batch-norm running statistics before the last Compute, restored when
	// its step is discarded so that a bad batch cannot poison them.
	savedState []float32
	stateSaved bool
}

// NewTrainer prepares to train m on n images (n×m.Arch.Input values in data).
// data may be nil for callers that only use Compute/Apply with their own batches.
func NewTrainer(m *Model, cfg TrainConfig, data []float32, n int) (*Trainer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(data) < n*m.Arch.Input {
		return nil, fmt.Errorf("core: %d images need %d values, got %d", n, n*m.Arch.Input, len(data))
	}
	t := &Trainer{Model: m, Config: cfg, pcg: rand.NewPCG(cfg.Seed, 0xda7a), data: data, n: n}
	t.rng = rand.New(t.pcg)
	t.opt = newOptimizer(cfg)
	t.newOrder()
	return t, nil
}

// NewTrainerBytes is NewTrainer for images stored as bytes (n×m.Arch.Input
// values, 0 to 255), each scaled by 1/255 as it is copied into a batch — the
// same values mnist.Dataset holds, in a quarter of the memory (47 MB instead
// of 188 MB for MNIST's training set, which each Web Worker keeps).
func NewTrainerBytes(m *Model, cfg TrainConfig, pixels []uint8, n int) (*Trainer, error) {
	if len(pixels) < n*m.Arch.Input {
		return nil, fmt.Errorf("core: %d images need %d values, got %d", n, n*m.Arch.Input, len(pixels))
	}
	t, err := NewTrainer(m, cfg, nil, 0)
	if err != nil {
		return nil, err
	}
	t.bytes, t.n = pixels, n
	t.newOrder()
	return t, nil
}

// byteToUnit maps a pixel byte to its value in [0, 1], exactly as
// package mnist scales them.
var byteToUnit = func() (t [256]float32) {
	for i := range t {
		t[i] = float32(i) / 255
	}
	return t
}()

func newOptimizer(cfg TrainConfig) Optimizer {
	if cfg.Optimizer == "sgd" {
		return &SGD{LR: cfg.LearningRate, Momentum: cfg.Momentum}
	}
	return NewAdam(cfg.LearningRate)
}

// SetConfig changes the settings between steps. The optimiser's state is
// kept unless the optimiser kind changes.
func (t *Trainer) SetConfig(cfg TrainConfig) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if cfg.Optimizer != t.Config.Optimizer {
		t.opt = newOptimizer(cfg)
	}
	t.opt.SetLearningRate(cfg.LearningRate)
	t.Config = cfg
	return nil
}

// newOrder starts the data order afresh: the t.n images shuffled.
func (t *Trainer) newOrder() {
	t.perm = make([]int, t.n)
	for i := range t.perm {
		t.perm[i] = i
	}
	t.shuffle()
}

func (t *Trainer) shuffle() {
	t.rng.Shuffle(len(t.perm), func(i, j int) { t.perm[i], t.perm[j] = t.perm[j], t.perm[i] })
	t.cursor = 0
}

// NextBatch returns the next mini-batch (shuffled without replacement; a
// remainder smaller than a batch starts the next epoch) and fresh noise ε.
// The slices are reused by the next call.
func (t *Trainer) NextBatch() (x, eps []float32, n int) {
	b, in := min(t.Config.BatchSize, t.n), t.Model.Arch.Input
	if t.cursor+b > t.n {
		t.Epoch++
		t.shuffle()
	}
	t.batch = grow(t.batch, b*in)
	for i, idx := range t.perm[t.cursor : t.cursor+b] {
		dst := t.batch[i*in : (i+1)*in]
		if t.bytes != nil {
			for j, p := range t.bytes[idx*in : (idx+1)*in] {
				dst[j] = byteToUnit[p]
			}
			continue
		}
		copy(dst, t.data[idx*in:(idx+1)*in])
	}
	t.cursor += b
	return t.batch, t.Noise(b), b
}

// Noise returns n×Latent fresh standard-normal draws (reused by the next call).
func (t *Trainer) Noise(n int) []float32 {
	t.eps = grow(t.eps, n*t.Model.Arch.Latent)
	for i := range t.eps {
		t.eps[i] = float32(t.rng.NormFloat64())
	}
	return t.eps
}

// Compute sets the model's gradient for the batch x with noise eps at the
// current KL weight, and checks that the loss and the encoder's outputs are
// finite. On failure the *TrainingError names the first non-finite quantity
// in the order values flow (input pixel, ε, μ, log σ², z, logits, recon,
// KL, loss) and where it is. normalizer is the size of the whole batch when
// x is a worker's share of it (0 means n).
func (t *Trainer) Compute(x, eps []float32, n, normalizer int) (Loss, error) {
	t.savedState = append(t.savedState[:0], t.Model.State()...)
	t.stateSaved = true
	loss := t.Model.Gradient(x, eps, n, LossOptions{
		Likelihood: t.Config.Likelihood, KLWeight: t.Config.KLWeight(t.Steps), Train: true, Normalizer: normalizer,
	})
	if q, bad := t.Model.firstNonFiniteForward(x, eps, n, loss); bad {
		t.restoreState()
		return loss, &TrainingError{Step: t.Steps, What: q.what, Where: q.where, Value: q.value, Config: t.Config}
	}
	return loss, nil
}

// Discard drops the step the last Compute prepared: the batch-norm
// statistics it updated are restored and the gradient is not applied. A
// worker calls it when another worker's share of the batch failed.
func (t *Trainer) Discard() { t.restoreState() }

// restoreState undoes the batch-norm statistics update of the last Compute.
func (t *Trainer) restoreState() {
	if t.stateSaved {
		copy(t.Model.State(), t.savedState)
		t.stateSaved = false
	}
}

// Apply clips the gradient held in the model (if configured) and takes one
// optimiser step. A non-finite gradient or update is discarded: the weights
// stay as they were and a *TrainingError names the parameter (tensor and
// index) whose gradient, new value or Adam second moment is not finite.
func (t *Trainer) Apply() error {
	grads := t.Model.Grads()
	norm := ClipGradNorm(grads, t.Config.ClipNorm)
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		t.restoreState()
		i := max(firstNonFinite(grads), 0)
		return &TrainingError{Step: t.Steps, What: "gradient", Where: t.Model.paramName(i), Value: float64(grads[i]), Config: t.Config}
	}
	if err := t.opt.Update(t.Model.Values(), grads); err != nil {
		t.restoreState()
		te := &TrainingError{Step: t.Steps, What: "weight", Value: math.Inf(1), Config: t.Config, Err: err}
		var ue *UpdateError
		if errors.As(err, &ue) {
			te.Where, te.Value = t.Model.paramName(ue.Index), float64(ue.Value)
			if ue.Moment {
				te.What = "second moment"
			}
		}
		return te
	}
	t.stateSaved = false
	t.Steps++
	return nil
}

// TrainStep takes the next mini-batch and performs one optimiser step.
// On a non-finite loss, gradient or update the step is discarded, the
// weights keep their last finite values, and a *TrainingError says why.
func (t *Trainer) TrainStep() (Loss, error) {
	x, eps, n := t.NextBatch()
	loss, err := t.Compute(x, eps, n, 0)
	if err != nil {
		return loss, err
	}
	return loss, t.Apply()
}

// TrainingError reports a discarded training step: which quantity went
// non-finite, where, and what to do about it. It wraps ErrNonFinite.
type TrainingError struct {
	Step int
	// What is the quantity: "input" (a pixel of the batch), "noise ε", "μ",
	// "log σ²" (the encoder's output, before ClampLogVar), "z", "logits",
	// "recon", "KL", "loss" (the objective), "gradient" (of a parameter),
	// "weight" (a parameter after the optimiser's update) or "second moment"
	// (Adam's, of a parameter).
	What string
	// Where locates it: "image 3, pixel 17" or "image 0, latent dimension 1"
	// (rows of the batch, or of a worker's share of it), or a parameter as
	// tensor[index], such as "encoder.logvar.b[1]"; empty for the batch's
	// recon, KL and loss.
	Where  string
	Value  float64 // the offending value (or, for "gradient" and "weight", the parameter's)
	Config TrainConfig
	Err    error // the optimiser's *UpdateError for "weight" and "second moment"
}

// Error names the quantity and its place and suggests a remedy that fits it.
func (e *TrainingError) Error() string {
	what := e.What
	if e.Where != "" {
		what += " at " + e.Where
	}
	var hint string
	switch e.What {
	case "input":
		hint = "the training images hold a non-finite pixel: the data are broken, not the model"
	case "noise ε":
		hint = "the reparameterisation noise given to the step is not finite"
	case "μ", "log σ²", "z":
		hint = "the encoder's activations overflow float32: its weights are too large (a diverged run?); reset or load other weights"
	case "logits":
		hint = "the decoder's activations overflow float32: its weights are too large (a diverged run?); reset or load other weights"
	case "gradient":
		hint = "the backward pass overflowed float32 there: the loss is too steep at these weights; lower the learning rate, or reset"
	case "weight":
		hint = fmt.Sprintf("the learning rate %g is too high for this gradient; lower it or enable gradient clipping", e.Config.LearningRate)
	case "second moment":
		hint = "the gradient is too large to square in float32; enable gradient clipping or lower the learning rate"
	default:
		hint = "the loss overflowed"
	}
	if e.What != "input" && e.Config.Likelihood.Kind == Gaussian && e.Config.Likelihood.Sigma < 0.01 {
		hint += "; the Gaussian σ is very small, making the loss very steep: raise σ or lower the learning rate"
	}
	return fmt.Sprintf("training step %d produced a non-finite %s (%v); the step was discarded and the last finite weights kept: %s",
		e.Step, what, e.Value, hint)
}

// Unwrap lets errors.Is(err, ErrNonFinite) match.
func (e *TrainingError) Unwrap() error { return ErrNonFinite }

// Evaluate returns the average −ELBO, reconstruction and KL (KL weight 1,
// evaluation mode, one z sample per image) over n images, with noise drawn
// from a source seeded with seed so that results are repeatable.
// EvaluatePerDim also returns the KL of each latent dimension, and errors.
func Evaluate(m *Model, data []float32, n int, lik Likelihood, seed uint64) Loss {
	return evaluate(m, data, n, lik, seed, nil)
}

// evaluate is Evaluate; when perDim is not nil (Latent values) it also adds
// up each latent dimension's KL over the images into it.
func evaluate(m *Model, data []float32, n int, lik Likelihood, seed uint64, perDim []float64) Loss {
	const batch = 500
	rng := rand.New(rand.NewPCG(seed, 0xe7a1))
	eps := make([]float32, batch*m.Arch.Latent)
	var total Loss
	for lo := 0; lo < n; lo += batch {
		b := min(batch, n-lo)
		for i := range eps[:b*m.Arch.Latent] {
			eps[i] = float32(rng.NormFloat64())
		}
		l := m.Loss(data[lo*m.Arch.Input:(lo+b)*m.Arch.Input], eps, b, LossOptions{Likelihood: lik, KLWeight: 1})
		w := float64(b)
		total.Recon += l.Recon * w
		total.KL += l.KL * w
		if perDim != nil {
			addKLPerDim(perDim, m.mu.Data, m.logvar.Data)
		}
	}
	total.N = n
	total.KLWeight = 1
	if n > 0 {
		total.Recon /= float64(n)
		total.KL /= float64(n)
	}
	total.NegELBO = total.Recon + total.KL
	total.Objective = total.NegELBO
	return total
}

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}
