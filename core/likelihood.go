package core

import (
	"fmt"
	"math"
)

// LikelihoodKind names the decoder's observation model p(x|z).
type LikelihoodKind uint8

// The supported likelihoods.
const (
	// Bernoulli: binary cross-entropy from logits. Exact for binary pixels;
	// on grey levels it is not a normalised density (see ContinuousBernoulli).
	Bernoulli LikelihoodKind = iota
	// Gaussian with a fixed standard deviation Sigma around the pixel mean.
	Gaussian
	// GaussianLearned is Gaussian with one global log σ learned with the model.
	GaussianLearned
	// ContinuousBernoulli is the normalised density on [0,1]
	// (Loaiza-Ganem & Cunningham 2019): BCE plus −log C(λ).
	ContinuousBernoulli
)

var likelihoodNames = [...]string{
	Bernoulli: "bernoulli", Gaussian: "gaussian", GaussianLearned: "gaussian-learned",
	ContinuousBernoulli: "continuous-bernoulli",
}

// String returns the likelihood's name as used in URLs and flags.
func (k LikelihoodKind) String() string {
	if int(k) < len(likelihoodNames) {
		return likelihoodNames[k]
	}
	return fmt.Sprintf("LikelihoodKind(%d)", uint8(k))
}

// ParseLikelihood is the inverse of LikelihoodKind.String.
func ParseLikelihood(s string) (LikelihoodKind, error) {
	for i, n := range likelihoodNames {
		if n == s {
			return LikelihoodKind(i), nil
		}
	}
	return 0, fmt.Errorf("core: unknown likelihood %q (want bernoulli, gaussian, gaussian-learned or continuous-bernoulli)", s)
}

// Likelihood is a decoder observation model with its settings.
type Likelihood struct {
	Kind LikelihoodKind
	// Sigma is the fixed standard deviation of Gaussian (pixel units).
	// With plain MSE at weight 1 one is implicitly using a KL weight of 2σ².
	Sigma float64
}

// DefaultGaussianSigma is the fixed σ used when none is given.
const DefaultGaussianSigma = 0.1

// Learned log σ is kept in this range so a collapsing σ cannot drive the
// loss to −∞; the gradient is zero outside it.
const (
	MinLogSigma = -7
	MaxLogSigma = 2
)

// Validate reports whether the settings are usable.
func (l Likelihood) Validate() error {
	if int(l.Kind) >= len(likelihoodNames) {
		return fmt.Errorf("core: unknown likelihood kind %d", l.Kind)
	}
	if l.Kind == Gaussian && !(l.Sigma > 1e-4 && l.Sigma <= 10) {
		return fmt.Errorf("core: Gaussian σ = %v is out of range (1e-4, 10]", l.Sigma)
	}
	return nil
}

const halfLog2Pi = 0.91893853320467274178 // ½·log(2π)

// nll returns the reconstruction negative log-likelihood summed over the
// pixels of one example, writes ∂nll/∂logits into dlogits (scaled by scale)
// and returns ∂nll/∂logσ for GaussianLearned (zero otherwise).
func (l Likelihood) nll(x, logits, dlogits []float32, logSigma float64, scale float32) (nll, dLogSigma float64) {
	x = x[:len(logits)]
	dlogits = dlogits[:len(logits)]
	switch l.Kind {
	case Bernoulli:
		// bceFromLogit and the logistic function, sharing one e^−|η|.
		for i, e := range logits {
			eta := float64(e)
			a := math.Abs(eta)
			if a > expNegMax {
				a = expNegMax
			}
			u := expNeg(a)
			p := 1 / (1 + u) // σ(|η|)
			pos := eta       // max(η, 0), without the runtime call a float max is in wasm
			if eta < 0 {
				p = u * p
				pos = 0
			}
			nll += pos - float64(x[i])*eta + log1pUnit(u)
			dlogits[i] = scale * (float32(p) - x[i])
		}
	case ContinuousBernoulli:
		for i, e := range logits {
			t, eta := float64(x[i]), float64(e)
			nll += bceFromLogit(t, eta) - cbLogNormFromLogit(eta)
			dlogits[i] = scale * float32(sigmoid(eta)-t-cbLogNormGradFromLogit(eta))
		}
	case Gaussian, GaussianLearned:
		sigma := l.Sigma
		if l.Kind == GaussianLearned {
			sigma = math.Exp(clampLogSigma(logSigma))
		}
		inv2 := 1 / (sigma * sigma)
		var sq float64
		for i, e := range logits {
			m := sigmoid(float64(e))
			d := m - float64(x[i])
			sq += d * d
			dlogits[i] = scale * float32(d*inv2*m*(1-m))
		}
		k := float64(len(logits))
		nll = 0.5*sq*inv2 + k*(math.Log(sigma)+halfLog2Pi)
		if l.Kind == GaussianLearned && logSigma > MinLogSigma && logSigma < MaxLogSigma {
			dLogSigma = k - sq*inv2
		}
	}
	return nll, dLogSigma
}

