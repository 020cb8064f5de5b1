//go:build goexperiment.simd && amd64

package kernels

import (
	"simd/archsimd"
	"sync"
)

// avx2FMA says whether the CPU has AVX2 and FMA, which the amd64 SIMD
// kernel needs (its 256-bit vectors and fused multiply-adds); without them
// Sgemm keeps the scalar kernel.
var avx2FMA = archsimd.X86.AVX2() && archsimd.X86.FMA()

// SIMD reports whether [Sgemm] runs a SIMD micro-kernel. In this build
// (GOEXPERIMENT=simd, GOARCH=amd64: Go 1.27's simd/archsimd) it does when
// the CPU has AVX2 and FMA, checked at run time; otherwise Sgemm runs the
// scalar kernel. [Build] names the kernel for status reports.
func SIMD() bool { return avx2FMA }

// simdBuild is [Build]'s name for this build's SIMD kernel.
const simdBuild = "amd64-avx2-fma"

// gemm is Sgemm's kernel: the AVX2+FMA one when the CPU has both, else the
// scalar one.
var gemm kernel = gemmScalar

func init() {
	if avx2FMA {
		gemm = gemmAVX2
	}
}

// AVX and SSE. Go compiles scalar float32 code (the packing loops, and the
// rest of the program: Adam, the likelihoods…) to legacy SSE instructions,
// which on this machine run several times slower while the upper halves of
// the 256-bit registers are dirty (a false dependency on them): without
// VZEROUPPER after the kernel, Adam's scalar loop took 6× as long in a
// training step. So every function here that leaves 256-bit values in
// registers (microAVX2, packRowsB16) ends with archsimd.ClearAVXUpperBits.

// The AVX2 micro-kernel's register block (measured natively, see
// bench_test.go).
//
// amd64 with AVX2 has 16 256-bit registers (8 float32 each) and a fused
// multiply-add (VFMADD231PS). A 6×16 tile of C is held in 12 Float32x8
// accumulators; per k index, 2 vectors of op(B) (16 columns) are loaded and
// each of the 6 rows of op(A) is broadcast and multiply-added into them:
// 12 + 2 + 1 registers, no spills. The loop needs no k unrolling natively
// (its back edge is a plain jump), so the packed panels have no k padding.
const (
	xmr = 6  // rows of C per AVX2 micro-kernel tile
	xnr = 16 // columns of C per tile: 2 vectors
)

// aStepX is one k index of a packed A panel: the xmr rows of op(A).
type aStepX = [xmr]float32

// bStepX is one k index of a packed B panel: the xnr columns of op(B).
type bStepX = [xnr]float32

// avx2Workspace holds the packing buffers of one gemmAVX2 call.
type avx2Workspace struct {
	a []aStepX
	b []bStepX
}

var avx2Workspaces = sync.Pool{New: func() any { return new(avx2Workspace) }}

// gemmAVX2 computes C += alpha * op(A) * op(B) for validated arguments with
// m, n, k > 0: the blocking of gemmScalar (sgemm.go) with 6×16 tiles of
// 256-bit vectors. It must only run when avx2FMA is true.
func gemmAVX2(aTrans, bTrans bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	kc := evenBlock(k, kcMax, 1)
	mc := evenBlock(m, mcMax, xmr)
	nc := evenBlock(n, ncMax, xnr)

	ws := avx2Workspaces.Get().(*avx2Workspace)
	defer avx2Workspaces.Put(ws)
	ws.a = growSteps(ws.a, ceilDiv(min(mc, m), xmr)*kc)
	ws.b = growSteps(ws.b, ceilDiv(min(nc, n), xnr)*kc)

	for jc := 0; jc < n; jc += nc {
		nb := min(nc, n-jc)
		for pc := 0; pc < k; pc += kc {
			kb := min(kc, k-pc)
			bp := ws.b[:ceilDiv(nb, xnr)*kb]
			if bTrans {
				// Element (p, j) of the block is b[(jc+j)*ldb + pc+p].
				packGatherB16(bp, b[jc*ldb+pc:], ldb, nb, kb)
			} else {
				// Element (p, j) of the block is b[(pc+p)*ldb + jc+j].
				packRowsB16(bp, b[pc*ldb+jc:], ldb, nb, kb)
			}
			for ic := 0; ic < m; ic += mc {
				mb := min(mc, m-ic)
				ap := ws.a[:ceilDiv(mb, xmr)*kb]
				if aTrans {
					// Element (i, p) of the block is a[(pc+p)*lda + ic+i].
					packRowsA6(ap, a[pc*lda+ic:], lda, mb, kb, alpha)
				} else {
					// Element (i, p) of the block is a[(ic+i)*lda + pc+p].
					packGatherA6(ap, a[ic*lda+pc:], lda, mb, kb, alpha)
				}
				macroAVX2(ap, bp, kb, mb, nb, c[ic*ldc+jc:], ldc)
			}
		}
	}
}

