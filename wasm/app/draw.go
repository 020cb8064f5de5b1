//go:build js && wasm

package app

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/vector"

	"github.com/govae/govae/wasm/view"
)

// Colours of the dark theme (index.html uses the same).
var (
	colBG     = color.RGBA{13, 17, 23, 255}
	colText   = color.RGBA{230, 237, 243, 255}
	colMuted  = color.RGBA{139, 148, 158, 255}
	colLine   = color.RGBA{48, 54, 61, 255}
	colCross  = color.RGBA{255, 196, 0, 255}
	colBanner = color.RGBA{160, 30, 30, 235}
	colELBO   = color.RGBA{88, 166, 255, 255}
	colRecon  = color.RGBA{255, 166, 87, 255}
	colKL     = color.RGBA{126, 231, 135, 255}
	// Label colours of the overlay, distinct on a dark background.
	labelColors = [10]color.RGBA{
		{255, 99, 99, 255}, {255, 169, 77, 255}, {255, 224, 102, 255}, {140, 233, 154, 255}, {56, 217, 169, 255},
		{77, 171, 247, 255}, {145, 140, 255, 255}, {218, 119, 242, 255}, {247, 131, 172, 255}, {233, 236, 239, 255},
	}
)

// ringSide is the size of the crosshair ring's sprite, a circle of radius
// 27 and width 8 drawn scaled to a radius of about 6 CSS pixels.
const ringSide = 64

// graphics holds the textures made from the scene, re-uploaded only when
// the scene publishes a new version.
type graphics struct {
	manifold              *ebiten.Image
	manifoldVer           int
	recon                 *ebiten.Image // test digits over their reconstructions
	reconVer              int
	sample                *ebiten.Image
	sampleVer, sampleDone int
	disc                  *ebiten.Image // a soft dot, the overlay's sprite
	ring                  *ebiten.Image // the crosshair's circle
	pixels                []byte
	both                  []float32 // the reconstructions' inputs and outputs
	verts                 []ebiten.Vertex
	idx                   []uint32
}

// Draw implements ebiten.Game. The screen is kept between frames
// (SetScreenClearedEveryFrame(false)), so a frame where nothing changed
// draws nothing: the software renderers some visitors have stay idle.
func (g *Game) Draw(screen *ebiten.Image) {
	g.lock.Lock()
	defer g.lock.Unlock()
	defer func() {
		if r := recover(); r != nil {
			g.fatal = fmt.Errorf("internal error while drawing: %v", r)
		}
	}()
	if !g.dirty {
		return
	}
	g.dirty = false
	g.lastDraw = time.Now()
	g.text.sweep()
	screen.Fill(colBG)
	if g.scene == nil || g.scene.Manifold == nil {
		msg := "Loading the pretrained weights…"
		if g.scene != nil {
			msg = "Decoding the manifold…"
		}
		b := screen.Bounds()
		g.text.draw(screen, msg, float64(b.Dx())/2, float64(b.Dy())/2, 15*g.layout.Scale, false, colMuted, alignCenter)
		return
	}
	g.syncTextures()
	g.drawPlane(screen)
	g.drawSample(screen)
	g.drawLegend(screen)
	g.drawRecon(screen)
	g.drawChart(screen)
	g.drawn = true
}

// syncTextures uploads what changed in the scene.
func (g *Game) syncTextures() {
	s, gx := g.scene, &g.gfx
	if gx.manifoldVer != s.ManifoldVersion {
		side := s.Grid * digitSide
		gx.manifold = resizeImage(gx.manifold, side, side)
		px := s.ManifoldRGBA // converted while decoding (scene.go)
		if px == nil {
			px = gx.rgba(s.Manifold, s.Grid, s.Grid*s.Grid)
		}
		gx.manifold.WritePixels(px)
		gx.manifoldVer = s.ManifoldVersion
	}
	if gx.reconVer != s.ReconVersion && s.Recon != nil {
		gx.recon = resizeImage(gx.recon, ReconCount*digitSide, 2*digitSide)
		gx.both = append(append(gx.both[:0], s.ReconInputs...), s.Recon...)
		gx.recon.WritePixels(gx.rgba(gx.both, ReconCount, 2*ReconCount))
		gx.reconVer = s.ReconVersion
	}
	if gx.sampleDone != gx.sampleVer && g.sample != nil {
		gx.sample = resizeImage(gx.sample, digitSide, digitSide)
		gx.sample.WritePixels(gx.rgba(g.sample, 1, 1))
		gx.sampleDone = gx.sampleVer
	}
	if gx.disc == nil {
		// Sprites drawn once with anti-aliasing, then only scaled and
		// tinted: cheap even for a software renderer.
		gx.disc = ebiten.NewImage(32, 32)
		vector.FillCircle(gx.disc, 16, 16, 15, color.White, true)
		gx.ring = ebiten.NewImage(ringSide, ringSide)
		vector.StrokeCircle(gx.ring, ringSide/2, ringSide/2, ringSide/2-5, 8, color.White, true)
	}
}

