//go:build js && wasm

package page

import (
	"fmt"
	"syscall/js"

	"github.com/govae/govae/wasm/bridge"
	"github.com/govae/govae/wasm/imports"
	"github.com/govae/govae/wasm/view"
)

// ownImages is "Your own images" in the panel (index.html's #own): the
// visitor drops or chooses image files — PNG, JPEG, GIF, .zip archives of
// them, or a saved IDX pair — and an import worker (importer.wasm, booted by
// worker.js on the first import so that the image decoders never weigh on
// the page's first paint) decodes and normalises them off
// the main thread with core/imageset. The panel shows the progress, how
// many were imported and why the others were skipped, and a contact sheet
// of the images as the model sees them (an orange frame marks those whose
// light background was inverted). A usable set becomes the data set shown
// and trained, with fresh weights (datasets.useOwn); one that is not
// changes nothing. Save downloads the set as an IDX pair, which the same
// chooser loads again.
//
// It lives in the train panel rather than the lab: it chooses what the
// plane is trained on, beside the data-set menu and the Train button.
type ownImages struct {
	dom    *bridge.DOM
	data   *datasets
	post   func(func())
	worker *bridge.Worker // nil until the first import
	seq    int            // of the last request
	state  string         // "", "importing", "done", "failed"
	last   imports.Reply  // the last progress or outcome
	err    string         // why the last import imported nothing, or the worker failed
}

// maxShown bounds the imported images the page shows as its test images
// (reconstructions, overlay, the lab): as many as MNIST's test set.
const maxShown = 10_000

// Inverted-frame colour on the contact sheet (the chart's reconstruction
// orange).
var invertedFrame = [3]byte{255, 166, 87}

func newOwnImages(dom *bridge.DOM, data *datasets, post func(func())) *ownImages {
	o := &ownImages{dom: dom, data: data, post: post}
	data.ui = o
	dom.On("own-files", "change", func(t js.Value) {
		files := t.Get("files")
		o.importFiles(files)
		t.Set("value", "") // the same files can be chosen again
	})
	dom.OnEvent("own-drop", "dragover", true, func(js.Value) { dom.SetClass("own-drop", "drop over") })
	dom.OnEvent("own-drop", "dragleave", false, func(js.Value) { dom.SetClass("own-drop", "drop") })
	dom.OnEvent("own-drop", "drop", true, func(ev js.Value) {
		dom.SetClass("own-drop", "drop")
		if dt := ev.Get("dataTransfer"); dt.Truthy() {
			o.importFiles(dt.Get("files"))
		}
	})
	dom.On("own-save", "click", func(js.Value) { post(o.save) })
	return o
}

// importFiles sends the files (a FileList) to the import worker. It runs in
// an event handler: the files are passed on as they are, unread.
func (o *ownImages) importFiles(files js.Value) {
	if !files.Truthy() || files.Get("length").Int() == 0 {
		return
	}
	list := js.Global().Get("Array").Call("from", files)
	o.post(func() {
		if o.state == "importing" {
			o.show("An import is under way; wait for it to finish.", false)
			return
		}
		o.startWorker()
		o.seq++
		o.state, o.err, o.last = "importing", "", imports.Reply{Total: list.Length()}
		obj, _ := imports.ToJS(imports.Request{Kind: imports.Import, Seq: o.seq}, nil)
		obj.Set(imports.Files, list)
		o.worker.Post(obj, nil)
		o.render()
	})
}

// startWorker starts the import worker when there is none.
func (o *ownImages) startWorker() {
	if o.worker != nil {
		return
	}
	o.worker = bridge.StartWorker("worker.js", func(d js.Value) {
		var r imports.Reply
		err := imports.FromJS(d, &r)
		arrays := map[string][]byte{}
		if err == nil && r.Kind == imports.Done && r.Err == "" || r.Kind == imports.Saved {
			for _, k := range []string{imports.TrainImages, imports.TrainLabels, imports.HeldImages, imports.HeldLabels,
				imports.Sheet, imports.Inverted, imports.Images, imports.Labels} {
				arrays[k] = imports.Bytes(d, k)
			}
		}
		o.post(func() {
			if err != nil {
				o.fail("the import worker sent a bad message: " + err.Error())
				return
			}
			o.receive(&r, arrays)
		})
	}, func(msg string) {
		o.post(func() { o.fail(msg) })
	})
	boot := js.Global().Get("Object").New()
	boot.Set("id", 0)
	boot.Set("n", 1)
	boot.Set("url", "importer.wasm")
	boot.Set("name", "the import worker")
	boot.Set("ports", js.Global().Get("Array").New())
	msg := js.Global().Get("Object").New()
	msg.Set("boot", boot)
	o.worker.Post(msg, nil)
}

// fail reports that the worker failed; the next import starts a new one.
func (o *ownImages) fail(msg string) {
	if o.worker != nil {
		o.worker.Terminate()
		o.worker = nil
	}
	o.state, o.err = "failed", msg
	o.render()
}