func clampLogSigma(v float64) float64 { return min(max(v, MinLogSigma), MaxLogSigma) }

// mean converts logits to the mean of p(x|z), which is what pictures show.
func (l Likelihood) mean(logits, out []float32) {
	out = out[:len(logits)]
	if l.Kind == ContinuousBernoulli {
		for i, e := range logits {
			out[i] = float32(cbMeanFromLogit(float64(e)))
		}
		return
	}
	sigmoidLoop(logits, out) // float32, on vectors in the SIMD build
}

// bceFromLogit is −[t·log σ(η) + (1−t)·log(1−σ(η))] computed as
// max(η,0) − t·η + log(1+e^−|η|): no clipping, finite for every finite η.
func bceFromLogit(t, eta float64) float64 {
	return max(eta, 0) - t*eta + log1pUnit(expNeg(min(math.Abs(eta), expNegMax)))
}

// cbTaylorRadius is where the continuous Bernoulli functions switch to their
// Taylor expansions around η = 0 (λ = ½), whose closed forms are 0/0 there.
const cbTaylorRadius = 1e-2

// cbLogNormFromLogit is log C(λ) for λ = σ(η). With 1−2λ = −tanh(η/2) and
// atanh(1−2λ) = −η/2, C = 2·atanh(1−2λ)/(1−2λ) simplifies to η / tanh(η/2).
func cbLogNormFromLogit(eta float64) float64 {
	a := math.Abs(eta)
	if a < cbTaylorRadius {
		e2 := eta * eta
		return math.Ln2 + e2/12 - 7*e2*e2/1440
	}
	if a > 40 { // tanh(η/2) is 1 to double precision.
		return math.Log(a)
	}
	return math.Log(a / math.Abs(math.Tanh(eta/2)))
}

// cbLogNormGradFromLogit is d log C/dη = 1/η − 1/sinh(η).
func cbLogNormGradFromLogit(eta float64) float64 {
	if math.Abs(eta) < cbTaylorRadius {
		return eta/6 - 7*eta*eta*eta/360
	}
	if math.Abs(eta) > 40 {
		return 1 / eta
	}
	return 1/eta - 1/math.Sinh(eta)
}

// cbMeanFromLogit is E[x] = λ/(2λ−1) + 1/(2·atanh(1−2λ)) = λ/tanh(η/2) − 1/η.
func cbMeanFromLogit(eta float64) float64 {
	if math.Abs(eta) < cbTaylorRadius {
		return 0.5 + eta/12
	}
	return sigmoid(eta)/math.Tanh(eta/2) - 1/eta
}

// ContinuousBernoulliLogNorm returns log C(λ), the log normalising constant
// of the continuous Bernoulli density p(x|λ) = C(λ)·λ^x·(1−λ)^(1−x) on [0,1],
// C(λ) = 2·atanh(1−2λ)/(1−2λ) and C(½) = 2. C diverges (logarithmically) at
// λ = 0 and 1; λ is clamped to [1e-7, 1−1e-7], the range float32 logits reach,
// so the result is always finite.
func ContinuousBernoulliLogNorm(lambda float64) float64 {
	lambda = min(max(lambda, 1e-7), 1-1e-7)
	return cbLogNormFromLogit(math.Log(lambda) - math.Log1p(-lambda))
}

// KL returns KL(N(μ, diag exp(logvar)) ‖ N(0, I)) = −½ Σ(1 + logvar − μ² − exp(logvar)).
func KL(mu, logvar []float32) float64 {
	var s float64
	for i, m := range mu {
		lv := float64(logvar[i])
		s += 1 + lv - float64(m)*float64(m) - math.Exp(lv)
	}
	return -0.5 * s
}
