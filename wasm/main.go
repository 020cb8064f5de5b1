//go:build js && wasm

// Command govae is the page's WebAssembly program: it builds the app and
// runs it as an Ebiten game on the page's canvas.
package main

import (
	"runtime"
	"syscall/js"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/govae/govae/wasm/page"
)

func main() {
	// First of all, so loader.js can compare it with version.json.
	js.Global().Set("govaeGoVersion", runtime.Version())

	g := page.New()
	ebiten.SetTPS(ebiten.SyncWithFPS) // one Update per frame: the time budget holds
	ebiten.SetScreenClearedEveryFrame(false)
	ebiten.SetRunnableOnUnfocused(true)
	if err := ebiten.RunGame(g); err != nil {
		g.Fail(err)
	}
	select {} // keep status() answering after a failure
}
