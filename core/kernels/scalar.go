//go:build !(goexperiment.simd && (wasm || amd64))

package kernels

// SIMD reports whether [Sgemm] runs a SIMD micro-kernel. It never does in
// this build: no GOEXPERIMENT=simd, or neither wasm nor amd64. [Build]
// names the kernel for status reports.
func SIMD() bool { return false }

// simdBuild is [Build]'s name for a SIMD kernel; this build has none.
const simdBuild = ""

// gemm is Sgemm's kernel: the scalar one in builds without SIMD.
var gemm kernel = gemmScalar
