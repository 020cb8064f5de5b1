package kernels

import "sync"

// Panic messages, identical to gonum's (blas/gonum/errors.go) so that callers
// see the same behaviour whichever implementation is installed.
const (
	badTranspose = "blas: illegal transpose"
	mLT0         = "blas: m < 0"
	nLT0         = "blas: n < 0"
	kLT0         = "blas: k < 0"
	badLdA       = "blas: bad leading dimension of A"
	badLdB       = "blas: bad leading dimension of B"
	badLdC       = "blas: bad leading dimension of C"
	shortA       = "blas: insufficient length of a"
	shortB       = "blas: insufficient length of b"
	shortC       = "blas: insufficient length of c"
)

// Cache blocking. A k-block of op(B) (at most kcMax×ncMax values, 512 KiB) is
// packed once and reused for every row block of op(A); a row block of op(A)
// (at most mcMax×kcMax values, 128 KiB) is reused for every nr-wide column
// panel of the packed B, and each packed B panel (nr×kc values, at most
// 3 KiB) stays in L1 while it is multiplied with all row panels of the A block.
// In wasm the kernel is compute-bound at these sizes: kcMax from 128 to 1024
// and mcMax from 64 to 256 all measured within noise of each other.
const (
	kcMax = 256
	mcMax = 128
	ncMax = 512
)

