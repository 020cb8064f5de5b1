//go:build js && wasm

package explorer

import (
	"image"
	"math"
	"time"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/govae/govae/wasm/view"
)

// layoutKey is the geometry a full redraw was made for.
type layoutKey struct {
	layout view.Layout
	bounds image.Rectangle
}

// redrawStats counts the kinds of frames drawn.
type redrawStats struct {
	Full, Partial, Fallback int
}

// draw draws a frame. The screen is kept between frames
// (SetScreenClearedEveryFrame(false)), so a frame where nothing changed
// draws nothing: the software renderers some visitors have stay idle. A
// frame where only some parts changed redraws only their rectangles
// (redraw.go); e.dirty, set wherever something else changed, redraws all.
func (e *Explorer) draw(screen *ebiten.Image) {
	gx := &e.gfx
	ready := e.sc != nil && e.sc.Manifold != nil
	var keys [numParts]any
	dirty := gx.pending
	if ready && gx.valid {
		keys = e.partKeys()
		for p := range numParts {
			if keys[p] != gx.keys[p] {
				dirty |= 1 << p
			}
		}
	}
	if !e.dirty && dirty == 0 {
		return
	}
	lk := layoutKey{e.layout, screen.Bounds()}
	gx.bounds = screen.Bounds()
	full := e.dirty || !ready || !gx.valid || !e.drawn || lk != gx.layout
	e.dirty, gx.pending = false, 0
	e.text.sweep()
	e.text.foot = &gx.foot
	defer func() { e.text.foot = nil }()
	if !ready {
		gx.valid = false
		screen.Fill(colBG)
		msg := "Loading the pretrained weights…"
		if e.sc != nil {
			msg = "Decoding the manifold…"
		}
		b := screen.Bounds()
		e.text.draw(screen, msg, float64(b.Dx())/2, float64(b.Dy())/2, 15*e.layout.Scale, false, colMuted, alignCenter)
		return
	}
	e.syncTextures()
	if !full {
		if !e.drawParts(screen, dirty) {
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
			gx.feet[p] = e.drawPart(screen, p)
		}
		gx.layout = lk
		gx.stats.Full++
	}
	if dirty.has(partChart) || full {
		gx.chartAt = time.Now()
	}
	gx.keys = e.partKeys()
	gx.valid = true
	e.drawn = true
}

// drawParts redraws the dirty parts, each in its rectangle, and reports
// whether that was faithful to a full redraw (redrawOK); when not, the
// caller redraws everything.
func (e *Explorer) drawParts(screen *ebiten.Image, dirty parts) bool {
	gx := &e.gfx
	nominal := e.nominalBoxes()
	plan := planRedraw(&gx.feet, &nominal, dirty, screen.Bounds())
	now := gx.feet
	for _, c := range plan {
		dst := screen.SubImage(c.r).(*ebiten.Image)
		dst.Fill(colBG)
		for p := range numParts {
			if c.parts.has(p) {
				now[p] = e.drawPart(dst, p)
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
func (e *Explorer) drawPart(dst *ebiten.Image, p part) image.Rectangle {
	gx := &e.gfx
	gx.foot = footprint{}
	switch p {
	case partPlane:
		e.drawPlane(dst)
	case partSample:
		e.drawSample(dst)
	case partLegend:
		e.drawLegend(dst)
	case partRecon:
		e.drawRecon(dst)
	case partChart:
		e.drawChart(dst)
	}
	return gx.foot.rect()
}

// nominalBoxes returns where the layout puts each part, the plane's with
// room for the crosshair's ring at its edges.
func (e *Explorer) nominalBoxes() (b [numParts]image.Rectangle) {
	l, u := e.layout, e.layout.Scale
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
		state, legend    string
		dotsVer, dots    int
		plane            view.Plane
	}
	reconKey struct {
		ver   int
		has   bool
		state string
	}
)

func (e *Explorer) partKeys() (k [numParts]any) {
	s, st := e.sc, e.set
	k[partPlane] = planeKey{s.ManifoldVersion, s.Grid, s.DotsVersion, len(s.Dots), st.Z1, st.Z2, st.Overlay,
		e.src.Untrained(), e.plane}
	k[partSample] = sampleKey{e.gfx.sampleVer, st.Z1, st.Z2, e.sampleFromInput, e.gfx.sample != nil}
	k[partLegend] = legendKey{st.Overlay, s.HasTestData(), e.src.TestState(), e.src.Legend().key(), s.DotsVersion, len(s.Dots), e.plane}
	k[partRecon] = reconKey{s.ReconVersion, e.gfx.recon != nil, e.src.TestState()}
	return k
}
