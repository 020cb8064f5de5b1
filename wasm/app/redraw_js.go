//go:build js && wasm

package app

import (
	"encoding/json"
	"syscall/js"
)

// exposeRedrawHooks adds window.govae.redrawStats(), the number of full,
// partial and fallen-back (partial turned full) redraws as JSON, and
// window.govae.redrawAll(), which makes the next frame a full redraw: the
// browser tests compare a screen built from partial redraws with a full one.
func (g *Game) exposeRedrawHooks() {
	g.gfx.hooked = true
	govae := js.Global().Get("govae")
	govae.Set("redrawStats", js.FuncOf(func(js.Value, []js.Value) any {
		g.mu.Lock()
		defer g.mu.Unlock()
		b, _ := json.Marshal(g.gfx.shared)
		return string(b)
	}))
	govae.Set("redrawAll", js.FuncOf(func(js.Value, []js.Value) any {
		g.post(func() { g.dirty = true })
		return nil
	}))
}
