//go:build js && wasm

package bridge

// Form helpers for controls whose choices change with the model (the
// plane's latent dimensions) and for fields refused beside their message.

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
