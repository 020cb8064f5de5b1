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
	white                 *ebiten.Image // opaque white, the chart lines' source
	pixels                []byte
	both                  []float32 // the reconstructions' inputs and outputs
	verts                 []ebiten.Vertex
	idx                   []uint32

	// The plane under the crosshair (tiles, axes, dots), drawn on
	// planeImg, the screen's size, when planeKey changes; a moved
	// crosshair then costs one copy of it and the crosshair.
	planeImg  *ebiten.Image
	planeKey  planeLayerKey
	planeFoot footprint // what drawing it added to the footprint
	bounds    image.Rectangle

	// Partial redraws (redraw.go).
	valid   bool                      // feet and keys describe the screen
	feet    [numParts]image.Rectangle // each part's footprint when last drawn
	keys    [numParts]any             // what each part showed, to notice changes
	layout  layoutKey                 // the geometry of the last full redraw
	pending parts                     // parts to redraw, from Update and the work loop
	foot    footprint                 // the part being drawn
	chartAt time.Time                 // when the chart was last drawn
	stats   redrawStats               // for the tests: govae.redrawStats()
	shared  redrawStats               // a copy of stats under g.mu, for the hook
	hooked  bool                      // the hooks are exposed (redraw_js.go)
}

// layoutKey is the geometry a full redraw was made for.
type layoutKey struct {
	layout view.Layout
	bounds image.Rectangle
}

// redrawStats counts the kinds of frames drawn.
type redrawStats struct {
	Full, Partial, Fallback int
}

// Draw implements ebiten.Game. The screen is kept between frames
// (SetScreenClearedEveryFrame(false)), so a frame where nothing changed
// draws nothing: the software renderers some visitors have stay idle. A
// frame where only some parts changed redraws only their rectangles
// (redraw.go); g.dirty, set wherever something else changed, redraws all.
func (g *Game) Draw(screen *ebiten.Image) {
	g.lock.Lock()
	defer g.lock.Unlock()
	defer func() {
		if r := recover(); r != nil {
			g.fatal = fmt.Errorf("internal error while drawing: %v", r)
		}
	}()
	gx := &g.gfx
	ready := g.scene != nil && g.scene.Manifold != nil
	var keys [numParts]any
	dirty := gx.pending
	if ready && gx.valid {
		keys = g.partKeys()
		for p := range numParts {
			if keys[p] != gx.keys[p] {
				dirty |= 1 << p
			}
		}
	}
	if !g.dirty && dirty == 0 {
		return
	}
	lk := layoutKey{g.layout, screen.Bounds()}
	gx.bounds = screen.Bounds()
	full := g.dirty || !ready || !gx.valid || !g.drawn || lk != gx.layout
	g.dirty, gx.pending = false, 0
	g.lastDraw = time.Now()
	g.text.sweep()
	g.text.foot = &gx.foot
	defer func() { g.text.foot = nil }()
	if !ready {
		gx.valid = false
		screen.Fill(colBG)
		msg := "Loading the pretrained weights…"
		if g.scene != nil {
			msg = "Decoding the manifold…"
		}
		b := screen.Bounds()
		g.text.draw(screen, msg, float64(b.Dx())/2, float64(b.Dy())/2, 15*g.layout.Scale, false, colMuted, alignCenter)
		return
	}
	g.syncTextures()
	if !full {
		if !g.drawParts(screen, dirty) {
			full = true
			gx.stats.Fallback++
		} else {
			gx.stats.Partial++
		}
	}
	if full {
		// The plane's layer too: a full redraw is what partial ones are
		// checked against (TestRedrawBrowser), and the fallback when unsure.
		gx.planeKey = planeLayerKey{}
		screen.Fill(colBG)
		for p := range numParts {
			gx.feet[p] = g.drawPart(screen, p)
		}
		gx.layout = lk
		gx.stats.Full++
	}
	if dirty.has(partChart) || full {
		gx.chartAt = time.Now()
	}
	gx.keys = g.partKeys()
	gx.valid = true
	g.mu.Lock()
	gx.shared = gx.stats
	g.mu.Unlock()
	g.drawn = true
}

// drawParts redraws the dirty parts, each in its rectangle, and reports
// whether that was faithful to a full redraw (redrawOK); when not, the
// caller redraws everything.
func (g *Game) drawParts(screen *ebiten.Image, dirty parts) bool {
	gx := &g.gfx
	nominal := g.nominalBoxes()
	plan := planRedraw(&gx.feet, &nominal, dirty, screen.Bounds())
	now := gx.feet
	for _, c := range plan {
		dst := screen.SubImage(c.r).(*ebiten.Image)
		dst.Fill(colBG)
		for p := range numParts {
			if c.parts.has(p) {
				now[p] = g.drawPart(dst, p)
			}
		}
	}
	if !redrawOK(plan, &gx.feet, &now, dirty) {
		return false
	}
	gx.feet = now
	return true
}

