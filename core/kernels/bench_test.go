package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// benchLayers are dense layers (in → out) of the reference model; each is
// benchmarked at batch 128 with its three products:
//
//	fwd: Y  = X·W    (NoTrans, NoTrans)  batch×in · in×out
//	dW:  dW = Xᵀ·dY  (Trans, NoTrans)    in×batch · batch×out
//	dX:  dX = dY·Wᵀ  (NoTrans, Trans)    batch×out · out×in
//
// Besides wall-clock GFLOP/s the benchmarks report GFLOP per CPU-second of
// the process (not available in browsers), which stays meaningful on a
// shared, loaded machine; for gonum natively it counts both cores.
//
// Measured on the 2-core AMD EPYC development VM while other jobs were
// running (best of 3 runs; wall figures are depressed by the load, the
// CPU-time figures much less so):
//
//	                native amd64          wasm, node 20     wasm, Chromium 156
//	                GFLOP/cpu-s           GFLOP/cpu-s       GFLOP/s (wall)
//	shape           gonum   kernels       gonum   kernels   gonum   kernels
//	fwd784x256      14.7    10.9          1.25    8.13      1.10    8.04
//	dW784x256       14.4    11.1          1.23    8.35      1.11    8.57
//	dX784x256       15.7    11.1          1.48    8.37      1.23    8.48
//	fwd256x128      14.8    11.2          1.44    8.30      1.11    8.42
//	dW256x128       15.5    11.1          1.39    8.09      1.05    8.26
//	dX256x128       17.0    11.0          1.45    8.10      1.19    7.82
//	fwd128x4         2.4     6.0          1.04    3.62      0.80    3.23
//	dW128x4          2.6     5.6          1.06    3.54      0.50    2.16
//	dX128x4          1.5     6.4          0.98    2.40      0.77    2.68
//	fwd256x784      14.4    11.0          1.52    8.40      1.06    8.00
//	dW256x784       14.8    10.9          1.40    8.08      1.04    8.34
//	dX256x784       16.4    11.0          1.48    8.37      1.25    6.76
//
// Natively gonum's wall-clock rate was up to ~24 GFLOP/s on the large shapes
// with both cores free (it runs goroutines); the kernel is single-threaded.
// Built with GOEXPERIMENT=simd natively on amd64 with AVX2+FMA, "kernels"
// is the AVX2 kernel (simd_amd64.go) and "scalar" the kernel above: 30–39
// GFLOP/cpu-s at the large shapes against gonum's 8–15 in the same runs,
// at load average 8–11 (README, "Native AVX2").
// Commands:
//
//	go test -run '^$' -bench Sgemm -count 3 ./core/kernels
//	GOOS=js GOARCH=wasm go test -exec="$(go env GOROOT)/lib/wasm/go_js_wasm_exec" \
//		-run '^$' -bench Sgemm -count 3 ./core/kernels
//
// and for Chromium the js/wasm test binary (go test -c) run from a page using
// wasm_exec.js with go.argv = ["x", "-test.run=^$", "-test.bench=Sgemm"].
var benchLayers = []struct{ in, out int }{
	{784, 256}, // encoder hidden 1
	{256, 128}, // encoder hidden 2
	{128, 4},   // encoder head (mu, logvar)
	{256, 784}, // decoder output
}

// benchBatches are the training batch sizes benchmarked; names of batch 32
// runs start with "b32/" (batch 128 keeps the names of earlier figures).
var benchBatches = []int{128, 32}

func BenchmarkSgemm(b *testing.B) {
	type impl struct {
		name string
		impl blas.Float32
	}
	impls := []impl{{"gonum", gonum.Implementation{}}, {"kernels", Implementation{}}}
	if SIMD() {
		// "kernels" is the SIMD kernel (wasm SIMD, or AVX2+FMA on amd64);
		// the scalar one beside it.
		impls = append(impls, impl{"scalar", scalarImpl{}})
	}
	rng := rand.New(rand.NewPCG(7, 8))
	warmUp()
	for _, benchBatch := range benchBatches {
		prefix := ""
		if benchBatch != 128 {
			prefix = fmt.Sprintf("b%d/", benchBatch)
		}
		for _, l := range benchLayers {
			x := randNonZero(rng, benchBatch*l.in)
			w := randNonZero(rng, l.in*l.out)
			dy := randNonZero(rng, benchBatch*l.out)
			y := make([]float32, benchBatch*l.out)
			dw := make([]float32, l.in*l.out)
			dx := make([]float32, benchBatch*l.in)
			products := []struct {
				name    string
				tA, tB  blas.Transpose
				m, n, k int
				a       []float32
				lda     int
				b       []float32
				ldb     int
				c       []float32
				ldc     int
			}{
				{"fwd", blas.NoTrans, blas.NoTrans, benchBatch, l.out, l.in, x, l.in, w, l.out, y, l.out},
				{"dW", blas.Trans, blas.NoTrans, l.in, l.out, benchBatch, x, l.in, dy, l.out, dw, l.out},
				{"dX", blas.NoTrans, blas.Trans, benchBatch, l.in, l.out, dy, l.out, w, l.out, dx, l.in},
			}
			for _, p := range products {
				shape := fmt.Sprintf("%s%s%dx%d", prefix, p.name, l.in, l.out)
				flops := 2 * float64(p.m) * float64(p.n) * float64(p.k)
				for _, im := range impls {
					if prefix != "" && im.name == "gonum" {
						continue // gonum only at batch 128
					}
					b.Run(shape+"/"+im.name, func(b *testing.B) {
						var cpu0 float64
						n := 0
						for ; b.Loop(); n++ {
							if n == 0 {
								// b.Loop resets the timer before the first
								// iteration; start the CPU clock there too.
								cpu0 = cpuSeconds()
							}
							im.impl.Sgemm(p.tA, p.tB, p.m, p.n, p.k, 1, p.a, p.lda, p.b, p.ldb, 0, p.c, p.ldc)
						}
						cpu := cpuSeconds() - cpu0
						total := flops * float64(n)
						b.ReportMetric(total/b.Elapsed().Seconds()/1e9, "GFLOP/s")
						if cpu > 0 {
							b.ReportMetric(total/cpu/1e9, "GFLOP/cpu-s")
						}
					})
				}
			}
		}
	}
}

// warmUp runs the kernels for a while before measuring. WebAssembly engines
// first run code compiled by a baseline compiler and switch to optimised code
// only once a function is hot, so without this the first benchmark would
// measure partly unoptimised code.
func warmUp() {
	const size = 64
	a := make([]float32, size*size)
	c := make([]float32, size*size)
	for start := time.Now(); time.Since(start) < 300*time.Millisecond; {
		for _, impl := range []blas.Float32{gonum.Implementation{}, Implementation{}, scalarImpl{}} {
			for _, tA := range []blas.Transpose{blas.NoTrans, blas.Trans} {
				for _, tB := range []blas.Transpose{blas.NoTrans, blas.Trans} {
					impl.Sgemm(tA, tB, size, size, size, 1, a, size, a, size, 0, c, size)
				}
			}
		}
	}
}
