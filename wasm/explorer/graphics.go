//go:build js && wasm

package explorer

import (
	"image"
	"image/color"
	"math"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/vector"

	"github.com/govae/govae/wasm/scene"
	"github.com/govae/govae/wasm/view"
)

// Colours of the dark theme (page.css uses the same).
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
	colHeld   = color.RGBA{242, 204, 96, 255} // the held-out curve
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
}

// syncTextures uploads what changed in the scene.
func (e *Explorer) syncTextures() {
	s, gx := e.sc, &e.gfx
	if gx.manifoldVer != s.ManifoldVersion {
		side := s.Grid * scene.DigitSide
		gx.manifold = resizeImage(gx.manifold, side, side)
		px := s.ManifoldRGBA // converted while decoding (scene.go)
		if px == nil {
			px = gx.rgba(s.Manifold, s.Grid, s.Grid*s.Grid)
		}
		gx.manifold.WritePixels(px)
		gx.manifoldVer = s.ManifoldVersion
	}
	if gx.reconVer != s.ReconVersion && s.Recon == nil { // the test set was taken away
		gx.recon = nil
		gx.reconVer = s.ReconVersion
	}
	if gx.reconVer != s.ReconVersion && s.Recon != nil {
		gx.recon = resizeImage(gx.recon, scene.ReconCount*scene.DigitSide, 2*scene.DigitSide)
		gx.both = append(append(gx.both[:0], s.ReconInputs...), s.Recon...)
		gx.recon.WritePixels(gx.rgba(gx.both, scene.ReconCount, 2*scene.ReconCount))
		gx.reconVer = s.ReconVersion
	}
	if gx.sampleDone != gx.sampleVer && e.sample != nil {
		gx.sample = resizeImage(gx.sample, scene.DigitSide, scene.DigitSide)
		gx.sample.WritePixels(gx.rgba(e.sample, 1, 1))
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
	gx.pixels = scene.ReuseBytes(gx.pixels, 4*n*scene.DigitSide*scene.DigitSide)
	scene.TilesToRGBA(gx.pixels, tiles, cols, 0, n)
	return gx.pixels
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
func (e *Explorer) dot(dst *ebiten.Image, x, y, r float64, clr color.RGBA) {
	op := &ebiten.DrawImageOptions{Filter: ebiten.FilterLinear}
	op.GeoM.Scale(2*r/32, 2*r/32)
	op.GeoM.Translate(x-r, y-r)
	op.ColorScale.ScaleWithColor(clr)
	e.gfx.foot.add(x-r, y-r, x+r, y+r)
	dst.DrawImage(e.gfx.disc, op)
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
