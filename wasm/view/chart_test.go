package view

import (
	"math"
	"testing"
)

func TestDecimate(t *testing.T) {
	var pts []LossPoint
	for i := 0; i < 1000; i++ {
		pts = append(pts, LossPoint{Step: float64(i), NegELBO: float64(i % 2), Recon: 1, KL: float64(i)})
	}
	d := Decimate(pts, 100)
	if len(d) != 100 {
		t.Fatalf("len = %d", len(d))
	}
	for _, p := range d {
		if p.NegELBO != 0.5 || p.Recon != 1 { // alternating noise averages out
			t.Fatalf("bucket mean %+v", p)
		}
	}
	if d[0].Step != 4.5 || d[99].Step != 994.5 {
		t.Errorf("bucket steps %v … %v", d[0].Step, d[99].Step)
	}
	if got := Decimate(pts[:10], 100); len(got) != 10 {
		t.Errorf("short input changed: %d points", len(got))
	}
	// Uneven sizes: every point lands in exactly one bucket.
	d = Decimate(pts[:1003%1000+7], 3)
	if len(d) != 3 {
		t.Errorf("uneven: %d points", len(d))
	}
}

func TestHistoryBounded(t *testing.T) {
	h := NewHistory(64)
	for i := 0; i < 10000; i++ {
		h.Add(LossPoint{Step: float64(i + 1), NegELBO: 100, Recon: 90, KL: 10})
	}
	pts := h.Points()
	if len(pts) >= 64 || len(pts) < 16 {
		t.Fatalf("%d points kept", len(pts))
	}
	if pts[0].Step > 400 || pts[len(pts)-1].Step < 9000 {
		t.Errorf("curve covers steps %v … %v, want the whole run", pts[0].Step, pts[len(pts)-1].Step)
	}
	h.Reset()
	if len(h.Points()) != 0 {
		t.Error("Reset kept points")
	}
}

func TestNiceTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		max    int
	}{{143.2, 547.9, 6}, {0, 1, 5}, {-1083, -400, 5}, {3.2, 3.2, 4}, {0.001, 0.0042, 5}} {
		ticks, from, to := NiceTicks(c.lo, c.hi, c.max)
		if len(ticks) < 2 || len(ticks) > c.max {
			t.Errorf("%v: %d ticks %v", c, len(ticks), ticks)
		}
		if from > c.lo || to < c.hi || ticks[0] != from || math.Abs(ticks[len(ticks)-1]-to) > 1e-9*math.Abs(to) {
			t.Errorf("%v: ticks %v span [%v, %v]", c, ticks, from, to)
		}
	}
}
