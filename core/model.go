package core

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// Architecture describes a VAE's shape. It is data: the weights file stores
// it and loading checks it.
type Architecture struct {
	Input      int   // pixels per image (784 for MNIST)
	Encoder    []int // hidden layer sizes from the input towards the latent
	Decoder    []int // hidden layer sizes from the latent towards the output
	Latent     int   // latent dimensions (2 to draw a plane)
	Activation Activation
	BatchNorm  bool    // batch norm after every hidden dense layer
	Dropout    float32 // dropout rate after every hidden activation; 0 disables
}

// DefaultArchitecture is the reference model 784-256-128-(2,2) | 2-128-256-784 with ReLU.
func DefaultArchitecture() Architecture {
	return Architecture{Input: 784, Encoder: []int{256, 128}, Decoder: []int{128, 256}, Latent: 2, Activation: ReLU}
}

// Limits that keep a malformed architecture (for example from a corrupt
// weights file) from allocating absurd amounts of memory.
const (
	MaxLayerWidth  = 1 << 14
	MaxHiddenLayer = 16
	MaxParams      = 1 << 26
)

// Validate reports whether a is a buildable architecture: within
// FileLimits, with an *ArchError naming the first field outside them.
func (a Architecture) Validate() error { return a.ValidateWithin(FileLimits()) }

// Equal reports whether a and b describe the same network.
func (a Architecture) Equal(b Architecture) bool {
	return a.Input == b.Input && a.Latent == b.Latent && a.Activation == b.Activation &&
		a.BatchNorm == b.BatchNorm && a.Dropout == b.Dropout &&
		intsEqual(a.Encoder, b.Encoder) && intsEqual(a.Decoder, b.Decoder)
}

// String formats a in words, as the page shows it:
// in-h1-h2-(latent,latent) | latent-h2-h1-in, the activation's name, then
// ", batch norm" and ", dropout r" when they are on — for the reference
// model "784-256-128-(2,2) | 2-128-256-784 ReLU".
func (a Architecture) String() string {
	s := fmt.Sprint(a.Input)
	for _, w := range a.Encoder {
		s += fmt.Sprint("-", w)
	}
	s += fmt.Sprintf("-(%d,%d) | %d", a.Latent, a.Latent, a.Latent)
	for _, w := range a.Decoder {
		s += fmt.Sprint("-", w)
	}
	s += fmt.Sprintf("-%d %s", a.Input, a.Activation.Name())
	if a.BatchNorm {
		s += ", batch norm"
	}
	if a.Dropout > 0 {
		s += fmt.Sprintf(", dropout %g", a.Dropout)
	}
	return s
}

func (a Architecture) paramCount() int {
	n, prev := 0, a.Input
	for _, w := range a.Encoder {
		n += prev*w + w
		prev = w
	}
	n += 2 * (prev*a.Latent + a.Latent)
	return n + a.decoderParamCount() + 1
}

// decoderParamCount is the number of weights and biases of the decoder
// (batch-norm parameters not included).
func (a Architecture) decoderParamCount() int {
	n, prev := 0, a.Latent
	for _, w := range a.Decoder {
		n += prev*w + w
		prev = w
	}
	return n + prev*a.Input + a.Input
}

