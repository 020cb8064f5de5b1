package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/gonum"
)

var transposes = []blas.Transpose{blas.NoTrans, blas.Trans}

func tName(t blas.Transpose) string {
	if t == blas.NoTrans {
		return "N"
	}
	return "T"
}

// randNonZero returns n random values in ±[0.1, 1.1).
func randNonZero(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		v := 0.1 + rng.Float32()
		if rng.IntN(2) == 0 {
			v = -v
		}
		s[i] = v
	}
	return s
}

// gemmCase is one Sgemm problem: op(A) is m×k, op(B) is k×n, and the leading
// dimensions exceed the row lengths by the given pads.
type gemmCase struct {
	tA, tB           blas.Transpose
	m, n, k          int
	padA, padB, padC int
	alpha, beta      float32
	nanC             bool // fill C with NaN before the call (only with beta == 0)

	// impl is the implementation under test (default Implementation{}),
	// ref the reference (default gonum's).
	impl, ref blas.Float32
}

// scalarImpl is Implementation with the scalar kernel whatever the build:
// the reference the SIMD kernel is tested against.
type scalarImpl struct{ gonum.Implementation }

func (scalarImpl) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmWith(gemmScalar, transposed(tA), transposed(tB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("%s%s/m=%d,n=%d,k=%d/pad=%d,%d,%d/alpha=%v,beta=%v,nan=%v",
		tName(tc.tA), tName(tc.tB), tc.m, tc.n, tc.k, tc.padA, tc.padB, tc.padC, tc.alpha, tc.beta, tc.nanC)
}

// run executes tc with Implementation and with gonum's reference Sgemm on the
// same random inputs and reports any element that differs by more than
// 1e-5·max(k,1) relative to the magnitude of the terms summed into it.
func (tc gemmCase) run(t *testing.T, rng *rand.Rand) {
	t.Helper()
	aRows, aCols := tc.m, tc.k
	if tc.tA != blas.NoTrans {
		aRows, aCols = tc.k, tc.m
	}
	bRows, bCols := tc.k, tc.n
	if tc.tB != blas.NoTrans {
		bRows, bCols = tc.n, tc.k
	}
	lda, ldb, ldc := max(1, aCols+tc.padA), max(1, bCols+tc.padB), max(1, tc.n+tc.padC)
	// Sub-matrix views: padding elements are random too (and must not be
	// read as part of the matrix or written).
	a := randNonZero(rng, max(0, (aRows-1)*lda+aCols))
	b := randNonZero(rng, max(0, (bRows-1)*ldb+bCols))
	c0 := randNonZero(rng, max(0, (tc.m-1)*ldc+tc.n))
	if tc.nanC {
		for i := range c0 {
			c0[i] = float32(math.NaN())
		}
	}
	got := append([]float32(nil), c0...)
	want := append([]float32(nil), c0...)
	if tc.nanC {
		// gonum overwrites with beta == 0 too; start the reference from
		// zeros anyway so that a reference quirk cannot mask a bug.
		clear(want)
	}

	impl, ref := tc.impl, tc.ref
	if impl == nil {
		impl = Implementation{}
	}
	if ref == nil {
		ref = gonum.Implementation{}
	}
	impl.Sgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, got, ldc)
	ref.Sgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, want, ldc)

	// Magnitude bound per element: |alpha|·Σ|a||b| + |beta·c|.
	absA, absB := abs32(a), abs32(b)
	bound := make([]float32, len(c0))
	gonum.Implementation{}.Sgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, float32(math.Abs(float64(tc.alpha))), absA, lda, absB, ldb, 0, bound, ldc)
	tol := 1e-5 * float64(max(tc.k, 1))
	bad := 0
	for i := range tc.m {
		for j := range tc.n {
			idx := i*ldc + j
			scale := float64(bound[idx])
			if !tc.nanC {
				scale += math.Abs(float64(tc.beta * c0[idx]))
			}
			g, w := float64(got[idx]), float64(want[idx])
			if math.IsNaN(g) || math.Abs(g-w) > tol*max(scale, 1e-30) {
				if bad < 5 {
					t.Errorf("%v: C[%d,%d] = %v, want %v (scale %v)", tc, i, j, g, w, scale)
				}
				bad++
			}
		}
	}
	// Elements of C outside the m×n view must be untouched.
	for i := range c0 {
		if i%ldc >= tc.n {
			if math.Float32bits(got[i]) != math.Float32bits(c0[i]) {
				t.Errorf("%v: padding element c[%d] modified: %v -> %v", tc, i, c0[i], got[i])
				break
			}
		}
	}
	if bad > 0 {
		t.Errorf("%v: %d of %d elements differ", tc, bad, tc.m*tc.n)
	}
}

