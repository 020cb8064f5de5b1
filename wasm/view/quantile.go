// Package view is the page's pure logic, free of Ebiten and syscall/js so
// that it is tested natively: the standard-normal quantile Φ⁻¹ behind the
// manifold grid, the mapping between screen pixels and the latent z, the
// 2-D slice of a larger latent space that the plane shows, the screen
// layout, the settings and their URL form (the architecture's among them),
// and the loss chart's data.
package view

import "math"

// Coefficients of Acklam's rational approximations to Φ⁻¹ (relative error
// below 1.15e-9), refined below by one Halley step to full double precision.
var (
	acklamA = [6]float64{-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
		1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00}
	acklamB = [5]float64{-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
		6.680131188771972e+01, -1.328068155288572e+01}
	acklamC = [6]float64{-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
		-2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00}
	acklamD = [4]float64{7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
		3.754408661907416e+00}
)

// acklamLow is where the central approximation hands over to the tails.
const acklamLow = 0.02425

// NormalQuantile returns Φ⁻¹(p), the z with P(Z ≤ z) = p for a standard
// normal Z. It returns −Inf for p ≤ 0, +Inf for p ≥ 1 and NaN for NaN.
func NormalQuantile(p float64) float64 {
	switch {
	case math.IsNaN(p):
		return math.NaN()
	case p <= 0:
		return math.Inf(-1)
	case p >= 1:
		return math.Inf(1)
	}
	a, b, c, d := acklamA, acklamB, acklamC, acklamD
	var x float64
	switch {
	case p < acklamLow:
		q := math.Sqrt(-2 * math.Log(p))
		x = (((((c[0]*q+c[1])*q+c[2])*q+c[3])*q+c[4])*q + c[5]) /
			((((d[0]*q+d[1])*q+d[2])*q+d[3])*q + 1)
	case p <= 1-acklamLow:
		q := p - 0.5
		r := q * q
		x = (((((a[0]*r+a[1])*r+a[2])*r+a[3])*r+a[4])*r + a[5]) * q /
			(((((b[0]*r+b[1])*r+b[2])*r+b[3])*r+b[4])*r + 1)
	default:
		q := math.Sqrt(-2 * math.Log1p(-p))
		x = -(((((c[0]*q+c[1])*q+c[2])*q+c[3])*q+c[4])*q + c[5]) /
			((((d[0]*q+d[1])*q+d[2])*q+d[3])*q + 1)
	}
	// One Halley step on Φ(x) − p, with Φ from erfc so the lower tail keeps
	// its relative precision.
	e := NormalCDF(x) - p
	u := e * math.Sqrt(2*math.Pi) * math.Exp(x*x/2)
	return x - u/(1+x*u/2)
}

// NormalCDF returns Φ(z) = P(Z ≤ z) for a standard normal Z.
func NormalCDF(z float64) float64 {
	return 0.5 * math.Erfc(-z/math.Sqrt2)
}