func resizeImage(img *ebiten.Image, w, h int) *ebiten.Image {
	if img != nil && img.Bounds().Dx() == w && img.Bounds().Dy() == h {
		return img
	}
	if img != nil {
		img.Deallocate()
	}
	return ebiten.NewImage(w, h)
}

// rgba returns n digits in a grid cols wide as RGBA pixels (tilesToRGBA),
// in a buffer reused by the next call.
func (gx *graphics) rgba(tiles []float32, cols, n int) []byte {
	gx.pixels = reuseBytes(gx.pixels, 4*n*digitSide*digitSide)
	tilesToRGBA(gx.pixels, tiles, cols, 0, n)
	return gx.pixels
}

// drawPlane draws the manifold, its axes, the overlay and the crosshair.
func (g *Game) drawPlane(screen *ebiten.Image) {
	u, P, n := g.layout.Scale, g.layout.Plane, g.scene.Grid
	fs := 12.5 * u
	title := fmt.Sprintf("Decoder means on a %d×%d grid, z = Φ⁻¹(p)", n, n)
	if g.text.width(title, 13.5*u, true) > P.W {
		title = fmt.Sprintf("Decoder means, %d×%d", n, n)
	}
	g.text.draw(screen, title, P.X, P.Y-11*u, 13.5*u, true, colText, alignLeft)
	g.text.draw(screen, "z₂", P.X-8*u, P.Y-11*u, fs, true, colMuted, alignRight)

	op := &ebiten.DrawImageOptions{Filter: ebiten.FilterLinear}
	op.GeoM.Scale(P.W/float64(g.gfx.manifold.Bounds().Dx()), P.H/float64(g.gfx.manifold.Bounds().Dy()))
	op.GeoM.Translate(P.X, P.Y)
	if g.settings.Overlay && len(g.scene.Dots) > 0 {
		op.ColorScale.Scale(0.45, 0.45, 0.45, 1) // let the dots stand out
	}
	screen.DrawImage(g.gfx.manifold, op)
	frame(screen, P, u, colLine)

	// Ticks at round z; the quantile scale spaces them unevenly.
	tick := 5 * u
	for _, z := range g.plane.Ticks(P.W, 34*u) {
		x, _ := g.plane.Pixel(z, 0)
		fillRect(screen, x-u/2, P.Bottom(), u, tick, colMuted)
		g.text.draw(screen, view.FormatNumber(z, 1), x, P.Bottom()+15*u, fs, false, colMuted, alignCenter)
	}
	for _, z := range g.plane.Ticks(P.H, 26*u) {
		_, y := g.plane.Pixel(0, z)
		fillRect(screen, P.X-tick, y-u/2, tick, u, colMuted)
		g.text.draw(screen, view.FormatNumber(z, 1), P.X-8*u, y, fs, false, colMuted, alignRight)
	}
	g.text.draw(screen, "z₁", P.X+P.W/2, P.Bottom()+31*u, fs, true, colMuted, alignCenter)

	if g.settings.Overlay {
		g.drawDots(screen)
	}

	// The crosshair at the selected z.
	x, y := g.plane.Pixel(g.settings.Z1, g.settings.Z2)
	cross := color.RGBA{colCross.R, colCross.G, colCross.B, 150}
	fillRect(screen, x-u/2, P.Y, u, P.H, cross)
	fillRect(screen, P.X, y-u/2, P.W, u, cross)
	r := 7 * u
	op = &ebiten.DrawImageOptions{Filter: ebiten.FilterLinear}
	op.GeoM.Scale(2*r/ringSide, 2*r/ringSide)
	op.GeoM.Translate(x-r, y-r)
	op.ColorScale.ScaleWithColor(colCross)
	screen.DrawImage(g.gfx.ring, op)

	if g.weights == weightsUntrained {
		// At the bottom: error boxes cover the page's top.
		h := 26 * u
		fillRect(screen, P.X, P.Bottom()-h, P.W, h, colBanner)
		g.text.draw(screen, "Untrained model (the pretrained weights could not be loaded): press Train",
			P.X+8*u, P.Bottom()-h/2, fs, true, colText, alignLeft)
	}
}

