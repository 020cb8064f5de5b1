//go:build js && wasm

package app

import (
	"fmt"
	"syscall/js"

	"github.com/govae/govae/core"
)

// Panel 6: download and load weights, copy the link.

// downloadWeights saves the weights shown (the training backend's current
// weights once it runs) as govae-weights.bin through a Blob URL.
func (g *Game) downloadWeights() {
	var m *core.Model
	switch {
	case g.backend != nil:
		m = g.backend.Snapshot(nil)
	case g.scene != nil:
		m = g.scene.Model
	default:
		g.setLoadMsg("The weights are not loaded yet.", false)
		return
	}
	b := m.MarshalBinary()
	arr := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(arr, b)
	blob := js.Global().Get("Blob").New([]any{arr}, map[string]any{"type": "application/octet-stream"})
	url := js.Global().Get("URL")
	if g.lab.blobURL.Truthy() {
		url.Call("revokeObjectURL", g.lab.blobURL) // the previous download has started by now
	}
	g.lab.blobURL = url.Call("createObjectURL", blob)
	a := g.dom.doc.Call("createElement", "a")
	a.Set("href", g.lab.blobURL)
	a.Set("download", "govae-weights.bin")
	a.Get("style").Set("display", "none")
	g.dom.doc.Get("body").Call("appendChild", a)
	a.Call("click")
	a.Call("remove")
	g.setLoadMsg(fmt.Sprintf("Saved govae-weights.bin (%s, %s, %s likelihood).", formatBytes(int64(len(b))), g.weights, m.Likelihood.Kind), true)
}

// bindWeightsInput loads a weights file the visitor chooses. The size is
// checked before anything is read; the bytes are parsed and validated by
// core.ParseModel; on any problem the message names the file and the
// reason (as text, never HTML) and the current model stays.
func (g *Game) bindWeightsInput() {
	g.dom.on("lab-load", "change", func(t js.Value) {
		files := t.Get("files")
		if !files.Truthy() || files.Get("length").Int() == 0 {
			return
		}
		f := files.Index(0)
		name, size := f.Get("name").String(), int64(f.Get("size").Float())
		t.Set("value", "") // the same file can be chosen again
		if size > core.MaxWeightsFileSize {
			g.post(func() {
				g.setLoadMsg(fmt.Sprintf("%s was refused: it is %s, more than a weights file's limit of %s. The current model stays.",
					name, formatBytes(size), formatBytes(core.MaxWeightsFileSize)), false)
			})
			return
		}
		buf := f.Call("arrayBuffer")
		go func() {
			v, err := await(buf)
			var data []byte
			if err == nil {
				data = goBytes(js.Global().Get("Uint8Array").New(v))
			}
			g.post(func() { g.loadWeightsFile(name, data, err) })
		}()
	})
}

// loadWeightsFile checks a weights file and, when it is good, shows and
// trains it from now on.
func (g *Game) loadWeightsFile(name string, data []byte, readErr error) {
	refuse := func(why string) {
		g.setLoadMsg(fmt.Sprintf("%s was refused: %s. The current model stays.", name, why), false)
	}
	if readErr != nil {
		refuse("it could not be read (" + readErr.Error() + ")")
		return
	}
	if len(data) > core.MaxWeightsFileSize { // the size the browser reported may lie
		refuse("it is larger than " + formatBytes(core.MaxWeightsFileSize))
		return
	}
	m, err := core.ParseModel(data)
	if err != nil {
		refuse(err.Error())
		return
	}
	if m.Arch.Input != 28*28 || m.Arch.Latent != 2 {
		refuse(fmt.Sprintf("its network takes %d-pixel images to a %d-D latent space; this page needs 784 and 2", m.Arch.Input, m.Arch.Latent))
		return
	}
	if g.backend == nil {
		refuse("the page is still starting; try again in a moment")
		return
	}
	g.pause()
	g.backend.Load(m)
	g.weights = weightsLoaded
	// Train and decode it under the likelihood it was trained with.
	g.setSetting("lik", m.Likelihood.Kind.String())
	if m.Likelihood.Kind == core.Gaussian {
		g.setSetting("sigma", fmtBeta(m.Likelihood.Sigma))
	}
	g.afterLoad()
	g.setLoadMsg(fmt.Sprintf("Loaded %s: %s, %s likelihood.", name, m.Arch, m.Likelihood.Kind), true)
}

// setLoadMsg shows the outcome of a download or load (as text).
func (g *Game) setLoadMsg(msg string, ok bool) {
	g.dom.setText("lab-load-msg", msg)
	cls := "msg"
	if ok {
		cls = "msg ok"
	}
	g.dom.setClass("lab-load-msg", cls)
}

// copyLink writes the current settings into the address bar and copies it.
func (g *Game) copyLink() {
	replaceQuery(g.settings.Query())
	g.urlDirty = false
	href := js.Global().Get("location").Get("href").String()
	clip := js.Global().Get("navigator").Get("clipboard")
	if !clip.Truthy() {
		g.dom.setText("lab-copy-msg", "Copy the address bar: it holds this view.")
		return
	}
	p := clip.Call("writeText", href)
	go func() {
		_, err := await(p)
		g.post(func() {
			if err != nil {
				g.dom.setText("lab-copy-msg", "The browser did not allow copying; copy the address bar instead.")
			} else {
				g.dom.setText("lab-copy-msg", fmt.Sprintf("Copied (%d characters).", len(href)))
			}
		})
	}()
}
