package view

import "math"

// Layout places the drawings on the canvas. Rectangles are in device
// pixels; each block includes room for its own title and labels, except
// Plane, which is the square of tiles alone (its title and axes go around
// it, inside PlaneBlock).
type Layout struct {
	Scale      float64 // device pixels per CSS pixel
	PlaneBlock Rect
	Plane      Rect
	Sample     Rect // the large digit's block: title, digit, z readout
	Legend     Rect // the overlay's colour key
	Recon      Rect // test digits over their reconstructions
	Chart      Rect // the loss chart
	// Timeline is the strip under the chart where the page puts the
	// timeline's slider (an HTML block over the canvas, wasm/page's rewind).
	Timeline Rect
}

// Sizes in CSS pixels.
const (
	layoutPad      = 16
	layoutTitle    = 22 // a block's title line
	layoutAxisLeft = 44 // z₂ tick labels
	layoutAxisBot  = 38 // z₁ tick labels and caption
	layoutColMin   = 220
	layoutColMax   = 300
	layoutReconH   = 124 // title and two rows of digits
	layoutZText    = 46  // two lines of z readout under the large digit
	layoutLegendH  = 70
	layoutChartMin = 150
	layoutTimeline = 54 // the timeline's slider row and its caption
)

// FreeArea returns the largest rectangle of the viewport vp beside the
// panel p (left or right of it, above or below it): where the drawings go
// when the control panel covers part of the canvas.
func FreeArea(vp, p Rect) Rect {
	if p.Empty() {
		return vp
	}
	var best Rect
	for _, c := range []Rect{
		{X: vp.X, Y: vp.Y, W: p.X - vp.X, H: vp.H},                     // left of it
		{X: p.Right(), Y: vp.Y, W: vp.Right() - p.Right(), H: vp.H},    // right of it
		{X: vp.X, Y: vp.Y, W: vp.W, H: p.Y - vp.Y},                     // above it
		{X: vp.X, Y: p.Bottom(), W: vp.W, H: vp.Bottom() - p.Bottom()}, // below it
	} {
		if c.W > 0 && c.H > 0 && c.W*c.H > best.W*best.H {
			best = c
		}
	}
	return best
}

// ComputeLayout lays the drawings out in free, the part of the canvas not
// covered by the control panel, at scale device pixels per CSS pixel.
func ComputeLayout(free Rect, scale float64) Layout {
	if !(scale > 0) {
		scale = 1
	}
	u := scale
	l := Layout{Scale: scale}
	pad, title := layoutPad*u, layoutTitle*u
	axisL, axisB := layoutAxisLeft*u, layoutAxisBot*u

	// Wide: plane on the left, a column (sample, legend, chart) on the
	// right, reconstructions under the plane.
	sh := free.H - 2*pad - title - axisB - layoutReconH*u
	sw := free.W - 3*pad - axisL - layoutColMin*u
	if s := math.Floor(math.Min(sh, sw)); s >= 160*u {
		col := math.Min(layoutColMax*u, free.W-3*pad-axisL-s)
		x0 := free.X + math.Floor((free.W-(axisL+s+pad+col))/2)
		y0 := free.Y + pad
		l.PlaneBlock = Rect{x0, y0, axisL + s, title + s + axisB}
		l.Plane = Rect{x0 + axisL, y0 + title, s, s}
		l.Recon = Rect{x0, l.PlaneBlock.Bottom(), axisL + s, layoutReconH * u}
		cx := l.Plane.Right() + pad
		colH := free.Bottom() - pad - y0
		// The large digit takes what the legend and a minimal chart leave.
		d := math.Min(col, colH-title-layoutZText*u-layoutLegendH*u-layoutChartMin*u)
		d = math.Floor(math.Max(d, 84*u))
		l.Sample = Rect{cx, y0, col, title + d + layoutZText*u}
		l.Legend = Rect{cx, l.Sample.Bottom(), col, layoutLegendH * u}
		tl := layoutTimeline * u
		l.Chart = Rect{cx, l.Legend.Bottom(), col, math.Max(colH-(l.Legend.Bottom()-y0)-tl, layoutChartMin*u)}
		l.Timeline = Rect{cx, l.Chart.Bottom(), col, tl}
		return l
	}

	// Stacked (narrow or short screens): plane, then sample beside legend
	// and chart, then reconstructions.
	s := math.Floor(math.Max(math.Min(free.W-2*pad-axisL, 0.6*free.H), 120*u))
	x0 := free.X + math.Floor((free.W-(axisL+s))/2)
	y0 := free.Y + pad
	l.PlaneBlock = Rect{x0, y0, axisL + s, title + s + axisB}
	l.Plane = Rect{x0 + axisL, y0 + title, s, s}
	w := free.W - 2*pad
	d := math.Floor(math.Min(112*u, w/3))
	row := l.PlaneBlock.Bottom()
	l.Sample = Rect{free.X + pad, row, d, title + d + layoutZText*u}
	right := Rect{l.Sample.Right() + pad, row, w - d - pad, l.Sample.H}
	l.Legend = Rect{right.X, row, right.W, layoutLegendH * u}
	tl := layoutTimeline * u
	l.Chart = Rect{right.X, l.Legend.Bottom(), right.W, math.Max(right.H-l.Legend.H-tl, 100*u)}
	l.Timeline = Rect{right.X, l.Chart.Bottom(), right.W, tl}
	l.Recon = Rect{free.X + pad, math.Max(l.Sample.Bottom(), l.Timeline.Bottom()), w, layoutReconH * u}
	return l
}
