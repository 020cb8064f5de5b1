//go:build goexperiment.simd && wasm

package kernels

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"gonum.org/v1/gonum/blas"
)

// TestSIMDKernelInUse: in this build Sgemm multiplies with the SIMD kernel.
func TestSIMDKernelInUse(t *testing.T) {
	if reflect.ValueOf(gemm).Pointer() != reflect.ValueOf(gemmSIMD).Pointer() {
		t.Fatal("Sgemm's kernel is not gemmSIMD in a GOEXPERIMENT=simd wasm build")
	}
	if !SIMD() || Build() != "wasm-simd128" {
		t.Fatalf("SIMD() = %v, Build() = %q in a GOEXPERIMENT=simd wasm build", SIMD(), Build())
	}
}

// simdShapes are (m, n, k) of every class the SIMD kernel's blocking
// distinguishes: smaller than one 4×8 tile, exactly one, one more than a
// tile in each dimension, several tiles with partial edges, more than one
// cache block in m (mcMax), n (ncMax) and k (kcMax), k not a multiple of 4,
// and the products of training at batch 128 and 32 and of the 20×20 grid
// decode (added by the test).
var simdShapes = [][3]int{
	{1, 1, 1}, {1, 9, 1}, {9, 1, 1}, {3, 7, 3}, {4, 8, 4}, {5, 9, 5},
	{8, 16, 8}, {4, 8, 1}, {4, 8, 2}, {4, 8, 3}, {4, 8, 5}, {7, 15, 13},
	{13, 31, 17}, {33, 17, 65}, {129, 9, 7}, {6, 520, 11}, {5, 13, 257},
	{131, 523, 263},
}

// TestSIMDAgainstScalar compares the SIMD kernel with the scalar one on
// random non-zero matrices (values in ±[0.1, 1.1)) for every shape class,
// every transpose combination, leading dimensions larger than the rows,
// and several alpha and beta; padding elements of C must stay untouched.
func TestSIMDAgainstScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	shapes := append([][3]int(nil), simdShapes...)
	for _, batch := range []int{128, 32} {
		for _, l := range benchLayers {
			shapes = append(shapes,
				[3]int{batch, l.out, l.in}, // forward Y = X·W
				[3]int{l.in, l.out, batch}, // dW = Xᵀ·dY
				[3]int{batch, l.in, l.out}, // dX = dY·Wᵀ
			)
		}
	}
	// The grid decode: 400 z through 2-128-256-784.
	shapes = append(shapes, [3]int{400, 128, 2}, [3]int{400, 256, 128}, [3]int{400, 784, 256})
	pads := [][3]int{{0, 0, 0}, {1, 3, 5}}
	for _, s := range shapes {
		for pi, p := range pads {
			for _, tA := range transposes {
				for _, tB := range transposes {
					tc := gemmCase{tA: tA, tB: tB, m: s[0], n: s[1], k: s[2], padA: p[0], padB: p[1], padC: p[2],
						alpha: 1, beta: 0, impl: Implementation{}, ref: scalarImpl{}}
					if pi == 1 {
						tc.alpha, tc.beta = -0.7, 0.4
					}
					tc.run(t, rng)
				}
			}
		}
	}
}

// TestSIMDNaNPropagation: NaN and Inf in A or B reach C through the SIMD
// kernel's packing and tiles, as with the scalar kernel, at every position
// class of a 4×8 tile (inside, at an edge tile, in the k tail).
func TestSIMDNaNPropagation(t *testing.T) {
	m, n, k := 9, 19, 11
	for _, tA := range transposes {
		for _, tB := range transposes {
			for _, pos := range [][2]int{{0, 0}, {8, 10}, {5, 7}} { // (row of op(A) or column of op(B), k index)
				a, b := make([]float32, m*k), make([]float32, k*n)
				for i := range a {
					a[i] = 1
				}
				for i := range b {
					b[i] = 1
				}
				lda, ldb := k, n
				if tA != blas.NoTrans {
					lda = m
				}
				if tB != blas.NoTrans {
					ldb = k
				}
				i, p := pos[0], pos[1]
				if tA == blas.NoTrans {
					a[i*lda+p] = float32(math.NaN())
				} else {
					a[p*lda+i] = float32(math.NaN())
				}
				j := min(pos[0]+3, n-1)
				if tB == blas.NoTrans {
					b[p*ldb+j] = float32(math.Inf(1))
				} else {
					b[j*ldb+p] = float32(math.Inf(1))
				}
				got, want := make([]float32, m*n), make([]float32, m*n)
				Implementation{}.Sgemm(tA, tB, m, n, k, 1, a, lda, b, ldb, 0, got, n)
				scalarImpl{}.Sgemm(tA, tB, m, n, k, 1, a, lda, b, ldb, 0, want, n)
				for e := range got {
					gn, wn := math.IsNaN(float64(got[e])), math.IsNaN(float64(want[e]))
					if gn != wn || (!gn && got[e] != want[e]) {
						t.Errorf("%s%s %v: C[%d] = %v, want %v", tName(tA), tName(tB), pos, e, got[e], want[e])
					}
				}
			}
		}
	}
}