func abs32(s []float32) []float32 {
	r := make([]float32, len(s))
	for i, v := range s {
		r[i] = float32(math.Abs(float64(v)))
	}
	return r
}

// modelShapes are (m, n, k) of the products of the 784-256-128-(2,2) |
// 2-128-256-784 model at batch 128 as NoTrans·NoTrans forward products; the
// tests derive the dW and dX products from them.
var modelShapes = [][3]int{
	{128, 256, 784}, {128, 128, 256}, {128, 2, 128}, {128, 4, 128},
	{128, 128, 2}, {128, 256, 128}, {128, 784, 256},
}

func TestSgemmShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	type mnk struct{ m, n, k int }
	shapes := []mnk{
		{1, 1, 1}, {1, 1, 7}, {1, 9, 1}, {9, 1, 1}, {2, 4, 2}, {2, 4, 1},
		{3, 5, 7}, {7, 5, 3}, {5, 3, 1}, {4, 4, 4}, {8, 8, 8}, {6, 10, 9},
		{17, 33, 65}, {33, 17, 31}, {64, 64, 64}, {31, 65, 257}, {130, 7, 513},
		{5, 1030, 3}, {300, 9, 600},
	}
	if !testing.Short() {
		shapes = append(shapes, mnk{129, 785, 257})
	}
	for _, s := range modelShapes {
		m, n, k := s[0], s[1], s[2]
		shapes = append(shapes,
			mnk{m, n, k}, // forward Y = X·W
			mnk{k, n, m}, // dW = Xᵀ·dY (run below with every transpose combo)
			mnk{m, k, n}, // dX = dY·Wᵀ
		)
	}
	for _, s := range shapes {
		for _, tA := range transposes {
			for _, tB := range transposes {
				gemmCase{tA: tA, tB: tB, m: s.m, n: s.n, k: s.k, alpha: 1, beta: 0}.run(t, rng)
			}
		}
	}
}

func TestSgemmAlphaBetaStrides(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	shapes := [][3]int{{1, 1, 1}, {3, 5, 7}, {2, 4, 2}, {37, 21, 45}, {128, 4, 128}, {70, 300, 260}}
	pads := [][3]int{{0, 0, 0}, {1, 2, 3}, {5, 0, 7}, {0, 13, 1}}
	for _, s := range shapes {
		for _, p := range pads {
			for _, tA := range transposes {
				for _, tB := range transposes {
					for _, alpha := range []float32{1, 0.5, 0, -1.5} {
						for _, beta := range []float32{0, 1, 0.3} {
							gemmCase{tA: tA, tB: tB, m: s[0], n: s[1], k: s[2],
								padA: p[0], padB: p[1], padC: p[2], alpha: alpha, beta: beta}.run(t, rng)
						}
					}
					gemmCase{tA: tA, tB: tB, m: s[0], n: s[1], k: s[2],
						padA: p[0], padB: p[1], padC: p[2], alpha: 1, beta: 0, nanC: true}.run(t, rng)
					gemmCase{tA: tA, tB: tB, m: s[0], n: s[1], k: s[2],
						padA: p[0], padB: p[1], padC: p[2], alpha: 0, beta: 0, nanC: true}.run(t, rng)
				}
			}
		}
	}
}

