//go:build goexperiment.simd && wasm

package kernels

import (
	"simd/archsimd"
	"sync"
	"unsafe"
)

// SIMD reports whether [Sgemm] runs a SIMD micro-kernel: in this build
// (GOEXPERIMENT=simd, GOARCH=wasm: Go 1.27's simd/archsimd) always, the
// WebAssembly 128-bit SIMD one. [Build] names the kernel for status reports.
func SIMD() bool { return true }

// simdBuild is [Build]'s name for this build's SIMD kernel.
const simdBuild = "wasm-simd128"

// gemm is Sgemm's kernel: the SIMD one in this build.
var gemm kernel = gemmSIMD

// The SIMD micro-kernel's register block and k unrolling (measured under
// node and in Chromium, see bench_test.go).
//
// WebAssembly SIMD has 128-bit vectors (4 float32) and no fused
// multiply-add, so a tile of C is updated with f32x4.mul and f32x4.add: per
// k index, 2 vectors of op(B) (8 columns) are loaded and each of the
// vmr rows of op(A) is splatted (f32x4.splat) and multiplied into them.
// Go's wasm backend has 16 v128 registers (WebAssembly locals, which V8
// maps onto xmm registers); its register allocator keeps a 4×8 tile
// (8 accumulators, 2 B vectors, a splat and a product) with one spill per
// step, while 5×8 spills 5 and 6×8 nine v128 values per step. Unrolling k
// by 4 amortises the function-wide br_table dispatch that every loop back
// edge of Go's wasm output goes through.
const (
	vmr = 4 // rows of C per SIMD micro-kernel tile
	vnr = 8 // columns of C per tile: 2 vectors
	vku = 4 // k indices per packed step
)

// aStepV is one step of a packed A panel: element (row r, k index u) at u*vmr+r.
type aStepV = [vmr * vku]float32

// bStepV is one step of a packed B panel: element (k index u, column j) at u*vnr+j.
type bStepV = [vku * vnr]float32

// simdWorkspace holds the packing buffers of one gemmSIMD call.
type simdWorkspace struct {
	a []aStepV
	b []bStepV
}

var simdWorkspaces = sync.Pool{New: func() any { return new(simdWorkspace) }}

// gemmSIMD computes C += alpha * op(A) * op(B) for validated arguments with
// m, n, k > 0: the blocking of gemmScalar (sgemm.go) with 4×8 tiles of
// 128-bit vectors.
func gemmSIMD(aTrans, bTrans bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	kc := evenBlock(k, kcMax, vku)
	mc := evenBlock(m, mcMax, vmr)
	nc := evenBlock(n, ncMax, vnr)

	ws := simdWorkspaces.Get().(*simdWorkspace)
	defer simdWorkspaces.Put(ws)
	kq := ceilDiv(kc, vku)
	ws.a = growSteps(ws.a, ceilDiv(min(mc, m), vmr)*kq)
	ws.b = growSteps(ws.b, ceilDiv(min(nc, n), vnr)*kq)

	for jc := 0; jc < n; jc += nc {
		nb := min(nc, n-jc)
		for pc := 0; pc < k; pc += kc {
			kb := min(kc, k-pc)
			kq := ceilDiv(kb, vku)
			bp := ws.b[:ceilDiv(nb, vnr)*kq]
			bFlat := flatB(bp)
			if bTrans {
				// Element (p, j) of the block is b[(jc+j)*ldb + pc+p].
				packGather(bFlat, b[jc*ldb+pc:], ldb, nb, kb, kq*vku, vnr, 1)
			} else {
				// Element (p, j) of the block is b[(pc+p)*ldb + jc+j].
				packRows8(bFlat, b[pc*ldb+jc:], ldb, nb, kb, kq*vku)
			}
			for ic := 0; ic < m; ic += mc {
				mb := min(mc, m-ic)
				ap := ws.a[:ceilDiv(mb, vmr)*kq]
				aFlat := flatA(ap)
				if aTrans {
					// Element (i, p) of the block is a[(pc+p)*lda + ic+i].
					packRows4(aFlat, a[pc*lda+ic:], lda, mb, kb, kq*vku, alpha)
				} else {
					// Element (i, p) of the block is a[(ic+i)*lda + pc+p].
					packGather(aFlat, a[ic*lda+pc:], lda, mb, kb, kq*vku, vmr, alpha)
				}
				macroSIMD(ap, bp, kq, mb, nb, c[ic*ldc+jc:], ldc)
			}
		}
	}
}

