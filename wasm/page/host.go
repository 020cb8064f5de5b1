//go:build js && wasm

package page

import (
	"github.com/govae/govae/core"
	"github.com/govae/govae/wasm/explorer"
	"github.com/govae/govae/wasm/lab"
	"github.com/govae/govae/wasm/scene"
	"github.com/govae/govae/wasm/view"
)

// source is what the explorer shows: the session's scene and history, the
// settings, and the lab's point picker.
type source struct{ g *Game }

func (s source) Scene() *scene.Scene       { return s.g.rewind.scene(s.g.session.scene) }
func (s source) Settings() *view.Settings  { return &s.g.settings }
func (s source) History() *view.History    { return s.g.session.history }
func (s source) HeldOut() []view.LossPoint { return s.g.session.heldOut.points() }
func (s source) Untrained() bool           { return s.g.session.weights == weightsUntrained }
func (s source) TestState() string         { return s.g.session.test.state }
func (s source) Legend() explorer.Legend   { return s.g.session.data.legend() }

func (s source) Picker() explorer.Picker {
	if s.g.lab == nil {
		return nil
	}
	return s.g.lab
}

// labHost is the lab's view of the page (lab.Host).
type labHost struct{ g *Game }

func (h labHost) Settings() *view.Settings { return &h.g.settings }
func (h labHost) SetSetting(key, value string) string {
	return h.g.panel.setSetting(key, value)
}
func (h labHost) URLChanged()                            { h.g.url.changed() }
func (h labHost) Post(f func())                          { h.g.queue.post(f) }
func (h labHost) Notices() []view.Notice                 { return h.g.panel.notices }
func (h labHost) AddNotice(n view.Notice)                { h.g.panel.addNotice(n) }
func (h labHost) Pause()                                 { h.g.session.pause() }
func (h labHost) Train()                                 { h.g.session.trainOn("train") }
func (h labHost) Snapshot() *core.Model                  { return h.g.session.snapshot() }
func (h labHost) Load(m *core.Model, label string) error { return h.g.session.load(m, label) }

func (h labHost) Retrain() {
	s := h.g.session
	s.pause()
	s.reset()
	s.trainOn("train")
}

func (h labHost) Relayout() {
	if h.g.screen.outsideW > 0 {
		h.g.screen.relayout(h.g)
	}
}

func (h labHost) Shown() lab.Shown {
	s := h.g.session
	out := lab.Shown{Full: s.initial != nil, Label: s.weights, Pretrained: s.weights == weightsPretrained,
		TestFailed: s.test.state == "failed"}
	if s.scene != nil {
		// The lab follows the whole refreshes, at their slower pace.
		out.Model, out.Version, out.Test = s.scene.Model, s.pace.FullVersion(), s.scene.TestSet()
		out.Slice = s.scene.Slice
	}
	return out
}

func (h labHost) Geometry() lab.Geometry {
	p, scale := h.g.ex.Plane()
	return lab.Geometry{Plane: p, Scale: scale, Drawn: h.g.ex.Drawn(),
		Viewport: [2]float64{h.g.screen.outsideW, h.g.screen.outsideH}}
}

func (h labHost) Training() lab.Training {
	s := h.g.session
	if s.backend == nil {
		return lab.Training{}
	}
	st := s.backend.Status()
	return lab.Training{Started: true, Running: st.Running || st.Pending > 0, Wanted: s.train.want != "",
		Steps: st.Steps, Epoch: st.Epoch,
		DataLoading: s.train.state == "loading" || s.train.state == "parsing", DataFailed: s.train.state == "failed",
		DataText: h.g.dom.Text("train-data-text"), Last: s.lastLoss}
}