// macroAVX2 adds the product of the packed mb×kb block of op(A) and the
// packed kb×nb block of op(B) to the mb×nb block of C at c[0].
func macroAVX2(ap []aStepX, bp []bStepX, kb, mb, nb int, c []float32, ldc int) {
	var tile [xmr * xnr]float32
	for jr := 0; jr < nb; jr += xnr {
		bPanel := bp[(jr/xnr)*kb : (jr/xnr+1)*kb]
		cols := min(xnr, nb-jr)
		for ir := 0; ir < mb; ir += xmr {
			aPanel := ap[(ir/xmr)*kb : (ir/xmr+1)*kb]
			rows := min(xmr, mb-ir)
			if rows == xmr && cols == xnr {
				microAVX2(aPanel, bPanel, c[ir*ldc+jr:], ldc)
				continue
			}
			// Edge tile: the full tile into scratch, then its valid part.
			tile = [xmr * xnr]float32{}
			microAVX2(aPanel, bPanel, tile[:], xnr)
			for r := range rows {
				dst := c[(ir+r)*ldc+jr : (ir+r)*ldc+jr+cols]
				src := tile[r*xnr : r*xnr+cols]
				for j, v := range src {
					dst[j] += v
				}
			}
		}
	}
}

// microAVX2 adds the product of the packed 6×len(a) panel a and the packed
// len(a)×16 panel b to the 6×16 tile of C at c[0] (row stride ldc). b must
// have at least len(a) steps.
func microAVX2(a []aStepX, b []bStepX, c []float32, ldc int) {
	var c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51 archsimd.Float32x8
	b = b[:len(a)]
	for q := range a {
		x, y := &a[q], &b[q]
		b0 := archsimd.LoadFloat32x8Array((*[8]float32)(y[0:8]))
		b1 := archsimd.LoadFloat32x8Array((*[8]float32)(y[8:16]))
		s := archsimd.BroadcastFloat32x8(x[0])
		c00 = s.MulAdd(b0, c00)
		c01 = s.MulAdd(b1, c01)
		s = archsimd.BroadcastFloat32x8(x[1])
		c10 = s.MulAdd(b0, c10)
		c11 = s.MulAdd(b1, c11)
		s = archsimd.BroadcastFloat32x8(x[2])
		c20 = s.MulAdd(b0, c20)
		c21 = s.MulAdd(b1, c21)
		s = archsimd.BroadcastFloat32x8(x[3])
		c30 = s.MulAdd(b0, c30)
		c31 = s.MulAdd(b1, c31)
		s = archsimd.BroadcastFloat32x8(x[4])
		c40 = s.MulAdd(b0, c40)
		c41 = s.MulAdd(b1, c41)
		s = archsimd.BroadcastFloat32x8(x[5])
		c50 = s.MulAdd(b0, c50)
		c51 = s.MulAdd(b1, c51)
	}
	addRow16(c[0*ldc:], c00, c01)
	addRow16(c[1*ldc:], c10, c11)
	addRow16(c[2*ldc:], c20, c21)
	addRow16(c[3*ldc:], c30, c31)
	addRow16(c[4*ldc:], c40, c41)
	addRow16(c[5*ldc:], c50, c51)
	archsimd.ClearAVXUpperBits()
}

// addRow16 adds the vectors v0 and v1 to row[0:8] and row[8:16].
func addRow16(row []float32, v0, v1 archsimd.Float32x8) {
	r := (*[16]float32)(row[:16])
	p0, p1 := (*[8]float32)(r[0:8]), (*[8]float32)(r[8:16])
	archsimd.LoadFloat32x8Array(p0).Add(v0).StoreArray(p0)
	archsimd.LoadFloat32x8Array(p1).Add(v1).StoreArray(p1)
}

// Packing. A panel of op(A) is kb steps of xmr rows and a panel of op(B) kb
// steps of xnr columns (the lanes), k-major: lane l of k index p at
// panel[p][l], panel after panel (panel lp at dst[lp*kb : (lp+1)*kb]).
// Lanes beyond the block are zero, so the micro-kernel needs no remainder
// code; k needs no padding.

