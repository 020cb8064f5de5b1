//go:build js && wasm

package explorer

import (
	"fmt"
	"image/color"
	"math"
	"syscall/js"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/govae/govae/wasm/bridge"
)

// textCache draws labels on the Ebiten canvas. The glyphs are rasterised
// by the browser's own font engine into a detached 2D canvas at device
// resolution and uploaded as Ebiten images: crisp at any device pixel
// ratio, with real typography (−, μ, β, z₁), and without text/v2's extra
// module dependencies. Images are cached per string and size and dropped
// when unused for a while (drag readouts change every frame).
type textCache struct {
	canvas, ctx js.Value
	entries     map[textKey]*textEntry
	frame       int
	buf         []byte
	foot        *footprint // when not nil, draw adds what it draws to it
}

type textKey struct {
	s    string
	size float64
	bold bool
}

type textEntry struct {
	img      *ebiten.Image
	lastUsed int
}

func newTextCache() *textCache {
	c := js.Global().Get("document").Call("createElement", "canvas")
	opts := js.Global().Get("Object").New()
	opts.Set("willReadFrequently", true)
	return &textCache{canvas: c, ctx: c.Call("getContext", "2d", opts), entries: map[textKey]*textEntry{}}
}

func (t *textCache) font(size float64, bold bool) string {
	weight := "400"
	if bold {
		weight = "600"
	}
	return fmt.Sprintf("%s %.2fpx %s", weight, size, bridge.Font)
}

// image returns s rendered in white at size device pixels, one line high
// (1.4 × size) with the text vertically centred.
func (t *textCache) image(s string, size float64, bold bool) *ebiten.Image {
	k := textKey{s, size, bold}
	if e, ok := t.entries[k]; ok {
		e.lastUsed = t.frame
		return e.img
	}
	t.ctx.Set("font", t.font(size, bold))
	w := int(math.Ceil(t.ctx.Call("measureText", s).Get("width").Float())) + 2
	h := int(math.Ceil(size * 1.4))
	t.canvas.Set("width", w)
	t.canvas.Set("height", h)
	// Resizing resets the context's state.
	t.ctx.Set("font", t.font(size, bold))
	t.ctx.Set("fillStyle", "#fff")
	t.ctx.Set("textBaseline", "middle")
	t.ctx.Call("fillText", s, 1, float64(h)/2)
	data := t.ctx.Call("getImageData", 0, 0, w, h).Get("data")
	if cap(t.buf) < 4*w*h {
		t.buf = make([]byte, 4*w*h)
	}
	px := t.buf[:4*w*h]
	js.CopyBytesToGo(px, data)
	for i := 0; i < len(px); i += 4 {
		// White with coverage a, premultiplied as Ebiten expects.
		a := px[i+3]
		px[i], px[i+1], px[i+2] = a, a, a
	}
	img := ebiten.NewImage(w, h)
	img.WritePixels(px)
	t.entries[k] = &textEntry{img: img, lastUsed: t.frame}
	return img
}

// width returns the drawn width of s in device pixels.
func (t *textCache) width(s string, size float64, bold bool) float64 {
	return float64(t.image(s, size, bold).Bounds().Dx())
}

// Horizontal anchors for draw.
const (
	alignLeft = iota
	alignCenter
	alignRight
)

// draw draws s with its vertical centre at y and its left edge, centre or
// right edge at x.
func (t *textCache) draw(dst *ebiten.Image, s string, x, y, size float64, bold bool, clr color.Color, align int) {
	if s == "" {
		return
	}
	img := t.image(s, size, bold)
	w, h := float64(img.Bounds().Dx()), float64(img.Bounds().Dy())
	switch align {
	case alignCenter:
		x -= w / 2
	case alignRight:
		x -= w
	}
	x, y = math.Round(x), math.Round(y-h/2)
	if t.foot != nil {
		t.foot.add(x, y, x+w, y+h)
	}
	op := &ebiten.DrawImageOptions{}
	op.GeoM.Translate(x, y)
	op.ColorScale.ScaleWithColor(clr)
	dst.DrawImage(img, op)
}

// sweep frees the images not used in the last few seconds; call it once a
// frame.
func (t *textCache) sweep() {
	t.frame++
	if t.frame%120 != 0 {
		return
	}
	for k, e := range t.entries {
		if t.frame-e.lastUsed > 120 {
			e.img.Deallocate()
			delete(t.entries, k)
		}
	}
}
