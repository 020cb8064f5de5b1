//go:build js && wasm

package explorer

import (
	"fmt"
	"image/color"
	"math"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/govae/govae/wasm/view"
)

// series is one curve of the chart: a value of each point, in a colour.
type series struct {
	pts   []view.LossPoint
	y     func(view.LossPoint) float64
	col   color.RGBA
	marks bool // a dot at each point: the held-out curve's few evaluations
}

// drawChart draws the loss curves: −ELBO and reconstruction above, KL below
// (it is far smaller), against the step; the held-out −ELBO and KL (issue
// 11), when evaluated, in their own colour beside the training ones.
func (e *Explorer) drawChart(screen *ebiten.Image) {
	u, C := e.layout.Scale, e.layout.Chart
	fs := 11.5 * u
	held := e.src.HeldOut()
	e.text.draw(screen, "Training loss (nats/image)", C.X, C.Y+11*u, 13.5*u, true, colText, alignLeft)
	legend := []legendItem{{"−ELBO", colELBO}, {"recon", colRecon}, {"KL", colKL}}
	if len(held) > 0 {
		legend = append(legend, legendItem{"held-out", colHeld})
	}
	swatch, gap := 14*u, 12*u
	if w := legendWidth(e, legend, fs, swatch, gap); w > C.W {
		swatch, gap = 9*u, 6*u // a narrow column: tighter
	}
	lx := C.X
	for _, item := range legend {
		e.gfx.fillRect(screen, lx, C.Y+29*u, swatch, 2*u, item.c)
		e.text.draw(screen, item.name, lx+swatch+4*u, C.Y+30*u, fs, false, colMuted, alignLeft)
		lx += swatch + 4*u + e.text.width(item.name, fs, false) + gap
	}
	plot := view.Rect{X: C.X + 40*u, Y: C.Y + 46*u, W: C.W - 44*u, H: C.H - 46*u - 22*u}
	pts := view.Decimate(e.src.History().Points(), int(plot.W/(2*u)))
	if len(pts) < 2 {
		for i, line := range []string{"Train to see −ELBO, reconstruction", "and KL here: from these weights,", "or from scratch after Reset."} {
			e.text.draw(screen, line, C.X, plot.Y+plot.H/3+float64(i)*17*u, fs, false, colMuted, alignLeft)
		}
		return
	}
	room := 18 * u // for both plots' edge labels
	top := view.Rect{X: plot.X, Y: plot.Y, W: plot.W, H: math.Floor((plot.H - room) * 0.62)}
	bottom := view.Rect{X: plot.X, Y: top.Bottom() + room, W: plot.W, H: plot.H - top.H - room}
	x0, x1 := pts[0].Step, pts[len(pts)-1].Step
	lo, hi := math.Inf(1), math.Inf(-1)
	klo, khi := math.Inf(1), math.Inf(-1)
	for _, p := range pts {
		lo, hi = math.Min(lo, math.Min(p.Recon, p.NegELBO)), math.Max(hi, math.Max(p.Recon, p.NegELBO))
		klo, khi = math.Min(klo, p.KL), math.Max(khi, p.KL)
	}
	for _, p := range held {
		x0, x1 = math.Min(x0, p.Step), math.Max(x1, p.Step)
		lo, hi = math.Min(lo, p.NegELBO), math.Max(hi, p.NegELBO)
		klo, khi = math.Min(klo, p.KL), math.Max(khi, p.KL)
	}
	negELBO := func(p view.LossPoint) float64 { return p.NegELBO }
	kl := func(p view.LossPoint) float64 { return p.KL }
	e.drawSeries(screen, top, "−ELBO, recon", x0, x1, lo, hi, []series{{pts, negELBO, colELBO, false},
		{pts, func(p view.LossPoint) float64 { return p.Recon }, colRecon, false}, {held, negELBO, colHeld, true}})
	e.drawSeries(screen, bottom, "KL", x0, x1, math.Min(klo, 0), khi, []series{{pts, kl, colKL, false}, {held, kl, colHeld, true}})
	by := plot.Bottom() + 11*u
	e.text.draw(screen, fmt.Sprintf("step %.0f", x0), plot.X, by, fs, false, colMuted, alignLeft)
	e.text.draw(screen, fmt.Sprintf("step %.0f", x1), plot.Right(), by, fs, false, colMuted, alignRight)
}

// drawSeries plots curves in r, named by label in its top-right corner,
// with y ticks on the left.
func (e *Explorer) drawSeries(screen *ebiten.Image, r view.Rect, label string, x0, x1, lo, hi float64, curves []series) {
	u := e.layout.Scale
	e.text.draw(screen, label, r.Right(), r.Y+8*u, 11*u, false, colMuted, alignRight)
	ticks, from, to := view.NiceTicks(lo, hi, max(2, int(r.H/(22*u))))
	yOf := func(v float64) float32 { return float32(r.Bottom() - (v-from)/(to-from)*r.H) }
	decimals := 0
	if len(ticks) > 1 && ticks[1]-ticks[0] < 1 {
		decimals = int(math.Ceil(-math.Log10(ticks[1] - ticks[0])))
	}
	for _, t := range ticks {
		y := yOf(t)
		e.gfx.fillRect(screen, r.X, float64(y)-u/2, r.W, u, colLine)
		e.text.draw(screen, view.FormatNumber(t, decimals), r.X-6*u, float64(y), 11*u, false, colMuted, alignRight)
	}
	span := x1 - x0
	gx := &e.gfx
	gx.verts, gx.idx = gx.verts[:0], gx.idx[:0]
	for _, c := range curves {
		line := make([][2]float32, len(c.pts))
		for i, p := range c.pts {
			line[i] = [2]float32{float32(r.X + (p.Step-x0)/span*r.W), yOf(c.y(p))}
		}
		gx.strokeLines(line, float32(1.6*u), c.col)
	}
	// One batch for all the curves.
	op := &ebiten.DrawTrianglesOptions{ColorScaleMode: ebiten.ColorScaleModePremultipliedAlpha}
	screen.DrawTriangles32(gx.verts, gx.idx, gx.white, op)
	for _, c := range curves {
		if c.marks {
			for _, p := range c.pts {
				e.dot(screen, r.X+(p.Step-x0)/span*r.W, float64(yOf(c.y(p))), 2.8*u, c.col)
			}
		}
	}
}

// legendItem is a curve's name and colour in the chart's legend.
type legendItem struct {
	name string
	c    color.RGBA
}

// legendWidth returns the width the legend's items take in one row.
func legendWidth(e *Explorer, items []legendItem, fs, swatch, gap float64) float64 {
	w := 0.0
	for _, it := range items {
		w += swatch + 4*e.layout.Scale + e.text.width(it.name, fs, false) + gap
	}
	return w - gap
}
