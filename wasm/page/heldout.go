//go:build js && wasm

package page

import (
	"fmt"
	"strconv"

	"github.com/govae/govae/core"
	"github.com/govae/govae/core/mnist"
	"github.com/govae/govae/wasm/train"
	"github.com/govae/govae/wasm/view"
	dp "github.com/govae/govae/wasm/worker/dataparallel"
)

// heldOutRoom is the held-out curve (issue 11): the −ELBO, reconstruction
// and KL of the weights shown on the fixed held-out set (every tenth test
// image, core.HeldOutIndices), evaluated off the main thread in one Web
// Worker of its own (train.HeldOut) every few seconds while the weights
// change — whether they train in the page or in Web Workers — and once for
// weights that do not (pretrained, a fresh network, a loaded file). Each
// new model starts a new curve. Its latest KL per latent dimension is what
// the latent-dimension bars show and what picks the plane's default pair.
type heldOutRoom struct {
	eval    *train.HeldOut // nil until the test digits are in (and without Web Workers)
	set     *mnist.Dataset // the images eval was given: the data set's test set, or the visitor's held-out tenth
	own     bool           // set is the visitor's held-out tenth
	gen     uint64         // generation of the weights: one per model loaded
	asked   *[2]uint64     // the generation and backend Version last asked about
	scratch *core.Model    // reused for the weights' copies
	err     string         // why there is no curve, or why the last evaluation failed
	latest  *dp.EvalPoint  // of this generation
}

// restart starts a new curve: a new model is shown.
func (h *heldOutRoom) restart() {
	h.gen++
	h.latest = nil
}

// tick runs every frame: it takes the answers that came in and asks about
// the weights when they changed (the evaluator paces the requests).
func (h *heldOutRoom) tick(s *session) {
	if s.backend == nil || s.scene == nil || !h.ready(s) {
		return
	}
	// First ask — a new generation starts the evaluator's new curve, so
	// that answers about the weights before are dropped — then take.
	now := [2]uint64{h.gen, s.backend.Version()}
	if h.asked == nil || *h.asked != now {
		if h.eval.Ask(h.gen, func() ([]byte, int) {
			m, step := train.SnapshotStep(s.backend, h.scratch)
			h.scratch = m
			return m.MarshalBinary(), step
		}) {
			h.asked = &now
		}
	}
	pts, err := h.eval.Take()
	if err != nil {
		h.err = "held-out evaluation failed: " + err.Error()
	}
	if len(pts) > 0 && h.asked != nil && (*h.asked)[0] == h.gen {
		p := pts[len(pts)-1]
		h.latest, h.err = &p, ""
		s.ex.ChartChanged()
		s.panelDue = true
	}
}

// ready starts the evaluator once the test digits are in, and reports
// whether it works.
func (h *heldOutRoom) ready(s *session) bool {
	// The held-out images follow the data set shown: every tenth of a
	// site data set's test images, or the tenth of the visitor's own
	// images held out of training (datasets.HeldOut).
	t, own := s.scene.TestSet(), false
	if s.data != nil {
		if o := s.data.HeldOut(); o != nil {
			t, own = o, true
		}
	}
	if t != h.set {
		if h.eval != nil {
			h.eval.Close()
			h.eval, h.asked = nil, nil
			h.restart()
		}
		h.err = "" // what kept the last set from a curve is checked anew
	}
	h.set, h.own = t, own
	if h.eval != nil {
		if err := h.eval.Err(); err != nil {
			h.err = "the evaluation worker stopped: " + err.Error()
			return false
		}
		return true
	}
	if t == nil || h.err != "" {
		return false
	}
	if t.N == 0 {
		h.err = "none of your images is held out of training (import at least 10)"
		return false
	}
	if !train.WorkersAvailable() {
		h.err = "this browser runs no Web Workers, in which the held-out digits are evaluated"
		return false
	}
	msg, err := dp.HeldOutMessage(t.Pixels, t.N, mnist.ImageSize)
	if err != nil {
		h.err = err.Error()
		return false
	}
	h.eval = train.NewHeldOut(train.StartWorkerPool, msg)
	return true
}

// points returns the curve of the current model for the chart.
func (h *heldOutRoom) points() []view.LossPoint {
	if h.eval == nil || h.latest == nil {
		return nil
	}
	pts := h.eval.Points()
	out := make([]view.LossPoint, len(pts))
	for i, p := range pts {
		out[i] = view.LossPoint{Step: float64(p.Steps), NegELBO: p.Loss.NegELBO, Recon: p.Loss.Recon, KL: p.Loss.KL}
	}
	return out
}

// klPerDim returns the latest KL per latent dimension of the current model
// (nats per image on the held-out digits) and the step it is from; nil
// before the first evaluation.
func (h *heldOutRoom) klPerDim() ([]float64, int) {
	if h.latest == nil {
		return nil, 0
	}
	return h.latest.KLPerDim, h.latest.Steps
}

// klOf returns klPerDim when it is of a latent space of d dimensions.
func (h *heldOutRoom) klOf(d int) ([]float64, int) {
	kl, step := h.klPerDim()
	if len(kl) != d {
		return nil, 0
	}
	return kl, step
}

// show writes the latest value into the train panel.
func (h *heldOutRoom) show(s *session) {
	d := s.dom
	if p := h.latest; p != nil {
		d.SetText("stat-heldout", strconv.FormatFloat(p.Loss.NegELBO, 'f', 2, 64))
		what := "held-out test images (every tenth)"
		if h.own {
			what = "of your images held out of training"
		}
		d.SetText("heldout-text", fmt.Sprintf("On %d %s, at step %d: reconstruction %.2f + KL %.2f nats. "+
			"Evaluated every few seconds in a Web Worker; the gold dots in the loss chart.", p.Loss.N, what, p.Steps, p.Loss.Recon, p.Loss.KL))
		return
	}
	d.SetText("stat-heldout", "—")
	switch {
	case h.err != "":
		d.SetText("heldout-text", "Held-out curve unavailable: "+h.err+".")
	case s.test.state == "failed":
		d.SetText("heldout-text", "Held-out curve unavailable: the test digits could not be downloaded (see View).")
	case s.test.state != "ready":
		d.SetText("heldout-text", "Held-out −ELBO: once the test digits are in.")
	default:
		d.SetText("heldout-text", "Held-out −ELBO: evaluating…")
	}
}

// heldOutJSON is status().heldOut: the latest point of the current model's
// held-out curve, in nats per image.
type heldOutJSON struct {
	NegELBO float64 `json:"negElbo"`
	Recon   float64 `json:"recon"`
	KL      float64 `json:"kl"`
	Step    int     `json:"step"`
	Images  int     `json:"images"`
	Points  int     `json:"points"` // on the curve so far
	// At is the seconds from the curve's first point (asked as soon as the
	// model was shown: at Reset, Apply, a load) to this one's request.
	At float64 `json:"at"`
}

// status returns status().heldOut (nil before the first point) and the
// error that keeps the curve from being drawn, if any.
func (h *heldOutRoom) status() (*heldOutJSON, string) {
	if h.eval == nil || h.latest == nil || len(h.eval.Points()) == 0 {
		return nil, h.err
	}
	p, pts := h.latest, h.eval.Points()
	return &heldOutJSON{NegELBO: p.Loss.NegELBO, Recon: p.Loss.Recon, KL: p.Loss.KL, Step: p.Steps, Images: p.Loss.N,
		Points: len(pts), At: p.At.Sub(pts[0].At).Seconds()}, h.err
}
