//go:build goexperiment.simd && amd64

package kernels

import (
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/sys/cpu"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// TestAVX2KernelInUse: in this build, on a CPU with AVX2 and FMA, Sgemm
// multiplies with the AVX2 kernel, so that a broken feature check cannot
// silently fall back to the scalar kernel (and core to gonum). The CPU's
// features are read here through golang.org/x/sys/cpu, independently of
// archsimd.X86 (unless GODEBUG turns CPU features off, which only the
// standard library's check sees).
func TestAVX2KernelInUse(t *testing.T) {
	has := cpu.X86.HasAVX2 && cpu.X86.HasFMA
	if strings.Contains(os.Getenv("GODEBUG"), "cpu.") {
		has = avx2FMA
	}
	if has != avx2FMA {
		t.Fatalf("x/sys/cpu says AVX2 && FMA = %v, archsimd.X86 says %v", has, avx2FMA)
	}
	inUse := reflect.ValueOf(gemm).Pointer() == reflect.ValueOf(gemmAVX2).Pointer()
	if !has {
		if inUse || SIMD() || Build() != "scalar" {
			t.Fatalf("CPU without AVX2+FMA: gemm is gemmAVX2 = %v, SIMD() = %v, Build() = %q", inUse, SIMD(), Build())
		}
		t.Skip("CPU without AVX2+FMA: Sgemm runs the scalar kernel, as it should")
	}
	if !inUse {
		t.Fatal("CPU with AVX2+FMA, but Sgemm's kernel is not gemmAVX2 in a GOEXPERIMENT=simd amd64 build")
	}
	if !SIMD() || Build() != "amd64-avx2-fma" {
		t.Fatalf("SIMD() = %v, Build() = %q in a GOEXPERIMENT=simd amd64 build on a CPU with AVX2+FMA", SIMD(), Build())
	}
}

// avx2Impl is Implementation with the AVX2 kernel whatever gemm is.
type avx2Impl struct{ gonum.Implementation }

func (avx2Impl) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmWith(gemmAVX2, transposed(tA), transposed(tB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func needAVX2(t *testing.T) {
	t.Helper()
	if !avx2FMA {
		t.Skip("the CPU lacks AVX2 or FMA")
	}
}

// avx2Shapes are (m, n, k) of every class the AVX2 kernel's blocking
// distinguishes: smaller than one 6×16 tile, exactly one, one more than a
// tile in each dimension, several tiles with partial edges, k = 1, more
// than one cache block in m (mcMax), n (ncMax) and k (kcMax), including
// blocks that are not multiples of the tile; the test adds the products of
// training at batch 128 and 32 and of the 20×20 grid decode.
var avx2Shapes = [][3]int{
	{1, 1, 1}, {1, 17, 1}, {7, 1, 1}, {5, 15, 3}, {6, 16, 1}, {6, 16, 6},
	{7, 17, 7}, {12, 32, 8}, {11, 31, 13}, {13, 33, 17}, {33, 17, 65},
	{129, 9, 7}, {6, 520, 11}, {5, 13, 257}, {131, 523, 263}, {257, 1030, 5},
	{400, 2, 2},
}

// avx2TestShapes is avx2Shapes and the model's products.
func avx2TestShapes() [][3]int {
	shapes := append([][3]int(nil), avx2Shapes...)
	for _, batch := range []int{128, 32} {
		for _, l := range benchLayers {
			shapes = append(shapes,
				[3]int{batch, l.out, l.in}, // forward Y = X·W
				[3]int{l.in, l.out, batch}, // dW = Xᵀ·dY
				[3]int{batch, l.in, l.out}, // dX = dY·Wᵀ
			)
		}
		shapes = append(shapes, [3]int{batch, 128, 2}, [3]int{batch, 2, 128}, [3]int{2, 128, batch}) // the decoder's first layer
	}
	// The grid decode: 400 z through 2-128-256-784.
	return append(shapes, [3]int{400, 128, 2}, [3]int{400, 256, 128}, [3]int{400, 784, 256})
}

// TestAVX2AgainstScalar compares the AVX2 kernel with the scalar one on
// random non-zero matrices (values in ±[0.1, 1.1)) for every shape class,
// every transpose combination, leading dimensions larger than the rows, and
// several alpha and beta; padding elements of C must stay untouched.
func TestAVX2AgainstScalar(t *testing.T) {
	needAVX2(t)
	rng := rand.New(rand.NewPCG(13, 14))
	pads := [][3]int{{0, 0, 0}, {1, 3, 5}, {7, 0, 16}}
	ab := [][2]float32{{1, 0}, {-0.7, 0.4}, {0.5, 1}}
	for _, s := range avx2TestShapes() {
		for pi, p := range pads {
			for _, tA := range transposes {
				for _, tB := range transposes {
					gemmCase{tA: tA, tB: tB, m: s[0], n: s[1], k: s[2], padA: p[0], padB: p[1], padC: p[2],
						alpha: ab[pi][0], beta: ab[pi][1], impl: avx2Impl{}, ref: scalarImpl{}}.run(t, rng)
				}
			}
		}
	}
}

// TestAVX2AgainstGonum is TestAVX2AgainstScalar against gonum's Sgemm (its
// amd64 assembly, the kernel core used natively before), for the model's
// products and the shape classes, with strides, NaN in C with beta = 0, and
// alpha = 0.
func TestAVX2AgainstGonum(t *testing.T) {
	needAVX2(t)
	rng := rand.New(rand.NewPCG(15, 16))
	for _, s := range avx2TestShapes() {
		for _, tA := range transposes {
			for _, tB := range transposes {
				base := gemmCase{tA: tA, tB: tB, m: s[0], n: s[1], k: s[2], impl: avx2Impl{}, ref: gonum.Implementation{}}
				for _, tc := range []gemmCase{
					{alpha: 1, beta: 0},
					{padA: 2, padB: 5, padC: 3, alpha: 1.5, beta: -0.3},
					{padC: 1, alpha: 1, beta: 0, nanC: true},
					{alpha: 0, beta: 0.5},
				} {
					c := base
					c.padA, c.padB, c.padC, c.alpha, c.beta, c.nanC = tc.padA, tc.padB, tc.padC, tc.alpha, tc.beta, tc.nanC
					c.run(t, rng)
				}
			}
		}
	}
}

// TestAVX2NaNPropagation: NaN and Inf in A or B reach C through the AVX2
// kernel's packing and tiles, as with the scalar kernel, at every position
// class of a 6×16 tile (inside a full tile, in an edge tile, in the last
// k index).
func TestAVX2NaNPropagation(t *testing.T) {
	needAVX2(t)
	m, n, k := 13, 37, 11
	for _, tA := range transposes {
		for _, tB := range transposes {
			for _, pos := range [][2]int{{0, 0}, {12, 10}, {5, 7}, {7, 3}} { // (row of op(A) or column of op(B), k index)
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
				j := min(3*pos[0]+1, n-1)
				if tB == blas.NoTrans {
					b[p*ldb+j] = float32(math.Inf(1))
				} else {
					b[j*ldb+p] = float32(math.Inf(1))
				}
				got, want := make([]float32, m*n), make([]float32, m*n)
				avx2Impl{}.Sgemm(tA, tB, m, n, k, 1, a, lda, b, ldb, 0, got, n)
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
