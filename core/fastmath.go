package core

import "math"

// The per-pixel functions of the loss (the logistic function and the binary
// cross-entropy) run 784 times per image in every training pass and in
// every decode. In WebAssembly math.Exp and math.Log1p are pure Go with
// several calls each (exp → expmulti → ldexp), and the profile of the wasm
// training step had them at about a sixth of its time. expNeg and log1pUnit
// cover just the ranges those callers need, table-driven with short
// polynomials, small enough for the compiler to inline: about 4× faster in
// wasm (BenchmarkBernoulliNLL), with errors below 1e-14 — far
// inside what the loss's float64 sums and the float32 gradients can tell
// apart (TestFastMathAccuracy).

const (
	// Cody–Waite split of ln 2 (the values fdlibm and package math use):
	// ln2Hi has enough trailing zero bits that k·ln2Hi/32 is exact.
	ln2Hi = 6.93147180369123816490e-01
	ln2Lo = 1.90821492927058770002e-10
	log2e = 1.44269504088896338700e+00

	// expNegMax bounds expNeg's argument: e^−708 ≈ 3.3e-308 is still a
	// normal float64, and anything smaller is 0 to every caller.
	expNegMax = 708
)

// exp2Neg32[j] is 2^(−j/32).
var exp2Neg32 = func() (t [32]float64) {
	for j := range t {
		t[j] = math.Exp2(-float64(j) / 32)
	}
	return t
}()

// expNeg returns e^−a for 0 ≤ a ≤ expNegMax (callers clamp), and NaN for NaN.
func expNeg(a float64) float64 {
	// a = (32q + j)·ln2/32 + r with |r| ≤ ln2/64, so e^−a = 2^−q · 2^(−j/32) · e^−r.
	k := math.Floor(a*(32*log2e) + 0.5)
	r := (a - k*(ln2Hi/32)) - k*(ln2Lo/32)
	p := 1 - r*(1-r*(1.0/2-r*(1.0/6-r*(1.0/24-r*(1.0/120))))) // error < r⁶/720 < 3e-15
	n := uint64(k)
	return exp2Neg32[n&31] * p * math.Float64frombits((1023-n>>5)<<52)
}

// log1pInv[j] is 1/c and log1pLog[j] is −log(1/c) = log c (for the rounded
// 1/c), where c is the middle of the interval of float64 values w whose bits
// w>>47 & 63 (the lowest exponent bit and the top 5 mantissa bits) are j:
// 1/32-wide intervals of [1, 2) for j ≥ 32 and 2/32-wide ones of [2, 4) below.
var log1pInv, log1pLog = func() (inv, lg [64]float64) {
	for j := range inv {
		c := 2 + 2*(float64(j)+0.5)/32
		if j >= 32 {
			c = 1 + (float64(j-32)+0.5)/32
		}
		inv[j] = 1 / c
		lg[j] = -math.Log(inv[j])
	}
	return inv, lg
}()

// log1pUnit returns log(1+u) for 0 ≤ u ≤ 1 (valid up to 3) with an absolute
// error below 1e-15.
func log1pUnit(u float64) float64 {
	// log(1+u) = log c + log(1+t) with t = (1+u)/c − 1, |t| < 1/64.
	w := 1 + u
	j := math.Float64bits(w) >> 47 & 63
	t := w*log1pInv[j] - 1
	return log1pLog[j] + t*(1-t*(1.0/2-t*(1.0/3-t*(1.0/4-t*(1.0/5-t*(1.0/6-t*(1.0/7))))))) // error < t⁸/8 < 5e-16
}
