package timeslice

import (
	"testing"
	"time"
)

func TestSize(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		left, cost time.Duration
		min, want  int
	}{
		{12 * ms, ms, 16, 16},       // what fits is below the minimum: the minimum
		{40 * ms, ms, 16, 40},       // what fits
		{0, ms, 16, 16},             // no time left: still the minimum
		{12 * ms, 5 * ms, 16, 5},    // the minimum would cost too much: what fits in MaxCost
		{12 * ms, 100 * ms, 16, 1},  // at least one
		{-5 * ms, 100 * ms, 16, 1},  // overdrawn: one
		{120 * ms, 100 * ms, 16, 1}, // one item costs more than the slice: one
		{12 * ms, time.Microsecond, 16, 12000},
	} {
		if got := Size(c.left, c.cost, c.min); got != c.want {
			t.Errorf("Size(%v, %v, %d) = %d, want %d", c.left, c.cost, c.min, got, c.want)
		}
	}
}

func TestTrack(t *testing.T) {
	ms := time.Millisecond
	if got := Track(ms, 20*ms, 10); got != 2*ms {
		t.Errorf("slower items: estimate %v, want the new cost 2ms at once", got)
	}
	// Faster: an eighth of the way from 8ms towards 0.
	if got := Track(8*ms, 0, 4); got != 7*ms {
		t.Errorf("faster items: estimate %v, want 7ms", got)
	}
}
