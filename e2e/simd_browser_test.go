//go:build !(js && wasm)

package e2e

import (
	"math"
	"net/http"
	"strings"
	"testing"
)

// scalarVariant serves, under /scalar/, a simd.js that says the browser
// has no wasm SIMD: the page there loads the scalar builds, as a browser
// without SIMD would.
func scalarVariant(_ string, v *siteVariants) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/scalar/simd.js" {
			w.Header().Set("Content-Type", "text/javascript")
			w.Write([]byte(`self.govaeWasmSIMD = false;
self.govaeWasmFile = (name) => name + '.wasm';
self.govaeGoRelease = (v) => String(v).replace(/-X:.*$/, '');`))
			return
		}
		v.ServeHTTP(w, r)
	})
}

// TestSIMDBrowser checks that Chromium, which runs wasm SIMD, loads the
// SIMD builds of the page and the workers, that a browser without it gets
// the scalar ones, and that both train to the same losses (the kernels add
// in another order: float32 rounding apart).
func TestSIMDBrowser(t *testing.T) {
	b := startBrowser(t, scalarVariant)
	const batch, steps = 64, 4
	run := func(path, kernels, page, worker string) (local, workers []float64) {
		s, _ := b.open(t, path)
		if s.Kernels != kernels {
			t.Errorf("%s: status().kernels %q, want %q", path, s.Kernels, kernels)
		}
		local = b.benchTrain(t, batch, steps, 0).Losses
		workers = b.benchTrain(t, batch, steps, 1).Losses
		fetched := b.eval(t, `performance.getEntriesByType("resource").map((e) => e.name).filter((n) => /\.wasm$/.test(n)).join(" ")`)
		for _, f := range []string{page, worker} {
			if !strings.Contains(fetched, "/"+f) {
				t.Errorf("%s: %s was not fetched (fetched: %s)", path, f, fetched)
			}
		}
		for _, other := range []string{"/govae.wasm", "/govae-simd.wasm"} {
			if other != "/"+page && strings.Contains(fetched, other) {
				t.Errorf("%s: %s fetched too (fetched: %s)", path, other, fetched)
			}
		}
		return local, workers
	}
	simdLocal, simdWorkers := run("/govae/", "wasm-simd128", "govae-simd.wasm", "worker-simd.wasm")
	scalarLocal, scalarWorkers := run("/scalar/", "scalar", "govae.wasm", "worker.wasm")
	for name, pair := range map[string][2][]float64{
		"in the page":   {simdLocal, scalarLocal},
		"in 1 worker":   {simdWorkers, scalarWorkers},
		"page, workers": {simdLocal, scalarWorkers},
	} {
		a, c := pair[0], pair[1]
		if len(a) != steps+1 || len(c) != steps+1 {
			t.Fatalf("%s: %d and %d losses, want %d", name, len(a), len(c), steps+1)
		}
		for i := range a {
			if math.Abs(a[i]-c[i]) > 1e-4*math.Abs(c[i]) {
				t.Errorf("%s, step %d: −ELBO %.6f with SIMD, %.6f scalar", name, i+1, a[i], c[i])
			}
		}
	}
	t.Logf("−ELBO with SIMD %.4f … %.4f, scalar %.4f … %.4f", simdLocal[0], simdLocal[steps], scalarLocal[0], scalarLocal[steps])
}
