//go:build js && wasm

package lab

import (
	"fmt"
	"syscall/js"
	"time"

	"github.com/govae/govae/wasm/bridge"
	"github.com/govae/govae/wasm/view"
)

// Panel 6, continued: the checkpoints the page keeps in the browser — the
// automatic one and those the visitor names — listed with their step and
// size, each to load or delete.

// Keeper keeps checkpoints of the training run in the browser; the page
// implements it. Each call reports its outcome to done, on the game loop,
// as a message for the visitor.
type Keeper interface {
	// Keep saves the run as it is now under name.
	Keep(name string, done func(msg string, ok bool))
	// Restore makes the kept run name the one shown and trained.
	Restore(name string, done func(msg string, ok bool))
	// Delete removes the kept run name.
	Delete(name string, done func(msg string, ok bool))
}

// Kept describes one kept checkpoint.
type Kept struct {
	Name    string
	Auto    bool    // the page's own, saved every few seconds while training
	Step    int     // optimiser steps of the run
	Epoch   int     // completed passes over the data
	SavedAt float64 // milliseconds since 1970
	Bytes   int
	Label   string // what the weights were
}

// KeptPanel is the list of kept checkpoints in the lab's Keep and share
// panel (index.html: #lab-keep-name, #lab-keep, #lab-kept, #lab-keep-msg).
type KeptPanel struct {
	dom    *bridge.DOM
	keeper Keeper
	post   func(func())
}

// NewKeptPanel binds the panel's controls to keeper; post queues work for
// the game loop (the lab's Host.Post).
func NewKeptPanel(dom *bridge.DOM, keeper Keeper, post func(func())) *KeptPanel {
	p := &KeptPanel{dom: dom, keeper: keeper, post: post}
	dom.On("lab-keep", "click", func(js.Value) {
		name := dom.El("lab-keep-name").Get("value").String()
		post(func() { keeper.Keep(name, p.say) })
	})
	// One listener for the list's buttons: each says its action and name.
	list := dom.El("lab-kept")
	fn := js.FuncOf(func(_ js.Value, args []js.Value) any {
		b := args[0].Get("target").Call("closest", "button[data-action]")
		if !b.Truthy() {
			return nil
		}
		action, name := b.Get("dataset").Get("action").String(), b.Get("dataset").Get("name").String()
		post(func() {
			switch action {
			case "load":
				keeper.Restore(name, p.say)
			case "delete":
				keeper.Delete(name, p.say)
			}
		})
		return nil
	})
	dom.Keep(fn)
	list.Call("addEventListener", "click", fn)
	return p
}

// say shows an outcome under the panel's buttons (as text).
func (p *KeptPanel) say(msg string, ok bool) { p.dom.SetMsg("lab-keep-msg", msg, ok) }

// Show lists the kept checkpoints, newest first; note, when not empty,
// says why nothing can be kept.
func (p *KeptPanel) Show(list []Kept, note string) {
	ul := p.dom.El("lab-kept")
	if !ul.Truthy() {
		return
	}
	ul.Set("textContent", "")
	doc := p.dom.Doc
	if note != "" || len(list) == 0 {
		li := doc.Call("createElement", "li")
		li.Set("className", "note")
		if note == "" {
			note = "Nothing kept yet: train, and the page keeps your run by itself; name it to keep it for later."
		}
		li.Set("textContent", note)
		ul.Call("appendChild", li)
	}
	for _, k := range list {
		li := doc.Call("createElement", "li")
		name := k.Name
		if k.Auto {
			name = "automatic (the run in progress)"
		}
		when := time.UnixMilli(int64(k.SavedAt)).Local().Format("2 Jan 15:04")
		text := doc.Call("createElement", "span")
		text.Set("textContent", fmt.Sprintf("%s — step %d, epoch %d, %s, %s", name, k.Step, k.Epoch, when, view.FormatBytes(int64(k.Bytes))))
		li.Call("appendChild", text)
		for _, a := range []struct{ action, label string }{{"load", "Load"}, {"delete", "Delete"}} {
			b := doc.Call("createElement", "button")
			b.Set("type", "button")
			b.Set("textContent", a.label)
			b.Get("dataset").Set("action", a.action)
			b.Get("dataset").Set("name", k.Name)
			b.Call("setAttribute", "aria-label", a.label+" "+name)
			li.Call("appendChild", b)
		}
		ul.Call("appendChild", li)
	}
}
