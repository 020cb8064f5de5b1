//go:build js && wasm

package lab

import (
	"fmt"
	"syscall/js"

	"github.com/govae/govae/wasm/bridge"
	"github.com/govae/govae/wasm/view"
)

// The lab's marks on the plane — the drawing's posterior (1σ and 2σ
// ellipses, μ, the samples) and the interpolation path — are drawn on an
// HTML canvas laid exactly over the manifold's square, so the Ebiten
// drawing is untouched. It ignores the pointer: clicks reach the plane.

func (l *Lab) drawOverlay() {
	el := l.overlay
	geo := l.geo
	show := l.settings.Lab.Open && l.now.Model != nil && geo.Drawn && geo.Scale > 0 && geo.Plane.Rect.W > 0
	if !show {
		if !el.Get("hidden").Bool() {
			el.Set("hidden", true)
		}
		l.overlayKey = ""
		return
	}
	r := geo.Plane.Rect.Scale(1 / geo.Scale)
	key := fmt.Sprint(r, js.Global().Get("devicePixelRatio").Float())
	if key == l.overlayKey && !l.overlayDirty {
		return
	}
	l.overlayKey, l.overlayDirty = key, false
	st := el.Get("style")
	st.Set("left", fmt.Sprintf("%gpx", r.X))
	st.Set("top", fmt.Sprintf("%gpx", r.Y))
	st.Set("width", fmt.Sprintf("%gpx", r.W))
	st.Set("height", fmt.Sprintf("%gpx", r.H))
	el.Set("hidden", false)
	p := bridge.CanvasPlot(el)
	if !p.Begin() {
		return
	}
	at := func(z [2]float64) [2]float64 {
		x, y := geo.Plane.Pixel(z[0], z[1])
		return [2]float64{(x - geo.Plane.Rect.X) / geo.Scale, (y - geo.Plane.Rect.Y) / geo.Scale}
	}
	s := l.settings.Lab
	l.overlayHasPth, l.overlayHasEll = false, false
	if s.SectionOpen("interp") {
		line := view.Interpolate(s.A, s.B, 80)
		pts := make([][2]float64, len(line))
		for i, z := range line {
			pts[i] = at(z)
		}
		p.Polyline(pts, "rgba(13,17,23,0.8)", 5, 0)
		p.Polyline(pts, cssPath, 2.5, 0)
		for _, z := range view.Interpolate(s.A, s.B, s.Steps) {
			q := at(z)
			p.Circle(q[0], q[1], 3, cssPath, cssBG, 1)
		}
		for i, z := range [][2]float64{s.A, s.B} {
			q := at(z)
			p.Circle(q[0], q[1], 9, cssPath, cssBG, 1.5)
			p.Text([]string{"A", "B"}[i], q[0], q[1]+0.5, 11.5, cssBG, "center")
		}
		l.overlayHasPth = true
	}
	if l.mu != nil && s.SectionOpen("draw") {
		mu, lv := l.onPlane(l.mu), l.onPlane(l.lv) // the plane's two dimensions
		sg := [2]float64{view.SigmaFromLogvar(lv[0]), view.SigmaFromLogvar(lv[1])}
		for _, k := range []float64{2, 1} {
			ell := view.Ellipse(mu, sg, k, 96)
			pts := make([][2]float64, len(ell))
			for i, z := range ell {
				pts[i] = at(z)
			}
			p.Polyline(pts, "rgba(13,17,23,0.75)", 4.5, 0)
			if k == 2 {
				p.Polyline(pts, cssPost, 2, 5)
			} else {
				p.Polyline(pts, cssPost, 2.5, 0)
			}
		}
		z, d := l.posteriorSamples(), len(l.mu)
		for i := 0; i+d <= len(z); i += d {
			q := at(l.onPlane(z[i : i+d]))
			p.Circle(q[0], q[1], 3.2, "#c9f6ff", cssBG, 1.2)
		}
		c := at(mu)
		p.Circle(c[0], c[1], 4.5, cssPost, cssBG, 1.5)
		label := "your digit: μ, 1σ, 2σ"
		w := p.TextWidth(label, 12)
		x := c[0] + 12
		if x+w > p.W-4 {
			x = c[0] - 12 - w
		}
		p.Fill(x-3, c[1]-22, w+6, 16, "rgba(13,17,23,0.8)")
		p.Text(label, x, c[1]-14, 12, cssPost, "left")
		l.overlayHasEll = true
	}
	l.overlayDraws++
}
