//go:build !(goexperiment.simd && wasm)

package kernels

// SIMD reports whether [Sgemm] runs the WebAssembly 128-bit SIMD kernel
// (simd_wasm.go). It is false in this build: no GOEXPERIMENT=simd, or not
// wasm. [Build] names the build for status reports.
const SIMD = false

// gemm is Sgemm's kernel: the scalar one in builds without wasm SIMD.
var gemm kernel = gemmScalar
