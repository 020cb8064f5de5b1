//go:build goexperiment.simd && wasm

package core

import "simd/archsimd"

// With WebAssembly SIMD the element-wise loops run on 128-bit vectors of 4
// float32: the same operations in the same order as the scalar loops of
// fastmath_loops.go, so the results are identical bit for bit (WebAssembly
// has no fused multiply-add, and f32x4.sqrt and f32x4.div round correctly
// like their scalar forms). Tests: fastmath_simd_wasm_test.go.
var (
	adamOnePass = adamOnePassSIMD
	adamExcess  = adamExcessSIMD

	reluForward  = reluForwardSIMD
	reluBackward = reluBackwardSIMD

	sigmoidLoop = sigmoidSIMD
)

// load4 and store4 access s[i:i+4] as one vector.
func load4(s []float32, i int) archsimd.Float32x4 {
	return archsimd.LoadFloat32x4Array((*[4]float32)(s[i : i+4]))
}

func store4(v archsimd.Float32x4, s []float32, i int) { v.StoreArray((*[4]float32)(s[i : i+4])) }

// adamOnePassSIMD is adamOnePassScalar on vectors.
func adamOnePassSIMD(params, m, v, g []float32, b1, b2, step, eps float32) {
	n := len(params)
	m, v, g = m[:n], v[:n], g[:n]
	vb1, vc1 := archsimd.BroadcastFloat32x4(b1), archsimd.BroadcastFloat32x4(1-b1)
	vb2, vc2 := archsimd.BroadcastFloat32x4(b2), archsimd.BroadcastFloat32x4(1-b2)
	vstep, veps := archsimd.BroadcastFloat32x4(step), archsimd.BroadcastFloat32x4(eps)
	i := 0
	for ; i+4 <= n; i += 4 {
		gi := load4(g, i)
		mi := vb1.Mul(load4(m, i)).Add(vc1.Mul(gi))
		vi := vb2.Mul(load4(v, i)).Add(vc2.Mul(gi).Mul(gi))
		p := load4(params, i).Sub(vstep.Mul(mi).Div(vi.Sqrt().Add(veps)))
		store4(mi, m, i)
		store4(vi, v, i)
		store4(p, params, i)
	}
	adamOnePassScalar(params[i:], m[i:], v[i:], g[i:], b1, b2, step, eps)
}

// adamExcessSIMD is adamExcessScalar on vectors.
func adamExcessSIMD(params, m, v, g []float32, gLimit, lLimit uint32) uint32 {
	n := len(params)
	m, v, g = m[:n], v[:n], g[:n]
	abs := archsimd.BroadcastUint32x4(1<<31 - 1)
	gl, ll := archsimd.BroadcastUint32x4(gLimit), archsimd.BroadcastUint32x4(lLimit)
	var over archsimd.Uint32x4
	i := 0
	for ; i+4 <= n; i += 4 {
		over = over.Or(gl.Sub(load4(g, i).ToBits().And(abs))).
			Or(gl.Sub(load4(m, i).ToBits().And(abs))).
			Or(ll.Sub(load4(params, i).ToBits().And(abs))).
			Or(ll.Sub(load4(v, i).ToBits().And(abs)))
	}
	return over.GetElem(0) | over.GetElem(1) | over.GetElem(2) | over.GetElem(3) |
		adamExcessScalar(params[i:], m[i:], v[i:], g[i:], gLimit, lLimit)
}

// reluForwardSIMD is reluForwardScalar on vectors: the lanes where v < 0
// are cleared (+0); NaN and −0 compare false and pass unchanged.
func reluForwardSIMD(in, out []float32) {
	n := len(out)
	in = in[:n]
	var zero archsimd.Float32x4
	i := 0
	for ; i+4 <= n; i += 4 {
		v := load4(in, i)
		neg := v.Less(zero).ToInt32x4().ToBits()
		store4(v.ToBits().AndNot(neg).BitsToFloat32(), out, i)
	}
	reluForwardScalar(in[i:], out[i:])
}

// reluBackwardSIMD is reluBackwardScalar on vectors: g where y > 0, +0 elsewhere.
func reluBackwardSIMD(g, y, dx []float32) {
	n := len(dx)
	g, y = g[:n], y[:n]
	var zero archsimd.Float32x4
	i := 0
	for ; i+4 <= n; i += 4 {
		pos := load4(y, i).Greater(zero).ToInt32x4().ToBits()
		store4(load4(g, i).ToBits().And(pos).BitsToFloat32(), dx, i)
	}
	reluBackwardScalar(g[i:], y[i:], dx[i:])
}

// sigmoidSIMD is sigmoidScalar on vectors: the same float32 operations in
// the same order (f32x4.floor, the conversion of the small whole k and the
// exponent's bits are exact like their scalar forms), so the pictures of
// both builds are identical.
func sigmoidSIMD(x, out []float32) {
	out = out[:len(x)]
	n := len(x) &^ 3
	var (
		zero = archsimd.BroadcastFloat32x4(0)
		one  = archsimd.BroadcastFloat32x4(1)
		half = archsimd.BroadcastFloat32x4(0.5)
		top  = archsimd.BroadcastFloat32x4(sigmoidMax32)
		l2e  = archsimd.BroadcastFloat32x4(log2e32)
		hi   = archsimd.BroadcastFloat32x4(ln2Hi32)
		lo   = archsimd.BroadcastFloat32x4(ln2Lo32)
		c2   = archsimd.BroadcastFloat32x4(1.0 / 2)
		c3   = archsimd.BroadcastFloat32x4(1.0 / 6)
		c4   = archsimd.BroadcastFloat32x4(1.0 / 24)
		c5   = archsimd.BroadcastFloat32x4(1.0 / 120)
		c6   = archsimd.BroadcastFloat32x4(1.0 / 720)
		bias = archsimd.BroadcastInt32x4(127)
	)
	for i := 0; i < n; i += 4 {
		v := load4(x, i)
		a := v.Abs()
		a = top.IfElse(a.Greater(top), a) // NaN stays NaN, as in the scalar loop
		k := a.Mul(l2e).Add(half).Floor()
		r := a.Sub(k.Mul(hi)).Sub(k.Mul(lo))
		p := one.Sub(r.Mul(one.Sub(r.Mul(c2.Sub(r.Mul(c3.Sub(r.Mul(c4.Sub(r.Mul(c5.Sub(r.Mul(c6))))))))))))
		u := p.Mul(bias.Sub(k.ConvertToInt32()).ShiftAllLeft(23).ToBits().BitsToFloat32())
		q := one.Div(one.Add(u))
		q = u.Mul(q).IfElse(v.Less(zero), q)
		store4(q, out, i)
	}
	sigmoidScalar(x[n:], out[n:])
}
