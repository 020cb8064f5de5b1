//go:build js && wasm

// Command importworker is govae's import worker (importer.wasm): it turns
// the image files a visitor drops on the page into a training set off the
// page's main thread, with package importer, and answers in package
// imports' protocol. The page starts it on the first import in a Web
// Worker booted by worker.js (as the training workers are, with the wasm's
// URL instead of a compiled module), so that the image decoders
// (core/imageset) are not part of the page's own wasm, which every visitor
// downloads.
package main

import (
	"fmt"
	"syscall/js"
	"time"

	"github.com/govae/govae/core/imageset"
	"github.com/govae/govae/wasm/bridge"
	"github.com/govae/govae/wasm/importer"
	"github.com/govae/govae/wasm/imports"
)

func main() {
	job := importer.New()
	requests := make(chan js.Value, 16)
	js.Global().Set("govaeReceive", js.FuncOf(func(_ js.Value, args []js.Value) any {
		requests <- args[0]
		return nil
	}))
	js.Global().Call("govaeStarted") // worker.js hands over the messages queued so far
	for msg := range requests {      // one request at a time, in order
		handle(job, msg)
	}
}

// post sends a reply to the page, transferring its arrays.
func post(r *imports.Reply, arrays map[string][]byte) {
	obj, transfer := imports.ToJS(r, arrays)
	js.Global().Call("postMessage", obj, transfer)
}

func handle(job *importer.Job, msg js.Value) {
	var req imports.Request
	if err := imports.FromJS(msg, &req); err != nil {
		post(&imports.Reply{Kind: imports.Failed, Err: err.Error()}, nil)
		return
	}
	switch req.Kind {
	case imports.Save:
		post(job.Save(req.Seq))
	case imports.Import:
		files, r := read(job, req.Seq, msg.Get(imports.Files))
		if r != nil {
			post(r, nil)
			return
		}
		var last time.Time
		post(job.Run(req.Seq, files, func(p *imports.Reply) {
			if now := time.Now(); now.Sub(last) >= 100*time.Millisecond {
				last = now
				post(p, nil)
			}
		}))
	default:
		post(&imports.Reply{Kind: imports.Failed, Seq: req.Seq, Err: fmt.Sprintf("unknown request %q", req.Kind)}, nil)
	}
}

// read reads the File objects into memory, once their sizes (as the
// browser reports them) are known to fit the import's limit; a reply is
// returned instead when they do not, or a file cannot be read.
func read(job *importer.Job, seq int, list js.Value) ([]imageset.Input, *imports.Reply) {
	if list.Type() != js.TypeObject || list.Get("length").Type() != js.TypeNumber {
		return nil, &imports.Reply{Kind: imports.Failed, Seq: seq, Err: "no files in the request"}
	}
	n := list.Get("length").Int()
	sizes := make([]int64, n)
	for i := range sizes {
		sizes[i] = int64(list.Index(i).Get("size").Float())
	}
	if r := job.CheckSizes(seq, sizes); r != nil {
		return nil, r
	}
	files := make([]imageset.Input, n)
	for i := range files {
		f := list.Index(i)
		files[i].Name = f.Get("name").String()
		buf, err := bridge.Await(f.Call("arrayBuffer"))
		if err != nil {
			return nil, &imports.Reply{Kind: imports.Done, Seq: seq, Files: n, Skipped: n,
				Err: fmt.Sprintf("%s could not be read: %v; nothing was imported", files[i].Name, err)}
		}
		files[i].Data = bridge.GoBytes(js.Global().Get("Uint8Array").New(buf))
	}
	return files, nil
}
