//go:build js && wasm

package explorer

import (
	"fmt"
	"image"
	"math"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/govae/govae/wasm/scene"
	"github.com/govae/govae/wasm/view"
)

// drawSample draws the digit decoded at the selected z, large.
func (e *Explorer) drawSample(screen *ebiten.Image) {
	u, S := e.layout.Scale, e.layout.Sample
	title := "Decoded at the crosshair"
	if e.text.width(title, 13.5*u, true) > S.W {
		title = "At the crosshair"
	}
	e.text.draw(screen, title, S.X, S.Y+11*u, 13.5*u, true, colText, alignLeft)
	side := math.Floor(math.Min(S.W, S.H-22*u-46*u))
	y0 := S.Y + 22*u
	if e.gfx.sample != nil {
		op := &ebiten.DrawImageOptions{Filter: ebiten.FilterPixelated}
		op.GeoM.Scale(side/scene.DigitSide, side/scene.DigitSide)
		op.GeoM.Translate(S.X, y0)
		e.gfx.foot.add(S.X, y0, S.X+side, y0+side)
		screen.DrawImage(e.gfx.sample, op)
	}
	e.gfx.frame(screen, view.Rect{X: S.X, Y: y0, W: side, H: side}, u, colLine)
	fs := 13 * u
	ty := y0 + side + 14*u
	zi, zj := axisNames(e.sc.Slice)
	z1 := zi + " = " + view.FormatNumber(e.set.Z1, 3)
	e.text.draw(screen, z1, S.X, ty, fs, false, colText, alignLeft)
	e.text.draw(screen, zj+" = "+view.FormatNumber(e.set.Z2, 3), S.X+math.Max(side/2, e.text.width(z1, fs, false)+12*u), ty, fs, false, colText, alignLeft)
	hs := 11.5 * u
	if e.sampleFromInput {
		hint := fmt.Sprintf("p = (%.3f, %.3f)", view.NormalCDF(e.set.Z1), view.NormalCDF(e.set.Z2))
		e.text.draw(screen, hint, S.X, ty+19*u, hs, false, colMuted, alignLeft)
		return
	}
	// On two lines when the column is narrow (the lab open beside it).
	hint := "Click or drag on the plane; arrow keys move z."
	if e.text.width(hint, hs, false) <= S.W {
		e.text.draw(screen, hint, S.X, ty+19*u, hs, false, colMuted, alignLeft)
		return
	}
	e.text.draw(screen, "Click or drag on the plane;", S.X, ty+17*u, hs, false, colMuted, alignLeft)
	e.text.draw(screen, "arrow keys move z.", S.X, ty+31*u, hs, false, colMuted, alignLeft)
}

// drawLegend explains the overlay's colours.
func (e *Explorer) drawLegend(screen *ebiten.Image) {
	u, L := e.layout.Scale, e.layout.Legend
	fs := 12 * u
	y := L.Y + 18*u
	if !e.set.Overlay {
		e.text.draw(screen, "Overlay off: tick it under View to see", L.X, y, fs, false, colMuted, alignLeft)
		e.text.draw(screen, "where the encoder puts test digits.", L.X, y+17*u, fs, false, colMuted, alignLeft)
		return
	}
	noun := e.src.Legend().Noun
	title := "Overlay: loading " + noun + "…"
	switch {
	case e.src.TestState() == "failed":
		title = "Overlay: " + noun + " unavailable"
	case len(e.sc.Dots) > 0:
		title = fmt.Sprintf("μ of %d %s", len(e.sc.Dots), noun)
		if k := e.outsideDots(); k > 0 {
			title += fmt.Sprintf(" (%d off the plane)", k)
		}
	case e.sc.HasTestData():
		title = "Overlay: encoding " + noun + "…"
	}
	e.text.draw(screen, title, L.X, y, fs, true, colText, alignLeft)
	e.drawClasses(screen, L, y)
}

// drawRecon draws test digits over their reconstructions.
func (e *Explorer) drawRecon(screen *ebiten.Image) {
	u, R := e.layout.Scale, e.layout.Recon
	e.text.draw(screen, "Reconstructions", R.X, R.Y+11*u, 13.5*u, true, colText, alignLeft)
	fs := 12 * u
	labelW := 74 * u
	gap := 4 * u
	d := math.Floor(math.Min((R.W-labelW)/scene.ReconCount-gap, (R.H-24*u-gap)/2))
	y0 := R.Y + 22*u
	if e.gfx.recon == nil {
		msg := "Loading test digits…"
		if e.src.TestState() == "failed" {
			msg = "Test digits unavailable (see the panel)."
		}
		e.text.draw(screen, msg, R.X, y0+d/2, fs, false, colMuted, alignLeft)
		return
	}
	e.text.draw(screen, "test", R.X+labelW-10*u, y0+d/2, fs, false, colMuted, alignRight)
	e.text.draw(screen, "decoded μ", R.X+labelW-10*u, y0+d+gap+d/2, fs, false, colMuted, alignRight)
	for row := 0; row < 2; row++ {
		for c := 0; c < scene.ReconCount; c++ {
			src := e.gfx.recon.SubImage(image.Rect(c*scene.DigitSide, row*scene.DigitSide, (c+1)*scene.DigitSide, (row+1)*scene.DigitSide)).(*ebiten.Image)
			op := &ebiten.DrawImageOptions{Filter: ebiten.FilterLinear}
			op.GeoM.Scale(d/scene.DigitSide, d/scene.DigitSide)
			op.GeoM.Translate(R.X+labelW+float64(c)*(d+gap), y0+float64(row)*(d+gap))
			x, y := R.X+labelW+float64(c)*(d+gap), y0+float64(row)*(d+gap)
			e.gfx.foot.add(x, y, x+d, y+d)
			screen.DrawImage(src, op)
		}
	}
}