// drawPart draws one part on dst and returns its footprint.
func (g *Game) drawPart(dst *ebiten.Image, p part) image.Rectangle {
	gx := &g.gfx
	gx.foot = footprint{}
	switch p {
	case partPlane:
		g.drawPlane(dst)
	case partSample:
		g.drawSample(dst)
	case partLegend:
		g.drawLegend(dst)
	case partRecon:
		g.drawRecon(dst)
	case partChart:
		g.drawChart(dst)
	}
	return gx.foot.rect()
}

// nominalBoxes returns where the layout puts each part, the plane's with
// room for the crosshair's ring at its edges.
func (g *Game) nominalBoxes() (b [numParts]image.Rectangle) {
	l, u := g.layout, g.layout.Scale
	b[partPlane] = pixelRect(l.PlaneBlock, 8*u)
	b[partSample] = pixelRect(l.Sample, 0)
	b[partLegend] = pixelRect(l.Legend, 0)
	b[partRecon] = pixelRect(l.Recon, 0)
	b[partChart] = pixelRect(l.Chart, 0)
	return b
}

func pixelRect(r view.Rect, pad float64) image.Rectangle {
	return image.Rect(int(math.Floor(r.X-pad)), int(math.Floor(r.Y-pad)), int(math.Ceil(r.Right()+pad)), int(math.Ceil(r.Bottom()+pad)))
}

// Keys of what the parts show: a part whose key changed is redrawn. The
// chart has none: it is redrawn when Update says so (at most 4×/s while
// training), or with everything.
type (
	planeKey struct {
		manifold, grid, dotsVer, dots int
		z1, z2                        float64
		overlay, untrained            bool
		plane                         view.Plane
	}
	sampleKey struct {
		ver            int
		z1, z2         float64
		fromInput, has bool
	}
	legendKey struct {
		overlay, hasTest bool
		state            string
		dotsVer, dots    int
		plane            view.Plane
	}
	reconKey struct {
		ver   int
		has   bool
		state string
	}
)

