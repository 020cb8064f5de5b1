//go:build js && wasm

package bridge

import (
	"sync"
	"syscall/js"
)

// The page's lifecycle: the moments it may go away, when what it holds
// must be saved at once.

// OnLeave calls f(reason) when the page may be going away: "pagehide"
// (closed, reloaded, navigated away from) and "hidden" (visibilitychange to
// hidden: a tab switched away from, often the last event a mobile browser
// sends before it discards the tab). f runs inside the event: it must not
// wait for anything.
func (d *DOM) OnLeave(f func(reason string)) {
	hide := js.FuncOf(func(js.Value, []js.Value) any {
		f("pagehide")
		return nil
	})
	vis := js.FuncOf(func(js.Value, []js.Value) any {
		if d.Doc.Get("visibilityState").String() == "hidden" {
			f("hidden")
		}
		return nil
	})
	d.funcs = append(d.funcs, hide, vis)
	js.Global().Call("addEventListener", "pagehide", hide)
	d.Doc.Call("addEventListener", "visibilitychange", vis)
}

// OnContextLost calls f when a canvas of the page loses its WebGL context
// (a GPU reset, too many contexts, a tab in the background on a phone).
// Ebiten answers a lost context by reloading the page at once; this
// listener, on the window in the capture phase, runs before Ebiten's and
// holds the reload back until f calls reload (or timeout milliseconds
// have passed), so that f can save the page's state first.
func (d *DOM) OnContextLost(timeout float64, f func(reload func())) {
	var once sync.Once
	reload := func() { once.Do(func() { js.Global().Get("location").Call("reload") }) }
	reloadFn := js.FuncOf(func(js.Value, []js.Value) any {
		reload()
		return nil
	})
	lost := js.FuncOf(func(_ js.Value, args []js.Value) any {
		e := args[0]
		e.Call("preventDefault")
		e.Call("stopImmediatePropagation")
		js.Global().Call("setTimeout", reloadFn, timeout)
		f(reload)
		return nil
	})
	d.funcs = append(d.funcs, reloadFn, lost)
	js.Global().Call("addEventListener", "webglcontextlost", lost, map[string]any{"capture": true})
}

// DateNow returns Date.now(): milliseconds since 1970.
func DateNow() float64 { return js.Global().Get("Date").Call("now").Float() }

// ScopeName returns the page's address without its query and file name
// (its directory: "/govae/" for https://user.github.io/govae/), which
// tells apart sites served from one origin, as GitHub Pages serves every
// project of a user.
func ScopeName() string {
	p := js.Global().Get("location").Get("pathname").String()
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[:i+1]
		}
	}
	return "/"
}