// drawDots draws the overlay's encoder means as one batch of sprites.
func (g *Game) drawDots(screen *ebiten.Image) {
	u, P := g.layout.Scale, g.layout.Plane
	r := float32(2.6 * u)
	gx := &g.gfx
	gx.verts, gx.idx = gx.verts[:0], gx.idx[:0]
	for _, d := range g.scene.Dots {
		x, y := g.plane.Pixel(float64(d.Z1), float64(d.Z2))
		if !P.Contains(x, y) {
			continue
		}
		c := labelColors[d.Label%10]
		const a = 0.9
		cr, cg, cb := float32(c.R)/255*a, float32(c.G)/255*a, float32(c.B)/255*a
		fx, fy := float32(x), float32(y)
		base := uint32(len(gx.verts))
		for _, corner := range [4][2]float32{{-1, -1}, {1, -1}, {-1, 1}, {1, 1}} {
			gx.verts = append(gx.verts, ebiten.Vertex{
				DstX: fx + corner[0]*r, DstY: fy + corner[1]*r,
				SrcX: 16 + corner[0]*16, SrcY: 16 + corner[1]*16,
				ColorR: cr, ColorG: cg, ColorB: cb, ColorA: a,
			})
		}
		gx.idx = append(gx.idx, base, base+1, base+2, base+1, base+3, base+2)
	}
	op := &ebiten.DrawTrianglesOptions{Filter: ebiten.FilterLinear, ColorScaleMode: ebiten.ColorScaleModePremultipliedAlpha}
	screen.DrawTriangles32(gx.verts, gx.idx, gx.disc, op)
}

// outsideDots counts the overlay points beyond the plane's edges.
func (g *Game) outsideDots() int {
	k := 0
	for _, d := range g.scene.Dots {
		if x, y := g.plane.Pixel(float64(d.Z1), float64(d.Z2)); !g.layout.Plane.Contains(x, y) {
			k++
		}
	}
	return k
}

// drawSample draws the digit decoded at the selected z, large.
func (g *Game) drawSample(screen *ebiten.Image) {
	u, S := g.layout.Scale, g.layout.Sample
	title := "Decoded at the crosshair"
	if g.text.width(title, 13.5*u, true) > S.W {
		title = "At the crosshair"
	}
	g.text.draw(screen, title, S.X, S.Y+11*u, 13.5*u, true, colText, alignLeft)
	side := math.Floor(math.Min(S.W, S.H-22*u-46*u))
	y0 := S.Y + 22*u
	if g.gfx.sample != nil {
		op := &ebiten.DrawImageOptions{Filter: ebiten.FilterPixelated}
		op.GeoM.Scale(side/digitSide, side/digitSide)
		op.GeoM.Translate(S.X, y0)
		screen.DrawImage(g.gfx.sample, op)
	}
	frame(screen, view.Rect{X: S.X, Y: y0, W: side, H: side}, u, colLine)
	fs := 13 * u
	ty := y0 + side + 14*u
	z1 := "z₁ = " + view.FormatNumber(g.settings.Z1, 3)
	g.text.draw(screen, z1, S.X, ty, fs, false, colText, alignLeft)
	g.text.draw(screen, "z₂ = "+view.FormatNumber(g.settings.Z2, 3), S.X+math.Max(side/2, g.text.width(z1, fs, false)+12*u), ty, fs, false, colText, alignLeft)
	hint := "Click or drag on the plane; arrow keys move z."
	if g.sampleFromInput {
		hint = fmt.Sprintf("p = (%.3f, %.3f)", view.NormalCDF(g.settings.Z1), view.NormalCDF(g.settings.Z2))
	}
	g.text.draw(screen, hint, S.X, ty+19*u, 11.5*u, false, colMuted, alignLeft)
}

