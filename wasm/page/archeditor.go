//go:build js && wasm

package page

import (
	"fmt"
	"strings"
	"syscall/js"

	"github.com/govae/govae/core"
	"github.com/govae/govae/wasm/bridge"
	"github.com/govae/govae/wasm/view"
)

// archEditor is the architecture editor in the train panel (issue 11,
// index.html's <details id="arch-box">): the hidden layers of the encoder
// and the decoder (0–4 each, 8–1024 units), the latent size (2–16), the
// activation, batch norm and the dropout rate. Every field is checked as it
// is typed, with its message beside it; Apply builds fresh weights of the
// whole architecture (like Reset) only when every field is valid — until
// then nothing changes. The architecture shown in words is that of the
// model trained; a model of another one (a loaded file, back to
// pretrained) resets the editor to it.
type archEditor struct {
	dom      *bridge.DOM
	settings *view.Settings
	url      *urlState
	post     func(func())
	apply    func() bool // fresh weights of Settings.Arch (the session's Reset); false before the page is ready

	form    view.ArchForm
	current string // the Settings.Arch the form was last reset to
}

// archSides names the editor's two lists of hidden layers: the side as
// view.ArchForm and core's errors name it, and its element ids' prefix.
var archSides = [2]struct{ side, id string }{{"encoder", "arch-enc"}, {"decoder", "arch-dec"}}

// archMaxLayers is how many layer rows index.html has per side.
var archMaxLayers = core.EditorLimits().MaxLayers

func newArchEditor(dom *bridge.DOM, settings *view.Settings, url *urlState, post func(func()), apply func() bool) *archEditor {
	e := &archEditor{dom: dom, settings: settings, url: url, post: post, apply: apply}
	for _, sd := range archSides {
		for k := 1; k <= archMaxLayers; k++ {
			dom.On(fmt.Sprintf("%s-%d", sd.id, k), "input", func(t js.Value) {
				v := t.Get("value").String()
				post(func() {
					if ls := *e.form.Layers(sd.side); k <= len(ls) {
						ls[k-1] = v
						e.check()
					}
				})
			})
			dom.On(fmt.Sprintf("%s-del-%d", sd.id, k), "click", func(js.Value) {
				post(func() { e.edit(sd.id, e.form.RemoveLayer(sd.side, k)) })
			})
		}
		dom.On(sd.id+"-add", "click", func(js.Value) {
			post(func() { e.edit(sd.id, e.form.AddLayer(sd.side)) })
		})
	}
	text := func(id string, set func(string)) {
		dom.On(id, "input", func(t js.Value) {
			v := t.Get("value").String()
			post(func() { set(v); e.check() })
		})
	}
	text("arch-latent", func(v string) { e.form.Latent = v })
	text("arch-dropout", func(v string) { e.form.Dropout = v })
	dom.On("arch-act", "change", func(t js.Value) {
		v := t.Get("value").String()
		post(func() { e.form.Activation = v; e.check() })
	})
	dom.On("arch-bn", "change", func(t js.Value) {
		on := t.Get("checked").Bool()
		post(func() { e.form.BatchNorm = on; e.check() })
	})
	dom.On("arch-apply", "click", func(js.Value) { post(e.applyForm) })
	dom.On("arch-revert", "click", func(js.Value) {
		post(func() {
			e.current = "" // follow resets the form
			e.follow()
		})
	})
	e.follow()
	return e
}

// edit follows a layer added or removed (err: refused, shown under the
// side's list).
func (e *archEditor) edit(sideID string, err error) {
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	e.render()
	e.dom.SetText(sideID+"-msg", msg)
}

// follow resets the form when the architecture trained changed (Apply, a
// loaded file, back to pretrained, the page's start) and puts it in the
// panel's title and the URL.
func (e *archEditor) follow() {
	if e.settings.Arch == e.current {
		return
	}
	e.current = e.settings.Arch
	a, err := view.ParseArch(e.current)
	if err != nil {
		a = core.DefaultArchitecture() // Settings.Arch is only ever set valid
	}
	e.form = view.NewArchForm(a)
	e.dom.SetText("arch-words", a.String())
	e.dom.SetText("arch-msg", "")
	e.render()
	e.url.changed()
}