func (g *Game) partKeys() (k [numParts]any) {
	s, st := g.scene, g.settings
	k[partPlane] = planeKey{s.ManifoldVersion, s.Grid, s.DotsVersion, len(s.Dots), st.Z1, st.Z2, st.Overlay,
		g.weights == weightsUntrained, g.plane}
	k[partSample] = sampleKey{g.gfx.sampleVer, st.Z1, st.Z2, g.sampleFromInput, g.gfx.sample != nil}
	k[partLegend] = legendKey{st.Overlay, s.HasTestData(), g.test.state, s.DotsVersion, len(s.Dots), g.plane}
	k[partRecon] = reconKey{s.ReconVersion, g.gfx.recon != nil, g.test.state}
	return k
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
		gx.white = ebiten.NewImage(3, 3)
		gx.white.Fill(color.White)
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

// planeLayerKey is what the plane under the crosshair shows.
type planeLayerKey struct {
	manifold, grid, dotsVer, dots int
	overlay                       bool
	plane                         view.Plane
	layout                        view.Layout
	bounds                        image.Rectangle
}

// drawPlane draws the manifold, its axes, the overlay and the crosshair.
// Everything under the crosshair comes from gx.planeImg, redrawn when it
// changes: an opaque copy at the same pixels, so the screen is the same as
// when drawn directly (TestRedrawBrowser). Measured dragging across the
// plane (cmd/bench -native=false -mainthread-only -mtdragonly -reps 3;
// headless Chromium, SwiftShader, 2 cores; best of 3, A/B interleaved over
// three rounds): 18.7, 18.9, 16.1 frames/s drawing it every frame; 22.6,
// 21.8, 19.2 from the layer.
func (g *Game) drawPlane(screen *ebiten.Image) {
	gx, s := &g.gfx, g.scene
	k := planeLayerKey{gx.manifoldVer, s.Grid, s.DotsVersion, len(s.Dots), g.settings.Overlay, g.plane, g.layout, gx.bounds}
	if gx.planeImg == nil || gx.planeKey != k || gx.bounds.Min != (image.Point{}) {
		img := resizeImage(gx.planeImg, gx.bounds.Dx(), gx.bounds.Dy())
		if img != gx.planeImg || !gx.planeFoot.any {
			img.Fill(colBG)
		} else {
			// The layer is drawn nowhere outside its last footprint: clear
			// only that, not a screen-sized image at every refresh.
			r := gx.planeFoot.rect().Intersect(img.Bounds())
			img.SubImage(r).(*ebiten.Image).Fill(colBG)
		}
		gx.planeImg = img
		outer := gx.foot
		gx.foot = footprint{}
		g.drawPlaneLayer(gx.planeImg)
		gx.planeFoot, gx.foot = gx.foot, outer
		gx.planeKey = k
	}
	if f := gx.planeFoot; f.any {
		r := f.rect().Intersect(gx.planeImg.Bounds())
		op := &ebiten.DrawImageOptions{}
		op.GeoM.Translate(float64(r.Min.X), float64(r.Min.Y))
		screen.DrawImage(gx.planeImg.SubImage(r).(*ebiten.Image), op)
		gx.foot.add(f.x0, f.y0, f.x1, f.y1)
	}

	u, P := g.layout.Scale, g.layout.Plane
	fs := 12.5 * u
	// The crosshair at the selected z.
	x, y := g.plane.Pixel(g.settings.Z1, g.settings.Z2)
	cross := color.RGBA{colCross.R, colCross.G, colCross.B, 150}
	g.gfx.fillRect(screen, x-u/2, P.Y, u, P.H, cross)
	g.gfx.fillRect(screen, P.X, y-u/2, P.W, u, cross)
	r := 7 * u
	op := &ebiten.DrawImageOptions{Filter: ebiten.FilterLinear}
	op.GeoM.Scale(2*r/ringSide, 2*r/ringSide)
	op.GeoM.Translate(x-r, y-r)
	op.ColorScale.ScaleWithColor(colCross)
	g.gfx.foot.add(x-r, y-r, x+r, y+r)
	screen.DrawImage(g.gfx.ring, op)

	if g.weights == weightsUntrained {
		// At the bottom: error boxes cover the page's top.
		h := 26 * u
		g.gfx.fillRect(screen, P.X, P.Bottom()-h, P.W, h, colBanner)
		g.text.draw(screen, "Untrained model (the pretrained weights could not be loaded): press Train",
			P.X+8*u, P.Bottom()-h/2, fs, true, colText, alignLeft)
	}
}

// drawPlaneLayer draws the manifold, its axes and the overlay.
func (g *Game) drawPlaneLayer(screen *ebiten.Image) {
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
	g.gfx.foot.add(P.X, P.Y, P.Right(), P.Bottom())
	screen.DrawImage(g.gfx.manifold, op)
	g.gfx.frame(screen, P, u, colLine)

	// Ticks at round z; the quantile scale spaces them unevenly.
	tick := 5 * u
	for _, z := range g.plane.Ticks(P.W, 34*u) {
		x, _ := g.plane.Pixel(z, 0)
		g.gfx.fillRect(screen, x-u/2, P.Bottom(), u, tick, colMuted)
		g.text.draw(screen, view.FormatNumber(z, 1), x, P.Bottom()+15*u, fs, false, colMuted, alignCenter)
	}
	for _, z := range g.plane.Ticks(P.H, 26*u) {
		_, y := g.plane.Pixel(0, z)
		g.gfx.fillRect(screen, P.X-tick, y-u/2, tick, u, colMuted)
		g.text.draw(screen, view.FormatNumber(z, 1), P.X-8*u, y, fs, false, colMuted, alignRight)
	}
	g.text.draw(screen, "z₁", P.X+P.W/2, P.Bottom()+31*u, fs, true, colMuted, alignCenter)

	if g.settings.Overlay {
		g.drawDots(screen)
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
		gx.foot.add(x-float64(r), y-float64(r), x+float64(r), y+float64(r))
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
		g.gfx.foot.add(S.X, y0, S.X+side, y0+side)
		screen.DrawImage(g.gfx.sample, op)
	}
	g.gfx.frame(screen, view.Rect{X: S.X, Y: y0, W: side, H: side}, u, colLine)
	fs := 13 * u
	ty := y0 + side + 14*u
	z1 := "z₁ = " + view.FormatNumber(g.settings.Z1, 3)
	g.text.draw(screen, z1, S.X, ty, fs, false, colText, alignLeft)
	g.text.draw(screen, "z₂ = "+view.FormatNumber(g.settings.Z2, 3), S.X+math.Max(side/2, g.text.width(z1, fs, false)+12*u), ty, fs, false, colText, alignLeft)
	hs := 11.5 * u
	if g.sampleFromInput {
		hint := fmt.Sprintf("p = (%.3f, %.3f)", view.NormalCDF(g.settings.Z1), view.NormalCDF(g.settings.Z2))
		g.text.draw(screen, hint, S.X, ty+19*u, hs, false, colMuted, alignLeft)
		return
	}
	// On two lines when the column is narrow (the lab open beside it).
	hint := "Click or drag on the plane; arrow keys move z."
	if g.text.width(hint, hs, false) <= S.W {
		g.text.draw(screen, hint, S.X, ty+19*u, hs, false, colMuted, alignLeft)
		return
	}
	g.text.draw(screen, "Click or drag on the plane;", S.X, ty+17*u, hs, false, colMuted, alignLeft)
	g.text.draw(screen, "arrow keys move z.", S.X, ty+31*u, hs, false, colMuted, alignLeft)
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
			x, y := R.X+labelW+float64(c)*(d+gap), y0+float64(row)*(d+gap)
			g.gfx.foot.add(x, y, x+d, y+d)
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
		g.gfx.fillRect(screen, lx, C.Y+29*u, 14*u, 2*u, item.c)
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
		g.gfx.fillRect(screen, r.X, float64(y)-u/2, r.W, u, colLine)
		g.text.draw(screen, view.FormatNumber(t, decimals), r.X-6*u, float64(y), 11*u, false, colMuted, alignRight)
	}
	span := x1 - x0
	gx := &g.gfx
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

// fillRect fills an axis-aligned rectangle, snapped to whole pixels: crisp
// lines without the anti-aliased path rendering, which costs software
// renderers a pass over the shape's whole bounding box.
func (gx *graphics) fillRect(dst *ebiten.Image, x, y, w, h float64, clr color.Color) {
	x0, y0 := math.Round(x), math.Round(y)
	x1, y1 := math.Round(x+w), math.Round(y+h)
	w, h = max(x1-x0, 1), max(y1-y0, 1)
	gx.foot.add(x0, y0, x0+w, y0+h)
	vector.FillRect(dst, float32(x0), float32(y0), float32(w), float32(h), clr, false)
}

// frame draws a line of width u just outside r.
func (gx *graphics) frame(dst *ebiten.Image, r view.Rect, u float64, clr color.Color) {
	gx.fillRect(dst, r.X-u, r.Y-u, r.W+2*u, u, clr)
	gx.fillRect(dst, r.X-u, r.Bottom(), r.W+2*u, u, clr)
	gx.fillRect(dst, r.X-u, r.Y, u, r.H, clr)
	gx.fillRect(dst, r.Right(), r.Y, u, r.H, clr)
}

// dot draws a filled circle with the overlay's soft disc sprite.
func (g *Game) dot(dst *ebiten.Image, x, y, r float64, clr color.RGBA) {
	op := &ebiten.DrawImageOptions{Filter: ebiten.FilterLinear}
	op.GeoM.Scale(2*r/32, 2*r/32)
	op.GeoM.Translate(x-r, y-r)
	op.ColorScale.ScaleWithColor(clr)
	g.gfx.foot.add(x-r, y-r, x+r, y+r)
	dst.DrawImage(g.gfx.disc, op)
}

// strokeLines appends a polyline of the given width to gx.verts and
// gx.idx as quads of opaque white from gx.white tinted clr, with a one-pixel
// ramp to transparent along both edges: anti-aliased, without the vector
// package's anti-aliasing, which renders into an offscreen image the size of
// the path's bounding box. Segments overlap by half the width at the
// joins, which is then invisible at the chart's widths.
func (gx *graphics) strokeLines(pts [][2]float32, width float32, clr color.RGBA) {
	cr, cg, cb := float32(clr.R)/255, float32(clr.G)/255, float32(clr.B)/255
	inner := max(width/2-0.5, 0) // opaque out to here
	outer := width/2 + 0.5       // transparent from here
	for i := 0; i+1 < len(pts); i++ {
		a, b := pts[i], pts[i+1]
		dx, dy := b[0]-a[0], b[1]-a[1]
		l := float32(math.Hypot(float64(dx), float64(dy)))
		if l == 0 {
			continue
		}
		dx, dy = dx/l, dy/l
		nx, ny := -dy, dx
		// Square caps at the joins, none at the ends.
		ext0, ext1 := width/2, width/2
		if i == 0 {
			ext0 = 0
		}
		if i+2 == len(pts) {
			ext1 = 0
		}
		ax, ay := a[0]-dx*ext0, a[1]-dy*ext0
		bx, by := b[0]+dx*ext1, b[1]+dy*ext1
		base := uint32(len(gx.verts))
		for _, e := range [2][2]float32{{ax, ay}, {bx, by}} {
			for _, o := range [4]struct{ d, a float32 }{{-outer, 0}, {-inner, 1}, {inner, 1}, {outer, 0}} {
				x, y := e[0]+nx*o.d, e[1]+ny*o.d
				gx.foot.addPoint(float64(x), float64(y))
				gx.verts = append(gx.verts, ebiten.Vertex{DstX: x, DstY: y, SrcX: 1.5, SrcY: 1.5,
					ColorR: cr * o.a, ColorG: cg * o.a, ColorB: cb * o.a, ColorA: o.a})
			}
		}
		// Three strips: the left ramp, the core, the right ramp.
		for k := uint32(0); k < 3; k++ {
			p, q := base+k, base+4+k
			gx.idx = append(gx.idx, p, p+1, q, p+1, q+1, q)
		}
	}
}
