//go:build js && wasm

package bridge

import "syscall/js"

// Worker is a Web Worker the page started.
type Worker struct {
	w     js.Value
	funcs []js.Func
}

// StartWorker starts a Web Worker running script. onMessage receives each
// message's data; onError is called with a message when the script fails
// to load or throws, or when the worker posts {fatal: message}. Both run
// in the browser's event dispatch and must not block.
func StartWorker(script string, onMessage func(data js.Value), onError func(msg string)) *Worker {
	w := &Worker{w: js.Global().Get("Worker").New(script)}
	msg := js.FuncOf(func(_ js.Value, args []js.Value) any {
		d := args[0].Get("data")
		if f := d.Get("fatal"); d.Type() == js.TypeObject && f.Type() == js.TypeString {
			onError(f.String())
			return nil
		}
		onMessage(d)
		return nil
	})
	fail := js.FuncOf(func(_ js.Value, args []js.Value) any {
		text := script + " could not run"
		if m := args[0].Get("message"); m.Type() == js.TypeString {
			text += ": " + m.String()
		}
		onError(text)
		return nil
	})
	w.w.Set("onmessage", msg)
	w.w.Set("onerror", fail)
	w.funcs = []js.Func{msg, fail}
	return w
}

// Post sends msg to the worker, transferring the buffers in transfer (a
// JavaScript array, or undefined).
func (w *Worker) Post(msg, transfer js.Value) {
	if transfer.IsUndefined() {
		w.w.Call("postMessage", msg)
		return
	}
	w.w.Call("postMessage", msg, transfer)
}

// Terminate stops the worker and releases its handlers.
func (w *Worker) Terminate() {
	w.w.Call("terminate")
	for _, f := range w.funcs {
		f.Release()
	}
	w.funcs = nil
}

// OnEvent calls f with the event when the element fires it, after
// preventDefault when prevent is set (as a drop target must, or the
// browser opens the dropped file). f runs inside the event dispatch and
// must not block.
func (d *DOM) OnEvent(id, event string, prevent bool, f func(ev js.Value)) {
	fn := js.FuncOf(func(_ js.Value, args []js.Value) any {
		if prevent {
			args[0].Call("preventDefault")
		}
		f(args[0])
		return nil
	})
	d.funcs = append(d.funcs, fn)
	d.El(id).Call("addEventListener", event, fn)
}

// PutRGBA draws a w×h RGBA picture on the canvas id at one canvas pixel
// per picture pixel, resizing the canvas to it (loader.js's putPixels);
// the stylesheet scales the canvas.
func (d *DOM) PutRGBA(id string, w, h int, rgba []byte) {
	if w > 0 && h > 0 && len(rgba) == 4*w*h {
		d.Host.Call("putPixels", id, w, h, jsBytes(rgba))
	}
}

// Download saves data as a file named name (loader.js's download, through
// a Blob URL, as the browser's download of a link does).
func (d *DOM) Download(name, mime string, data []byte) {
	d.Host.Call("download", name, mime, jsBytes(data))
}

// CanShow reports whether the page's font has a glyph for every character
// of s (loader.js's canShow, which compares each with the drawing of a
// code point no font has). It is meant for a handful of strings, such as
// class names in other scripts.
func (d *DOM) CanShow(s string) bool { return d.Host.Call("canShow", s).Bool() }

// SetOptions fills the <select> id with options, selecting value.
func (d *DOM) SetOptions(id string, options []Option, value string) {
	list := make([]any, len(options))
	for i, o := range options {
		list[i] = []any{o.Value, o.Text, o.Disabled}
	}
	d.Host.Call("setOptions", id, list, value)
}

// Option is an <option> of SetOptions.
type Option struct {
	Value, Text string
	Disabled    bool
}

// SetItems fills the list id with one item of text per string.
func (d *DOM) SetItems(id string, items []string) {
	list := make([]any, len(items))
	for i, s := range items {
		list[i] = s
	}
	d.Host.Call("setItems", id, list)
}

// jsBytes copies b into a new Uint8Array.
func jsBytes(b []byte) js.Value {
	arr := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(arr, b)
	return arr
}
