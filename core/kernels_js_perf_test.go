//go:build js && wasm

package core

// Under js/wasm the page trains with core/kernels' Sgemm; importing it here
// installs it for core's wasm tests and benchmarks too, so that they check
// and measure what runs in the browser.
import (
	"testing"

	"gonum.org/v1/gonum/blas/blas32"

	"github.com/govae/govae/core/kernels"
)

// TestTrainStepNoAllocsKernels: with the kernels installed, as in the page
// and its workers, the steady-state training step allocates nothing.
func TestTrainStepNoAllocsKernels(t *testing.T) {
	if _, ok := blas32.Implementation().(kernels.Implementation); !ok {
		t.Fatalf("blas32 uses %T, want the kernels", blas32.Implementation())
	}
	for _, batch := range []int{128, 32, 5} {
		tr := newBenchTrainer(t, DefaultArchitecture(), Likelihood{Kind: Bernoulli}, batch)
		if a := trainAllocs(t, tr); a != 0 {
			t.Errorf("batch %d: %v allocations per training step, want 0", batch, a)
		}
	}
}
