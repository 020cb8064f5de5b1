package explorer

import (
	"image"
	"math"
)

// Partial redraws (GitHub issue #4). The screen is kept between frames, and
// a software GL renderer pays for every pixel drawn: a frame where only the
// loss chart changed redraws only the chart's rectangle, a new manifold
// only the plane, a moved crosshair the plane and the large digit. The page
// is drawn in parts; each part's footprint — the bounding box of
// everything it drew — is recorded at every draw. Redrawing a part clears
// its footprint (with its nominal box from the layout) and draws, clipped
// to that rectangle, every part whose footprint meets it, in the order of
// a full redraw: inside the rectangle the pixels are those a full redraw
// gives. A part that then draws outside what was cleared, or a part that
// was not to change but drew a different footprint, makes the frame a full
// redraw: when unsure, redraw everything.
//
// Measured with cmd/bench -mainthread-only -reps 3 (headless Chromium,
// SwiftShader, 2 cores), A/B interleaved, best of 3 in each of two rounds:
// training in 1 worker, 10.9 and 10.8 frames/s with 1.8 and 5.4 % of the
// time in long tasks (longest 70 and 142 ms) before; 16.7 and 17.9 frames/s
// with no long task after; in 2 workers 8.2 and 9.7 → 14.8 and 15.1
// frames/s, 4.0 and 5.7 % → 0 %. Training meanwhile was unchanged within
// the noise (1825, 1688 → 1610, 1726 examples/s in 1 worker).

// A part of the page, in drawing order.
type part int

const (
	partPlane  part = iota // the manifold, its axes, the overlay's dots and the crosshair
	partSample             // the large digit at the crosshair, z and the hint
	partLegend             // the overlay's legend
	partRecon              // the reconstructions
	partChart              // the loss chart
	numParts
)

// parts is a set of parts, bit p for part p.
type parts uint

func (s parts) has(p part) bool { return s&(1<<p) != 0 }

func partSet(ps ...part) parts {
	var s parts
	for _, p := range ps {
		s |= 1 << p
	}
	return s
}

// footMargin is added around a footprint, in device pixels: linear
// filtering and anti-aliasing may touch the pixel next to a shape's edge.
const footMargin = 2

// footprint accumulates the bounding box of drawing operations.
type footprint struct {
	x0, y0, x1, y1 float64
	any            bool
}

// add includes the rectangle [x0, x1) × [y0, y1).
func (f *footprint) add(x0, y0, x1, y1 float64) {
	if !(x1 > x0 && y1 > y0) {
		return
	}
	if !f.any {
		f.x0, f.y0, f.x1, f.y1, f.any = x0, y0, x1, y1, true
		return
	}
	f.x0, f.y0 = math.Min(f.x0, x0), math.Min(f.y0, y0)
	f.x1, f.y1 = math.Max(f.x1, x1), math.Max(f.y1, y1)
}

// addPoint includes the point (x, y).
func (f *footprint) addPoint(x, y float64) {
	if !f.any {
		f.x0, f.y0, f.x1, f.y1, f.any = x, y, x, y, true
		return
	}
	f.x0, f.y0 = math.Min(f.x0, x), math.Min(f.y0, y)
	f.x1, f.y1 = math.Max(f.x1, x), math.Max(f.y1, y)
}

// rect returns the footprint in whole pixels, rounded outwards, with
// footMargin around it; empty when nothing was drawn.
func (f *footprint) rect() image.Rectangle {
	if !f.any {
		return image.Rectangle{}
	}
	return image.Rect(int(math.Floor(f.x0))-footMargin, int(math.Floor(f.y0))-footMargin,
		int(math.Ceil(f.x1))+footMargin, int(math.Ceil(f.y1))+footMargin)
}

// clip is one rectangle of a partial redraw and the parts drawn into it.
type clip struct {
	r     image.Rectangle
	parts parts
}

// planRedraw returns the rectangles that redraw the dirty parts: for each,
// its last footprint and its nominal box, and with it every part whose last
// footprint meets that rectangle. Rectangles that overlap are merged, so a
// part is drawn once per rectangle and no rectangle is cleared after
// another drew into it. bounds is the screen.
func planRedraw(feet, nominal *[numParts]image.Rectangle, dirty parts, bounds image.Rectangle) []clip {
	var rs []image.Rectangle
	for p := part(0); p < numParts; p++ {
		if dirty.has(p) {
			rs = append(rs, feet[p].Union(nominal[p]).Intersect(bounds))
		}
	}
	// Merge overlapping rectangles until none overlap.
	for merged := true; merged; {
		merged = false
		for i := 0; i < len(rs) && !merged; i++ {
			for j := i + 1; j < len(rs); j++ {
				if rs[i].Overlaps(rs[j]) {
					rs[i] = rs[i].Union(rs[j])
					rs = append(rs[:j], rs[j+1:]...)
					merged = true
					break
				}
			}
		}
	}
	var out []clip
	for _, r := range rs {
		if r.Empty() {
			continue
		}
		c := clip{r: r}
		for p := part(0); p < numParts; p++ {
			if dirty.has(p) && feet[p].Union(nominal[p]).Intersect(bounds).In(r) || feet[p].Overlaps(r) {
				c.parts |= 1 << p
			}
		}
		out = append(out, c)
	}
	return out
}

// redrawOK reports whether a partial redraw following plan was faithful:
// each dirty part drew inside a rectangle that was cleared and redrawn
// for it, and each part that was not dirty drew the footprint it had
// before (it did not change). old and now are the footprints before and
// after.
func redrawOK(plan []clip, old, now *[numParts]image.Rectangle, dirty parts) bool {
	for p := part(0); p < numParts; p++ {
		if !dirty.has(p) {
			if now[p] != old[p] {
				return false
			}
			continue
		}
		inside := now[p].Empty()
		for _, c := range plan {
			if c.parts.has(p) && now[p].In(c.r) {
				inside = true
			}
		}
		if !inside {
			return false
		}
	}
	return true
}
