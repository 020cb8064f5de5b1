//go:build goexperiment.simd && amd64

package core

import (
	"simd/archsimd"
	"testing"

	"github.com/govae/govae/core/kernels"
)

// TestGemmUsesAVX2: built with GOEXPERIMENT=simd for amd64 and run on a
// CPU with AVX2 and FMA, core's products run core/kernels' AVX2 kernel
// rather than falling back to gonum (TestGemmSeamNative checks that gemm
// follows kernels.SIMD()).
func TestGemmUsesAVX2(t *testing.T) {
	if !archsimd.X86.AVX2() || !archsimd.X86.FMA() {
		t.Skip("the CPU lacks AVX2 or FMA: core uses gonum")
	}
	if !kernels.SIMD() || kernels.Build() != "amd64-avx2-fma" {
		t.Fatalf("CPU with AVX2+FMA, but kernels.SIMD() = %v, Build() = %q", kernels.SIMD(), kernels.Build())
	}
}
