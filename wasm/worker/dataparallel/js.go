//go:build js && wasm

package dataparallel

import (
	"encoding/json"
	"fmt"
	"syscall/js"
	"unsafe"
)

// A message crosses postMessage as {h: JSON header, grad, values, state,
// pixels: Float32Array, bytes, weights: Uint8Array}. The typed arrays are
// fresh copies of the Go slices and are transferred, not copied again.

// ToJS returns m as a JavaScript object and the array of buffers to
// transfer with it.
func ToJS(m *Message) (obj, transfer js.Value) {
	h, err := json.Marshal(m)
	if err != nil {
		// Only a non-finite number can fail; say so rather than crash.
		bad := Message{Kind: Failed, Fatal: true, From: m.From, Err: fmt.Sprintf("message %d not sent: %v", m.Kind, err)}
		h, _ = json.Marshal(&bad)
	}
	obj = js.Global().Get("Object").New()
	obj.Set("h", string(h))
	transfer = js.Global().Get("Array").New()
	put := func(name string, v js.Value) {
		obj.Set(name, v)
		transfer.Call("push", v.Get("buffer"))
	}
	for _, f := range []struct {
		name string
		v    []float32
	}{{"grad", m.Grad}, {"values", m.Values}, {"state", m.State}, {"pixels", m.Pixels}} {
		if f.v != nil {
			put(f.name, float32sToJS(f.v))
		}
	}
	for _, f := range []struct {
		name string
		v    []byte
	}{{"bytes", m.Bytes}, {"weights", m.Weights}, {"checkpoint", m.Checkpoint}} {
		if f.v != nil {
			put(f.name, bytesToJS(f.v))
		}
	}
	return obj, transfer
}

// FromJS decodes a message made by ToJS. Float arrays are copied into the
// slices buf returns for them (buf may return nil, or be nil, to allocate).
func FromJS(v js.Value, buf func(h *Message, field string, n int) []float32) (*Message, error) {
	if v.Type() != js.TypeObject || v.Get("h").Type() != js.TypeString {
		return nil, fmt.Errorf("not a govae message: %s", v.Type())
	}
	m := new(Message)
	if err := json.Unmarshal([]byte(v.Get("h").String()), m); err != nil {
		return nil, err
	}
	floats := func(field string) []float32 {
		a := v.Get(field)
		if a.Type() != js.TypeObject {
			return nil
		}
		n := a.Get("length").Int()
		var dst []float32
		if buf != nil {
			dst = buf(m, field, n)
		}
		if len(dst) < n {
			dst = make([]float32, n)
		}
		dst = dst[:n]
		if n > 0 {
			u8 := js.Global().Get("Uint8Array").New(a.Get("buffer"), a.Get("byteOffset"), a.Get("byteLength"))
			js.CopyBytesToGo(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(dst))), 4*n), u8)
		}
		return dst
	}
	bytes := func(field string) []byte {
		a := v.Get(field)
		if a.Type() != js.TypeObject {
			return nil
		}
		b := make([]byte, a.Get("length").Int())
		js.CopyBytesToGo(b, a)
		return b
	}
	m.Grad, m.Values, m.State, m.Pixels = floats("grad"), floats("values"), floats("state"), floats("pixels")
	m.Bytes, m.Weights, m.Checkpoint = bytes("bytes"), bytes("weights"), bytes("checkpoint")
	return m, nil
}

// spare holds ArrayBuffers given back by the receiver of a message
// (Recycle), by byte length, for the next message of that size. Worker 0
// sends the page 1.9 MB of weights up to 20 times a second; without reuse each
// copy is garbage in the page, and Chromium let the page's JS heap climb to
// 2 GB between collections in a 10-minute soak.
var spare = map[int][]js.Value{}

// maxSpare bounds the buffers kept per size, maxSizes the sizes kept: a
// buffer of a size no longer sent (a checkpoint of another run) must not be
// held for ever.
const (
	maxSpare = 4
	maxSizes = 8
)

// Recycle keeps the ArrayBuffer buf, transferred back by the receiver of a
// message, for reuse by a later message of the same byte length.
func Recycle(buf js.Value) {
	if buf.Type() != js.TypeObject || buf.Get("byteLength").Type() != js.TypeNumber {
		return
	}
	n := buf.Get("byteLength").Int()
	if _, ok := spare[n]; !ok && len(spare) >= maxSizes {
		clear(spare)
	}
	if n > 0 && len(spare[n]) < maxSpare {
		spare[n] = append(spare[n], buf)
	}
}

// RecycleList is the list of buffers of a received message worth giving
// back to its sender: its float arrays and checkpoint of at least minBytes.
func RecycleList(v js.Value, minBytes int) js.Value {
	list := js.Global().Get("Array").New()
	for _, field := range []string{"grad", "values", "state", "pixels", "checkpoint"} {
		if a := v.Get(field); a.Type() == js.TypeObject && a.Get("byteLength").Int() >= minBytes {
			list.Call("push", a.Get("buffer"))
		}
	}
	return list
}

func float32sToJS(f []float32) js.Value {
	n := 4 * len(f)
	if s := spare[n]; len(s) > 0 && n > 0 {
		buf := s[len(s)-1]
		spare[n] = s[:len(s)-1]
		u8 := js.Global().Get("Uint8Array").New(buf)
		js.CopyBytesToJS(u8, unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(f))), n))
		return js.Global().Get("Float32Array").New(buf)
	}
	u8 := js.Global().Get("Uint8Array").New(4 * len(f))
	if len(f) > 0 {
		js.CopyBytesToJS(u8, unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(f))), 4*len(f)))
	}
	return js.Global().Get("Float32Array").New(u8.Get("buffer"))
}

func bytesToJS(b []byte) js.Value {
	if s := spare[len(b)]; len(s) > 0 && len(b) > 0 { // a checkpoint's buffer, given back
		buf := s[len(s)-1]
		spare[len(b)] = s[:len(s)-1]
		u8 := js.Global().Get("Uint8Array").New(buf)
		js.CopyBytesToJS(u8, b)
		return u8
	}
	u8 := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(u8, b)
	return u8
}
