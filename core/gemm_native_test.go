//go:build !(js && wasm)

package core

import (
	"testing"

	"github.com/govae/govae/core/kernels"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// countingBLAS is gonum's implementation counting its Sgemm calls.
type countingBLAS struct {
	gonum.Implementation
	calls *int
}

func (c countingBLAS) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, cm []float32, ldc int) {
	*c.calls++
	c.Implementation.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, cm, ldc)
}

// TestGemmSeamNative: natively gemm multiplies with core/kernels when it
// runs a SIMD kernel (kernels.SIMD()), and through blas32 otherwise.
func TestGemmSeamNative(t *testing.T) {
	calls := 0
	useBLAS(t, countingBLAS{calls: &calls})
	rng := testRNG(21)
	a := viewMatrix(randNormal(rng, 37*19), 37, 19)
	b := viewMatrix(randNormal(rng, 19*23), 19, 23)
	got, want := newMatrix(37, 23), newMatrix(37, 23)
	gemm(false, false, 0.5, a, b, 0, got)
	gonum.Implementation{}.Sgemm(blas.NoTrans, blas.NoTrans, 37, 23, 19, 0.5, a.Data, a.Stride, b.Data, b.Stride, 0, want.Data, want.Stride)
	for i := range want.Data {
		if d := got.Data[i] - want.Data[i]; d > 1e-4 || d < -1e-4 {
			t.Fatalf("gemm[%d] = %v, gonum %v", i, got.Data[i], want.Data[i])
		}
	}
	wantCalls := 1
	if kernels.SIMD() {
		wantCalls = 0
	}
	if calls != wantCalls {
		t.Errorf("kernels.SIMD() = %v (%s): %d products through blas32, want %d", kernels.SIMD(), kernels.Build(), calls, wantCalls)
	}
}
