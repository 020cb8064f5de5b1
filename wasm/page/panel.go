//go:build js && wasm

package page

import (
	"fmt"
	"strconv"
	"syscall/js"
	"time"

	"github.com/govae/govae/core/mnist"
	"github.com/govae/govae/wasm/bridge"
	"github.com/govae/govae/wasm/explorer"
	"github.com/govae/govae/wasm/scene"
	"github.com/govae/govae/wasm/view"
)

// panel is the train panel (index.html's <aside id="panel">): the
// settings' sliders and fields, the training buttons, the readouts of the
// training and of the downloads, and the list of URL notices. Applying a
// setting reaches the session and the explorer.
type panel struct {
	dom      *bridge.DOM
	settings *view.Settings
	s        *session
	ex       *explorer.Explorer
	url      *urlState
	post     func(func())
	notices  []view.Notice

	lastStats time.Time
}

// numericKeys are the settings with a slider and a text field.
var numericKeys = []string{"grid", "dots", "lr", "batch", "beta", "warmup", "sigma"}

// bindControls connects the panel's inputs and buttons. Handlers only post
// work to the game loop, which owns all state.
func (p *panel) bindControls() {
	for _, k := range numericKeys {
		sl := view.Sliders[k]
		r := p.dom.El(k + "-range")
		r.Set("min", sl.Min)
		r.Set("max", sl.Max)
		r.Set("step", sl.Step)
		p.dom.On(k+"-range", "input", func(t js.Value) {
			pos, err := strconv.ParseFloat(t.Get("value").String(), 64)
			if err == nil {
				p.post(func() { p.setSetting(k, sl.Value(pos)) })
			}
		})
		p.dom.On(k+"-text", "change", func(t js.Value) {
			v := t.Get("value").String()
			p.post(func() { p.setSetting(k, v) })
		})
	}
	p.dom.On("lik", "change", func(t js.Value) {
		v := t.Get("value").String()
		p.post(func() { p.setSetting("lik", v) })
	})
	p.dom.On("workers", "change", func(t js.Value) {
		v := t.Get("value").String()
		p.post(func() { p.setSetting("workers", v) })
	})
	p.dom.On("overlay", "change", func(t js.Value) {
		v := "0"
		if t.Get("checked").Bool() {
			v = "1"
		}
		p.post(func() { p.setSetting("overlay", v) })
	})
	buttons := map[string]func(){
		"train":            func() { p.s.trainOn("train") },
		"step":             func() { p.s.trainOn("step") },
		"pause":            p.s.pause,
		"reset":            p.s.reset,
		"pretrained":       p.s.backToPretrained,
		"train-data-retry": p.s.fetchTrainData,
		"test-data-retry":  p.s.loadTestData,
	}
	for id, f := range buttons {
		p.dom.On(id, "click", func(js.Value) {
			p.post(func() {
				f()
				p.s.panelDue = true // the buttons' states follow at once
			})
		})
	}
	for _, k := range append([]string{"lik", "overlay", "workers"}, numericKeys...) {
		p.showSetting(k)
	}
}

// setSetting applies a value from a control. A refused value is named in a
// message beside the control and not used; the message is returned ("" when
// the value was taken).
func (p *panel) setSetting(key, value string) string {
	old := *p.settings
	if err := p.settings.Set(key, value); err != nil {
		p.dom.SetText(key+"-msg", fmt.Sprintf("%v — keeping %s.", err, old.Get(key)))
		if e := p.dom.El(key + "-text"); e.Truthy() {
			e.Call("setAttribute", "aria-invalid", "true")
		}
		return p.dom.Text(key + "-msg")
	}
	p.showSetting(key)
	p.url.changed()
	p.ex.Invalidate()
	s := p.s
	switch key {
	case "grid":
		p.ex.GridChanged()
		if s.scene != nil {
			s.scene.Refresh(nil, scene.PartManifold, p.settings.Grid, p.settings.Dots)
		}
	case "workers":
		s.switchBackend()
	case "overlay", "dots":
		if s.scene != nil && p.settings.Overlay && (key == "overlay" || old.Dots != p.settings.Dots) {
			s.scene.Refresh(nil, scene.PartDots, p.settings.Grid, p.settings.Dots)
		}
	default: // training settings, valid by construction
		if s.backend != nil {
			if err := s.backend.SetConfig(p.settings.TrainConfig()); err != nil {
				panic(err)
			}
		}
	}
	return ""
}

// showSetting writes a setting's value into its controls and clears its
// message.
func (p *panel) showSetting(key string) {
	v := p.settings.Get(key)
	switch key {
	case "lik":
		p.dom.SetValue("lik", v)
		return
	case "overlay":
		p.dom.El("overlay").Set("checked", p.settings.Overlay)
		return
	case "workers":
		p.dom.SetValue("workers", v)
		return
	}
	p.dom.SetValue(key+"-text", v)
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		p.dom.SetValue(key+"-range", strconv.FormatFloat(view.Sliders[key].Position(f), 'g', -1, 64))
	}
	p.dom.SetText(key+"-msg", "")
	if e := p.dom.El(key + "-text"); e.Truthy() {
		e.Call("removeAttribute", "aria-invalid")
	}
}

