//go:build js && wasm

package bridge

import (
	"math"
	"strconv"
	"syscall/js"
)

// Font is the font stack of the page's canvas text (page.css's too).
const Font = `system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif`

// Plot is an HTML <canvas> with a 2D context drawn at device resolution,
// in CSS-pixel coordinates. Its CSS size comes from the stylesheet.
type Plot struct {
	El, Ctx js.Value
	W, H    float64 // CSS pixels, set by Begin
}

// NewPlot returns the canvas with the given id as a Plot.
func (d *DOM) NewPlot(id string) *Plot { return CanvasPlot(d.El(id)) }

// CanvasPlot returns a canvas element as a Plot.
func CanvasPlot(el js.Value) *Plot { return &Plot{El: el, Ctx: el.Call("getContext", "2d")} }

// Begin sizes the canvas's pixels to its displayed size and clears it; it
// reports false when the canvas is not displayed (a closed section).
func (p *Plot) Begin() bool {
	w, h := p.El.Get("clientWidth").Float(), p.El.Get("clientHeight").Float()
	if w <= 0 || h <= 0 {
		return false
	}
	dpr := js.Global().Get("devicePixelRatio").Float()
	if !(dpr > 0) {
		dpr = 1
	}
	pw, ph := int(math.Round(w*dpr)), int(math.Round(h*dpr))
	if p.El.Get("width").Int() != pw || p.El.Get("height").Int() != ph {
		p.El.Set("width", pw)
		p.El.Set("height", ph)
	}
	p.W, p.H = w, h
	p.Ctx.Call("setTransform", dpr, 0, 0, dpr, 0, 0)
	p.Ctx.Call("clearRect", 0, 0, w, h)
	return true
}

// Fill fills a rectangle (CSS pixels) with a CSS colour.
func (p *Plot) Fill(x, y, w, h float64, color string) {
	p.Ctx.Set("fillStyle", color)
	p.Ctx.Call("fillRect", x, y, w, h)
}

// Text draws s with its anchor (align: "left", "center", "right") at x
// and its vertical middle at y.
func (p *Plot) Text(s string, x, y, size float64, color, align string) {
	p.Ctx.Set("font", strconv.FormatFloat(size, 'f', 1, 64)+"px "+Font)
	p.Ctx.Set("fillStyle", color)
	p.Ctx.Set("textAlign", align)
	p.Ctx.Set("textBaseline", "middle")
	p.Ctx.Call("fillText", s, x, y)
}

// TextWidth returns the width of s at size in CSS pixels.
func (p *Plot) TextWidth(s string, size float64) float64 {
	p.Ctx.Set("font", strconv.FormatFloat(size, 'f', 1, 64)+"px "+Font)
	return p.Ctx.Call("measureText", s).Get("width").Float()
}

// Polyline strokes the points (CSS pixels); dash > 0 draws it dashed.
func (p *Plot) Polyline(pts [][2]float64, color string, width, dash float64) {
	if len(pts) < 2 {
		return
	}
	c := p.Ctx
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

// Circle fills (and, with a stroke colour, outlines) a circle.
func (p *Plot) Circle(x, y, r float64, fill, stroke string, width float64) {
	c := p.Ctx
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

// digitSide is the side of an MNIST image, in pixels.
const digitSide = 28

// digitGap is the dark gap between the digits of a strip, in image pixels.
const digitGap = 2

// PutDigits draws n 28×28 images (values in [0, 1], one after the other)
// side by side on the canvas id at one canvas pixel per image pixel; the
// stylesheet scales the canvas up, pixelated.
func (d *DOM) PutDigits(id string, tiles []float32, n int) {
	el := d.El(id)
	if !el.Truthy() {
		return
	}
	n = max(n, 1)
	w := n*(digitSide+digitGap) - digitGap
	if el.Get("width").Int() != w || el.Get("height").Int() != digitSide {
		el.Set("width", w)
		el.Set("height", digitSide)
	}
	px := make([]byte, 4*w*digitSide)
	for i := 0; i < len(px); i += 4 {
		px[i+3] = 255 // the gaps stay black
	}
	for k := 0; k < n && (k+1)*digitSide*digitSide <= len(tiles); k++ {
		x0 := k * (digitSide + digitGap)
		for y := 0; y < digitSide; y++ {
			for x := 0; x < digitSide; x++ {
				v := tiles[k*digitSide*digitSide+y*digitSide+x]
				b := byte(math.Round(float64(min(max(v, 0), 1)) * 255))
				o := 4 * (y*w + x0 + x)
				px[o], px[o+1], px[o+2] = b, b, b
			}
		}
	}
	arr := js.Global().Get("Uint8ClampedArray").New(len(px))
	js.CopyBytesToJS(arr, px)
	img := js.Global().Get("ImageData").New(arr, w, digitSide)
	el.Call("getContext", "2d").Call("putImageData", img, 0, 0)
}

// ClearCanvas blanks a digit canvas.
func (d *DOM) ClearCanvas(id string) {
	el := d.El(id)
	if el.Truthy() {
		el.Call("getContext", "2d").Call("clearRect", 0, 0, el.Get("width"), el.Get("height"))
	}
}
