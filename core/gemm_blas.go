//go:build !(js && wasm)

package core

import (
	"github.com/govae/govae/core/kernels"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// sgemm is, natively, core/kernels' Sgemm when it runs a SIMD kernel
// (kernels.SIMD(): built with GOEXPERIMENT=simd for amd64 and run on a CPU
// with AVX2 and FMA), which does about 3× the work per CPU-second of
// gonum's assembly at the model's shapes; otherwise the float32 BLAS
// installed in gonum's blas32 (gonum's own by default, whose amd64/arm64
// assembly beats core/kernels' scalar kernel; a test or program can swap
// it with blas32.Use, which the SIMD kernel takes precedence over).
// Without GOEXPERIMENT=simd kernels.SIMD() is the constant false and the
// branch compiles away.
func sgemm(aTrans, bTrans bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if kernels.SIMD() {
		kernels.Sgemm(aTrans, bTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	blas32.Implementation().Sgemm(transpose(aTrans), transpose(bTrans), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func transpose(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}
