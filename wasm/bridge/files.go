//go:build js && wasm

package bridge

import (
	"errors"
	"fmt"
	"strings"
	"syscall/js"
)

// Files the page gives the visitor, and the Web Worker that makes some of
// them.

// revokeAfter is how long a download's object URL stays valid (ms): the
// browser has started the download long before.
const revokeAfter = 60_000

// BytesToJS copies b into a new Uint8Array.
func BytesToJS(b []byte) js.Value {
	arr := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(arr, b)
	return arr
}

// Download makes the browser save data (a Uint8Array or a Blob, which stay
// in JavaScript) as a file called name of type mime: through an object URL
// and a click on a hidden link, as a download attribute asks.
func (d *DOM) Download(name, mime string, data js.Value) {
	blob := data
	if !data.InstanceOf(js.Global().Get("Blob")) {
		blob = js.Global().Get("Blob").New([]any{data}, map[string]any{"type": mime})
	}
	url := js.Global().Get("URL")
	href := url.Call("createObjectURL", blob)
	a := d.Doc.Call("createElement", "a")
	a.Set("href", href)
	a.Set("download", name)
	a.Get("style").Set("display", "none")
	d.Doc.Get("body").Call("appendChild", a)
	a.Call("click")
	a.Call("remove")
	var revoke js.Func
	revoke = js.FuncOf(func(js.Value, []js.Value) any {
		url.Call("revokeObjectURL", href)
		revoke.Release()
		return nil
	})
	js.Global().Call("setTimeout", revoke, revokeAfter)
}

// SaveCanvasPNG saves what a canvas shows as a PNG called name: its pixels
// (the device resolution the page drew it at) over background (a CSS colour,
// since the page's canvases are transparent where nothing is drawn), scaled
// up by a whole factor, without smoothing, when it is under minHeight pixels
// high (the 28-pixel digit strips). done is called with "" or the reason it
// failed, from an event handler: it must not block.
func (d *DOM) SaveCanvasPNG(canvas js.Value, name, background string, minHeight int, done func(err string)) {
	w, h := canvas.Get("width").Int(), canvas.Get("height").Int()
	if w == 0 || h == 0 {
		done("the picture is empty (its section is closed)")
		return
	}
	k := 1
	if h < minHeight {
		k = (minHeight + h - 1) / h
	}
	c := d.Doc.Call("createElement", "canvas")
	c.Set("width", w*k)
	c.Set("height", h*k)
	ctx := c.Call("getContext", "2d")
	ctx.Set("fillStyle", background)
	ctx.Call("fillRect", 0, 0, w*k, h*k)
	ctx.Set("imageSmoothingEnabled", false)
	ctx.Call("drawImage", canvas, 0, 0, w*k, h*k)
	var cb js.Func
	cb = js.FuncOf(func(_ js.Value, args []js.Value) any {
		cb.Release()
		if !args[0].Truthy() {
			done("the browser could not encode the picture")
			return nil
		}
		d.Download(name, "image/png", args[0])
		done("")
		return nil
	})
	c.Call("toBlob", cb, "image/png")
}

// Yield blocks the calling goroutine (never the game loop) until the
// browser has run a new task: long work in a goroutine yields between its
// slices so that the page keeps painting and answering.
func Yield() {
	ch := make(chan struct{}, 1)
	var f js.Func
	f = js.FuncOf(func(js.Value, []js.Value) any {
		f.Release()
		ch <- struct{}{}
		return nil
	})
	js.Global().Call("setTimeout", f, 0)
	<-ch
}

// Worker is a dedicated Web Worker that answers the page's messages (the
// import and export workers).
type Worker struct {
	w     js.Value
	funcs []js.Func
}

// StartWorker starts a Web Worker running script. onMessage receives each
// message's data and onFailure the reason the worker could not run (a
// script error, or a message {fatal: reason} it sends); both are called
// from event handlers, so they must not block.
func StartWorker(script string, onMessage func(data js.Value), onFailure func(reason string)) *Worker {
	w := &Worker{w: js.Global().Get("Worker").New(script)}
	msg := js.FuncOf(func(_ js.Value, args []js.Value) any {
		data := args[0].Get("data")
		if f := data.Get("fatal"); data.Type() == js.TypeObject && f.Type() == js.TypeString {
			onFailure(f.String())
			return nil
		}
		onMessage(data)
		return nil
	})
	fail := js.FuncOf(func(_ js.Value, args []js.Value) any {
		reason := script + " could not run"
		if m := args[0].Get("message"); m.Type() == js.TypeString {
			reason += ": " + m.String()
		}
		onFailure(reason)
		return nil
	})
	w.w.Set("onmessage", msg)
	w.w.Set("onerror", fail)
	w.funcs = []js.Func{msg, fail}
	return w
}

// Post sends msg (a value js.ValueOf accepts), transferring the
// ArrayBuffers listed in transfer.
func (w *Worker) Post(msg any, transfer []any) {
	if transfer == nil {
		transfer = []any{}
	}
	w.w.Call("postMessage", msg, transfer)
}

// Terminate stops the worker at once; its handlers are released.
func (w *Worker) Terminate() {
	w.w.Call("terminate")
	for _, f := range w.funcs {
		f.Release()
	}
	w.funcs = nil
}

// CallWorker starts a Web Worker running script, posts msg to it
// (transferring the buffers in transfer), waits for its answer — the first
// message without a "progress" field — and stops it. An answer with an
// "error" field, or a worker that could not run, is an error. It blocks the
// calling goroutine (never the game loop).
func CallWorker(script string, msg any, transfer []any) (js.Value, error) {
	type answer struct {
		v   js.Value
		err error
	}
	ch := make(chan answer, 1)
	give := func(a answer) {
		select {
		case ch <- a:
		default: // answered already; handlers must not block
		}
	}
	w := StartWorker(script, func(data js.Value) {
		switch {
		case data.Get("progress").Type() == js.TypeNumber:
		case data.Get("error").Type() == js.TypeString:
			give(answer{err: errors.New(data.Get("error").String())})
		default:
			give(answer{v: data})
		}
	}, func(reason string) {
		give(answer{err: errors.New(reason)})
	})
	defer w.Terminate()
	w.Post(msg, transfer)
	a := <-ch
	return a.v, a.err
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
		d.Host.Call("putPixels", id, w, h, BytesToJS(rgba))
	}
}

// DownloadBytes saves data as a file named name of type mime (Download of
// a copy in JavaScript).
func (d *DOM) DownloadBytes(name, mime string, data []byte) { d.Download(name, mime, BytesToJS(data)) }

// CanShow reports whether the page's font has a glyph for every character
// of s (loader.js's canShow, which compares each with the drawing of a
// code point no font has). It is meant for a handful of strings, such as
// class names in other scripts.
func (d *DOM) CanShow(s string) bool { return d.Host.Call("canShow", s).Bool() }

// SetOptions fills the <select> id with options, selecting value. It
// touches the page only when the options or the selection differ from the
// last call's, so it may be called every frame without closing an open menu.
func (d *DOM) SetOptions(id string, options []Option, value string) {
	var key strings.Builder
	for _, o := range options {
		fmt.Fprintf(&key, "%q %q %t\x00", o.Value, o.Text, o.Disabled)
	}
	if d.text[id+".options"] == key.String() {
		if sel := d.El(id); sel.Truthy() && sel.Get("value").String() != value {
			sel.Set("value", value)
		}
		return
	}
	d.text[id+".options"] = key.String()
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