// packRowsA6 packs nl rows of op(A) and kb k indices, scaled by alpha, into
// panels of 6 rows, where the rows' values for k index p are
// src[p*ld : p*ld+nl]: op(A) when A is transposed.
func packRowsA6(dst []aStepX, src []float32, ld, nl, kb int, alpha float32) {
	np := nl / xmr
	for p := range kb {
		row := src[p*ld:][:nl]
		for lp := range np {
			r := row[lp*xmr : lp*xmr+xmr : lp*xmr+xmr]
			dst[lp*kb+p] = aStepX{alpha * r[0], alpha * r[1], alpha * r[2], alpha * r[3], alpha * r[4], alpha * r[5]}
		}
	}
	if l0 := np * xmr; l0 < nl {
		panel := dst[np*kb : (np+1)*kb]
		for p := range panel {
			panel[p] = aStepX{}
			for l, v := range src[p*ld+l0 : p*ld+nl] {
				panel[p][l] = alpha * v
			}
		}
	}
}

// packGatherA6 packs nl rows of op(A) and kb k indices, scaled by alpha,
// into panels of 6 rows, where row l is src[l*ld : l*ld+kb]: op(A) when A
// is not transposed.
func packGatherA6(dst []aStepX, src []float32, ld, nl, kb int, alpha float32) {
	np := nl / xmr
	for lp := range np {
		d := dst[lp*kb : (lp+1)*kb]
		s := src[lp*xmr*ld:]
		r0, r1, r2 := s[:kb], s[ld:][:kb], s[2*ld:][:kb]
		r3, r4, r5 := s[3*ld:][:kb], s[4*ld:][:kb], s[5*ld:][:kb]
		for p := range d {
			d[p] = aStepX{alpha * r0[p], alpha * r1[p], alpha * r2[p], alpha * r3[p], alpha * r4[p], alpha * r5[p]}
		}
	}
	if l0 := np * xmr; l0 < nl {
		panel := dst[np*kb : (np+1)*kb]
		clear(panel)
		for l := l0; l < nl; l++ {
			for p, v := range src[l*ld : l*ld+kb] {
				panel[p][l-l0] = alpha * v
			}
		}
	}
}

// packRowsB16 packs kb k indices of nl columns of op(B) into panels of 16
// columns, where the columns' values for k index p are src[p*ld : p*ld+nl]:
// op(B) when B is not transposed.
func packRowsB16(dst []bStepX, src []float32, ld, nl, kb int) {
	np := nl / xnr
	for p := range kb {
		row := src[p*ld:][:nl]
		for lp := range np {
			s := (*[xnr]float32)(row[lp*xnr : lp*xnr+xnr])
			d := &dst[lp*kb+p]
			archsimd.LoadFloat32x8Array((*[8]float32)(s[0:8])).StoreArray((*[8]float32)(d[0:8]))
			archsimd.LoadFloat32x8Array((*[8]float32)(s[8:16])).StoreArray((*[8]float32)(d[8:16]))
		}
	}
	archsimd.ClearAVXUpperBits()
	if l0 := np * xnr; l0 < nl {
		panel := dst[np*kb : (np+1)*kb]
		for p := range panel {
			panel[p] = bStepX{}
			copy(panel[p][:], src[p*ld+l0:p*ld+nl])
		}
	}
}

// packGatherB16 packs kb k indices of nl columns of op(B) into panels of 16
// columns, where column l is src[l*ld : l*ld+kb]: op(B) when B is
// transposed. Each panel is gathered as two halves of 8 columns, which
// keeps the 8 source rows of a half in registers.
func packGatherB16(dst []bStepX, src []float32, ld, nl, kb int) {
	np := nl / xnr
	for lp := range np {
		d := dst[lp*kb : (lp+1)*kb]
		gatherHalf(d, 0, src[lp*xnr*ld:], ld, kb)
		gatherHalf(d, 8, src[(lp*xnr+8)*ld:], ld, kb)
	}
	if l0 := np * xnr; l0 < nl {
		panel := dst[np*kb : (np+1)*kb]
		clear(panel)
		for l := l0; l < nl; l++ {
			for p, v := range src[l*ld : l*ld+kb] {
				panel[p][l-l0] = v
			}
		}
	}
}

// gatherHalf sets d[p][off+l] = src[l*ld+p] for the 8 lanes l and
// p < len(d) (off is 0 or 8).
func gatherHalf(d []bStepX, off int, src []float32, ld, kb int) {
	r0, r1, r2, r3 := src[:kb], src[ld:][:kb], src[2*ld:][:kb], src[3*ld:][:kb]
	r4, r5, r6, r7 := src[4*ld:][:kb], src[5*ld:][:kb], src[6*ld:][:kb], src[7*ld:][:kb]
	for p := range d {
		h := (*[8]float32)(d[p][off : off+8])
		*h = [8]float32{r0[p], r1[p], r2[p], r3[p], r4[p], r5[p], r6[p], r7[p]}
	}
}
