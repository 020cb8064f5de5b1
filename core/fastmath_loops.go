package core

import "math"

// The element-wise loops of the training step that run over whole
// parameter vectors or activations, in their scalar form. In a build with
// WebAssembly SIMD (GOEXPERIMENT=simd, GOARCH=wasm) fastmath_simd_wasm.go
// replaces them with 128-bit vector versions that compute the same float32
// operations in the same order, bit for bit; these stay the reference its
// tests compare with. fastmath_scalar.go selects them in every other build.

// adamOnePassScalar is Adam's update (Kingma & Ba 2015, Algorithm 1, with
// both bias corrections folded into step and eps by the caller) of every
// parameter:
//
//	m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²,  p ← p − step·m/(√v + eps).
//
// m, v and g must be at least as long as params.
func adamOnePassScalar(params, m, v, g []float32, b1, b2, step, eps float32) {
	m, v, g = m[:len(params)], v[:len(params)], g[:len(params)]
	for i, p := range params {
		mi := b1*m[i] + (1-b1)*g[i]
		vi := b2*v[i] + (1-b2)*g[i]*g[i]
		m[i], v[i], params[i] = mi, vi, p-step*mi/(sqrt32(vi)+eps)
	}
}

// adamExcessScalar ORs together, for every i, (gLimit − |g[i]|) |
// (gLimit − |m[i]|) | (lLimit − |params[i]|) | (lLimit − |v[i]|), the
// magnitudes as float32 bit patterns and the differences in uint32
// arithmetic: the result's top bit is set exactly when some magnitude
// exceeds its limit (or is NaN). See adamCannotOverflow.
func adamExcessScalar(params, m, v, g []float32, gLimit, lLimit uint32) uint32 {
	var over uint32
	m, v, g = m[:len(params)], v[:len(params)], g[:len(params)] // no bounds checks below
	for i, p := range params {
		over |= (gLimit - absBits(g[i])) | (gLimit - absBits(m[i])) |
			(lLimit - absBits(p)) | (lLimit - absBits(v[i]))
	}
	return over
}

// reluForwardScalar sets out[i] = max(in[i], 0) for i < len(out), keeping
// NaN (and −0) as they are. Not max(v, 0): float min/max are runtime calls
// in wasm.
func reluForwardScalar(in, out []float32) {
	in = in[:len(out)]
	for i, v := range in {
		if v < 0 {
			v = 0
		}
		out[i] = v
	}
}

// reluBackwardScalar sets dx[i] = g[i] where the ReLU's output y[i] > 0 and
// 0 elsewhere, for i < len(dx).
func reluBackwardScalar(g, y, dx []float32) {
	g, y = g[:len(dx)], y[:len(dx)]
	for i, v := range y {
		if v > 0 {
			dx[i] = g[i]
		} else {
			dx[i] = 0
		}
	}
}

// Constants of sigmoidScalar and sigmoidSIMD: e^−a = 2^−k·e^−r with
// a = k·ln2 + r, k = ⌊a·log₂e + ½⌋, |r| ≤ ln2/2, ln2 split into a part
// exact in float32 (ln2Hi32, 8 significant bits, so k·ln2Hi32 is exact for
// k < 2^16) and the rest (Cody & Waite 1980); e^−r by its Taylor series to
// r⁶ (error below r⁷/7! < 1.2e-7, float32's resolution). a is clamped to
// sigmoidMax32 so that 2^−k stays a normal float32 (k ≤ 126).
const (
	log2e32      = float32(1.4426950408889634)
	ln2Hi32      = float32(0.693359375)
	ln2Lo32      = float32(-2.12194440e-4)
	sigmoidMax32 = float32(87)
)

// sigmoidScalar sets out[i] = σ(x[i]) = 1/(1+e^−x[i]) in float32 for
// i < len(x), as 1/(1+u) for x ≥ 0 and u/(1+u) for x < 0 with
// u = e^−|x| (never overflowing); NaN stays NaN. Relative error about
// 2e-7 (TestSigmoidAccuracy). It is the decoder's mean for the pictures:
// 313 600 values per 20×20 manifold.
func sigmoidScalar(x, out []float32) {
	out = out[:len(x)]
	for i, v := range x {
		a := v
		if a < 0 {
			a = -a
		}
		if a > sigmoidMax32 {
			a = sigmoidMax32
		}
		k := float32(math.Floor(float64(a*log2e32 + 0.5)))
		r := (a - k*ln2Hi32) - k*ln2Lo32
		p := 1 - r*(1-r*(1.0/2-r*(1.0/6-r*(1.0/24-r*(1.0/120-r*(1.0/720))))))
		u := p * math.Float32frombits(uint32(127-int32(k))<<23)
		q := 1 / (1 + u)
		if v < 0 {
			q = u * q
		}
		out[i] = q
	}
}
