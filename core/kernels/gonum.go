package kernels

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Implementation is a blas.Float32 implementation: gonum's pure-Go
// implementation with Sgemm replaced by this package's [Sgemm]. Install it
// with blas32.Use(kernels.Implementation{}) to route every blas32.Gemm
// through the kernel. Its zero value is ready to use, and it is safe for
// concurrent use (Sgemm is single-threaded; each call takes its packing
// buffers from a sync.Pool).
//
// govae's core does not use it: under js/wasm core calls [Sgemm] directly,
// so that the page's binary does not contain gonum (see doc.go).
type Implementation struct {
	gonum.Implementation
}

// Sgemm implements blas.Float32's Sgemm with the packed kernel.
func (Implementation) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	Sgemm(transposed(tA), transposed(tB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// transposed converts a blas.Transpose, panicking as gonum does on values
// that are not one.
func transposed(t blas.Transpose) bool {
	switch t {
	case blas.NoTrans:
		return false
	case blas.Trans, blas.ConjTrans:
		return true
	}
	panic(badTranspose)
}
