package core

// Dense is a fully connected layer y = x·W + b with W stored in×out.
type Dense struct {
	In, Out int
	// NoInputGrad skips computing ∂L/∂x in Backward; set on a network's
	// first layer, whose input is data, to save one matrix product per step.
	NoInputGrad bool

	w, b   Param
	x      matrix // input cached by Forward
	y, dx  matrix
	wIndex int
	bIndex int
}

func newDense(s *paramStore, name string, in, out int) *Dense {
	return &Dense{
		In: in, Out: out,
		wIndex: s.add(name+".w", true, in, out),
		bIndex: s.add(name+".b", true, out),
	}
}

func (d *Dense) bind(s *paramStore) { d.w, d.b = s.params[d.wIndex], s.params[d.bIndex] }

// Forward computes y = x·W + b.
func (d *Dense) Forward(x matrix, _ bool) matrix {
	d.x = x
	d.y = resize(d.y, x.Rows, d.Out)
	// Start from the bias in every row, then accumulate x·W onto it (beta = 1).
	for r := 0; r < x.Rows; r++ {
		copy(d.y.Data[r*d.Out:(r+1)*d.Out], d.b.Value)
	}
	gemm(false, false, 1, x, viewMatrix(d.w.Value, d.In, d.Out), 1, d.y)
	return d.y
}

// Backward accumulates ∂W += xᵀ·dy and ∂b += Σ_rows dy, and returns dy·Wᵀ.
func (d *Dense) Backward(dy matrix) matrix {
	gemm(true, false, 1, d.x, dy, 1, viewMatrix(d.w.Grad, d.In, d.Out))
	db := d.b.Grad
	for r := 0; r < dy.Rows; r++ {
		row := dy.Data[r*dy.Stride : r*dy.Stride+d.Out]
		db := db[:len(row)] // lets the compiler drop the bounds check
		for j, v := range row {
			db[j] += v
		}
	}
	if d.NoInputGrad {
		return matrix{}
	}
	d.dx = resize(d.dx, dy.Rows, d.In)
	gemm(false, true, 1, dy, viewMatrix(d.w.Value, d.In, d.Out), 0, d.dx)
	return d.dx
}