// Sgemm performs one of the matrix-matrix operations
//
//	C = alpha * A * B + beta * C
//	C = alpha * Aᵀ * B + beta * C
//	C = alpha * A * Bᵀ + beta * C
//	C = alpha * Aᵀ * Bᵀ + beta * C
//
// where A is an m×k or k×m dense matrix, B is an n×k or k×n dense matrix, C is
// an m×n matrix, and alpha and beta are scalars. aTrans and bTrans say whether
// A or B are transposed. All matrices are row-major with leading dimensions
// lda, ldb and ldc: the arguments of gonum's blas.Float32 Sgemm, with bools
// for the transposes so that callers need not link gonum (see doc.go).
//
// As the BLAS specification requires, when beta is zero C need not be set on
// input (NaN and Inf in C are overwritten), and when alpha is zero A and B are
// not referenced. Invalid arguments panic with the same messages as gonum's
// Sgemm.
func Sgemm(aTrans, bTrans bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	// gemm is gemmSIMD when the package is built with GOEXPERIMENT=simd
	// for wasm (simd_wasm.go), gemmAVX2 when built with it for amd64 and
	// run on a CPU with AVX2 and FMA (simd_amd64.go), gemmScalar otherwise
	// (scalar.go).
	sgemmWith(gemm, aTrans, bTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// kernel computes C += alpha * op(A) * op(B) for validated arguments with
// m, n, k > 0.
type kernel func(aTrans, bTrans bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int)

// sgemmWith is Sgemm with the kernel given: it validates the arguments,
// scales C by beta and leaves the product to kern.
func sgemmWith(kern kernel, aTrans, bTrans bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m < 0 {
		panic(mLT0)
	}
	if n < 0 {
		panic(nLT0)
	}
	if k < 0 {
		panic(kLT0)
	}
	if aTrans {
		if lda < max(1, m) {
			panic(badLdA)
		}
	} else {
		if lda < max(1, k) {
			panic(badLdA)
		}
	}
	if bTrans {
		if ldb < max(1, k) {
			panic(badLdB)
		}
	} else {
		if ldb < max(1, n) {
			panic(badLdB)
		}
	}
	if ldc < max(1, n) {
		panic(badLdC)
	}

	// Quick return if possible.
	if m == 0 || n == 0 {
		return
	}

	// For zero matrix size the following slice length checks are trivially satisfied.
	if aTrans {
		if len(a) < (k-1)*lda+m {
			panic(shortA)
		}
	} else {
		if len(a) < (m-1)*lda+k {
			panic(shortA)
		}
	}
	if bTrans {
		if len(b) < (n-1)*ldb+k {
			panic(shortB)
		}
	} else {
		if len(b) < (k-1)*ldb+n {
			panic(shortB)
		}
	}
	if len(c) < (m-1)*ldc+n {
		panic(shortC)
	}

	// Quick return if possible.
	if (alpha == 0 || k == 0) && beta == 1 {
		return
	}

	// C = beta * C.
	if beta != 1 {
		for i := range m {
			row := c[i*ldc : i*ldc+n]
			if beta == 0 {
				clear(row)
			} else {
				for j := range row {
					row[j] *= beta
				}
			}
		}
	}
	if alpha == 0 || k == 0 {
		return
	}

	kern(aTrans, bTrans, m, n, k, alpha, a, lda, b, ldb, c, ldc)
}

// workspace holds the packing buffers of one gemm call.
type workspace struct {
	a []panelStep
	b []panelStep
}

var workspaces = sync.Pool{New: func() any { return new(workspace) }}

// gemmScalar computes C += alpha * op(A) * op(B) for validated arguments
// with m, n, k > 0, with the scalar micro-kernel (kernel.go). It is the
// kernel of every build without SIMD and the reference the SIMD kernel is
// tested against.
func gemmScalar(aTrans, bTrans bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	// Split k, m and n into nearly equal blocks no larger than the maximum,
	// so that e.g. k = 784 becomes 4 blocks of 196 rather than 3×256 + 16.
	kc := evenBlock(k, kcMax, ku)
	mc := evenBlock(m, mcMax, mr)
	nc := evenBlock(n, ncMax, nr)

	ws := workspaces.Get().(*workspace)
	defer workspaces.Put(ws)
	ws.a = grow(ws.a, ceilDiv(min(mc, m), mr)*ceilDiv(kc, ku))
	ws.b = grow(ws.b, ceilDiv(min(nc, n), nr)*ceilDiv(kc, ku))

	for jc := 0; jc < n; jc += nc {
		nb := min(nc, n-jc)
		for pc := 0; pc < k; pc += kc {
			kb := min(kc, k-pc)
			kq := ceilDiv(kb, ku)
			bp := ws.b[:ceilDiv(nb, nr)*kq]
			packB(bp, bTrans, b, ldb, pc, jc, kb, nb)
			for ic := 0; ic < m; ic += mc {
				mb := min(mc, m-ic)
				ap := ws.a[:ceilDiv(mb, mr)*kq]
				packA(ap, aTrans, a, lda, ic, pc, mb, kb, alpha)
				macroKernel(ap, bp, kq, mb, nb, c[ic*ldc+jc:], ldc)
			}
		}
	}
}

// macroKernel adds the product of the packed mb×kb block of op(A) and the
// packed kb×nb block of op(B) to the mb×nb block of C starting at c[0].
// kq is the number of packed steps (ku values of k each) per panel.
func macroKernel(ap, bp []panelStep, kq, mb, nb int, c []float32, ldc int) {
	var tile [mr * nr]float32
	for jr := 0; jr < nb; jr += nr {
		bPanel := bp[(jr/nr)*kq : (jr/nr+1)*kq]
		cols := min(nr, nb-jr)
		for ir := 0; ir < mb; ir += mr {
			aPanel := ap[(ir/mr)*kq : (ir/mr+1)*kq]
			rows := min(mr, mb-ir)
			if rows == mr && cols == nr {
				microKernel(aPanel, bPanel, c[ir*ldc+jr:], ldc)
				continue
			}
			// Edge tile: compute the full mr×nr tile into scratch and add
			// only its valid part to C.
			tile = [mr * nr]float32{}
			microKernel(aPanel, bPanel, tile[:], nr)
			for r := range rows {
				dst := c[(ir+r)*ldc+jr : (ir+r)*ldc+jr+cols]
				src := tile[r*nr : r*nr+cols]
				for j, v := range src {
					dst[j] += v
				}
			}
		}
	}
}

// evenBlock returns the block size that splits n into the fewest blocks no
// larger than maxBlock, rounded up to a multiple of unit.
func evenBlock(n, maxBlock, unit int) int {
	if n <= maxBlock {
		return n
	}
	blocks := ceilDiv(n, maxBlock)
	return ceilDiv(ceilDiv(n, blocks), unit) * unit
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// grow returns s resliced to length n, reallocated if its capacity is less.
func grow(s []panelStep, n int) []panelStep {
	if cap(s) < n {
		return make([]panelStep, n)
	}
	return s[:n]
}

// growSteps returns s resliced to length n, reallocated if its capacity is less.
func growSteps[S any](s []S, n int) []S {
	if cap(s) < n {
		return make([]S, n)
	}
	return s[:n]
}
