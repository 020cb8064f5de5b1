package core

import (
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
	t := &Trainer{Model: m, Config: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, 0xda7a)), data: data, n: n}
	t.opt = newOptimizer(cfg)
	t.perm = make([]int, n)
	for i := range t.perm {
		t.perm[i] = i
	}
	t.shuffle()
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
	t.perm = make([]int, n)
	for i := range t.perm {
		t.perm[i] = i
	}
	t.shuffle()
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
// current KL weight, and checks that the loss and gradient are finite.
// normalizer is the size of the whole batch when x is a worker's share of
// it (0 means n).
func (t *Trainer) Compute(x, eps []float32, n, normalizer int) (Loss, error) {
	t.savedState = append(t.savedState[:0], t.Model.State()...)
	t.stateSaved = true
	loss := t.Model.Gradient(x, eps, n, LossOptions{
		Likelihood: t.Config.Likelihood, KLWeight: t.Config.KLWeight(t.Steps), Train: true, Normalizer: normalizer,
	})
	if math.IsNaN(loss.Objective) || math.IsInf(loss.Objective, 0) {
		t.restoreState()
		return loss, &TrainingError{Step: t.Steps, What: "loss", Value: loss.Objective, Config: t.Config}
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
// stay as they were and a *TrainingError is returned.
func (t *Trainer) Apply() error {
	norm := ClipGradNorm(t.Model.Grads(), t.Config.ClipNorm)
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		t.restoreState()
		return &TrainingError{Step: t.Steps, What: "gradient", Value: norm, Config: t.Config}
	}
	if err := t.opt.Update(t.Model.Values(), t.Model.Grads()); err != nil {
		t.restoreState()
		return &TrainingError{Step: t.Steps, What: "weights", Value: math.Inf(1), Config: t.Config, Err: err}
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

// TrainingError reports a discarded training step.
type TrainingError struct {
	Step   int
	What   string  // "loss", "gradient" or "weights"
	Value  float64 // the offending value (or norm)
	Config TrainConfig
	Err    error
}

// Error explains what went wrong and suggests a remedy.
func (e *TrainingError) Error() string {
	hint := "the learning rate may be too high; lower it or enable gradient clipping"
	if e.Config.Likelihood.Kind == Gaussian && e.Config.Likelihood.Sigma < 0.01 {
		hint = "the Gaussian σ is very small, making the loss very steep; raise σ or lower the learning rate"
	}
	return fmt.Sprintf("training step %d produced a non-finite %s (%v); the step was discarded and the last finite weights kept: %s",
		e.Step, e.What, e.Value, hint)
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