// macroSIMD adds the product of the packed mb×kb block of op(A) and the
// packed kb×nb block of op(B) to the mb×nb block of C at c[0]; kq is the
// number of packed steps per panel.
func macroSIMD(ap []aStepV, bp []bStepV, kq, mb, nb int, c []float32, ldc int) {
	var tile [vmr * vnr]float32
	for jr := 0; jr < nb; jr += vnr {
		bPanel := bp[(jr/vnr)*kq : (jr/vnr+1)*kq]
		cols := min(vnr, nb-jr)
		for ir := 0; ir < mb; ir += vmr {
			aPanel := ap[(ir/vmr)*kq : (ir/vmr+1)*kq]
			rows := min(vmr, mb-ir)
			if rows == vmr && cols == vnr {
				microSIMD(aPanel, bPanel, c[ir*ldc+jr:], ldc)
				continue
			}
			// Edge tile: the full tile into scratch, then its valid part.
			tile = [vmr * vnr]float32{}
			microSIMD(aPanel, bPanel, tile[:], vnr)
			for r := range rows {
				dst := c[(ir+r)*ldc+jr : (ir+r)*ldc+jr+cols]
				src := tile[r*vnr : r*vnr+cols]
				for j, v := range src {
					dst[j] += v
				}
			}
		}
	}
}

// microSIMD adds the product of the packed 4×(4·len(a)) panel a and the
// packed (4·len(a))×8 panel b to the 4×8 tile of C at c[0] (row stride
// ldc). b must have at least len(a) steps.
func microSIMD(a []aStepV, b []bStepV, c []float32, ldc int) {
	var c00, c01, c10, c11, c20, c21, c30, c31 archsimd.Float32x4
	b = b[:len(a)]
	for q := range a {
		x, y := &a[q], &b[q]

		b0 := archsimd.LoadFloat32x4Array((*[4]float32)(y[0:4]))
		b1 := archsimd.LoadFloat32x4Array((*[4]float32)(y[4:8]))
		s := archsimd.BroadcastFloat32x4(x[0])
		c00 = c00.Add(s.Mul(b0))
		c01 = c01.Add(s.Mul(b1))
		s = archsimd.BroadcastFloat32x4(x[1])
		c10 = c10.Add(s.Mul(b0))
		c11 = c11.Add(s.Mul(b1))
		s = archsimd.BroadcastFloat32x4(x[2])
		c20 = c20.Add(s.Mul(b0))
		c21 = c21.Add(s.Mul(b1))
		s = archsimd.BroadcastFloat32x4(x[3])
		c30 = c30.Add(s.Mul(b0))
		c31 = c31.Add(s.Mul(b1))

		b0 = archsimd.LoadFloat32x4Array((*[4]float32)(y[8:12]))
		b1 = archsimd.LoadFloat32x4Array((*[4]float32)(y[12:16]))
		s = archsimd.BroadcastFloat32x4(x[4])
		c00 = c00.Add(s.Mul(b0))
		c01 = c01.Add(s.Mul(b1))
		s = archsimd.BroadcastFloat32x4(x[5])
		c10 = c10.Add(s.Mul(b0))
		c11 = c11.Add(s.Mul(b1))
		s = archsimd.BroadcastFloat32x4(x[6])
		c20 = c20.Add(s.Mul(b0))
		c21 = c21.Add(s.Mul(b1))
		s = archsimd.BroadcastFloat32x4(x[7])
		c30 = c30.Add(s.Mul(b0))
		c31 = c31.Add(s.Mul(b1))

		b0 = archsimd.LoadFloat32x4Array((*[4]float32)(y[16:20]))
		b1 = archsimd.LoadFloat32x4Array((*[4]float32)(y[20:24]))
		s = archsimd.BroadcastFloat32x4(x[8])
		c00 = c00.Add(s.Mul(b0))
		c01 = c01.Add(s.Mul(b1))
		s = archsimd.BroadcastFloat32x4(x[9])
		c10 = c10.Add(s.Mul(b0))
		c11 = c11.Add(s.Mul(b1))
		s = archsimd.BroadcastFloat32x4(x[10])
		c20 = c20.Add(s.Mul(b0))
		c21 = c21.Add(s.Mul(b1))
		s = archsimd.BroadcastFloat32x4(x[11])
		c30 = c30.Add(s.Mul(b0))
		c31 = c31.Add(s.Mul(b1))

		b0 = archsimd.LoadFloat32x4Array((*[4]float32)(y[24:28]))
		b1 = archsimd.LoadFloat32x4Array((*[4]float32)(y[28:32]))
		s = archsimd.BroadcastFloat32x4(x[12])
		c00 = c00.Add(s.Mul(b0))
		c01 = c01.Add(s.Mul(b1))
		s = archsimd.BroadcastFloat32x4(x[13])
		c10 = c10.Add(s.Mul(b0))
		c11 = c11.Add(s.Mul(b1))
		s = archsimd.BroadcastFloat32x4(x[14])
		c20 = c20.Add(s.Mul(b0))
		c21 = c21.Add(s.Mul(b1))
		s = archsimd.BroadcastFloat32x4(x[15])
		c30 = c30.Add(s.Mul(b0))
		c31 = c31.Add(s.Mul(b1))
	}
	addRow8(c[0*ldc:], c00, c01)
	addRow8(c[1*ldc:], c10, c11)
	addRow8(c[2*ldc:], c20, c21)
	addRow8(c[3*ldc:], c30, c31)
}

