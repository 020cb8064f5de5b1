//go:build js && wasm

// Command exportworker is govae's export Web Worker (export.wasm): it makes
// the pictures the page exports — the plane as a PNG, a training timeline
// as an animated GIF — with package render (package picture and the Go
// fonts), off the page's thread. export.js loads it on the page's first
// export, so that the page's own binary, which a visitor downloads before
// the first picture, links neither the image encoders nor the fonts.
//
// Messages from the page: {id, request (exportjob.Request as JSON), frames
// (an array of {meta: exportjob.Meta's JSON, data: a Uint8Array of its
// grey levels; for weights, data is the file)}. Replies:
// {id, progress (0–1)} now and then while a GIF is made, then either {id,
// name, mime, bytes (a Uint8Array, its buffer transferred), width, height,
// frames} or {id, error}. Jobs run one after the other.
package main

import (
	"syscall/js"
	"time"

	"github.com/govae/govae/wasm/exportworker/render"
	"github.com/govae/govae/wasm/picture/gotext"
)

// progressEvery is the least time between two progress messages: each one
// is work for the page's thread (a message, a repaint of the bar).
const progressEvery = 200 * time.Millisecond

func main() {
	jobs := make(chan js.Value, 8)
	js.Global().Set("govaeExportRun", js.FuncOf(func(_ js.Value, args []js.Value) any {
		jobs <- args[0] // handlers must not block: the loop below works
		return nil
	}))
	text, err := gotext.New()
	js.Global().Call("govaeExportStarted")
	for msg := range jobs {
		id := msg.Get("id")
		if err != nil {
			post(map[string]any{"id": id, "error": "the exporter's fonts could not be read: " + err.Error()}, nil)
			continue
		}
		frames := msg.Get("frames")
		data := make([]render.Frame, frames.Length())
		for i := range data {
			f := frames.Index(i)
			if m := f.Get("meta"); m.Type() == js.TypeString {
				data[i].Meta = m.String()
			}
			data[i].Data = make([]byte, f.Get("data").Length())
			js.CopyBytesToGo(data[i].Data, f.Get("data"))
		}
		var last time.Time
		f, err := render.Run(msg.Get("request").String(), data, text, func(x float64) {
			if now := time.Now(); now.Sub(last) >= progressEvery {
				last = now
				post(map[string]any{"id": id, "progress": x}, nil)
			}
		})
		if err != nil {
			post(map[string]any{"id": id, "error": err.Error()}, nil)
			continue
		}
		arr := js.Global().Get("Uint8Array").New(len(f.Data))
		js.CopyBytesToJS(arr, f.Data)
		post(map[string]any{"id": id, "name": f.Name, "mime": f.MIME, "bytes": arr,
			"width": f.Width, "height": f.Height, "frames": f.Frames}, []any{arr.Get("buffer")})
	}
}

// post sends a message to the page, transferring the buffers listed.
func post(msg map[string]any, transfer []any) {
	if transfer == nil {
		transfer = []any{}
	}
	js.Global().Call("postMessage", msg, transfer)
}
