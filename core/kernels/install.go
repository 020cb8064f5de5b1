package kernels

import "gonum.org/v1/gonum/blas/blas32"

// Install makes Implementation the float32 BLAS implementation used by
// gonum.org/v1/gonum/blas/blas32 (and so by everything built on blas32.Gemm).
// It is safe to call more than once; it must not race with concurrent blas32
// calls.
func Install() {
	blas32.Use(Implementation{})
}