// receive takes a reply from the worker.
func (o *ownImages) receive(r *imports.Reply, a map[string][]byte) {
	if r.Seq != o.seq {
		return // an earlier request's
	}
	switch r.Kind {
	case imports.Progress:
		r.Total = max(r.Total, o.last.Total)
		o.last = *r
	case imports.Failed:
		o.fail(r.Err)
		return
	case imports.Saved:
		o.dom.DownloadBytes(r.ImagesName, "application/gzip", a[imports.Images])
		o.dom.DownloadBytes(r.LabelsName, "application/gzip", a[imports.Labels])
		o.show(fmt.Sprintf("Saved %d images as %s and %s; choose both files above to load them again.",
			r.Imported, r.ImagesName, r.LabelsName), true)
		return
	case imports.Done:
		o.last = *r
		if r.Err != "" {
			o.state, o.err = "failed", r.Err
			break
		}
		set, err := imports.NewSet(r, a, maxShown)
		if err != nil {
			o.state, o.err = "failed", "the imported images could not be used: "+err.Error()
			break
		}
		o.state = "done"
		o.drawSheet(r, a[imports.Sheet], a[imports.Inverted])
		o.data.useOwn(set)
	}
	o.render()
}

// drawSheet draws the contact sheet, framing the inverted images in orange.
func (o *ownImages) drawSheet(r *imports.Reply, grey, inverted []byte) {
	rgba := imports.SheetRGBA(r, grey, inverted, invertedFrame)
	if rgba == nil {
		return
	}
	o.dom.PutRGBA("own-sheet", r.SheetW, r.SheetH, rgba)
	o.dom.SetBool("own-sheet", "hidden", false)
	note := fmt.Sprintf("The first %d of %d images as the model sees them, white on black, 28×28.", r.SheetShown, r.Imported)
	if r.SheetShown == r.Imported {
		note = fmt.Sprintf("The %d images as the model sees them, white on black, 28×28.", r.Imported)
	}
	if r.Inverted > 0 {
		note += fmt.Sprintf(" Framed in orange: the %d with a light background, inverted.", r.Inverted)
	}
	o.dom.SetText("own-sheet-note", note)
}

// save asks the worker for the set as an IDX pair.
func (o *ownImages) save() {
	switch {
	case o.data.own == nil:
		o.show("Import images first.", false)
		return
	case o.worker == nil:
		o.show("The import worker stopped, and the images with it: import them again to save them.", false)
		return
	}
	o.seq++
	obj, _ := imports.ToJS(imports.Request{Kind: imports.Save, Seq: o.seq}, nil)
	o.worker.Post(obj, nil)
}

// show writes a message under the drop zone.
func (o *ownImages) show(msg string, ok bool) {
	o.dom.SetMsg("own-msg", msg, ok)
}

// render shows the import's state: its progress bar, the outcome and the
// skipped files.
func (o *ownImages) render() {
	r := o.last
	o.dom.SetBool("own-bar", "hidden", o.state != "importing")
	if o.state == "importing" {
		o.dom.SetProgress("own-bar", int64(r.Files), int64(r.Total))
	}
	switch o.state {
	case "importing":
		o.show(fmt.Sprintf("Importing in a worker: %d of %d files, %d images so far…", r.Files, r.Total, r.Imported), true)
	case "done":
		o.show(r.Summary, true)
	case "failed":
		msg := "Nothing was imported: " + o.err
		if o.data.own != nil {
			msg += " The images imported before stay."
		}
		o.show(msg, false)
	}
	if o.state != "importing" {
		var items []string
		for _, s := range r.Skips {
			items = append(items, s.Name+": "+s.Reason)
		}
		if more := r.Skipped - len(r.Skips); more > 0 {
			items = append(items, fmt.Sprintf("and %d more", more))
		}
		o.dom.SetItems("own-skips", items)
	}
	o.dom.SetBool("own-save", "hidden", o.data.own == nil)
}

// importJSON is the import's state in status().
type importJSON struct {
	State    string `json:"state"` // "importing", "done" or "failed"
	Files    int    `json:"files"`
	Imported int    `json:"imported"`
	Skipped  int    `json:"skipped"`
	Inverted int    `json:"inverted"`
	Train    int    `json:"train"`
	HeldOut  int    `json:"heldOut"`
	Refused  string `json:"refused,omitempty"` // why nothing was imported
	Message  string `json:"message"`           // the panel's line
	FromIDX  bool   `json:"fromIDX"`
}

// importStatus returns the import's state for status(), nil before the
// first import.
func (d *datasets) importStatus() *importJSON {
	o := d.ui
	if o == nil || o.state == "" {
		return nil
	}
	r := o.last
	return &importJSON{State: o.state, Files: r.Files, Imported: r.Imported, Skipped: r.Skipped, Inverted: r.Inverted,
		Train: r.Train, HeldOut: r.HeldOut, Refused: o.err, Message: o.dom.Text("own-msg"), FromIDX: r.FromIDX}
}

// useOwn makes the visitor's imported set the data set shown and trained,
// with fresh weights.
func (d *datasets) useOwn(set *imports.Set) {
	d.own = set
	if d.s.backend != nil { // the controls are disabled until then
		d.switchTo(view.OwnDataset, nil)
	}
}