// addRow8 adds the vectors v0 and v1 to row[0:4] and row[4:8].
func addRow8(row []float32, v0, v1 archsimd.Float32x4) {
	r := (*[8]float32)(row[:8])
	p0, p1 := (*[4]float32)(r[0:4]), (*[4]float32)(r[4:8])
	archsimd.LoadFloat32x4Array(p0).Add(v0).StoreArray(p0)
	archsimd.LoadFloat32x4Array(p1).Add(v1).StoreArray(p1)
}

// Packing. A panel of L lanes (rows of op(A), L = vmr, or columns of op(B),
// L = vnr) and kp k indices (kp a multiple of vku, k indices beyond the
// block zero) is stored flat, k-major: element (lane l, k index p) at
// p*L + l, so that panel after panel, dst[lp*kp*L + p*L + l]. Lanes beyond
// the block are zero too, so the micro-kernel needs no remainder code.

// packRows4 packs nl lanes of kb k indices (kp with padding), scaled by
// alpha, into panels of 4 lanes, where the lanes' values for k index p are
// src[p*ld : p*ld+nl] (contiguous across lanes): op(A) when A is transposed.
func packRows4(dst, src []float32, ld, nl, kb, kp int, alpha float32) {
	const L = vmr
	np := nl / L
	va := archsimd.BroadcastFloat32x4(alpha)
	for p := range kb {
		row := src[p*ld : p*ld+nl]
		for lp := range np {
			v := archsimd.LoadFloat32x4Array((*[4]float32)(row[lp*L : lp*L+4]))
			v.Mul(va).StoreArray((*[4]float32)(dst[lp*kp*L+p*L : lp*kp*L+p*L+4]))
		}
	}
	zeroPad(dst, np, kb, kp, L)
	packTail(dst, src, ld, nl, kb, kp, L, alpha, true)
}

// packRows8 is packRows4 for panels of 8 lanes and alpha 1: op(B) when B is
// not transposed.
func packRows8(dst, src []float32, ld, nl, kb, kp int) {
	const L = vnr
	np := nl / L
	for p := range kb {
		row := src[p*ld : p*ld+nl]
		for lp := range np {
			// Two vectors: an [8]float32 assignment is a call to memmove.
			s := row[lp*L : lp*L+8]
			d := dst[lp*kp*L+p*L : lp*kp*L+p*L+8]
			archsimd.LoadFloat32x4Array((*[4]float32)(s[0:4])).StoreArray((*[4]float32)(d[0:4]))
			archsimd.LoadFloat32x4Array((*[4]float32)(s[4:8])).StoreArray((*[4]float32)(d[4:8]))
		}
	}
	zeroPad(dst, np, kb, kp, L)
	packTail(dst, src, ld, nl, kb, kp, L, 1, true)
}

