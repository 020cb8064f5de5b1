//go:build js && wasm

package lab

import (
	"fmt"
	"syscall/js"

	"github.com/govae/govae/core"
	"github.com/govae/govae/wasm/bridge"
	"github.com/govae/govae/wasm/exportjob"
	"github.com/govae/govae/wasm/view"
)

// Panel 6: download and load weights (core's format or safetensors), copy
// the link.

// downloadWeights saves the weights shown (the training backend's current
// weights once it runs) in core's format as govae-weights.bin, or with
// safetensors as govae-weights.safetensors (core.MarshalSafetensors: the
// tensors as PyTorch names them, the architecture and likelihood in the
// header's metadata), which Python's safetensors package reads.
func (l *Lab) downloadWeights(safetensors bool) {
	m := l.host.Snapshot()
	if m == nil {
		l.setLoadMsg("The weights are not loaded yet.", false)
		return
	}
	name, b := "govae-weights.bin", []byte(nil)
	if safetensors {
		name, b = "govae-weights.safetensors", m.MarshalSafetensors()
	} else {
		b = m.MarshalBinary()
	}
	l.dom.Download(name, "application/octet-stream", bridge.BytesToJS(b))
	l.setLoadMsg(fmt.Sprintf("Saved %s (%s, %s, %s likelihood).", name, view.FormatBytes(int64(len(b))), l.now.Label, m.Likelihood.Kind), true)
}

// bindWeightsInput loads a weights file the visitor chooses, in either
// format. The size is checked before anything is read; a safetensors file
// (core.IsSafetensors) is read and validated by core.ParseSafetensors in
// the export worker (readSafetensors), which returns it in core's format;
// core.ParseModel then parses and validates the bytes. On any problem the
// message names the file and the reason (as text, never HTML) and the
// current model stays.
func (l *Lab) bindWeightsInput() {
	l.dom.On("lab-load", "change", func(t js.Value) {
		files := t.Get("files")
		if !files.Truthy() || files.Get("length").Int() == 0 {
			return
		}
		f := files.Index(0)
		name, size := f.Get("name").String(), int64(f.Get("size").Float())
		t.Set("value", "") // the same file can be chosen again
		if size > core.MaxWeightsFileSize {
			l.host.Post(func() {
				l.setLoadMsg(fmt.Sprintf("%s was refused: it is %s, more than a weights file's limit of %s. The current model stays.",
					name, view.FormatBytes(size), view.FormatBytes(core.MaxWeightsFileSize)), false)
			})
			return
		}
		buf := f.Call("arrayBuffer")
		go func() {
			v, err := bridge.Await(buf)
			var data []byte
			if err == nil {
				data = bridge.GoBytes(js.Global().Get("Uint8Array").New(v))
			}
			if err == nil && core.IsSafetensors(data) {
				l.host.Post(func() { l.setLoadMsg("Reading "+name+" (safetensors)…", true) })
				if data, err = readSafetensors(data); err != nil {
					l.host.Post(func() {
						l.setLoadMsg(fmt.Sprintf("%s was refused: %v. The current model stays.", name, err), false)
					})
					return
				}
			}
			l.host.Post(func() { l.loadWeightsFile(name, data, err) })
		}()
	})
}

// readSafetensors has the export worker (export.js: wasm/exportworker)
// read a safetensors weights file and returns it in core's format: the
// page's own binary does not link the safetensors reader. It blocks the
// calling goroutine. Errors are the file's defects (core's safetensors
// errors, one per kind) or the worker's failure to run.
func readSafetensors(data []byte) ([]byte, error) {
	arr := bridge.BytesToJS(data)
	v, err := bridge.CallWorker("export.js", map[string]any{"id": 1,
		"request": exportjob.Request{Kind: exportjob.Weights}.Marshal(), "frames": []any{map[string]any{"data": arr}}},
		[]any{arr.Get("buffer")})
	if err != nil {
		return nil, err
	}
	return bridge.GoBytes(v.Get("bytes")), nil
}

// loadWeightsFile checks a weights file and, when it is good, shows and
// trains it from now on.
func (l *Lab) loadWeightsFile(name string, data []byte, readErr error) {
	refuse := func(why string) {
		l.setLoadMsg(fmt.Sprintf("%s was refused: %s. The current model stays.", name, why), false)
	}
	if readErr != nil {
		refuse("it could not be read (" + readErr.Error() + ")")
		return
	}
	if len(data) > core.MaxWeightsFileSize { // the size the browser reported may lie
		refuse("it is larger than " + view.FormatBytes(core.MaxWeightsFileSize))
		return
	}
	m, err := core.ParseModel(data)
	if err != nil {
		refuse(err.Error())
		return
	}
	if err := view.CheckArch(m.Arch); err != nil {
		// The architecture editor's limits (issue 11): the page trains and
		// shows any network the editor can build.
		refuse(fmt.Sprintf("its network, %s, is beyond what this page's editor builds: %v", m.Arch, err))
		return
	}
	if err := l.host.Load(m, WeightsLoaded); err != nil {
		refuse(err.Error())
		return
	}
	// Train and decode it under the likelihood it was trained with.
	l.host.SetSetting("lik", m.Likelihood.Kind.String())
	if m.Likelihood.Kind == core.Gaussian {
		l.host.SetSetting("sigma", fmtBeta(m.Likelihood.Sigma))
	}
	l.setLoadMsg(fmt.Sprintf("Loaded %s: %s, %s likelihood.", name, m.Arch, m.Likelihood.Kind), true)
}

// setLoadMsg shows the outcome of a download or load (as text).
func (l *Lab) setLoadMsg(msg string, ok bool) {
	l.dom.SetMsg("lab-load-msg", msg, ok)
}

// copyLink writes the current settings into the address bar and copies it.
func (l *Lab) copyLink() {
	bridge.ReplaceQuery(l.settings.Query())
	href := js.Global().Get("location").Get("href").String()
	clip := js.Global().Get("navigator").Get("clipboard")
	if !clip.Truthy() {
		l.dom.SetText("lab-copy-msg", "Copy the address bar: it holds this view.")
		return
	}
	p := clip.Call("writeText", href)
	go func() {
		_, err := bridge.Await(p)
		l.host.Post(func() {
			if err != nil {
				l.dom.SetText("lab-copy-msg", "The browser did not allow copying; copy the address bar instead.")
			} else {
				l.dom.SetText("lab-copy-msg", fmt.Sprintf("Copied (%d characters).", len(href)))
			}
		})
	}()
}
