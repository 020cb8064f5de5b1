// Package kernels provides fast float32 matrix-multiply kernels behind
// gonum's BLAS arguments, tuned for the govae model running as WebAssembly
// and, with GOEXPERIMENT=simd, natively on amd64.
//
// Go's WebAssembly backend emits no SIMD instructions and gonum's Sgemm has
// assembly only for amd64, so under GOOS=js GOARCH=wasm every matrix product
// of the VAE's dense layers runs through gonum's generic pure-Go loops
// (about 1 GFLOP/s). [Sgemm] is a packed, register-blocked kernel in the
// style of GotoBLAS/BLIS:
//
//   - op(B) is packed, one k-block at a time, into panels of nr columns and
//     op(A) into panels of mr rows (alpha folded in), both k-major and zero
//     padded, so all four transpose combinations share one micro-kernel that
//     reads two contiguous streams;
//   - the micro-kernel keeps an mr×nr block of C in local float32 variables
//     and is written so that the Go compiler removes every bounds check from
//     its loop and keeps all its values in the 16 float32 "registers"
//     (WebAssembly locals) the wasm backend has;
//   - tiles at the right and bottom edges run the same micro-kernel into a
//     scratch tile that is then added to C.
//
// Built with GOEXPERIMENT=simd for wasm (Go 1.27's simd/archsimd), [Sgemm]
// runs the same blocking with a WebAssembly 128-bit SIMD micro-kernel
// instead (simd_wasm.go): 4×8 tiles of C held in eight f32x4 accumulators,
// op(B) packed in panels of 8 columns loaded as two vectors per k index,
// op(A) in panels of 4 rows whose values are splatted.
//
// Built with GOEXPERIMENT=simd for amd64, [Sgemm] checks at run time
// (archsimd.X86) whether the CPU has AVX2 and FMA and, if so, runs an
// AVX2 micro-kernel (simd_amd64.go): 6×16 tiles of C held in twelve
// 256-bit Float32x8 accumulators, updated with fused multiply-adds, op(B)
// packed in panels of 16 columns (two vectors per k index), op(A) in panels
// of 6 rows whose values are broadcast. It does about 3× the work per
// CPU-second of gonum's amd64 assembly at the model's shapes (bench_test.go).
//
// The scalar kernel stays the fallback of every other build (and of amd64
// CPUs without AVX2 or FMA) and the reference the SIMD ones are tested
// against (simd_wasm_test.go, simd_amd64_test.go); [SIMD] and [Build] say
// which one a binary runs.
//
// [Sgemm] takes gonum's Sgemm arguments (bools for the transposes) and is
// tested against gonum's Sgemm. core calls it directly under js/wasm, which
// keeps gonum out of the page's binary (core/gemm_js.go says why), and
// natively when [SIMD] is true (core/gemm_blas.go); otherwise natively core
// keeps gonum's Sgemm, whose assembly beats the scalar kernel there.
// [Implementation] embeds gonum's implementation with Sgemm overridden, for
// use with blas32.Use.
package kernels
