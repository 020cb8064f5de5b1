package core

import "gonum.org/v1/gonum/blas/blas32"

// matrix is a row-major float32 matrix with one example per row.
type matrix = blas32.General

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