func TestSgemmConjTrans(t *testing.T) {
	// For real matrices ConjTrans means Trans.
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tA := range []blas.Transpose{blas.NoTrans, blas.ConjTrans} {
		for _, tB := range []blas.Transpose{blas.Trans, blas.ConjTrans} {
			gemmCase{tA: tA, tB: tB, m: 11, n: 13, k: 17, padA: 1, alpha: 0.5, beta: 0.3}.run(t, rng)
		}
	}
}

func TestSgemmZeroK(t *testing.T) {
	// k == 0: C = beta*C. (Like gonum, the length check of A still requires
	// (m-1)*lda elements.)
	c := []float32{1, 2, float32(math.NaN()), 4}
	a := make([]float32, 1)
	Implementation{}.Sgemm(blas.NoTrans, blas.NoTrans, 2, 2, 0, 1, a, 1, nil, 2, 0.5, c, 2)
	if c[0] != 0.5 || c[1] != 1 || !math.IsNaN(float64(c[2])) || c[3] != 2 {
		t.Errorf("k=0, beta=0.5: got %v", c)
	}
	Implementation{}.Sgemm(blas.NoTrans, blas.NoTrans, 2, 2, 0, 1, a, 1, nil, 2, 0, c, 2)
	for i, v := range c {
		if v != 0 {
			t.Errorf("k=0, beta=0: c[%d] = %v, want 0", i, v)
		}
	}
	// m == 0 or n == 0: nothing is touched, even with beta == 0.
	c = []float32{7}
	Implementation{}.Sgemm(blas.NoTrans, blas.NoTrans, 0, 1, 1, 1, nil, 1, []float32{1}, 1, 0, c, 1)
	Implementation{}.Sgemm(blas.NoTrans, blas.NoTrans, 1, 0, 1, 1, []float32{1}, 1, nil, 1, 0, c, 1)
	if c[0] != 7 {
		t.Errorf("m or n = 0 modified C: %v", c)
	}
}

// panicMessage returns the value f panics with, or nil.
func panicMessage(f func()) (msg any) {
	defer func() { msg = recover() }()
	f()
	return nil
}

func TestSgemmPanics(t *testing.T) {
	buf := make([]float32, 100)
	type args struct {
		tA, tB        blas.Transpose
		m, n, k       int
		a             []float32
		lda           int
		b             []float32
		ldb           int
		c             []float32
		ldc           int
		alpha, beta   float32
		wantSomePanic bool
	}
	N, T := blas.NoTrans, blas.Trans
	cases := []args{
		{tA: 'x', tB: N, m: 2, n: 2, k: 2, a: buf, lda: 2, b: buf, ldb: 2, c: buf, ldc: 2},
		{tA: N, tB: 'x', m: 2, n: 2, k: 2, a: buf, lda: 2, b: buf, ldb: 2, c: buf, ldc: 2},
		{tA: N, tB: N, m: -1, n: 2, k: 2, a: buf, lda: 2, b: buf, ldb: 2, c: buf, ldc: 2},
		{tA: N, tB: N, m: 2, n: -1, k: 2, a: buf, lda: 2, b: buf, ldb: 2, c: buf, ldc: 2},
		{tA: N, tB: N, m: 2, n: 2, k: -1, a: buf, lda: 2, b: buf, ldb: 2, c: buf, ldc: 2},
		{tA: N, tB: N, m: 2, n: 3, k: 4, a: buf, lda: 3, b: buf, ldb: 3, c: buf, ldc: 3},     // lda < k
		{tA: T, tB: N, m: 2, n: 3, k: 4, a: buf, lda: 1, b: buf, ldb: 3, c: buf, ldc: 3},     // lda < m
		{tA: N, tB: N, m: 2, n: 3, k: 4, a: buf, lda: 4, b: buf, ldb: 2, c: buf, ldc: 3},     // ldb < n
		{tA: N, tB: T, m: 2, n: 3, k: 4, a: buf, lda: 4, b: buf, ldb: 3, c: buf, ldc: 3},     // ldb < k
		{tA: N, tB: N, m: 2, n: 3, k: 4, a: buf, lda: 4, b: buf, ldb: 3, c: buf, ldc: 2},     // ldc < n
		{tA: N, tB: N, m: 0, n: 0, k: 0, a: nil, lda: 0, b: nil, ldb: 1, c: nil, ldc: 1},     // lda < 1
		{tA: N, tB: N, m: 2, n: 3, k: 4, a: buf[:7], lda: 4, b: buf, ldb: 3, c: buf, ldc: 3}, // short a
		{tA: T, tB: N, m: 2, n: 3, k: 4, a: buf[:7], lda: 2, b: buf, ldb: 3, c: buf, ldc: 3},
		{tA: N, tB: N, m: 2, n: 3, k: 4, a: buf, lda: 4, b: buf[:11], ldb: 3, c: buf, ldc: 3}, // short b
		{tA: N, tB: T, m: 2, n: 3, k: 4, a: buf, lda: 4, b: buf[:11], ldb: 4, c: buf, ldc: 3},
		{tA: N, tB: N, m: 2, n: 3, k: 4, a: buf, lda: 4, b: buf, ldb: 3, c: buf[:5], ldc: 3}, // short c
		{tA: N, tB: N, m: 2, n: 3, k: 4, a: buf, lda: 4, b: buf, ldb: 3, c: buf[:6], ldc: 4}, // short c with ldc
	}
	for i, tc := range cases {
		call := func(impl blas.Float32) func() {
			return func() {
				impl.Sgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, 1, tc.a, tc.lda, tc.b, tc.ldb, 0, tc.c, tc.ldc)
			}
		}
		want := panicMessage(call(gonum.Implementation{}))
		got := panicMessage(call(Implementation{}))
		if want == nil {
			t.Fatalf("case %d: reference did not panic; test case is wrong", i)
		}
		if got != want {
			t.Errorf("case %d: panic %q, want %q", i, got, want)
		}
	}
}

