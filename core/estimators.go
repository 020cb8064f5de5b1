package core

import (
	"math"
	"math/rand/v2"
)

// Stats summarises a sample: its mean and unbiased variance.
type Stats struct {
	Mean, Var float64
	N         int
}

// Summarize returns the mean and unbiased variance of xs.
func Summarize(xs []float64) Stats {
	s := Stats{N: len(xs)}
	if len(xs) == 0 {
		return s
	}
	for _, x := range xs {
		s.Mean += x
	}
	s.Mean /= float64(len(xs))
	if len(xs) > 1 {
		for _, x := range xs {
			d := x - s.Mean
			s.Var += d * d
		}
		s.Var /= float64(len(xs) - 1)
	}
	return s
}

// ToyGradientSamples draws n single-sample estimates of
// d/dθ E_{x~N(θ,1)}[x²] = 2θ with two unbiased estimators that share the
// same noise ε (x = θ + ε):
//
//	reparameterisation: d/dθ (θ+ε)² = 2(θ + ε)
//	score function:     x² · d/dθ log N(x; θ, 1) = x²·(x − θ)
//
// Both average to 2θ; the score-function estimate's variance is far larger.
func ToyGradientSamples(theta float64, n int, seed uint64) (reparam, score []float64) {
	rng := rand.New(rand.NewPCG(seed, 0x70a))
	reparam = make([]float64, n)
	score = make([]float64, n)
	for i := range reparam {
		eps := rng.NormFloat64()
		x := theta + eps
		reparam[i] = 2 * x
		score[i] = x * x * eps
	}
	return reparam, score
}

// ToyGradientVariance returns the exact variances of the two estimators in
// ToyGradientSamples, for tests and explanations: Var[2(θ+ε)] = 4 and
// Var[(θ+ε)²ε] = θ⁴ + 14θ² + 15.
func ToyGradientVariance(theta float64) (reparam, score float64) {
	// E[(θ+ε)⁴ε²] = θ⁴·E[ε²] + 6θ²·E[ε⁴] + E[ε⁶] = θ⁴ + 18θ² + 15 (odd
	// moments vanish); subtract the squared mean (2θ)².
	t2 := theta * theta
	return 4, t2*t2 + 14*t2 + 15
}

// EncoderGradientSamples draws samples single-sample estimates of the
// gradient of the expected reconstruction log-likelihood
// E_{z~q(z|x)}[log p(x|z)] with respect to the posterior parameters μ and
// log σ² of image x, with both estimators, in evaluation mode:
//
//	reparameterisation: ∂/∂μ = g, ∂/∂logσ² = g·ε·σ/2, with g = ∇_z log p(x|z) at z = μ+σε
//	score function:     log p(x|z) · ∇ log q(z|x): ∂/∂μ = f·ε/σ, ∂/∂logσ² = f·(ε²−1)/2
//
// Each result holds samples rows of 2·Latent values: the μ gradient then the
// log σ² gradient. mu and logvar are the posterior of x. The model's
// parameter gradient (Grads) is cleared afterwards.
func (m *Model) EncoderGradientSamples(x []float32, lik Likelihood, samples int, seed uint64) (reparam, score [][]float64, mu, logvar []float32) {
	a := m.Arch
	mu, logvar = m.Encode(x, 1)
	rng := rand.New(rand.NewPCG(seed, 0x5c0e))
	// The samples go through the decoder in blocks: one matrix product
	// per layer for a block instead of one per sample (each product
	// re-packs the layer's weights). The noise is drawn in the same order
	// as sample after sample.
	block := min(max(samples, 1), encoderBlock)
	z := make([]float32, block*a.Latent)
	eps := make([]float64, block*a.Latent)
	dlogits := make([]float32, block*a.Input)
	for s0 := 0; s0 < samples; s0 += block {
		k := min(block, samples-s0)
		for i := range eps[:k*a.Latent] {
			j := i % a.Latent
			eps[i] = rng.NormFloat64()
			z[i] = mu[j] + float32(math.Exp(0.5*float64(logvar[j]))*eps[i])
		}
		logits := forward(m.decoder, viewMatrix(z[:k*a.Latent], k, a.Latent), false)
		f := make([]float64, k)
		for r := 0; r < k; r++ {
			lo, hi := r*a.Input, (r+1)*a.Input
			nll, _ := lik.nll(x, logits.Data[lo:hi], dlogits[lo:hi], m.LogSigma(), 1)
			f[r] = -nll // log p(x|z)
		}
		dz := backward(m.decoder, viewMatrix(dlogits[:k*a.Input], k, a.Input))
		for r := 0; r < k; r++ {
			rp := make([]float64, 2*a.Latent)
			sf := make([]float64, 2*a.Latent)
			for j := 0; j < a.Latent; j++ {
				e := eps[r*a.Latent+j]
				sigma := math.Exp(0.5 * float64(logvar[j]))
				g := -float64(dz.Data[r*a.Latent+j]) // ∇_z log p = −∇_z nll
				rp[j] = g
				rp[a.Latent+j] = g * e * sigma / 2
				sf[j] = f[r] * e / sigma
				sf[a.Latent+j] = f[r] * (e*e - 1) / 2
			}
			reparam = append(reparam, rp)
			score = append(score, sf)
		}
	}
	clear(m.store.grads)
	return reparam, score, mu, logvar
}

// encoderBlock bounds the samples EncoderGradientSamples decodes at once
// (the decoder's buffers grow with it).
const encoderBlock = 64
