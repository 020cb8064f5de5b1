//go:build js && wasm

package explorer

import (
	"fmt"
	"image/color"
	"math"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/govae/govae/wasm/view"
)

// drawChart draws the loss curves: −ELBO and reconstruction above, KL below
// (it is far smaller), against the step.
func (e *Explorer) drawChart(screen *ebiten.Image) {
	u, C := e.layout.Scale, e.layout.Chart
	fs := 11.5 * u
	e.text.draw(screen, "Training loss (nats/image)", C.X, C.Y+11*u, 13.5*u, true, colText, alignLeft)
	lx := C.X
	for _, item := range []struct {
		name string
		c    color.RGBA
	}{{"−ELBO", colELBO}, {"recon", colRecon}, {"KL", colKL}} {
		e.gfx.fillRect(screen, lx, C.Y+29*u, 14*u, 2*u, item.c)
		e.text.draw(screen, item.name, lx+18*u, C.Y+30*u, fs, false, colMuted, alignLeft)
		lx += 18*u + e.text.width(item.name, fs, false) + 12*u
	}
	plot := view.Rect{X: C.X + 40*u, Y: C.Y + 46*u, W: C.W - 44*u, H: C.H - 46*u - 22*u}
	pts := view.Decimate(e.src.History().Points(), int(plot.W/(2*u)))
	if len(pts) < 2 {
		for i, line := range []string{"Train to see −ELBO, reconstruction", "and KL here: from these weights,", "or from scratch after Reset."} {
			e.text.draw(screen, line, C.X, plot.Y+plot.H/3+float64(i)*17*u, fs, false, colMuted, alignLeft)
		}
		return
	}
	gap := 18 * u // room for both plots' edge labels
	top := view.Rect{X: plot.X, Y: plot.Y, W: plot.W, H: math.Floor((plot.H - gap) * 0.62)}
	bottom := view.Rect{X: plot.X, Y: top.Bottom() + gap, W: plot.W, H: plot.H - top.H - gap}
	x0, x1 := pts[0].Step, pts[len(pts)-1].Step
	lo, hi := math.Inf(1), math.Inf(-1)
	klo, khi := math.Inf(1), math.Inf(-1)
	for _, p := range pts {
		lo, hi = math.Min(lo, math.Min(p.Recon, p.NegELBO)), math.Max(hi, math.Max(p.Recon, p.NegELBO))
		klo, khi = math.Min(klo, p.KL), math.Max(khi, p.KL)
	}
	e.drawSeries(screen, top, "−ELBO, recon", pts, x0, x1, lo, hi, []func(view.LossPoint) float64{
		func(p view.LossPoint) float64 { return p.NegELBO }, func(p view.LossPoint) float64 { return p.Recon },
	}, []color.RGBA{colELBO, colRecon})
	e.drawSeries(screen, bottom, "KL", pts, x0, x1, math.Min(klo, 0), khi, []func(view.LossPoint) float64{
		func(p view.LossPoint) float64 { return p.KL },
	}, []color.RGBA{colKL})
	by := plot.Bottom() + 11*u
	e.text.draw(screen, fmt.Sprintf("step %.0f", x0), plot.X, by, fs, false, colMuted, alignLeft)
	e.text.draw(screen, fmt.Sprintf("step %.0f", x1), plot.Right(), by, fs, false, colMuted, alignRight)
}

// drawSeries plots curves in r, named by label in its top-right corner,
// with y ticks on the left.
func (e *Explorer) drawSeries(screen *ebiten.Image, r view.Rect, label string, pts []view.LossPoint, x0, x1, lo, hi float64,
	ys []func(view.LossPoint) float64, cols []color.RGBA) {
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
	line := make([][2]float32, len(pts))
	for k, f := range ys {
		for i, p := range pts {
			line[i] = [2]float32{float32(r.X + (p.Step-x0)/span*r.W), yOf(f(p))}
		}
		gx.strokeLines(line, float32(1.6*u), cols[k])
	}
	// One batch for all the curves.
	op := &ebiten.DrawTrianglesOptions{ColorScaleMode: ebiten.ColorScaleModePremultipliedAlpha}
	screen.DrawTriangles32(gx.verts, gx.idx, gx.white, op)
}