func TestImplementationWithBlas32(t *testing.T) {
	prev := blas32.Implementation()
	defer blas32.Use(prev)
	blas32.Use(Implementation{})
	if _, ok := blas32.Implementation().(Implementation); !ok {
		t.Fatalf("after blas32.Use, blas32 uses %T", blas32.Implementation())
	}
	// A product through blas32.Gemm goes through our Sgemm.
	a := blas32.General{Rows: 2, Cols: 3, Stride: 3, Data: []float32{1, 2, 3, 4, 5, 6}}
	b := blas32.General{Rows: 3, Cols: 2, Stride: 2, Data: []float32{1, 0, 0, 1, 1, 1}}
	c := blas32.General{Rows: 2, Cols: 2, Stride: 2, Data: make([]float32, 4)}
	blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, a, b, 0, c)
	want := []float32{4, 5, 10, 11}
	for i := range want {
		if c.Data[i] != want[i] {
			t.Fatalf("blas32.Gemm = %v, want %v", c.Data, want)
		}
	}
}

// TestNaNPropagation checks that NaN and Inf in A or B reach C, as in gonum
// (the packed kernel must not lose them through padding or scaling).
func TestNaNPropagation(t *testing.T) {
	for _, tA := range transposes {
		for _, tB := range transposes {
			m, n, k := 5, 6, 7
			a := make([]float32, m*k)
			b := make([]float32, k*n)
			for i := range a {
				a[i] = 1
			}
			for i := range b {
				b[i] = 1
			}
			a[3] = float32(math.NaN())
			b[len(b)-1] = float32(math.Inf(1))
			lda, ldb := k, n
			if tA != blas.NoTrans {
				lda = m
			}
			if tB != blas.NoTrans {
				ldb = k
			}
			got := make([]float32, m*n)
			want := make([]float32, m*n)
			Implementation{}.Sgemm(tA, tB, m, n, k, 1, a, lda, b, ldb, 0, got, n)
			gonum.Implementation{}.Sgemm(tA, tB, m, n, k, 1, a, lda, b, ldb, 0, want, n)
			for i := range got {
				gn, wn := math.IsNaN(float64(got[i])), math.IsNaN(float64(want[i]))
				if gn != wn || (!gn && got[i] != want[i]) {
					t.Errorf("%s%s: C[%d] = %v, want %v", tName(tA), tName(tB), i, got[i], want[i])
				}
			}
		}
	}
}
