//go:build js && wasm

package kernels

// Under js/wasm the kernel is installed automatically: importing the package,
// even as `import _ "github.com/govae/govae/core/kernels"`, is enough.
//
// It is deliberately not installed on other platforms. Measured on the 2-core
// amd64 development machine (go test -bench Sgemm ./core/kernels, batch 128;
// full table in bench_test.go), gonum's native Sgemm runs its axpy/dot loops
// in SSE assembly and splits large products over goroutines: ~15 GFLOP/s per
// CPU-second and up to ~24 GFLOP/s wall-clock on both cores for the 784×256
// and 256×128 layers, against ~11 GFLOP/s for this scalar kernel, which would
// therefore slow native training down. Only for the tiny 128→4 head is the
// kernel faster natively (~6 against ~2 GFLOP/s), and those products are a
// fraction of a percent of the work.
func init() {
	Install()
}
