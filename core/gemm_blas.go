//go:build !(js && wasm)

package core

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// sgemm is the float32 BLAS installed in gonum's blas32 (gonum's own by
// default, whose amd64/arm64 assembly beats core/kernels natively; a test or
// program can swap it with blas32.Use).
func sgemm(aTrans, bTrans bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	blas32.Implementation().Sgemm(transpose(aTrans), transpose(bTrans), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func transpose(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}
