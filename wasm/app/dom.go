//go:build js && wasm

package app

import (
	"errors"
	"strconv"
	"syscall/js"
)

// dom is the bridge to index.html: element access with write caching (the
// page is updated every frame, the DOM only when something changed) and
// the host functions index.html provides as window.govaeHost.
type dom struct {
	doc, host js.Value
	text      map[string]string
	flags     map[string]bool
	funcs     []js.Func // event handlers, alive for the page's lifetime

	task     chan struct{} // a new task started (see nextTask)
	taskFunc js.Func
}

func newDOM() *dom {
	d := &dom{
		doc:   js.Global().Get("document"),
		host:  js.Global().Get("govaeHost"),
		text:  map[string]string{},
		flags: map[string]bool{},
		task:  make(chan struct{}, 1),
	}
	d.taskFunc = js.FuncOf(func(js.Value, []js.Value) any {
		d.task <- struct{}{}
		return nil
	})
	return d
}

// nextTask blocks the calling goroutine until the browser runs a new task
// (a 0 ms timeout). A goroutine sleeping on a Go timer instead could wake
// inside an animation frame's task, which Go runs to the end of every
// runnable goroutine: the frame and a work slice would then make one long
// task.
func (d *dom) nextTask() {
	js.Global().Call("setTimeout", d.taskFunc, 0)
	<-d.task
}

func (d *dom) el(id string) js.Value { return d.doc.Call("getElementById", id) }

// setText sets an element's textContent (never HTML).
func (d *dom) setText(id, s string) {
	if old, ok := d.text[id]; ok && old == s {
		return
	}
	d.text[id] = s
	if e := d.el(id); e.Truthy() {
		e.Set("textContent", s)
	}
}

// setClass sets an element's class attribute.
func (d *dom) setClass(id, cls string) {
	key := id + ".class"
	if old, ok := d.text[key]; ok && old == cls {
		return
	}
	d.text[key] = cls
	if e := d.el(id); e.Truthy() {
		e.Set("className", cls)
	}
}

// setValue sets an input's value.
func (d *dom) setValue(id, v string) {
	if e := d.el(id); e.Truthy() {
		e.Set("value", v)
	}
}

// setBool sets a boolean property (hidden, disabled, checked) of an element.
func (d *dom) setBool(id, prop string, v bool) {
	key := id + "." + prop
	if old, ok := d.flags[key]; ok && old == v {
		return
	}
	d.flags[key] = v
	if e := d.el(id); e.Truthy() {
		e.Set(prop, v)
	}
}

// setProgress shows a progress bar at got of total bytes (an indeterminate
// bar when total is unknown).
func (d *dom) setProgress(id string, got, total int64) {
	e := d.el(id)
	if !e.Truthy() {
		return
	}
	if total > 0 {
		e.Set("value", float64(got)/float64(total))
	} else {
		e.Call("removeAttribute", "value")
	}
}

// on calls f when the element fires event. f runs inside the browser's
// event dispatch, so it must not block: the game posts work to its loop.
func (d *dom) on(id, event string, f func(target js.Value)) {
	fn := js.FuncOf(func(this js.Value, args []js.Value) any {
		f(this)
		return nil
	})
	d.funcs = append(d.funcs, fn)
	d.el(id).Call("addEventListener", event, fn)
}

// showError adds an error box to the page.
func (d *dom) showError(title, detail string) { d.host.Call("error", title, detail) }

// await blocks the calling goroutine (never the game loop) until the
// promise settles.
func await(p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	then := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- result{v: args[0]}
		return nil
	})
	catch := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- result{err: jsError(args[0])}
		return nil
	})
	defer then.Release()
	defer catch.Release()
	p.Call("then", then, catch)
	r := <-ch
	return r.v, r.err
}

// jsError converts a JavaScript exception or rejection reason to an error.
func jsError(v js.Value) error {
	if v.Type() == js.TypeObject && v.Get("message").Type() == js.TypeString {
		return errors.New(v.Get("message").String())
	}
	return errors.New(v.String())
}

// goBytes copies a Uint8Array into Go memory.
func goBytes(v js.Value) []byte {
	b := make([]byte, v.Get("length").Int())
	js.CopyBytesToGo(b, v)
	return b
}

// fetchData downloads url through index.html's fetchData (which gunzips
// .gz files natively when it can), reporting progress.
func (d *dom) fetchData(url string, progress func(got, total int64)) ([]byte, error) {
	cb := js.FuncOf(func(_ js.Value, args []js.Value) any {
		progress(int64(args[0].Float()), int64(args[1].Float()))
		return nil
	})
	defer cb.Release()
	v, err := await(d.host.Call("fetchData", url, cb))
	if err != nil {
		return nil, err
	}
	return goBytes(v), nil
}

// replaceQuery puts the settings into the address bar without a reload or
// a history entry.
func replaceQuery(q string) {
	js.Global().Get("history").Call("replaceState", nil, "", "?"+q)
}

// performanceNow returns the page's clock in milliseconds since navigation.
func performanceNow() float64 { return js.Global().Get("performance").Call("now").Float() }

func formatBytes(n int64) string {
	return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + " MB"
}
