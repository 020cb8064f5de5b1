package core

import (
	"math"
	"math/rand/v2"
	"testing"
)

// encoderGradientOneByOne is EncoderGradientSamples as it was first
// written, one decoder pass per sample: the reference for the blocked one.
func encoderGradientOneByOne(m *Model, x []float32, lik Likelihood, samples int, seed uint64) (reparam, score [][]float64) {
	a := m.Arch
	mu, logvar := m.Encode(x, 1)
	rng := rand.New(rand.NewPCG(seed, 0x5c0e))
	z := make([]float32, a.Latent)
	eps := make([]float64, a.Latent)
	dlogits := make([]float32, a.Input)
	for s := 0; s < samples; s++ {
		for j := range z {
			eps[j] = rng.NormFloat64()
			z[j] = mu[j] + float32(math.Exp(0.5*float64(logvar[j]))*eps[j])
		}
		logits := forward(m.decoder, viewMatrix(z, 1, a.Latent), false)
		nll, _ := lik.nll(x, logits.Data, dlogits, m.LogSigma(), 1)
		dz := backward(m.decoder, viewMatrix(dlogits, 1, a.Input))
		f := -nll
		rp := make([]float64, 2*a.Latent)
		sf := make([]float64, 2*a.Latent)
		for j := range z {
			sigma := math.Exp(0.5 * float64(logvar[j]))
			g := -float64(dz.Data[j])
			rp[j] = g
			rp[a.Latent+j] = g * eps[j] * sigma / 2
			sf[j] = f * eps[j] / sigma
			sf[a.Latent+j] = f * (eps[j]*eps[j] - 1) / 2
		}
		reparam = append(reparam, rp)
		score = append(score, sf)
	}
	clear(m.store.grads)
	return reparam, score
}

// TestEncoderGradientSamplesBlocked: decoding the samples in blocks draws
// the same noise and gives the same estimates as one sample at a time (up
// to float32 rounding in the matrix products), for sample counts below,
// at and above a block, and under every likelihood.
func TestEncoderGradientSamplesBlocked(t *testing.T) {
	arch := Architecture{Input: 30, Encoder: []int{16}, Decoder: []int{12, 16}, Latent: 2, Activation: ReLU}
	m, _ := New(arch, 3)
	randomizeModel(m, 4)
	x := randUniform(testRNG(5), arch.Input, 0, 1)
	for _, lik := range []Likelihood{{Kind: Bernoulli}, {Kind: Gaussian, Sigma: 0.2}, {Kind: GaussianLearned}, {Kind: ContinuousBernoulli}} {
		for _, n := range []int{1, 7, encoderBlock, 2*encoderBlock + 3} {
			rp, sf, _, _ := m.EncoderGradientSamples(x, lik, n, 17)
			wantRp, wantSf := encoderGradientOneByOne(m, x, lik, n, 17)
			if len(rp) != n || len(sf) != n {
				t.Fatalf("%v, %d samples: got %d and %d", lik.Kind, n, len(rp), len(sf))
			}
			for i := range rp {
				for c := range rp[i] {
					for _, p := range [][2]float64{{rp[i][c], wantRp[i][c]}, {sf[i][c], wantSf[i][c]}} {
						if math.Abs(p[0]-p[1]) > 1e-4*math.Max(1, math.Abs(p[1])) {
							t.Fatalf("%v, %d samples: estimate %d component %d is %v, one by one %v", lik.Kind, n, i, c, p[0], p[1])
						}
					}
				}
			}
			for i, g := range m.Grads() {
				if g != 0 {
					t.Fatalf("Grads()[%d] = %v after EncoderGradientSamples", i, g)
				}
			}
		}
	}
	if rp, sf, _, _ := m.EncoderGradientSamples(x, Likelihood{Kind: Bernoulli}, 0, 1); len(rp) != 0 || len(sf) != 0 {
		t.Errorf("0 samples gave %d estimates", len(rp))
	}
}
