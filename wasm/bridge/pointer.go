//go:build js && wasm

package bridge

import (
	"sync"
	"sync/atomic"
	"syscall/js"
)

// Ebiten hears the mouse only on its canvas: a button released over the
// HTML panel (or anywhere else off the canvas) never reaches it, and it
// goes on reporting the button held. The window sees every release, and
// every move carries the buttons held (MouseEvent.buttons), so it can tell.

var (
	buttonUps   atomic.Uint64
	watchButton sync.Once
)

// PrimaryButtonUps returns how many times the window has seen the primary
// (left) mouse button up: a mouseup of that button, or a mousemove with it
// not held, anywhere in the page. A drag that began on the canvas is over
// once this count moves on from its value at the press. The listeners are
// installed on the first call, in the capture phase, so that no element
// can hide the events from them.
func PrimaryButtonUps() uint64 {
	watchButton.Do(func() {
		up := js.FuncOf(func(_ js.Value, args []js.Value) any {
			if args[0].Get("button").Int() == 0 {
				buttonUps.Add(1)
			}
			return nil
		})
		move := js.FuncOf(func(_ js.Value, args []js.Value) any {
			if args[0].Get("buttons").Int()&1 == 0 {
				buttonUps.Add(1)
			}
			return nil
		})
		opts := map[string]any{"capture": true, "passive": true}
		w := js.Global().Get("window")
		w.Call("addEventListener", "mouseup", up, opts)
		w.Call("addEventListener", "mousemove", move, opts)
	})
	return buttonUps.Load()
}
