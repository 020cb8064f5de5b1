//go:build js && wasm

package bridge

import (
	"math"
	"syscall/js"
	"testing"
)

// TestFloat64sJS: a loss history goes to a Float64Array and back bit for
// bit, element i at index i (the byte order typed arrays use), also
// through a view that does not start at its buffer's first byte.
func TestFloat64sJS(t *testing.T) {
	v := []float64{0, 1.5, -2.25e-300, math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 543.21, math.MaxFloat64}
	h := float64sToJS(v)
	if !h.InstanceOf(js.Global().Get("Float64Array")) || h.Length() != len(v) {
		t.Fatalf("got %v of length %d", h, h.Length())
	}
	// js.Value.Float reads −0 as 0 (wasm_exec.js passes zero as a
	// reference), so element by element the values compare with ==;
	// the round trip below compares bits.
	for i, x := range v {
		if got := h.Index(i).Float(); got != x {
			t.Errorf("element %d: %v in JavaScript, want %v", i, got, x)
		}
	}
	back := float64sFromJS(h)
	for i, x := range v {
		if math.Float64bits(back[i]) != math.Float64bits(x) {
			t.Errorf("element %d back in Go: %v, want %v", i, back[i], x)
		}
	}
	view := js.Global().Get("Float64Array").New(h.Get("buffer"), 16, 3)
	if got := float64sFromJS(view); len(got) != 3 || got[0] != v[2] || got[2] != v[4] {
		t.Errorf("a view from byte 16: %v", got)
	}
	if nan := float64sFromJS(float64sToJS([]float64{math.NaN()})); !math.IsNaN(nan[0]) {
		t.Errorf("NaN came back as %v", nan[0])
	}
}
