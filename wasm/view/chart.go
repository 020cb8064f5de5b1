package view

import "math"

// LossPoint is the training loss at one optimiser step, in nats per image.
type LossPoint struct {
	Step               float64
	NegELBO, Recon, KL float64
}

// History is the loss curve of a training run in bounded memory: when it
// reaches its capacity it halves its resolution by averaging neighbours,
// so a long run keeps its whole shape.
type History struct {
	limit  int
	points []LossPoint
	// pending accumulates incoming steps until a point's worth (stride) is
	// collected, once compaction has coarsened the history.
	stride  int
	pending []LossPoint
}

// NewHistory returns an empty history that keeps at most capacity (≥ 2) points.
func NewHistory(capacity int) *History { return &History{limit: max(capacity, 2), stride: 1} }

// Add appends the loss of one step.
func (h *History) Add(p LossPoint) {
	h.pending = append(h.pending, p)
	if len(h.pending) < h.stride {
		return
	}
	h.points = append(h.points, mean(h.pending))
	h.pending = h.pending[:0]
	if len(h.points) >= h.limit {
		h.points = Decimate(h.points, len(h.points)/2)
		h.stride *= 2
	}
}

// Points returns the stored curve (aliasing the history; do not modify).
func (h *History) Points() []LossPoint { return h.points }

// Reset empties the history.
func (h *History) Reset() {
	h.points, h.pending, h.stride = h.points[:0], h.pending[:0], 1
}

// Decimate summarises pts in at most n points: consecutive buckets of
// (nearly) equal size replaced by their means, which also smooths the
// mini-batch noise. With n ≥ len(pts) it returns pts unchanged.
func Decimate(pts []LossPoint, n int) []LossPoint {
	if n <= 0 {
		return nil
	}
	if len(pts) <= n {
		return pts
	}
	out := make([]LossPoint, n)
	for i := range out {
		lo, hi := i*len(pts)/n, (i+1)*len(pts)/n
		out[i] = mean(pts[lo:hi])
	}
	return out
}

func mean(pts []LossPoint) LossPoint {
	var m LossPoint
	for _, p := range pts {
		m.Step += p.Step
		m.NegELBO += p.NegELBO
		m.Recon += p.Recon
		m.KL += p.KL
	}
	k := float64(len(pts))
	return LossPoint{Step: m.Step / k, NegELBO: m.NegELBO / k, Recon: m.Recon / k, KL: m.KL / k}
}

// NiceTicks returns round values (steps of 1, 2 or 5 times a power of ten)
// spanning [lo, hi] with at most maxTicks (≥ 2) values, and the range
// [from, to] they span, which contains [lo, hi]. A degenerate range is
// widened first.
func NiceTicks(lo, hi float64, maxTicks int) (ticks []float64, from, to float64) {
	if !(hi > lo) {
		d := math.Max(math.Abs(lo)*0.1, 1)
		lo, hi = lo-d, lo+d
	}
	maxTicks = max(maxTicks, 2)
	mag := math.Pow(10, math.Floor(math.Log10((hi-lo)/float64(maxTicks-1))))
	for _, m := range []float64{1, 2, 5, 10, 20, 50, 100} {
		step := m * mag
		from, to = math.Floor(lo/step)*step, math.Ceil(hi/step)*step
		n := int(math.Round((to-from)/step)) + 1
		if n <= maxTicks || m == 100 {
			for i := 0; i < n; i++ {
				ticks = append(ticks, from+float64(i)*step)
			}
			break
		}
	}
	return ticks, from, to
}