// show refreshes the statistics and the buttons' states.
func (p *panel) show() {
	s := p.s
	st := s.backend.Status()
	running := st.Running || st.Pending > 0
	d := p.dom
	d.SetText("stat-weights", s.weights)
	d.SetText("stat-epoch", fmt.Sprintf("%d (%.2f passes)", st.Epoch, s.passes(st.Examples)))
	d.SetText("stat-step", strconv.Itoa(st.Steps))
	d.SetText("stat-rate", "—")
	d.SetText("workers-info", workersText(s.activeWorkers())+s.tuneText())
	if running {
		d.SetText("stat-rate", strconv.FormatFloat(st.ExamplesPerSec, 'f', 0, 64))
	}
	if l := s.lastLoss; l != nil {
		d.SetText("stat-elbo", strconv.FormatFloat(l.NegELBO, 'f', 2, 64))
		d.SetText("stat-recon", strconv.FormatFloat(l.Recon, 'f', 2, 64))
		d.SetText("stat-kl", strconv.FormatFloat(l.KL, 'f', 2, 64))
	} else {
		for _, id := range []string{"stat-elbo", "stat-recon", "stat-kl"} {
			d.SetText(id, "—")
		}
	}
	busy := s.train.state == "loading" || s.train.state == "parsing"
	d.SetBool("train", "disabled", running || busy)
	d.SetBool("step", "disabled", running || busy)
	d.SetBool("pause", "disabled", !running && s.train.want == "")
	d.SetBool("pretrained", "disabled", s.pretrained == nil)
	p.showData(&s.test, "test-data", s.data.what(mnist.Test))
	p.showData(&s.train, "train-data", s.data.what(mnist.Train))
}

// due reports whether the readouts are to be refreshed (every 200 ms, at
// once after a change).
func (p *panel) due() bool {
	if p.s.panelDue || time.Since(p.lastStats) >= 200*time.Millisecond {
		p.s.panelDue = false
		p.lastStats = time.Now()
		return true
	}
	return false
}

// addNotice lists a problem found after the URL was parsed (a run id that
// sweep.json does not have).
func (p *panel) addNotice(n view.Notice) {
	p.notices = append(p.notices, n)
	li := p.dom.Doc.Call("createElement", "li")
	li.Set("textContent", n.Message)
	p.dom.El("notices").Call("appendChild", li)
	p.dom.SetBool("notices-box", "hidden", false)
}

// showNotices lists the URL parameters that were ignored.
func (p *panel) showNotices() {
	if len(p.notices) == 0 {
		return
	}
	list := p.dom.El("notices")
	for _, n := range p.notices {
		li := p.dom.Doc.Call("createElement", "li")
		li.Set("textContent", n.Message)
		list.Call("appendChild", li)
	}
	p.dom.SetBool("notices-box", "hidden", false)
}

// showData writes a download's state into its panel line.
func (p *panel) showData(d *dataset, id, what string) {
	var msg string
	retry := false // a failed download offers it unless the site does not have the file
	switch d.state {
	case "":
		if id == "train-data" {
			msg = p.s.data.trainIdle()
		} else {
			msg = what + ": not loaded yet"
		}
	case "loading":
		msg = fmt.Sprintf("%s: downloading, %s", what, view.FormatBytes(d.got))
		if d.total > 0 {
			msg += " of " + view.FormatBytes(d.total)
		}
	case "parsing":
		msg = what + ": preparing…"
	case "ready":
		msg = fmt.Sprintf("%s: %d images loaded", what, d.n)
	case "failed":
		msg, retry = view.DownloadFailure(what, d.file, d.status, d.err)
	}
	p.dom.SetText(id+"-text", msg)
	cls := ""
	if d.state == "failed" {
		cls = "failed"
	}
	p.dom.SetClass(id+"-text", cls)
	p.dom.SetBool(id+"-bar", "hidden", d.state != "loading" && d.state != "parsing")
	if d.state == "loading" {
		p.dom.SetProgress(id+"-bar", d.got, d.total)
	} else if d.state == "parsing" {
		p.dom.SetProgress(id+"-bar", 1, 1)
	}
	p.dom.SetBool(id+"-retry", "hidden", !retry)
}

// workersText says where training runs, beside the workers control.
func workersText(n int) string {
	switch n {
	case 0:
		return "Training runs in the page."
	case 1:
		return "Training runs in 1 Web Worker."
	}
	return fmt.Sprintf("Training runs in %d Web Workers, splitting each batch.", n)
}
