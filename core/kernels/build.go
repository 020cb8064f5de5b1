package kernels

// Build names the matrix-multiply kernel this binary was built with, for
// status reports such as the page's status(): "wasm-simd128" when [Sgemm]
// runs the WebAssembly 128-bit SIMD kernel (GOEXPERIMENT=simd, GOARCH=wasm),
// "scalar" otherwise.
func Build() string {
	if SIMD {
		return "wasm-simd128"
	}
	return "scalar"
}