// drawLegend explains the overlay's colours.
func (g *Game) drawLegend(screen *ebiten.Image) {
	u, L := g.layout.Scale, g.layout.Legend
	fs := 12 * u
	y := L.Y + 18*u
	if !g.settings.Overlay {
		g.text.draw(screen, "Overlay off: tick it under View to see", L.X, y, fs, false, colMuted, alignLeft)
		g.text.draw(screen, "where the encoder puts test digits.", L.X, y+17*u, fs, false, colMuted, alignLeft)
		return
	}
	title := "Overlay: loading test digits…"
	switch {
	case g.test.state == "failed":
		title = "Overlay: test digits unavailable"
	case len(g.scene.Dots) > 0:
		title = fmt.Sprintf("μ of %d test digits", len(g.scene.Dots))
		if k := g.outsideDots(); k > 0 {
			title += fmt.Sprintf(" (%d off the plane)", k)
		}
	case g.scene.HasTestData():
		title = "Overlay: encoding test digits…"
	}
	g.text.draw(screen, title, L.X, y, fs, true, colText, alignLeft)
	step := math.Min(L.W/10, 30*u)
	for d := 0; d < 10; d++ {
		x := L.X + float64(d)*step
		g.dot(screen, x+5*u, y+24*u, 4.5*u, labelColors[d])
		g.text.draw(screen, fmt.Sprint(d), x+12*u, y+24*u, fs, false, colText, alignLeft)
	}
}

// drawRecon draws test digits over their reconstructions.
func (g *Game) drawRecon(screen *ebiten.Image) {
	u, R := g.layout.Scale, g.layout.Recon
	g.text.draw(screen, "Reconstructions", R.X, R.Y+11*u, 13.5*u, true, colText, alignLeft)
	fs := 12 * u
	labelW := 74 * u
	gap := 4 * u
	d := math.Floor(math.Min((R.W-labelW)/ReconCount-gap, (R.H-24*u-gap)/2))
	y0 := R.Y + 22*u
	if g.gfx.recon == nil {
		msg := "Loading test digits…"
		if g.test.state == "failed" {
			msg = "Test digits unavailable (see the panel)."
		}
		g.text.draw(screen, msg, R.X, y0+d/2, fs, false, colMuted, alignLeft)
		return
	}
	g.text.draw(screen, "test", R.X+labelW-10*u, y0+d/2, fs, false, colMuted, alignRight)
	g.text.draw(screen, "decoded μ", R.X+labelW-10*u, y0+d+gap+d/2, fs, false, colMuted, alignRight)
	for row := 0; row < 2; row++ {
		for c := 0; c < ReconCount; c++ {
			src := g.gfx.recon.SubImage(image.Rect(c*digitSide, row*digitSide, (c+1)*digitSide, (row+1)*digitSide)).(*ebiten.Image)
			op := &ebiten.DrawImageOptions{Filter: ebiten.FilterLinear}
			op.GeoM.Scale(d/digitSide, d/digitSide)
			op.GeoM.Translate(R.X+labelW+float64(c)*(d+gap), y0+float64(row)*(d+gap))
			screen.DrawImage(src, op)
		}
	}
}

