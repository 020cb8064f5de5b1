package view

import "math"

// Load replaces the history with pts (a saved curve, oldest first),
// decimated to fit, and goes on at the resolution the saved points have:
// a curve saved after compaction averaged k steps a point, and the steps
// that follow are averaged k at a time as well.
func (h *History) Load(pts []LossPoint) {
	h.Reset()
	pts = Decimate(pts, h.limit-1)
	h.points = append(h.points, pts...)
	if n := len(pts); n >= 2 {
		spacing := (pts[n-1].Step - pts[0].Step) / float64(n-1)
		for h.stride < int(math.Round(spacing)) {
			h.stride *= 2
		}
	}
}
