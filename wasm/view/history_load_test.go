package view

import "testing"

// TestHistoryLoad: a curve saved after compaction (a point every 4 steps)
// goes on at that resolution, and a saved curve longer than the capacity
// is decimated to fit.
func TestHistoryLoad(t *testing.T) {
	h := NewHistory(8)
	for s := 1; s <= 40; s++ {
		h.Add(LossPoint{Step: float64(s), NegELBO: float64(100 - s)})
	}
	saved := append([]LossPoint(nil), h.Points()...)
	stride := h.stride

	g := NewHistory(8)
	g.Load(saved)
	if len(g.Points()) != len(saved) || g.stride != stride {
		t.Fatalf("loaded %d points at stride %d; saved %d at stride %d", len(g.Points()), g.stride, len(saved), stride)
	}
	for s := 41; s <= 60; s++ {
		h.Add(LossPoint{Step: float64(s), NegELBO: float64(100 - s)})
		g.Add(LossPoint{Step: float64(s), NegELBO: float64(100 - s)})
	}
	if a, b := h.Points(), g.Points(); len(a) != len(b) || a[len(a)-1] != b[len(b)-1] {
		t.Fatalf("after 20 more steps: %v, the uninterrupted history %v", b, a)
	}
	long := make([]LossPoint, 100)
	for i := range long {
		long[i] = LossPoint{Step: float64(i + 1)}
	}
	g.Load(long)
	if n := len(g.Points()); n >= 8 {
		t.Fatalf("%d points in a history of capacity 8", n)
	}
}
