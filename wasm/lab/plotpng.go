//go:build js && wasm

package lab

import (
	"syscall/js"
)

// The lab's plots as PNG files: a small "PNG" button under each plot and
// digit strip saves what it shows (canvas.toBlob, at the resolution it is
// drawn at; the 28-pixel strips scaled up to at least plotMinHeight pixels,
// unsmoothed), over the page's background colour.

// plotFiles names the file of each picture the lab draws.
var plotFiles = []struct{ id, file string }{
	{"lab-toy-hist", "govae-lab-estimators-toy.png"},
	{"lab-enc-hist", "govae-lab-estimators-encoder.png"},
	{"lab-post-zoom", "govae-lab-posterior.png"},
	{"lab-samples", "govae-lab-posterior-samples.png"},
	{"lab-interp", "govae-lab-interpolation.png"},
	{"lab-schedule", "govae-lab-kl-warmup.png"},
	{"lab-rd", "govae-lab-rate-distortion.png"},
}

// plotMinHeight is the least height of a saved digit strip, in pixels.
const plotMinHeight = 112

// plotBackground is the page's background (page.css's --bg).
const plotBackground = "#0d1117"

// addPlotButtons puts a "PNG" button under each of the lab's pictures.
func (l *Lab) addPlotButtons() {
	d := l.dom
	for _, p := range plotFiles {
		canvas := d.El(p.id)
		if !canvas.Truthy() {
			continue
		}
		b := d.Doc.Call("createElement", "button")
		b.Set("type", "button")
		b.Set("className", "save-png")
		b.Set("id", p.id+"-png")
		b.Set("textContent", "PNG")
		b.Set("title", "Save this picture as "+p.file)
		b.Call("setAttribute", "aria-label", "Save the picture above as a PNG file ("+p.file+")")
		canvas.Call("after", b)
		fn := js.FuncOf(func(js.Value, []js.Value) any {
			d.SaveCanvasPNG(canvas, p.file, plotBackground, plotMinHeight, func(err string) {
				if err != "" {
					d.ShowError(p.file+" was not saved", err)
				}
			})
			return nil
		})
		d.Keep(fn)
		b.Call("addEventListener", "click", fn)
	}
}
