package kernels

// Packed layout. A block of op(A) is stored as consecutive panels of mr rows
// and a block of op(B) as consecutive panels of nr columns. Since mr == nr,
// both use the same layout, in which the rows of an A panel and the columns of
// a B panel are called lanes: a panel is a sequence of panelStep values, step
// q holding lanes 0..2 for the ku consecutive k indices q*ku..q*ku+ku-1, with
// element (lane l, k index q*ku+u) at index u*lanes+l. Lanes and k indices
// beyond the block are zero, so the micro-kernel never needs a remainder loop.
//
// Using fixed-size arrays as the packed element type lets the micro-kernel
// range over the panels with constant indices, which the compiler proves in
// bounds. The packing loops below are written out for 3 lanes and ku = 4: Go's
// wasm output pays a br_table dispatch per loop iteration, and with generic
// per-element loops packing took 6–11% of a model-sized product.

const lanes = 3

// The packing code below is specialised to this shape.
var _ = [1]struct{}{}[(mr-lanes)*(mr-lanes)+(nr-lanes)*(nr-lanes)+(ku-4)*(ku-4)]

// panelStep is one step of a packed panel: ku k indices × 3 lanes.
type panelStep = [lanes * ku]float32

// packA packs the mb×kb block of alpha*op(A) whose top-left element is
// op(A)[i0, p0] into dst, which must hold ceil(mb/mr)*ceil(kb/ku) steps.
func packA(dst []panelStep, trans bool, a []float32, lda, i0, p0, mb, kb int, alpha float32) {
	if trans {
		// Element (i, p) of the block is a[(p0+p)*lda + i0+i].
		packStrided(dst, a[p0*lda+i0:], lda, mb, kb, alpha)
	} else {
		// Element (i, p) of the block is a[(i0+i)*lda + p0+p].
		packContiguous(dst, a[i0*lda+p0:], lda, mb, kb, alpha)
	}
}

// packB packs the kb×nb block of op(B) whose top-left element is
// op(B)[p0, j0] into dst, which must hold ceil(nb/nr)*ceil(kb/ku) steps.
func packB(dst []panelStep, trans bool, b []float32, ldb, p0, j0, kb, nb int) {
	if trans {
		// Element (p, j) of the block is b[(j0+j)*ldb + p0+p].
		packContiguous(dst, b[j0*ldb+p0:], ldb, nb, kb, 1)
	} else {
		// Element (p, j) of the block is b[(p0+p)*ldb + j0+j].
		packStrided(dst, b[p0*ldb+j0:], ldb, nb, kb, 1)
	}
}

// packContiguous packs nl lanes of kb values each, scaled by alpha, where
// lane l is src[l*ld : l*ld+kb] (contiguous in k).
func packContiguous(dst []panelStep, src []float32, ld, nl, kb int, alpha float32) {
	kq := ceilDiv(kb, ku)
	full := kb / ku // steps without k padding
	l := 0
	for ; l+lanes <= nl; l += lanes {
		panel := dst[(l/lanes)*kq : (l/lanes+1)*kq]
		r0 := src[l*ld:][:kb]
		r1 := src[(l+1)*ld:][:kb]
		r2 := src[(l+2)*ld:][:kb]
		steps := panel[:full]
		for q := range steps {
			s := &steps[q]
			p := q * ku
			x0 := r0[p : p+ku : p+ku]
			x1 := r1[p : p+ku : p+ku]
			x2 := r2[p : p+ku : p+ku]
			s[0], s[1], s[2] = alpha*x0[0], alpha*x1[0], alpha*x2[0]
			s[3], s[4], s[5] = alpha*x0[1], alpha*x1[1], alpha*x2[1]
			s[6], s[7], s[8] = alpha*x0[2], alpha*x1[2], alpha*x2[2]
			s[9], s[10], s[11] = alpha*x0[3], alpha*x1[3], alpha*x2[3]
		}
		if full < kq {
			// Last step, partly beyond kb.
			s := &panel[full]
			*s = panelStep{}
			for p := full * ku; p < kb; p++ {
				u := p - full*ku
				s[u*lanes], s[u*lanes+1], s[u*lanes+2] = alpha*r0[p], alpha*r1[p], alpha*r2[p]
			}
		}
	}
	if l < nl {
		// Last panel, partly beyond nl.
		panel := dst[(l/lanes)*kq : (l/lanes+1)*kq]
		clear(panel)
		for r := 0; l+r < nl; r++ {
			row := src[(l+r)*ld:][:kb]
			for p, v := range row {
				panel[p/ku][p%ku*lanes+r] = alpha * v
			}
		}
	}
}

// packStrided packs nl lanes of kb values each, scaled by alpha, where the
// values of the lanes for k index p are src[p*ld : p*ld+nl] (contiguous
// across lanes).
func packStrided(dst []panelStep, src []float32, ld, nl, kb int, alpha float32) {
	kq := ceilDiv(kb, ku)
	full := kb / ku // steps without k padding
	np := nl / lanes
	for q := range full {
		p := q * ku
		y0 := src[p*ld:][:nl]
		y1 := src[(p+1)*ld:][:nl]
		y2 := src[(p+2)*ld:][:nl]
		y3 := src[(p+3)*ld:][:nl]
		for lp := range np {
			s := &dst[lp*kq+q]
			l := lp * lanes
			z0 := y0[l : l+lanes : l+lanes]
			z1 := y1[l : l+lanes : l+lanes]
			z2 := y2[l : l+lanes : l+lanes]
			z3 := y3[l : l+lanes : l+lanes]
			s[0], s[1], s[2] = alpha*z0[0], alpha*z0[1], alpha*z0[2]
			s[3], s[4], s[5] = alpha*z1[0], alpha*z1[1], alpha*z1[2]
			s[6], s[7], s[8] = alpha*z2[0], alpha*z2[1], alpha*z2[2]
			s[9], s[10], s[11] = alpha*z3[0], alpha*z3[1], alpha*z3[2]
		}
	}
	if full < kq {
		// Last step of every panel, partly beyond kb.
		for lp := range np {
			dst[lp*kq+full] = panelStep{}
		}
		for p := full * ku; p < kb; p++ {
			u := p - full*ku
			y := src[p*ld:][:nl]
			for lp := range np {
				s := &dst[lp*kq+full]
				l := lp * lanes
				z := y[l : l+lanes : l+lanes]
				s[u*lanes], s[u*lanes+1], s[u*lanes+2] = alpha*z[0], alpha*z[1], alpha*z[2]
			}
		}
	}
	if l := np * lanes; l < nl {
		// Last panel, partly beyond nl.
		panel := dst[np*kq : (np+1)*kq]
		clear(panel)
		for p := range kb {
			y := src[p*ld+l : p*ld+nl]
			for r, v := range y {
				panel[p/ku][p%ku*lanes+r] = alpha * v
			}
		}
	}
}
