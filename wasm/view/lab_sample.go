package view

import (
	"math"
	"math/rand/v2"

	"github.com/govae/govae/core"
)

func parseLikelihoodName(s string) (core.LikelihoodKind, error) { return core.ParseLikelihood(s) }

// SampleObservation draws one image x ~ p(x|z) given the decoder's means
// (what the pictures show): Bernoulli pixels are 0 or 1, Gaussian ones are
// mean + σ·ε (clamped to [0, 1] for display), continuous Bernoulli ones are
// drawn by inverting the CDF. It shows why the page draws means: a sample
// is the mean plus the likelihood's pixel noise.
func SampleObservation(kind core.LikelihoodKind, means []float32, sigma float64, rng *rand.Rand) []float32 {
	out := make([]float32, len(means))
	for i, m := range means {
		mu := float64(m)
		var x float64
		switch kind {
		case core.Gaussian, core.GaussianLearned:
			x = mu + sigma*rng.NormFloat64()
		case core.ContinuousBernoulli:
			x = CBQuantile(CBLogitFromMean(mu), rng.Float64())
		default:
			if rng.Float64() < mu {
				x = 1
			}
		}
		out[i] = float32(min(max(x, 0), 1))
	}
	return out
}

// CBMean is the mean of the continuous Bernoulli with logit η (density
// ∝ e^(η·x) on [0, 1]): 1/(1 − e^(−η)) − 1/η, and ½ at η = 0.
func CBMean(eta float64) float64 {
	if math.Abs(eta) < 1e-4 {
		return 0.5 + eta/12
	}
	return 1/(-math.Expm1(-eta)) - 1/eta
}

// CBLogitFromMean inverts CBMean by bisection (it is increasing); means
// are clamped to [0.001, 0.999].
func CBLogitFromMean(mean float64) float64 {
	mean = min(max(mean, 0.001), 0.999)
	lo, hi := -1100.0, 1100.0
	for i := 0; i < 80; i++ {
		mid := (lo + hi) / 2
		if CBMean(mid) < mean {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// CBQuantile is the inverse CDF of the continuous Bernoulli with logit η:
// F(x) = (e^(ηx) − 1)/(e^η − 1), so x = log(1 + u·(e^η − 1))/η.
func CBQuantile(eta, u float64) float64 {
	switch {
	case math.Abs(eta) < 1e-6:
		return u
	case eta > 30: // e^η would overflow; factor it out
		return min(max(1+math.Log(u+(1-u)*math.Exp(-eta))/eta, 0), 1)
	case eta < -30: // 1 + u·(e^η − 1) cancels near u = 1
		return min(max(math.Log((1-u)+u*math.Exp(eta))/eta, 0), 1)
	}
	return min(max(math.Log1p(u*math.Expm1(eta))/eta, 0), 1)
}
