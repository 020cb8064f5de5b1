package view

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"slices"
)

// Histogram counts samples in equal bins over [Lo, Hi); samples outside
// are counted in Below and Above, never dropped silently.
type Histogram struct {
	Lo, Hi       float64
	Counts       []int
	Below, Above int
}

// NewHistogram bins xs into bins equal bins over [lo, hi) (hi itself goes
// into the last bin). Non-finite samples count as outside.
func NewHistogram(xs []float64, lo, hi float64, bins int) Histogram {
	h := Histogram{Lo: lo, Hi: hi, Counts: make([]int, max(bins, 1))}
	w := (hi - lo) / float64(len(h.Counts))
	for _, x := range xs {
		switch {
		case x < lo || math.IsNaN(x):
			h.Below++
		case x > hi:
			h.Above++
		default:
			i := int((x - lo) / w)
			h.Counts[min(max(i, 0), len(h.Counts)-1)]++
		}
	}
	return h
}

// Max returns the largest bin count.
func (h Histogram) Max() int { return slices.Max(h.Counts) }

// Quantile returns the q-quantile (0 ≤ q ≤ 1) of xs by linear interpolation
// between order statistics; NaN for an empty sample.
func Quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	pos := q * float64(len(s)-1)
	i := int(math.Floor(pos))
	if i >= len(s)-1 {
		return s[len(s)-1]
	}
	f := pos - float64(i)
	return s[i]*(1-f) + s[i+1]*f
}

// SharedRange returns one axis range for histograms of several samples
// drawn side by side: it spans the central 1−2·tail of every sample (so a
// few extreme score-function estimates do not squash the rest), and always
// includes mark (the true value, drawn as a line).
func SharedRange(mark, tail float64, samples ...[]float64) (lo, hi float64) {
	lo, hi = mark, mark
	for _, xs := range samples {
		if len(xs) == 0 {
			continue
		}
		lo = math.Min(lo, Quantile(xs, tail))
		hi = math.Max(hi, Quantile(xs, 1-tail))
	}
	if !(hi > lo) {
		lo, hi = lo-1, hi+1
	}
	pad := (hi - lo) * 0.04
	return lo - pad, hi + pad
}

// EffectiveBeta returns the KL weight of the summed loss
// Σ_pixels recon + β·Σ_dims KL that is equivalent to minimising
//
//	(recon summed, or averaged over the pixels) + w·(KL summed, or averaged over the latent dims).
//
// Averaging the reconstruction divides it by pixels, which is the same as
// multiplying the KL weight by pixels; averaging the KL divides the weight
// by latent. With pixels = 784, a per-pixel mean at w = 1 is a sum at β = 784.
func EffectiveBeta(w float64, reconMean, klMean bool, pixels, latent int) float64 {
	b := w
	if reconMean {
		b *= float64(pixels)
	}
	if klMean {
		b /= float64(latent)
	}
	return b
}

// GaussianKLWeight is the KL weight that plain summed squared error at
// weight 1 implies under a Gaussian likelihood of standard deviation σ:
// −log p(x|z) = Σ(x−x̂)²/(2σ²) + const, so Σ(x−x̂)² + w·KL is the −ELBO
// (times 2σ²) exactly when w = 2σ².
func GaussianKLWeight(sigma float64) float64 { return 2 * sigma * sigma }

// ImpliedSigma inverts GaussianKLWeight: the σ a squared-error loss with KL
// weight w assumes (with the error averaged over pixels when mean is set,
// which multiplies the effective weight by pixels).
func ImpliedSigma(w float64, mean bool, pixels int) float64 {
	if mean {
		w *= float64(pixels)
	}
	return math.Sqrt(w / 2)
}

// LossBreakdown is a loss in nats per image and per unit.
type LossBreakdown struct {
	NegELBO, Recon, KL float64 // nats per image
	ReconPerPixel      float64 // Recon / pixels
	KLPerDim           float64 // KL / latent dims
}

// Breakdown divides the per-image loss by the pixels and the latent dims.
func Breakdown(recon, kl float64, pixels, latent int) LossBreakdown {
	return LossBreakdown{NegELBO: recon + kl, Recon: recon, KL: kl,
		ReconPerPixel: recon / float64(pixels), KLPerDim: kl / float64(latent)}
}

// Interpolate returns n ≥ 2 points evenly spaced on the straight line from a
// to b in latent space, a and b included.
func Interpolate(a, b [2]float64, n int) [][2]float64 {
	n = max(n, 2)
	out := make([][2]float64, n)
	for i := range out {
		t := float64(i) / float64(n-1)
		out[i] = [2]float64{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}
	}
	out[n-1] = b // exactly, whatever the rounding
	return out
}

// Ellipse returns n points on the k-σ contour of the axis-aligned Gaussian
// N(mu, diag(sigma²)): mu + k·(σ₁ cos t, σ₂ sin t); the first point is
// repeated at the end to close the curve.
func Ellipse(mu, sigma [2]float64, k float64, n int) [][2]float64 {
	n = max(n, 3)
	out := make([][2]float64, n+1)
	for i := 0; i <= n; i++ {
		t := 2 * math.Pi * float64(i%n) / float64(n)
		out[i] = [2]float64{mu[0] + k*sigma[0]*math.Cos(t), mu[1] + k*sigma[1]*math.Sin(t)}
	}
	return out
}

// SigmaFromLogvar returns σ = exp(½·log σ²), as the sampling step computes it.
func SigmaFromLogvar(logvar float64) float64 { return math.Exp(0.5 * logvar) }

// DigitPixels is the size of a normalised drawing.
const DigitPixels = 28 * 28

// digitLevels is the number of grey levels a drawing keeps in the URL: 4
// bits a pixel, two pixels a byte.
const digitLevels = 15

// EncodeDigit packs a 28×28 image (values in [0, 1]) into 523 URL-safe
// characters: 16 grey levels a pixel, base64url without padding.
func EncodeDigit(px []float32) (string, error) {
	if len(px) != DigitPixels {
		return "", fmt.Errorf("a digit has %d pixels, not %d", DigitPixels, len(px))
	}
	b := make([]byte, DigitPixels/2)
	for i, v := range px {
		f := float64(v)
		if !(f >= 0) { // negative or NaN
			f = 0
		}
		q := byte(math.Round(min(f, 1) * digitLevels))
		if i%2 == 0 {
			b[i/2] = q << 4
		} else {
			b[i/2] |= q
		}
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// ErrDigitCode reports a drawing in the URL that is not EncodeDigit's output.
var ErrDigitCode = errors.New("not a 28×28 drawing (523 characters of base64url)")

// DecodeDigit is the inverse of EncodeDigit (up to the 16 grey levels).
func DecodeDigit(s string) ([]float32, error) {
	if len(s) != base64.RawURLEncoding.EncodedLen(DigitPixels/2) {
		return nil, ErrDigitCode
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != DigitPixels/2 {
		return nil, ErrDigitCode
	}
	px := make([]float32, DigitPixels)
	for i := range px {
		q := b[i/2] >> 4
		if i%2 == 1 {
			q = b[i/2] & 15
		}
		px[i] = float32(q) / digitLevels
	}
	return px, nil
}
