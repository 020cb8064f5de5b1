//go:build js && wasm

package app

import (
	"math"
	"strconv"
	"syscall/js"
)

// Colours of the lab's drawings (index.html's theme).
const (
	cssBG      = "#0d1117"
	cssLine    = "#30363d"
	cssText    = "#e6edf3"
	cssMuted   = "#8b949e"
	cssReparam = "#58a6ff" // the reparameterisation estimator
	cssScore   = "#ffa657" // the score-function estimator
	cssTruth   = "#7ee787" // true values
	cssPost    = "#39d0ff" // the posterior of the drawing
	cssPath    = "#ff7bd5" // the interpolation path
	labFont    = `system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif`
)

// plot is an HTML <canvas> with a 2D context drawn at device resolution,
// in CSS-pixel coordinates. Its CSS size comes from the stylesheet.
type plot struct {
	el, ctx js.Value
	W, H    float64 // CSS pixels
}

func newPlot(d *dom, id string) *plot {
	el := d.el(id)
	return &plot{el: el, ctx: el.Call("getContext", "2d")}
}

// begin sizes the canvas's pixels to its displayed size and clears it; it
// reports false when the canvas is not displayed (a closed section).
func (p *plot) begin() bool {
	w, h := p.el.Get("clientWidth").Float(), p.el.Get("clientHeight").Float()
	if w <= 0 || h <= 0 {
		return false
	}
	dpr := js.Global().Get("devicePixelRatio").Float()
	if !(dpr > 0) {
		dpr = 1
	}
	pw, ph := int(math.Round(w*dpr)), int(math.Round(h*dpr))
	if p.el.Get("width").Int() != pw || p.el.Get("height").Int() != ph {
		p.el.Set("width", pw)
		p.el.Set("height", ph)
	}
	p.W, p.H = w, h
	p.ctx.Call("setTransform", dpr, 0, 0, dpr, 0, 0)
	p.ctx.Call("clearRect", 0, 0, w, h)
	return true
}

func (p *plot) fill(x, y, w, h float64, color string) {
	p.ctx.Set("fillStyle", color)
	p.ctx.Call("fillRect", x, y, w, h)
}

// text draws s with its anchor (align: "left", "center", "right") at x
// and its vertical middle at y.
func (p *plot) text(s string, x, y, size float64, color, align string) {
	p.ctx.Set("font", strconv.FormatFloat(size, 'f', 1, 64)+"px "+labFont)
	p.ctx.Set("fillStyle", color)
	p.ctx.Set("textAlign", align)
	p.ctx.Set("textBaseline", "middle")
	p.ctx.Call("fillText", s, x, y)
}

func (p *plot) textWidth(s string, size float64) float64 {
	p.ctx.Set("font", strconv.FormatFloat(size, 'f', 1, 64)+"px "+labFont)
	return p.ctx.Call("measureText", s).Get("width").Float()
}

// polyline strokes the points (CSS pixels); dash > 0 draws it dashed.
func (p *plot) polyline(pts [][2]float64, color string, width, dash float64) {
	if len(pts) < 2 {
		return
	}
	c := p.ctx
	c.Call("beginPath")
	c.Call("moveTo", pts[0][0], pts[0][1])
	for _, q := range pts[1:] {
		c.Call("lineTo", q[0], q[1])
	}
	c.Set("strokeStyle", color)
	c.Set("lineWidth", width)
	c.Set("lineJoin", "round")
	if dash > 0 {
		c.Call("setLineDash", js.ValueOf([]any{dash, dash * 0.8}))
	}
	c.Call("stroke")
	if dash > 0 {
		c.Call("setLineDash", js.ValueOf([]any{}))
	}
}

// circle fills (and, with a stroke colour, outlines) a circle.
func (p *plot) circle(x, y, r float64, fill, stroke string, width float64) {
	c := p.ctx
	c.Call("beginPath")
	c.Call("arc", x, y, r, 0, 2*math.Pi)
	if fill != "" {
		c.Set("fillStyle", fill)
		c.Call("fill")
	}
	if stroke != "" {
		c.Set("strokeStyle", stroke)
		c.Set("lineWidth", width)
		c.Call("stroke")
	}
}

// labDigit is the side of an MNIST image.
const labDigit = 28

// digitGap is the dark gap between the digits of a strip, in image pixels.
const digitGap = 2

// putDigits draws n 28×28 images (values in [0, 1], one after the other)
// side by side on the canvas id at one canvas pixel per image pixel; the
// stylesheet scales the canvas up, pixelated.
func (d *dom) putDigits(id string, tiles []float32, n int) {
	el := d.el(id)
	if !el.Truthy() {
		return
	}
	n = max(n, 1)
	w := n*(labDigit+digitGap) - digitGap
	if el.Get("width").Int() != w || el.Get("height").Int() != labDigit {
		el.Set("width", w)
		el.Set("height", labDigit)
	}
	px := make([]byte, 4*w*labDigit)
	for i := 0; i < len(px); i += 4 {
		px[i+3] = 255 // the gaps stay black
	}
	for k := 0; k < n && (k+1)*labDigit*labDigit <= len(tiles); k++ {
		x0 := k * (labDigit + digitGap)
		for y := 0; y < labDigit; y++ {
			for x := 0; x < labDigit; x++ {
				v := tiles[k*labDigit*labDigit+y*labDigit+x]
				b := byte(math.Round(float64(min(max(v, 0), 1)) * 255))
				o := 4 * (y*w + x0 + x)
				px[o], px[o+1], px[o+2] = b, b, b
			}
		}
	}
	arr := js.Global().Get("Uint8ClampedArray").New(len(px))
	js.CopyBytesToJS(arr, px)
	img := js.Global().Get("ImageData").New(arr, w, labDigit)
	el.Call("getContext", "2d").Call("putImageData", img, 0, 0)
}

// clearCanvas blanks a digit canvas.
func (d *dom) clearCanvas(id string) {
	el := d.el(id)
	if el.Truthy() {
		el.Call("getContext", "2d").Call("clearRect", 0, 0, el.Get("width"), el.Get("height"))
	}
}
