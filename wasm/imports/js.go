//go:build js && wasm

package imports

import (
	"encoding/json"
	"fmt"
	"syscall/js"
)

// ToJS returns the message {h: header as JSON, name: Uint8Array…} and the
// array of buffers to transfer with it. arrays may be nil.
func ToJS(header any, arrays map[string][]byte) (obj, transfer js.Value) {
	h, err := json.Marshal(header)
	if err != nil {
		h, _ = json.Marshal(Reply{Kind: Failed, Err: "message not sent: " + err.Error()})
	}
	obj = js.Global().Get("Object").New()
	obj.Set("h", string(h))
	transfer = js.Global().Get("Array").New()
	for name, b := range arrays {
		u8 := js.Global().Get("Uint8Array").New(len(b))
		js.CopyBytesToJS(u8, b)
		obj.Set(name, u8)
		transfer.Call("push", u8.Get("buffer"))
	}
	return obj, transfer
}

// FromJS decodes a message made by ToJS into header (a *Request or
// *Reply); Bytes copies out its arrays.
func FromJS(v js.Value, header any) error {
	if v.Type() != js.TypeObject || v.Get("h").Type() != js.TypeString {
		return fmt.Errorf("not a govae import message: %s", v.Type())
	}
	return json.Unmarshal([]byte(v.Get("h").String()), header)
}

// Bytes copies the message's Uint8Array name into Go memory; nil when it
// has none.
func Bytes(v js.Value, name string) []byte {
	a := v.Get(name)
	if a.Type() != js.TypeObject || a.Get("length").Type() != js.TypeNumber {
		return nil
	}
	b := make([]byte, a.Get("length").Int())
	js.CopyBytesToGo(b, a)
	return b
}
