//go:build js && wasm

package bridge

import "strings"

// Form helpers for controls whose choices change with the model (the
// plane's latent dimensions) and for fields refused beside their message.

// SetOptions replaces the options of the <select> with the given id by
// values with their labels (as text), when they differ from what is there,
// and selects selected.
func (d *DOM) SetOptions(id string, values, labels []string, selected string) {
	key := id + ".options"
	want := strings.Join(values, "\x00") + "\x01" + strings.Join(labels, "\x00")
	sel := d.El(id)
	if !sel.Truthy() {
		return
	}
	if d.text[key] != want {
		d.text[key] = want
		sel.Set("textContent", "")
		for i, v := range values {
			o := d.Doc.Call("createElement", "option")
			o.Set("value", v)
			o.Set("textContent", labels[i])
			sel.Call("appendChild", o)
		}
	}
	if sel.Get("value").String() != selected {
		sel.Set("value", selected)
	}
}

// SetInvalid marks a field as refused (aria-invalid="true", which the
// style sheet outlines) or accepted.
func (d *DOM) SetInvalid(id string, invalid bool) {
	key := id + ".invalid"
	if old, ok := d.flags[key]; ok && old == invalid {
		return
	}
	d.flags[key] = invalid
	e := d.El(id)
	if !e.Truthy() {
		return
	}
	if invalid {
		e.Call("setAttribute", "aria-invalid", "true")
	} else {
		e.Call("removeAttribute", "aria-invalid")
	}
}