// render writes the form into the controls: the layer rows shown and their
// widths, the other fields, and the fields' messages.
func (e *archEditor) render() {
	d := e.dom
	for _, sd := range archSides {
		ls := *e.form.Layers(sd.side)
		for k := 1; k <= archMaxLayers; k++ {
			d.SetBool(fmt.Sprintf("%s-row-%d", sd.id, k), "hidden", k > len(ls))
			if k <= len(ls) {
				d.SetValue(fmt.Sprintf("%s-%d", sd.id, k), ls[k-1])
			}
		}
		d.SetBool(sd.id+"-add", "disabled", len(ls) >= archMaxLayers)
		d.SetText(sd.id+"-msg", "")
	}
	d.SetValue("arch-latent", e.form.Latent)
	d.SetValue("arch-dropout", e.form.Dropout)
	d.SetValue("arch-act", e.form.Activation)
	d.El("arch-bn").Set("checked", e.form.BatchNorm)
	e.check()
}

// fieldID returns the element that shows field's value ("" for the
// whole model's, shown under Apply).
func fieldID(field string) string {
	switch field {
	case "latent", "dropout":
		return "arch-" + field
	case "activation":
		return "arch-act"
	case "encoder", "decoder":
		return "arch-" + field[:3]
	}
	if side, k, ok := strings.Cut(field, "."); ok {
		for _, sd := range archSides {
			if sd.side == side {
				return sd.id + "-" + k
			}
		}
	}
	return ""
}

// check validates the form and shows each field's message beside it, and
// what Apply would build.
func (e *archEditor) check() {
	a, errs := e.form.Check()
	msgs := map[string]string{}
	for _, fe := range errs {
		msgs[fieldID(fe.Field)] += fe.Msg
	}
	d := e.dom
	ids := []string{"arch-latent", "arch-dropout", "arch-act"}
	for _, sd := range archSides {
		for k := 1; k <= archMaxLayers; k++ {
			ids = append(ids, fmt.Sprintf("%s-%d", sd.id, k))
		}
	}
	for _, id := range ids {
		d.SetText(id+"-msg", msgs[id])
		d.SetInvalid(id, msgs[id] != "")
	}
	for _, sd := range archSides {
		if m := msgs[sd.id]; m != "" {
			d.SetText(sd.id+"-msg", m)
		}
	}
	switch {
	case errs != nil:
		d.SetText("arch-draft", "")
		d.SetText("arch-msg", msgs[""])
	case view.FormatArch(a) == e.current:
		d.SetText("arch-draft", "")
		d.SetText("arch-msg", "")
	default:
		d.SetText("arch-draft", "Apply builds "+a.String()+" with fresh random weights.")
		d.SetText("arch-msg", "")
	}
}

// applyForm builds fresh weights of the form's architecture, when every
// field is valid; otherwise it changes nothing and says so.
func (e *archEditor) applyForm() {
	a, errs := e.form.Check()
	if errs != nil {
		e.check()
		e.dom.SetText("arch-msg", fmt.Sprintf("Not applied: %d field(s) to correct, marked above. The model is unchanged.", len(errs)))
		return
	}
	old := e.settings.Arch
	if err := e.settings.Set(view.ArchKey, view.FormatArch(a)); err != nil {
		e.dom.SetText("arch-msg", "Not applied: "+err.Error()) // cannot happen: Check used the same rules
		return
	}
	if !e.apply() {
		e.settings.Arch = old
		e.dom.SetText("arch-msg", "Not applied: the page is still starting; try again in a moment.")
		return
	}
	e.follow()
	e.dom.SetText("arch-note", "Applied: fresh random weights of "+a.String()+". Train to fit them.")
}
