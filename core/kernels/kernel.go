package kernels

// Register block and k unrolling of the micro-kernel, chosen by measurement
// (GFLOP/s in node, see bench_test.go).
//
// Go's wasm backend has 16 float32 registers (WebAssembly locals), which V8
// maps onto the 16 xmm registers of x86-64; values beyond that are spilled to
// the Go stack in linear memory. A 4×4 tile needs 16 accumulators plus
// operands and spills ~30 values per step (5.3 GFLOP/s). 3×3 (9 accumulators,
// 3+3 operands, 3 spills) measured 7.0–7.5, 4×2 and 2×4 (1 spill) 6.3–6.6.
// Go's wasm output routes every loop back edge through the function's
// br_table dispatcher, so unrolling k pays: ku = 2, 3, 4 gave 4.5, 6.1 and 7.0
// GFLOP/s for 3×3; 5 and more gave nothing or lost.
const (
	mr = 3 // rows of C per micro-kernel tile
	nr = 3 // columns of C per micro-kernel tile
	ku = 4 // k indices per packed step
)

// microKernel adds the product of the packed mr×(ku*len(a)) panel a and the
// packed (ku*len(a))×nr panel b to the mr×nr tile of C at c[0] (row stride
// ldc). b must have at least len(a) steps.
func microKernel(a, b []panelStep, c []float32, ldc int) {
	var c00, c01, c02, c10, c11, c12, c20, c21, c22 float32
	b = b[:len(a)]
	for q := range a {
		x, y := &a[q], &b[q]
		c00 += x[0] * y[0]
		c01 += x[0] * y[1]
		c02 += x[0] * y[2]
		c10 += x[1] * y[0]
		c11 += x[1] * y[1]
		c12 += x[1] * y[2]
		c20 += x[2] * y[0]
		c21 += x[2] * y[1]
		c22 += x[2] * y[2]

		c00 += x[3] * y[3]
		c01 += x[3] * y[4]
		c02 += x[3] * y[5]
		c10 += x[4] * y[3]
		c11 += x[4] * y[4]
		c12 += x[4] * y[5]
		c20 += x[5] * y[3]
		c21 += x[5] * y[4]
		c22 += x[5] * y[5]

		c00 += x[6] * y[6]
		c01 += x[6] * y[7]
		c02 += x[6] * y[8]
		c10 += x[7] * y[6]
		c11 += x[7] * y[7]
		c12 += x[7] * y[8]
		c20 += x[8] * y[6]
		c21 += x[8] * y[7]
		c22 += x[8] * y[8]

		c00 += x[9] * y[9]
		c01 += x[9] * y[10]
		c02 += x[9] * y[11]
		c10 += x[10] * y[9]
		c11 += x[10] * y[10]
		c12 += x[10] * y[11]
		c20 += x[11] * y[9]
		c21 += x[11] * y[10]
		c22 += x[11] * y[11]
	}
	r0 := c[:nr]
	r0[0] += c00
	r0[1] += c01
	r0[2] += c02
	r1 := c[1*ldc : 1*ldc+nr]
	r1[0] += c10
	r1[1] += c11
	r1[2] += c12
	r2 := c[2*ldc : 2*ldc+nr]
	r2[0] += c20
	r2[1] += c21
	r2[2] += c22
}