func intsEqual(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Model is a VAE: encoder → (μ, log σ²) heads, z = μ + σ·ε, decoder → pixel
// logits. It owns its parameters and scratch buffers and is not safe for
// concurrent use.
type Model struct {
	Arch Architecture
	// Likelihood is the observation model the weights were trained with; it
	// is saved in the weights file and is what evaluation uses by default.
	Likelihood Likelihood

	store      paramStore
	encoder    []Layer
	muHead     *Dense
	logvarHead *Dense
	decoder    []Layer    // ends with the dense layer that outputs logits
	logSigma   Param      // global log σ of GaussianLearned
	pcg        *rand.PCG  // source of the dropout masks
	rng        *rand.Rand // draws from pcg

	// Scratch buffers reused between calls. rawLogvar is the log σ² head's
	// output, logvar its clamped value (ClampLogVar) and lvSlope the clamp's
	// derivative; logits is the decoder's output of the last run.
	mu, rawLogvar, logvar, lvSlope, z, logits, dz, dmu, dlogvar, dh, dlogits, means matrix
}

// New builds a model with freshly initialised weights: Glorot-uniform
// weights and zero biases drawn from a source seeded with seed.
func New(arch Architecture, seed uint64) (*Model, error) {
	if err := arch.Validate(); err != nil {
		return nil, err
	}
	m := &Model{Arch: arch, Likelihood: Likelihood{Kind: Bernoulli, Sigma: DefaultGaussianSigma},
		pcg: rand.NewPCG(seed, 0x9e3779b97f4a7c15)}
	m.rng = rand.New(m.pcg)
	s := &m.store
	prev := arch.Input
	var binders []interface{ bind(*paramStore) }
	var norms []*BatchNorm
	hidden := func(prefix string, sizes []int) []Layer {
		var layers []Layer
		for i, w := range sizes {
			name := fmt.Sprintf("%s.%d", prefix, i)
			d := newDense(s, name, prev, w)
			binders = append(binders, d)
			layers = append(layers, d)
			if arch.BatchNorm {
				bn := newBatchNorm(s, name+".bn", w)
				binders = append(binders, bn)
				norms = append(norms, bn)
				layers = append(layers, bn)
			}
			layers = append(layers, &activationLayer{kind: arch.Activation})
			if arch.Dropout > 0 {
				layers = append(layers, &Dropout{Rate: arch.Dropout, rng: m.rng})
			}
			prev = w
		}
		return layers
	}
	m.encoder = hidden("encoder", arch.Encoder)
	if first, ok := m.firstDense(m.encoder); ok {
		first.NoInputGrad = true
	}
	m.muHead = newDense(s, "encoder.mu", prev, arch.Latent)
	m.logvarHead = newDense(s, "encoder.logvar", prev, arch.Latent)
	binders = append(binders, m.muHead, m.logvarHead)
	prev = arch.Latent
	m.decoder = hidden("decoder", arch.Decoder)
	out := newDense(s, "decoder.out", prev, arch.Input)
	binders = append(binders, out)
	m.decoder = append(m.decoder, out)
	logSigmaIndex := s.add("likelihood.log_sigma", true, 1)
	s.finish()
	for _, b := range binders {
		b.bind(s)
	}
	for _, bn := range norms {
		bn.init()
	}
	m.logSigma = s.params[logSigmaIndex]
	m.initWeights(seed)
	return m, nil
}

func (m *Model) firstDense(layers []Layer) (*Dense, bool) {
	if len(layers) == 0 {
		return nil, false
	}
	d, ok := layers[0].(*Dense)
	return d, ok
}

// initWeights draws Glorot-uniform weights, zero biases, and sets the
// learned Gaussian σ to DefaultGaussianSigma.
func (m *Model) initWeights(seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	for _, p := range m.store.params {
		if p.Grad == nil || len(p.Shape) != 2 {
			continue
		}
		limit := math.Sqrt(6 / float64(p.Shape[0]+p.Shape[1]))
		for i := range p.Value {
			p.Value[i] = float32((2*rng.Float64() - 1) * limit)
		}
	}
	m.logSigma.Value[0] = float32(math.Log(DefaultGaussianSigma))
}

// SeedDropout restarts the source of dropout masks, so that a later
// training-mode pass draws the same masks as an earlier one after the same seed.
func (m *Model) SeedDropout(seed uint64) { m.pcg.Seed(seed, 0x9e3779b97f4a7c15) }

// Params returns every tensor of the model (weights, biases, batch-norm
// parameters and running statistics, the learned log σ) in a fixed order.
// The slices alias the model's storage.
func (m *Model) Params() []Param { return m.store.params }

// Values returns all trainable parameters as one flat slice (aliasing the model).
func (m *Model) Values() []float32 { return m.store.values }

// Grads returns the gradient of all trainable parameters as one flat slice,
// in the same order as Values.
func (m *Model) Grads() []float32 { return m.store.grads }

// State returns the non-trainable state (batch-norm running statistics).
func (m *Model) State() []float32 { return m.store.state }

// LogSigma returns the learned global log σ of the GaussianLearned likelihood.
func (m *Model) LogSigma() float64 { return clampLogSigma(float64(m.logSigma.Value[0])) }

// CopyFrom copies all parameters and state from src, which must have the
// same architecture.
func (m *Model) CopyFrom(src *Model) error {
	if !m.Arch.Equal(src.Arch) {
		return fmt.Errorf("%w: have %s, copying from %s", ErrArchitecture, m.Arch, src.Arch)
	}
	copy(m.store.values, src.store.values)
	copy(m.store.state, src.store.state)
	m.Likelihood = src.Likelihood
	return nil
}

// Clone returns an independent copy of m with the same weights.
func (m *Model) Clone() *Model {
	c, err := New(m.Arch, 0)
	if err != nil {
		panic(err) // m's architecture was already validated.
	}
	c.CopyFrom(m)
	return c
}

func forward(layers []Layer, x matrix, train bool) matrix {
	for _, l := range layers {
		x = l.Forward(x, train)
	}
	return x
}

func backward(layers []Layer, dy matrix) matrix {
	for i := len(layers) - 1; i >= 0; i-- {
		dy = layers[i].Backward(dy)
	}
	return dy
}

// encode runs the encoder and both heads, leaving μ in m.mu, the log σ²
// head's output in m.rawLogvar, the posterior's log σ² (ClampLogVar of it)
// in m.logvar and the clamp's slope in m.lvSlope.
func (m *Model) encode(x matrix, train bool) {
	h := forward(m.encoder, x, train)
	m.mu = m.muHead.Forward(h, train)
	m.rawLogvar = m.logvarHead.Forward(h, train)
	m.logvar = resize(m.logvar, m.rawLogvar.Rows, m.rawLogvar.Cols)
	m.lvSlope = resize(m.lvSlope, m.rawLogvar.Rows, m.rawLogvar.Cols)
	for i, v := range m.rawLogvar.Data {
		s, slope := ClampLogVar(float64(v))
		m.logvar.Data[i], m.lvSlope.Data[i] = float32(s), float32(slope)
	}
}

// Bounds of the posterior's log-variance log σ², in nats (see ClampLogVar).
// They are those of Stable Diffusion's DiagonalGaussianDistribution
// (torch.clamp(logvar, -30.0, 20.0), CompVis latent-diffusion,
// ldm/modules/distributions/distributions.py). Above MaxLogVar σ = e^10 ≈
// 22 000 prior standard deviations, a posterior that says nothing; below
// MinLogVar σ = e^−15 ≈ 3·10⁻⁷, under float32's resolution of a z near 1
// (2⁻²³ ≈ 1.2·10⁻⁷), so z = μ + σ·ε is μ already. The shipped model's
// log σ² lies in [−9.9, −3.0] on all 60 000 training images, where the
// clamp is the identity.
const (
	MinLogVar = -30
	MaxLogVar = 20
)

// ClampLogVar maps the encoder's log σ² output v to the log-variance the
// posterior uses, s, and returns ds/dv. Inside [MinLogVar, MaxLogVar] s = v
// exactly (slope 1). Beyond a bound, at distance d from it,
//
//	s = MaxLogVar + d/(1+d)   (v > MaxLogVar, d = v − MaxLogVar)
//	s = MinLogVar − d/(1+d)   (v < MinLogVar, d = MinLogVar − v)
//
// with slope ds/dv = 1/(1+d)²: value and slope are continuous at the bounds,
// and s stays in [MinLogVar − 1, MaxLogVar + 1] for every v. So σ ≤ e^10.5 ≈
// 36 000, σ² ≤ e^21 ≈ 1.3·10⁹, the KL at most ½·e^21 per dimension plus ½μ²,
// and its gradient ½(e^s − 1)·ds/dv is at most ½·e^MaxLogVar ≈ 2.4·10⁸ in
// size (e^s·ds/dv is largest at the bound): all finite in float32, where
// exp(v) alone overflows above v ≈ 88.7.
//
// Unlike a hard clamp, whose gradient is zero beyond the bounds, the slope
// is not zero (in float32) for any v less than about 3·10²² beyond a bound,
// so the KL still pulls an out-of-range log σ² back: the shipped model
// loaded with log σ² = 80 (200) was at −ELBO 315 (384) nats after 250 Adam
// steps at lr 1e-3 and 187 (194) after 3 000, from 1.3·10⁹ (on 512 training
// images). Without the lower bound the same runs
// overshot to log σ² ≈ −80 (−280) and were at 217 (411) nats after 3 000
// steps: the KL, linear in −log σ² there, is what the bound caps.
// v = ±Inf gives the limit, a bound ± 1, with slope 0; NaN stays NaN.
func ClampLogVar(v float64) (s, slope float64) {
	switch {
	case v > MaxLogVar:
		r := 1 / (1 + (v - MaxLogVar)) // 0 for +Inf
		return MaxLogVar + 1 - r, r * r
	case v < MinLogVar:
		r := 1 / (1 + (MinLogVar - v))
		return MinLogVar - 1 + r, r * r
	}
	return v, 1
}

// Encode returns the posterior parameters μ and log σ² (n×Latent each,
// row-major) of n images in x (n×Input), in evaluation mode. log σ² is the
// clamped value the model samples with (ClampLogVar), so exp(log σ²) is
// always finite.
func (m *Model) Encode(x []float32, n int) (mu, logvar []float32) {
	m.encode(viewMatrix(x, n, m.Arch.Input), false)
	mu = append([]float32(nil), m.mu.Data...)
	logvar = append([]float32(nil), m.logvar.Data...)
	return mu, logvar
}

// Decode writes the means of p(x|z) for n latent points z (n×Latent) into
// out (n×Input, allocated when nil or too short) and returns it. The
// pictures show these means, not samples.
func (m *Model) Decode(z []float32, n int, lik Likelihood, out []float32) []float32 {
	logits := forward(m.decoder, viewMatrix(z, n, m.Arch.Latent), false)
	if len(out) < len(logits.Data) {
		out = make([]float32, len(logits.Data))
	}
	lik.mean(logits.Data, out)
	return out[:len(logits.Data)]
}

// LossOptions configures one loss evaluation.
type LossOptions struct {
	Likelihood Likelihood
	// KLWeight multiplies the KL term in the objective (β times the warm-up
	// factor). The reported −ELBO always uses weight 1.
	KLWeight float64
	// Train selects training mode for dropout and batch norm.
	Train bool
	// Normalizer divides the summed loss and gradients; 0 means n. A worker
	// that holds part of a larger batch passes the whole batch size so the
	// workers' gradients add up to the batch mean.
	Normalizer int
}

// Loss holds per-image averages in nats.
type Loss struct {
	NegELBO   float64 // Recon + KL: the negative evidence lower bound
	Recon     float64 // reconstruction negative log-likelihood
	KL        float64 // KL(q(z|x) ‖ N(0, I))
	Objective float64 // Recon + KLWeight·KL, what the optimiser minimises
	KLWeight  float64
	N         int // images averaged over
}

// ErrNonFinite reports a NaN or infinity in a loss, gradient or weight.
var ErrNonFinite = errors.New("core: non-finite value")

// Loss evaluates the loss of n images x with the given noise eps (n×Latent)
// without computing gradients.
func (m *Model) Loss(x, eps []float32, n int, opts LossOptions) Loss {
	return m.run(x, eps, n, opts, false)
}

// Gradient evaluates the loss and sets Grads() to its gradient with respect
// to all trainable parameters (previous contents are overwritten). eps is the
// reparameterisation noise ε, the only randomness besides dropout.
func (m *Model) Gradient(x, eps []float32, n int, opts LossOptions) Loss {
	clear(m.store.grads)
	return m.run(x, eps, n, opts, true)
}

func (m *Model) run(x, eps []float32, n int, opts LossOptions, withGrad bool) Loss {
	a := m.Arch
	if len(x) < n*a.Input || len(eps) < n*a.Latent {
		panic(fmt.Sprintf("core: %d images need %d pixels and %d noise values, got %d and %d",
			n, n*a.Input, n*a.Latent, len(x), len(eps)))
	}
	norm := opts.Normalizer
	if norm <= 0 {
		norm = n
	}
	scale := float32(1 / float64(norm))
	m.encode(viewMatrix(x, n, a.Input), opts.Train)

	// Reparameterise: z = μ + σ·ε with σ = exp(½·log σ²).
	m.z = resize(m.z, n, a.Latent)
	for i := range m.z.Data {
		m.z.Data[i] = m.mu.Data[i] + float32(math.Exp(0.5*float64(m.logvar.Data[i])))*eps[i]
	}
	logits := forward(m.decoder, m.z, opts.Train)
	m.logits = logits

	m.dlogits = resize(m.dlogits, n, a.Input)
	var recon, kl, dLogSigma float64
	logSigma := float64(m.logSigma.Value[0])
	for r := 0; r < n; r++ {
		lo, hi := r*a.Input, (r+1)*a.Input
		nll, dls := opts.Likelihood.nll(x[lo:hi], logits.Data[lo:hi], m.dlogits.Data[lo:hi], logSigma, scale)
		recon += nll
		dLogSigma += dls
	}
	kl = KL(m.mu.Data, m.logvar.Data)
	loss := Loss{
		Recon: recon / float64(norm), KL: kl / float64(norm), KLWeight: opts.KLWeight, N: n,
	}
	loss.NegELBO = loss.Recon + loss.KL
	loss.Objective = loss.Recon + opts.KLWeight*loss.KL
	if !withGrad {
		return loss
	}

	m.logSigma.Grad[0] = float32(dLogSigma / float64(norm))
	m.dz = backward(m.decoder, m.dlogits)
	// ∂/∂μ = ∂z + w·μ ;  ∂/∂logσ² = ∂z·ε·σ/2 + w·(exp(logσ²) − 1)/2, times
	// the clamp's slope for the head's output (ClampLogVar).
	m.dmu = resize(m.dmu, n, a.Latent)
	m.dlogvar = resize(m.dlogvar, n, a.Latent)
	w := float32(opts.KLWeight) * scale
	for i := range m.dmu.Data {
		mu, lv := m.mu.Data[i], float64(m.logvar.Data[i])
		sigma := float32(math.Exp(0.5 * lv))
		m.dmu.Data[i] = m.dz.Data[i] + w*mu
		m.dlogvar.Data[i] = (m.dz.Data[i]*eps[i]*sigma*0.5 + w*0.5*float32(math.Exp(lv)-1)) * m.lvSlope.Data[i]
	}
	dh := m.muHead.Backward(m.dmu)
	m.dh = resize(m.dh, dh.Rows, dh.Cols)
	copy(m.dh.Data, dh.Data)
	dh2 := m.logvarHead.Backward(m.dlogvar)
	for i, v := range dh2.Data {
		m.dh.Data[i] += v
	}
	backward(m.encoder, m.dh)
	return loss
}
