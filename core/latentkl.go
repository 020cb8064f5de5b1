package core

import (
	"fmt"
	"math"
)

// The KL per latent dimension, the default pair of dimensions a 2-D slice
// of a larger latent space shows, and the held-out evaluation behind the
// page's held-out curve.

// klBatch is how many images one encoder pass of KLPerDim takes, as
// Evaluate's batches: it bounds the scratch memory, not the result.
const klBatch = 500

// addKLPerDim adds each latent dimension's KL, summed over the rows of
// μ and log σ² (rows×len(acc), row-major), into acc. Each element goes
// through KL itself, so the dimensions add up to what the loss reports.
func addKLPerDim(acc []float64, mu, logvar []float32) {
	d := len(acc)
	for i := range mu {
		acc[i%d] += KL(mu[i:i+1], logvar[i:i+1])
	}
}

// checkImages reports images that cannot be evaluated: n < 1, or fewer than
// n×Input values in data.
func checkImages(m *Model, data []float32, n int) error {
	if n < 1 {
		return fmt.Errorf("core: %d images to evaluate, want at least 1", n)
	}
	if len(data) < n*m.Arch.Input {
		return fmt.Errorf("core: %d images need %d values, got %d", n, n*m.Arch.Input, len(data))
	}
	return nil
}

// checkKL returns ErrNonFinite (wrapped, naming the dimension) unless every
// value of kl is finite.
func checkKL(kl []float64) error {
	for j, v := range kl {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: the KL of latent dimension %d is %v", ErrNonFinite, j+1, v)
		}
	}
	return nil
}

// KLPerDim returns, for each latent dimension j, the KL of the posterior
// from the prior averaged over n images x (n×Input values in data):
//
//	KL_j = (1/n) Σ_images −½ (1 + log σ²_j − μ_j² − σ²_j)   in nats per image,
//
// the closed form of KL(N(μ, σ²) ‖ N(0, 1)) (Kingma & Welling 2014,
// appendix B), which sums over j to the loss's KL. It takes one encoder pass
// in evaluation mode (batch-norm running statistics, no dropout), in batches
// of 500, and draws no noise. A dimension whose average KL is near 0 is
// inactive ("collapsed"): its posterior is the prior whatever the image.
// Errors: n < 1, data shorter than n images, or a non-finite result
// (wrapping ErrNonFinite), when the images or the weights hold NaN or the
// encoder's log σ² overflows.
func KLPerDim(m *Model, data []float32, n int) ([]float64, error) {
	if err := checkImages(m, data, n); err != nil {
		return nil, err
	}
	in := m.Arch.Input
	kl := make([]float64, m.Arch.Latent)
	for lo := 0; lo < n; lo += klBatch {
		b := min(klBatch, n-lo)
		m.encode(viewMatrix(data[lo*in:(lo+b)*in], b, in), false)
		addKLPerDim(kl, m.mu.Data, m.logvar.Data)
	}
	for j := range kl {
		kl[j] /= float64(n)
	}
	return kl, checkKL(kl)
}

// DefaultPair returns the two latent dimensions a 2-D slice shows by
// default: those with the largest average KL (klPerDim, as KLPerDim
// returns it), ties going to the lower index, returned in increasing order
// (i < j) — so at latent size 2 the pair is (0, 1), the whole plane. Errors:
// fewer than 2 dimensions, or a KL that is NaN or infinite.
func DefaultPair(klPerDim []float64) (i, j int, err error) {
	if len(klPerDim) < 2 {
		return 0, 0, fmt.Errorf("core: %d latent dimensions, a pair needs at least 2", len(klPerDim))
	}
	if err := checkKL(klPerDim); err != nil {
		return 0, 0, err
	}
	first, second := -1, -1
	for k, v := range klPerDim {
		switch {
		case first < 0 || v > klPerDim[first]:
			first, second = k, first
		case second < 0 || v > klPerDim[second]:
			second = k
		}
	}
	return min(first, second), max(first, second), nil
}

// Evaluation is a held-out evaluation: the loss in nats per image (−ELBO,
// reconstruction and KL, KL weight 1) and the KL of each latent dimension
// in nats per image, which sum to Loss.KL.
type Evaluation struct {
	Loss
	KLPerDim []float64 // Latent values
}

// EvaluatePerDim is Evaluate — evaluation mode (batch-norm running
// statistics, no dropout), one z = μ + σ·ε per image with ε from a source
// seeded with seed, batches of 500 — that also returns the KL of each latent
// dimension from the same encoder pass. Errors: n < 1, data shorter than n
// images, or a non-finite loss (wrapping ErrNonFinite: diverged weights or
// NaN in the images).
func EvaluatePerDim(m *Model, data []float32, n int, lik Likelihood, seed uint64) (Evaluation, error) {
	if err := checkImages(m, data, n); err != nil {
		return Evaluation{}, err
	}
	e := Evaluation{KLPerDim: make([]float64, m.Arch.Latent)}
	e.Loss = evaluate(m, data, n, lik, seed, e.KLPerDim)
	for j := range e.KLPerDim {
		e.KLPerDim[j] /= float64(n)
	}
	for _, v := range []float64{e.Recon, e.KL} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return e, fmt.Errorf("%w: held-out reconstruction %v, KL %v nats", ErrNonFinite, e.Recon, e.KL)
		}
	}
	return e, checkKL(e.KLPerDim)
}

// The held-out set: HeldOutSize test images at HeldOutIndices, evaluated
// with ε seeded by HeldOutSeed, so that every point of the held-out curve
// measures the same thing and only the weights change.
const (
	HeldOutSize = 1000
	HeldOutSeed = 11 // issue 11; any fixed value would do
)

// HeldOutIndices returns which n of total images form the held-out set:
// i·total/n for i = 0 … n−1, evenly spread, so that both halves of the MNIST
// test set (its first 5 000 images are the cleaner ones, LeCun et al.'s
// notes) are represented alike; for 1 000 of 10 000, every tenth image.
// Errors: n < 1 or n > total.
func HeldOutIndices(total, n int) ([]int, error) {
	if n < 1 || n > total {
		return nil, fmt.Errorf("core: a held-out set of %d of %d images", n, total)
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = int(int64(i) * int64(total) / int64(n))
	}
	return idx, nil
}

// HeldOutImages copies the held-out set, n images of size values each at
// HeldOutIndices(total, n), out of total images in pixels (total×size
// values). Errors: as HeldOutIndices, size < 1, or pixels shorter than
// total images.
func HeldOutImages(pixels []float32, total, size, n int) ([]float32, error) {
	idx, err := HeldOutIndices(total, n)
	if err != nil {
		return nil, err
	}
	if size < 1 || len(pixels) < total*size {
		return nil, fmt.Errorf("core: %d images of %d values need %d values, got %d", total, size, total*size, len(pixels))
	}
	out := make([]float32, 0, n*size)
	for _, k := range idx {
		out = append(out, pixels[k*size:(k+1)*size]...)
	}
	return out, nil
}