// packGather packs nl lanes of kb k indices (kp with padding), scaled by
// alpha, into panels of L lanes (4 or 8), where lane l is
// src[l*ld : l*ld+kb] (contiguous in k): op(A) when A is not transposed,
// op(B) when B is. The lanes of a panel are written out, and the panel is
// addressed as one [L]float32 per k index: with generic per-element loops
// packing took ~6 % of a training step in wasm (node --cpu-prof).
func packGather(dst, src []float32, ld, nl, kb, kp, L int, alpha float32) {
	np := nl / L
	for lp := range np {
		panel := dst[lp*kp*L : (lp+1)*kp*L]
		lanes := src[lp*L*ld:]
		if L == 4 {
			gather4(unsafe.Slice((*[4]float32)(unsafe.Pointer(&panel[0])), kp)[:kb], lanes, ld, alpha)
		} else {
			gather8(unsafe.Slice((*[8]float32)(unsafe.Pointer(&panel[0])), kp)[:kb], lanes, ld, alpha)
		}
	}
	zeroPad(dst, np, kb, kp, L)
	packTail(dst, src, ld, nl, kb, kp, L, alpha, false)
}

// gather4 sets d[p][l] = alpha*src[l*ld+p] for the 4 lanes l and p < len(d).
func gather4(d [][4]float32, src []float32, ld int, alpha float32) {
	kb := len(d)
	r0, r1, r2, r3 := src[:kb], src[ld:][:kb], src[2*ld:][:kb], src[3*ld:][:kb]
	for p := range d {
		d[p] = [4]float32{alpha * r0[p], alpha * r1[p], alpha * r2[p], alpha * r3[p]}
	}
}

// gather8 is gather4 for 8 lanes.
func gather8(d [][8]float32, src []float32, ld int, alpha float32) {
	kb := len(d)
	r0, r1, r2, r3 := src[:kb], src[ld:][:kb], src[2*ld:][:kb], src[3*ld:][:kb]
	r4, r5, r6, r7 := src[4*ld:][:kb], src[5*ld:][:kb], src[6*ld:][:kb], src[7*ld:][:kb]
	for p := range d {
		d[p] = [8]float32{alpha * r0[p], alpha * r1[p], alpha * r2[p], alpha * r3[p],
			alpha * r4[p], alpha * r5[p], alpha * r6[p], alpha * r7[p]}
	}
}

// zeroPad clears the k indices kb..kp-1 of the np full panels.
func zeroPad(dst []float32, np, kb, kp, L int) {
	if kb == kp {
		return
	}
	for lp := range np {
		clear(dst[lp*kp*L+kb*L : (lp+1)*kp*L])
	}
}

// packTail packs the last, partial panel (nl%L lanes) with zeros in the
// missing lanes and k indices; rows says whether the lanes' values for a k
// index are contiguous (src[p*ld+l]) or each lane is (src[l*ld+p]).
func packTail(dst, src []float32, ld, nl, kb, kp, L int, alpha float32, rows bool) {
	l0 := nl / L * L
	if l0 == nl {
		return
	}
	panel := dst[l0*kp : l0*kp+kp*L]
	clear(panel)
	for l := l0; l < nl; l++ {
		for p := range kb {
			var v float32
			if rows {
				v = src[p*ld+l]
			} else {
				v = src[l*ld+p]
			}
			panel[p*L+l-l0] = alpha * v
		}
	}
}

// flatA and flatB return packed steps as one slice of float32 (the same
// memory).
func flatA(s []aStepV) []float32 {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice(&s[0][0], len(s)*len(s[0]))
}

func flatB(s []bStepV) []float32 {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice(&s[0][0], len(s)*len(s[0]))
}
