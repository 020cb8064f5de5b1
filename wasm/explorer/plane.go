//go:build js && wasm

package explorer

import (
	"fmt"
	"image"
	"image/color"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/govae/govae/wasm/view"
)

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
func (e *Explorer) drawPlane(screen *ebiten.Image) {
	gx, s := &e.gfx, e.sc
	k := planeLayerKey{gx.manifoldVer, s.Grid, s.DotsVersion, len(s.Dots), e.set.Overlay, e.plane, e.layout, gx.bounds}
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
		e.drawPlaneLayer(gx.planeImg)
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

	u, P := e.layout.Scale, e.layout.Plane
	fs := 12.5 * u
	// The crosshair at the selected z.
	x, y := e.plane.Pixel(e.set.Z1, e.set.Z2)
	cross := color.RGBA{colCross.R, colCross.G, colCross.B, 150}
	e.gfx.fillRect(screen, x-u/2, P.Y, u, P.H, cross)
	e.gfx.fillRect(screen, P.X, y-u/2, P.W, u, cross)
	r := 7 * u
	op := &ebiten.DrawImageOptions{Filter: ebiten.FilterLinear}
	op.GeoM.Scale(2*r/ringSide, 2*r/ringSide)
	op.GeoM.Translate(x-r, y-r)
	op.ColorScale.ScaleWithColor(colCross)
	e.gfx.foot.add(x-r, y-r, x+r, y+r)
	screen.DrawImage(e.gfx.ring, op)

	if e.src.Untrained() {
		// At the bottom: error boxes cover the page's top.
		h := 26 * u
		e.gfx.fillRect(screen, P.X, P.Bottom()-h, P.W, h, colBanner)
		e.text.draw(screen, "Untrained model (the pretrained weights could not be loaded): press Train",
			P.X+8*u, P.Bottom()-h/2, fs, true, colText, alignLeft)
	}
}

// drawPlaneLayer draws the manifold, its axes and the overlay.
func (e *Explorer) drawPlaneLayer(screen *ebiten.Image) {
	u, P, n := e.layout.Scale, e.layout.Plane, e.sc.Grid
	fs := 12.5 * u
	title := fmt.Sprintf("Decoder means on a %d×%d grid, z = Φ⁻¹(p)", n, n)
	if e.text.width(title, 13.5*u, true) > P.W {
		title = fmt.Sprintf("Decoder means, %d×%d", n, n)
	}
	e.text.draw(screen, title, P.X, P.Y-11*u, 13.5*u, true, colText, alignLeft)
	zi, zj := axisNames(e.sc.ManifoldSlice)
	e.text.draw(screen, zj, P.X-8*u, P.Y-11*u, fs, true, colMuted, alignRight)

	op := &ebiten.DrawImageOptions{Filter: ebiten.FilterLinear}
	op.GeoM.Scale(P.W/float64(e.gfx.manifold.Bounds().Dx()), P.H/float64(e.gfx.manifold.Bounds().Dy()))
	op.GeoM.Translate(P.X, P.Y)
	if e.set.Overlay && len(e.sc.Dots) > 0 {
		op.ColorScale.Scale(0.45, 0.45, 0.45, 1) // let the dots stand out
	}
	e.gfx.foot.add(P.X, P.Y, P.Right(), P.Bottom())
	screen.DrawImage(e.gfx.manifold, op)
	e.gfx.frame(screen, P, u, colLine)

	// Ticks at round z; the quantile scale spaces them unevenly.
	tick := 5 * u
	for _, z := range e.plane.Ticks(P.W, 34*u) {
		x, _ := e.plane.Pixel(z, 0)
		e.gfx.fillRect(screen, x-u/2, P.Bottom(), u, tick, colMuted)
		e.text.draw(screen, view.FormatNumber(z, 1), x, P.Bottom()+15*u, fs, false, colMuted, alignCenter)
	}
	for _, z := range e.plane.Ticks(P.H, 26*u) {
		_, y := e.plane.Pixel(0, z)
		e.gfx.fillRect(screen, P.X-tick, y-u/2, tick, u, colMuted)
		e.text.draw(screen, view.FormatNumber(z, 1), P.X-8*u, y, fs, false, colMuted, alignRight)
	}
	e.text.draw(screen, zi, P.X+P.W/2, P.Bottom()+31*u, fs, true, colMuted, alignCenter)

	if e.set.Overlay {
		e.drawDots(screen)
	}
}

// drawDots draws the overlay's encoder means as one batch of sprites.
func (e *Explorer) drawDots(screen *ebiten.Image) {
	u, P := e.layout.Scale, e.layout.Plane
	r := float32(2.6 * u)
	gx := &e.gfx
	gx.verts, gx.idx = gx.verts[:0], gx.idx[:0]
	for _, d := range e.sc.Dots {
		x, y := e.plane.Pixel(float64(d.Z1), float64(d.Z2))
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
func (e *Explorer) outsideDots() int {
	k := 0
	for _, d := range e.sc.Dots {
		if x, y := e.plane.Pixel(float64(d.Z1), float64(d.Z2)); !e.layout.Plane.Contains(x, y) {
			k++
		}
	}
	return k
}

// axisNames returns the names of the latent dimensions on the plane's
// horizontal and vertical axes in slice sl (z₁ and z₂ at latent size 2):
// the plane is labelled with the published manifold's slice, the large
// digit with the one it was decoded in.
func axisNames(sl view.Slice) (string, string) {
	if sl.Dim() < 2 {
		return view.LatentName(0), view.LatentName(1)
	}
	return view.LatentName(sl.I), view.LatentName(sl.J)
}
