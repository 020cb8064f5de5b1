//go:build js && wasm

package core

import (
	"reflect"
	"testing"

	"github.com/govae/govae/core/kernels"
)

// TestTrainStepNoAllocsKernels: with the kernels installed, as in the page
// and its workers, the steady-state training step allocates nothing.
func TestTrainStepNoAllocsKernels(t *testing.T) {
	// Under js/wasm core multiplies with core/kernels, as the page does.
	if reflect.ValueOf(sgemm).Pointer() != reflect.ValueOf(kernels.Sgemm).Pointer() {
		t.Fatal("core's sgemm is not kernels.Sgemm under js/wasm")
	}
	for _, batch := range []int{128, 32, 5} {
		tr := newBenchTrainer(t, DefaultArchitecture(), Likelihood{Kind: Bernoulli}, batch)
		if a := trainAllocs(t, tr); a != 0 {
			t.Errorf("batch %d: %v allocations per training step, want 0", batch, a)
		}
	}
}
