// Package timeslice sizes units of work to a time budget. Go in
// WebAssembly gives the browser control back only when every goroutine is
// blocked, so the page does its heavy work — decoding the manifold,
// training in the page — in slices of a few milliseconds; this package
// says how many items fit in a slice and keeps the running estimate of an
// item's cost that sizes the next one.
package timeslice

import "time"

// MaxCost bounds the cost of a slice forced up to a minimum size, so that
// the browser still regains control well within 50 ms (the threshold of a
// "long task" in the browsers' performance tooling).
const MaxCost = 25 * time.Millisecond

// Size returns how many items to process with left time to spend at cost
// per item: what fits, but at least minItems (as many as fit in MaxCost,
// and at least one).
func Size(left, cost time.Duration, minItems int) int {
	floor := min(minItems, max(int(MaxCost/cost), 1))
	return max(int(left/cost), floor)
}

// Track updates a per-item cost estimate est after items took took: at
// once when slower (so the next slice does not overrun too), gradually
// when faster.
func Track(est, took time.Duration, items int) time.Duration {
	c := took / time.Duration(items)
	if c > est {
		return c
	}
	return (7*est + c) / 8
}
