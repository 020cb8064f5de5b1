//go:build js && wasm

package explorer

import (
	"encoding/json"
	"sync"
	"syscall/js"

	"github.com/govae/govae/wasm/bridge"
)

// exposeHooks adds window.govae.lastSample(), the digit last decoded at a
// z the visitor chose (as JSON, null before), window.govae.redrawStats(),
// the number of full, partial and fallen-back (partial turned full)
// redraws as JSON, and window.govae.redrawAll(), which makes the next frame
// a full redraw: the browser tests compare a screen built from partial
// redraws with a full one.
func (e *Explorer) exposeHooks(dom *bridge.DOM, lock sync.Locker) {
	js.Global().Get("govae").Set("lastSample", js.FuncOf(func(js.Value, []js.Value) any {
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.last == nil {
			return "null"
		}
		b, _ := json.Marshal(e.last) // finite by construction: a sigmoid's output
		return string(b)
	}))
	dom.Hook("redrawStats", lock, func([]js.Value) any {
		b, _ := json.Marshal(e.gfx.stats)
		return string(b)
	})
	dom.Hook("redrawAll", lock, func([]js.Value) any {
		e.dirty = true
		return nil
	})
}
