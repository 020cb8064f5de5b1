package core

// matrix is a row-major float32 matrix with one example per row; the same
// fields as gonum's blas32.General, declared here so that the wasm build
// does not link gonum (see gemm_js.go).
type matrix struct {
	Rows, Cols, Stride int
	Data               []float32
}

// newMatrix returns a zeroed rows×cols matrix.
func newMatrix(rows, cols int) matrix {
	return matrix{Rows: rows, Cols: cols, Stride: cols, Data: make([]float32, rows*cols)}
}

// resize returns m reshaped to rows×cols, reusing its storage when it is
// large enough so that the training step allocates nothing in steady state.
func resize(m matrix, rows, cols int) matrix {
	n := rows * cols
	if cap(m.Data) < n {
		m.Data = make([]float32, n)
	}
	return matrix{Rows: rows, Cols: cols, Stride: cols, Data: m.Data[:n]}
}

// viewMatrix wraps data (length rows*cols) as a matrix without copying.
func viewMatrix(data []float32, rows, cols int) matrix {
	return matrix{Rows: rows, Cols: cols, Stride: cols, Data: data[:rows*cols]}
}

// gemm computes c = alpha·op(a)·op(b) + beta·c, where op transposes when
// asked. It panics when the shapes do not fit, as blas32.Gemm does; the
// product itself is sgemm's (gemm_blas.go natively: core/kernels' AVX2 kernel
// or gonum; gemm_js.go in wasm).
func gemm(aTrans, bTrans bool, alpha float32, a, b matrix, beta float32, c matrix) {
	m, k := a.Rows, a.Cols
	if aTrans {
		m, k = k, m
	}
	kb, n := b.Rows, b.Cols
	if bTrans {
		kb, n = n, kb
	}
	if m != c.Rows || n != c.Cols || k != kb {
		panic("core: matrix shapes do not fit in a product")
	}
	sgemm(aTrans, bTrans, m, n, k, alpha, a.Data, a.Stride, b.Data, b.Stride, beta, c.Data, c.Stride)
}
