//go:build js && wasm

package bridge

import (
	"slices"
	"syscall/js"
)

// CanShow reports whether the page's font (Font) has a glyph for every
// character of s: each is drawn on a small canvas and compared with the
// drawing of U+0378, a code point no font has, which browsers draw as
// their missing-glyph box (or as nothing). It is meant for a handful of
// strings, such as class names in other scripts.
func CanShow(s string) bool {
	c := js.Global().Get("document").Call("createElement", "canvas")
	c.Set("width", 32)
	c.Set("height", 32)
	opts := js.Global().Get("Object").New()
	opts.Set("willReadFrequently", true)
	ctx := c.Call("getContext", "2d", opts)
	if !ctx.Truthy() {
		return false
	}
	draw := func(r rune) []byte {
		ctx.Call("clearRect", 0, 0, 32, 32)
		ctx.Set("font", "20px "+Font)
		ctx.Set("fillStyle", "#fff")
		ctx.Set("textBaseline", "middle")
		ctx.Call("fillText", string(r), 4, 16)
		px := make([]byte, 32*32*4)
		js.CopyBytesToGo(px, ctx.Call("getImageData", 0, 0, 32, 32).Get("data"))
		return px
	}
	missing := draw('\u0378')
	for _, r := range s {
		if r == ' ' {
			continue
		}
		px := draw(r)
		if slices.Equal(px, missing) || !slices.ContainsFunc(px, func(b byte) bool { return b != 0 }) {
			return false
		}
	}
	return true
}
