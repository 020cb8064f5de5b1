package kernels

// Build names the micro-kernel [Sgemm] runs, for status reports such as the
// page's status(): "wasm-simd128" for the WebAssembly 128-bit SIMD kernel
// (GOEXPERIMENT=simd, GOARCH=wasm), "amd64-avx2-fma" for the AVX2+FMA kernel
// (GOEXPERIMENT=simd, GOARCH=amd64, on a CPU with both), "scalar" otherwise.
func Build() string {
	if SIMD() {
		return simdBuild
	}
	return "scalar"
}
