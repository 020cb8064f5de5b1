package core

import "testing"

// TestGemmShapes: a product whose shapes do not fit panics instead of
// reading or writing past a matrix, and a fitting one is right.
func TestGemmShapes(t *testing.T) {
	a := viewMatrix([]float32{1, 2, 3, 4, 5, 6}, 2, 3) // 2×3
	b := viewMatrix([]float32{1, 0, 0, 1, 1, 1}, 3, 2) // 3×2
	c := newMatrix(2, 2)
	gemm(false, false, 1, a, b, 0, c)
	if want := []float32{4, 5, 10, 11}; !float32sBitEqual(c.Data, want) {
		t.Fatalf("a·b = %v, want %v", c.Data, want)
	}
	ct := newMatrix(3, 3)
	gemm(true, true, 1, a, b, 0, ct) // aᵀ·bᵀ: 3×2 · 2×3
	if want := []float32{1, 4, 5, 2, 5, 7, 3, 6, 9}; !float32sBitEqual(ct.Data, want) {
		t.Fatalf("aᵀ·bᵀ = %v, want %v", ct.Data, want)
	}
	for _, tc := range []struct {
		name           string
		aTrans, bTrans bool
		c              matrix
	}{
		{"inner dimensions differ", true, false, newMatrix(3, 2)},
		{"wrong rows of c", false, false, newMatrix(3, 2)},
		{"wrong columns of c", false, false, newMatrix(2, 3)},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", tc.name)
				}
			}()
			gemm(tc.aTrans, tc.bTrans, 1, a, b, 0, tc.c)
		}()
	}
}
