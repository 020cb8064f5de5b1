//go:build js && wasm

// Package bridge is the page's side of JavaScript: element access with
// write caching, event handlers, promises, downloads with progress, the
// address bar, the clock, the window.govae hooks and 2-D canvas drawing.
// The rest of the page reaches the browser through it, so that syscall/js
// is imported in few places (this package, the Web Worker pool of package
// train, the text rasteriser of package explorer and the lab's drawing pad).
package bridge

import (
	"errors"
	"sync"
	"syscall/js"
)

// DOM is the bridge to the page's document: element access with write caching (the
// page is updated every frame, the DOM only when something changed) and
// the host functions loader.js provides as window.govaeHost.
type DOM struct {
	Doc, Host js.Value
	text      map[string]string
	flags     map[string]bool
	funcs     []js.Func // event handlers, alive for the page's lifetime

	task     chan struct{} // a new task started (see nextTask)
	taskFunc js.Func
}

// NewDOM binds the page's document and window.govaeHost.
func NewDOM() *DOM {
	d := &DOM{
		Doc:   js.Global().Get("document"),
		Host:  js.Global().Get("govaeHost"),
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

// NextTask blocks the calling goroutine until the browser runs a new task
// (a 0 ms timeout). A goroutine sleeping on a Go timer instead could wake
// inside an animation frame's task, which Go runs to the end of every
// runnable goroutine: the frame and a work slice would then make one long
// task.
func (d *DOM) NextTask() {
	js.Global().Call("setTimeout", d.taskFunc, 0)
	<-d.task
}

// El returns the element with the given id (null when there is none).
func (d *DOM) El(id string) js.Value { return d.Doc.Call("getElementById", id) }

// SetText sets an element's textContent (never HTML).
func (d *DOM) SetText(id, s string) {
	if old, ok := d.text[id]; ok && old == s {
		return
	}
	d.text[id] = s
	if e := d.El(id); e.Truthy() {
		e.Set("textContent", s)
	}
}

// SetClass sets an element's class attribute.
func (d *DOM) SetClass(id, cls string) {
	key := id + ".class"
	if old, ok := d.text[key]; ok && old == cls {
		return
	}
	d.text[key] = cls
	if e := d.El(id); e.Truthy() {
		e.Set("className", cls)
	}
}

// SetValue sets an input's value.
func (d *DOM) SetValue(id, v string) {
	if e := d.El(id); e.Truthy() {
		e.Set("value", v)
	}
}

// SetBool sets a boolean property (hidden, disabled, checked) of an element.
func (d *DOM) SetBool(id, prop string, v bool) {
	key := id + "." + prop
	if old, ok := d.flags[key]; ok && old == v {
		return
	}
	d.flags[key] = v
	if e := d.El(id); e.Truthy() {
		e.Set(prop, v)
	}
}

// SetProgress shows a progress bar at got of total bytes (an indeterminate
// bar when total is unknown).
func (d *DOM) SetProgress(id string, got, total int64) {
	e := d.El(id)
	if !e.Truthy() {
		return
	}
	if total > 0 {
		e.Set("value", float64(got)/float64(total))
	} else {
		e.Call("removeAttribute", "value")
	}
}

// On calls f when the element fires event. f runs inside the browser's
// event dispatch, so it must not block: the game posts work to its loop.
func (d *DOM) On(id, event string, f func(target js.Value)) {
	fn := js.FuncOf(func(this js.Value, args []js.Value) any {
		f(this)
		return nil
	})
	d.funcs = append(d.funcs, fn)
	d.El(id).Call("addEventListener", event, fn)
}

// ShowError adds an error box to the page.
func (d *DOM) ShowError(title, detail string) { d.Host.Call("error", title, detail) }

// Await blocks the calling goroutine (never the game loop) until the
// promise settles.
func Await(p js.Value) (js.Value, error) {
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
		ch <- result{err: JSError(args[0])}
		return nil
	})
	defer then.Release()
	defer catch.Release()
	p.Call("then", then, catch)
	r := <-ch
	return r.v, r.err
}

// JSError converts a JavaScript exception or rejection reason to an error.
func JSError(v js.Value) error {
	if v.Type() == js.TypeObject && v.Get("message").Type() == js.TypeString {
		return errors.New(v.Get("message").String())
	}
	return errors.New(v.String())
}

// GoBytes copies a Uint8Array into Go memory.
func GoBytes(v js.Value) []byte {
	b := make([]byte, v.Get("length").Int())
	js.CopyBytesToGo(b, v)
	return b
}

// FetchData downloads url through loader.js's fetchData (which gunzips
// .gz files natively when it can), reporting progress.
func (d *DOM) FetchData(url string, progress func(got, total int64)) ([]byte, error) {
	cb := js.FuncOf(func(_ js.Value, args []js.Value) any {
		progress(int64(args[0].Float()), int64(args[1].Float()))
		return nil
	})
	defer cb.Release()
	v, err := Await(d.Host.Call("fetchData", url, cb))
	if err != nil {
		return nil, err
	}
	return GoBytes(v), nil
}

// ReplaceQuery puts the settings into the address bar without a reload or
// a history entry.
func ReplaceQuery(q string) {
	js.Global().Get("history").Call("replaceState", nil, "", "?"+q)
}

// PerformanceNow returns the page's clock in milliseconds since navigation.
func PerformanceNow() float64 { return js.Global().Get("performance").Call("now").Float() }

// Text returns what SetText last wrote into the element (the page's own
// messages, read back without touching the DOM).
func (d *DOM) Text(id string) string { return d.text[id] }

// Wrote records that the element's content was replaced by other means
// (children appended) and now stands for s, so that SetText(id, s) leaves
// it alone and any other SetText writes.
func (d *DOM) Wrote(id, s string) { d.text[id] = s }

// Keep keeps fn alive for the page's lifetime (a handler added to an
// element the page created itself).
func (d *DOM) Keep(fn js.Func) { d.funcs = append(d.funcs, fn) }

// HardwareConcurrency returns navigator.hardwareConcurrency, the number of
// logical cores the browser reports (which may not be the truth).
func HardwareConcurrency() int { return js.Global().Get("navigator").Get("hardwareConcurrency").Int() }

// Promise runs f on a goroutine and returns a JavaScript Promise of its
// result, rejected with an Error carrying err's text.
func Promise(f func() (any, error)) js.Value {
	var executor js.Func
	executor = js.FuncOf(func(_ js.Value, args []js.Value) any {
		resolve, reject := args[0], args[1]
		go func() {
			defer executor.Release()
			v, err := f()
			if err != nil {
				reject.Invoke(js.Global().Get("Error").New(err.Error()))
				return
			}
			resolve.Invoke(js.ValueOf(v))
		}()
		return nil
	})
	return js.Global().Get("Promise").New(executor)
}

// Hook installs window.govae[name] as f, run under lock: hooks are called
// by JavaScript between the game's slices, and take the lock the game loop
// holds while it works.
func (d *DOM) Hook(name string, lock sync.Locker, f func(args []js.Value) any) {
	fn := js.FuncOf(func(_ js.Value, args []js.Value) any {
		lock.Lock()
		defer lock.Unlock()
		return f(args)
	})
	d.funcs = append(d.funcs, fn)
	js.Global().Get("govae").Set(name, fn)
}
