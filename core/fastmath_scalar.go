//go:build !(goexperiment.simd && wasm)

package core

// Without WebAssembly SIMD the element-wise loops are the scalar ones
// (fastmath_loops.go).
var (
	adamOnePass = adamOnePassScalar
	adamExcess  = adamExcessScalar

	reluForward  = reluForwardScalar
	reluBackward = reluBackwardScalar

	sigmoidLoop = sigmoidScalar
)