// drawChart draws the loss curves: −ELBO and reconstruction above, KL below
// (it is far smaller), against the step.
func (g *Game) drawChart(screen *ebiten.Image) {
	u, C := g.layout.Scale, g.layout.Chart
	fs := 11.5 * u
	g.text.draw(screen, "Training loss (nats/image)", C.X, C.Y+11*u, 13.5*u, true, colText, alignLeft)
	lx := C.X
	for _, item := range []struct {
		name string
		c    color.RGBA
	}{{"−ELBO", colELBO}, {"recon", colRecon}, {"KL", colKL}} {
		fillRect(screen, lx, C.Y+29*u, 14*u, 2*u, item.c)
		g.text.draw(screen, item.name, lx+18*u, C.Y+30*u, fs, false, colMuted, alignLeft)
		lx += 18*u + g.text.width(item.name, fs, false) + 12*u
	}
	plot := view.Rect{X: C.X + 40*u, Y: C.Y + 46*u, W: C.W - 44*u, H: C.H - 46*u - 22*u}
	pts := view.Decimate(g.history.Points(), int(plot.W/(2*u)))
	if len(pts) < 2 {
		for i, line := range []string{"Train to see −ELBO, reconstruction", "and KL here: from these weights,", "or from scratch after Reset."} {
			g.text.draw(screen, line, C.X, plot.Y+plot.H/3+float64(i)*17*u, fs, false, colMuted, alignLeft)
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
	g.drawSeries(screen, top, "−ELBO, recon", pts, x0, x1, lo, hi, []func(view.LossPoint) float64{
		func(p view.LossPoint) float64 { return p.NegELBO }, func(p view.LossPoint) float64 { return p.Recon },
	}, []color.RGBA{colELBO, colRecon})
	g.drawSeries(screen, bottom, "KL", pts, x0, x1, math.Min(klo, 0), khi, []func(view.LossPoint) float64{
		func(p view.LossPoint) float64 { return p.KL },
	}, []color.RGBA{colKL})
	by := plot.Bottom() + 11*u
	g.text.draw(screen, fmt.Sprintf("step %.0f", x0), plot.X, by, fs, false, colMuted, alignLeft)
	g.text.draw(screen, fmt.Sprintf("step %.0f", x1), plot.Right(), by, fs, false, colMuted, alignRight)
}

// drawSeries plots curves in r, named by label in its top-right corner,
// with y ticks on the left.
func (g *Game) drawSeries(screen *ebiten.Image, r view.Rect, label string, pts []view.LossPoint, x0, x1, lo, hi float64,
	ys []func(view.LossPoint) float64, cols []color.RGBA) {
	u := g.layout.Scale
	g.text.draw(screen, label, r.Right(), r.Y+8*u, 11*u, false, colMuted, alignRight)
	ticks, from, to := view.NiceTicks(lo, hi, max(2, int(r.H/(22*u))))
	yOf := func(v float64) float32 { return float32(r.Bottom() - (v-from)/(to-from)*r.H) }
	decimals := 0
	if len(ticks) > 1 && ticks[1]-ticks[0] < 1 {
		decimals = int(math.Ceil(-math.Log10(ticks[1] - ticks[0])))
	}
	for _, t := range ticks {
		y := yOf(t)
		fillRect(screen, r.X, float64(y)-u/2, r.W, u, colLine)
		g.text.draw(screen, view.FormatNumber(t, decimals), r.X-6*u, float64(y), 11*u, false, colMuted, alignRight)
	}
	span := x1 - x0
	for k, f := range ys {
		var path vector.Path
		for i, p := range pts {
			x := float32(r.X + (p.Step-x0)/span*r.W)
			if i == 0 {
				path.MoveTo(x, yOf(f(p)))
			} else {
				path.LineTo(x, yOf(f(p)))
			}
		}
		so := &vector.StrokeOptions{Width: float32(1.6 * u), LineJoin: vector.LineJoinRound}
		do := &vector.DrawPathOptions{AntiAlias: true}
		do.ColorScale.ScaleWithColor(cols[k])
		vector.StrokePath(screen, &path, so, do)
	}
}

// fillRect fills an axis-aligned rectangle, snapped to whole pixels: crisp
// lines without the anti-aliased path rendering, which costs software
// renderers a pass over the shape's whole bounding box.
func fillRect(dst *ebiten.Image, x, y, w, h float64, clr color.Color) {
	x0, y0 := math.Round(x), math.Round(y)
	x1, y1 := math.Round(x+w), math.Round(y+h)
	vector.FillRect(dst, float32(x0), float32(y0), float32(max(x1-x0, 1)), float32(max(y1-y0, 1)), clr, false)
}

// frame draws a line of width u just outside r.
func frame(dst *ebiten.Image, r view.Rect, u float64, clr color.Color) {
	fillRect(dst, r.X-u, r.Y-u, r.W+2*u, u, clr)
	fillRect(dst, r.X-u, r.Bottom(), r.W+2*u, u, clr)
	fillRect(dst, r.X-u, r.Y, u, r.H, clr)
	fillRect(dst, r.Right(), r.Y, u, r.H, clr)
}

// dot draws a filled circle with the overlay's soft disc sprite.
func (g *Game) dot(dst *ebiten.Image, x, y, r float64, clr color.RGBA) {
	op := &ebiten.DrawImageOptions{Filter: ebiten.FilterLinear}
	op.GeoM.Scale(2*r/32, 2*r/32)
	op.GeoM.Translate(x-r, y-r)
	op.ColorScale.ScaleWithColor(clr)
	dst.DrawImage(g.gfx.disc, op)
}
