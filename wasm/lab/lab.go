//go:build js && wasm

package lab

import (
	"fmt"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall/js"
	"time"

	"github.com/govae/govae/core"
	"github.com/govae/govae/core/mnist"
	"github.com/govae/govae/wasm/bridge"
	"github.com/govae/govae/wasm/view"
)

// Lab is the VAE lab (issue #5): panels beside the plane that measure the
// gradient estimators, encode a drawn digit, interpolate between codes,
// compare β and likelihoods, and save or load weights. It lives in
// index.html's <aside id="lab">, which takes the train panel's place while
// open, and in an overlay canvas over the plane. It reaches the rest of the
// page only through its Host. All of its state is owned by the game loop
// (the lock given to New); event handlers post to it.
type Lab struct {
	host     Host
	dom      *bridge.DOM
	settings *view.Settings // the page's; the lab writes Settings.Lab
	now      Shown          // what the page shows, read at each Update
	geo      Geometry

	plots map[string]*bridge.Plot

	// Model-dependent results are recomputed when the weights shown change.
	modelKey labModelKey

	// 1 · estimators
	toy      *ToyResult
	toyDirty bool
	toyAt    time.Time
	enc      *EncoderGradJob
	encKey   encKey
	encDrawn time.Time
	encShown int // estimates drawn in the histogram

	// 2 · the drawing
	pad       *pad
	drawing   []float32 // normalised 28×28, nil for none
	mu, lv    []float32 // its posterior
	postDirty bool
	meanZ     [2]float64 // the crosshair's z the means-versus-samples tiles show, without a drawing

	// 3 · interpolation
	armed       int // 0, or 1/2 while the next press on the plane picks A/B
	interpDirty bool
	interpN     int // digits decoded on the path

	// 4 · β and the sweep
	sweep       *view.Sweep
	sweepErr    string
	runsBuilt   bool
	rdDirty     bool
	rdPoints    []rdPoint
	eval        *EvalJob
	evalKey     labModelKey
	evalLoss    *core.Loss
	evalAt      time.Time
	evalStep    int
	schedAt     time.Time
	schedDirty  bool
	trainDirty  bool
	firstDigits []int          // the first test image of each class
	firstOf     *mnist.Dataset // the test set firstDigits is of (the data set can change)

	// The overlay on the plane.
	overlay       js.Value
	overlayKey    string
	overlayDirty  bool
	overlayDraws  int
	overlayHasEll bool
	overlayHasPth bool

	shown map[string]string // values written into the lab's controls

	viewport [3]float64 // the window's size and scale the plots were drawn for
}

// labModelKey identifies the weights the plane shows.
type labModelKey struct {
	model   *core.Model
	version uint64
}

type encKey struct {
	model   labModelKey
	digit   int
	drawing string
	n       int
	seed    uint64
	likKind core.LikelihoodKind
}

// rdPoint is a point of the rate–distortion plot, in CSS pixels.
type rdPoint struct {
	x, y float64
	id   string
}

// WeightsLoaded is the weights' label after a visitor's file was loaded.
const WeightsLoaded = "loaded from a file"

// labEvalImages is how many test digits the loss readout averages.
const labEvalImages = 1000

// New binds the lab's controls and its window.govae hooks (run under
// lock); call it once the settings are read.
func New(host Host, dom *bridge.DOM, lock sync.Locker) *Lab {
	l := &Lab{host: host, dom: dom, settings: host.Settings(),
		plots: map[string]*bridge.Plot{}, shown: map[string]string{}, toyDirty: true, postDirty: true,
		interpDirty: true, rdDirty: true, schedDirty: true, overlayDirty: true}
	d := l.dom
	for _, id := range []string{"lab-toy-hist", "lab-enc-hist", "lab-schedule", "lab-rd", "lab-post-zoom"} {
		l.plots[id] = d.NewPlot(id)
	}
	l.overlay = d.El("lab-overlay")
	if code := l.settings.Lab.Digit; code != "" {
		l.drawing, _ = view.DecodeDigit(code) // validated when parsed
	}
	l.bindLabControls()
	l.addPlotButtons()
	l.pad = newPad(d)
	if l.drawing != nil {
		l.pad.paint(l.drawing)
	}
	l.showLab()
	var msgs []string
	for _, n := range host.Notices() {
		msgs = append(msgs, n.Message)
	}
	l.showLabNotices(msgs)
	l.exposeLabHooks(lock)
	go l.loadSweep()
	return l
}

// bindLabControls connects the lab's inputs; handlers only post.
func (l *Lab) bindLabControls() {
	d := l.dom
	for _, k := range []string{"theta", "gn", "pn", "isteps", "beta", "warmup"} {
		sl, ok := view.LabSliders[k]
		if !ok {
			sl = view.Sliders[k]
		}
		r := d.El("lab-" + k + "-range")
		r.Set("min", sl.Min)
		r.Set("max", sl.Max)
		r.Set("step", sl.Step)
		d.On("lab-"+k+"-range", "input", func(t js.Value) {
			pos, err := strconv.ParseFloat(t.Get("value").String(), 64)
			if err != nil {
				return
			}
			v := sl.Value(pos)
			if _, lab := view.LabSliders[k]; lab {
				v = view.LabSliderValue(k, pos)
			}
			l.host.Post(func() { l.setLabSetting(k, v) })
		})
		d.On("lab-"+k+"-text", "change", func(t js.Value) {
			v := t.Get("value").String()
			l.host.Post(func() { l.setLabSetting(k, v) })
		})
	}
	for _, k := range []string{"gdigit", "gcomp"} {
		d.On("lab-"+k, "change", func(t js.Value) {
			v := t.Get("value").String()
			l.host.Post(func() { l.setLabSetting(k, v) })
		})
	}
	for _, id := range view.LabSections {
		d.On("lab-sec-"+id, "toggle", func(t js.Value) {
			open := t.Get("open").Bool()
			l.host.Post(func() {
				if l.settings.Lab.SectionOpen(id) != open {
					l.settings.Lab.SetSection(id, open)
					l.host.URLChanged()
					l.markAll()
				}
			})
		})
	}
	buttons := map[string]func(){
		"lab-open":  func() { l.setLabOpen(true) },
		"lab-close": func() { l.setLabOpen(false) },
		"lab-reseed": func() {
			l.setLabSetting("gseed", strconv.FormatUint((l.settings.Lab.Seed+1)%view.MaxSeed, 10))
		},
		"lab-clear": l.clearDrawing,
		"lab-resample": func() {
			l.setLabSetting("pseed", strconv.FormatUint((l.settings.Lab.PostSeed+1)%view.MaxSeed, 10))
		},
		"lab-pick-a":       func() { l.armPick(1) },
		"lab-pick-b":       func() { l.armPick(2) },
		"lab-a-digit":      func() { l.endpointFromDrawing(1) },
		"lab-b-digit":      func() { l.endpointFromDrawing(2) },
		"lab-swap":         l.swapEndpoints,
		"lab-rerun":        func() { l.rerunSelected() },
		"lab-train-pause":  l.host.Pause,
		"lab-train-resume": l.host.Train,
		"lab-download":     func() { l.downloadWeights(false) },
		"lab-download-st":  func() { l.downloadWeights(true) },
		"lab-copy-link":    l.copyLink,
		"lab-fold":         l.foldLab,
		"lab-mean-recon":   l.showEffectiveBeta,
		"lab-mean-kl":      l.showEffectiveBeta,
	}
	for id, f := range buttons {
		d.On(id, "click", func(js.Value) { l.host.Post(f) })
	}
	d.On("lab-w", "input", func(js.Value) { l.host.Post(l.showEffectiveBeta) })
	l.bindWeightsInput()
	l.bindRDClicks()
}

// setLabSetting applies a value from one of the lab's controls: the
// training settings β and warm-up through the train panel's own path, the
// rest into Settings.Lab. A refused value is named beside the control.
func (l *Lab) setLabSetting(key, value string) {
	if key == "beta" || key == "warmup" {
		l.dom.SetText("lab-"+key+"-msg", l.host.SetSetting(key, value))
		l.schedDirty = true
		return
	}
	old := l.settings.Lab.Get(key)
	if err := l.settings.Set(key, value); err != nil {
		l.dom.SetText("lab-"+key+"-msg", fmt.Sprintf("%v — keeping %s.", err, old))
		return
	}
	l.dom.SetText("lab-"+key+"-msg", "")
	l.host.URLChanged()
	switch key {
	case "theta", "gn", "gseed":
		l.toyDirty = true
	case "pn", "pseed":
		l.postDirty = true
	case "isteps":
		l.interpDirty = true
	case "run":
		l.rdDirty = true
	}
	l.overlayDirty = true
}

// markAll asks every panel to redraw (a section was opened, the lab shown).
func (l *Lab) markAll() {
	l.toyDirty, l.postDirty, l.interpDirty, l.rdDirty, l.schedDirty, l.overlayDirty, l.trainDirty = true, true, true, true, true, true, true
	l.encShown = -1
}

// setLabOpen shows the lab in place of the controls, or back.
func (l *Lab) setLabOpen(open bool) {
	if l.settings.Lab.Open == open {
		return
	}
	l.settings.Lab.Open = open
	l.host.URLChanged()
	l.showLab()
	l.host.Relayout()
}

// showLab makes the page match Settings.Lab: which panel is shown, which
// sections are expanded.
func (l *Lab) showLab() {
	d, s := l.dom, l.settings.Lab
	d.SetBool("lab", "hidden", !s.Open)
	d.SetBool("panel", "hidden", s.Open)
	body := d.Doc.Get("body")
	body.Get("classList").Call("toggle", "lab-open", s.Open)
	for _, id := range view.LabSections {
		if e := d.El("lab-sec-" + id); e.Truthy() && e.Get("open").Bool() != s.SectionOpen(id) {
			e.Set("open", s.SectionOpen(id))
		}
	}
	if s.Open {
		if f := d.El("lab-close"); f.Truthy() && d.Doc.Get("activeElement").Equal(d.El("lab-open")) {
			f.Call("focus")
		}
	} else if f := d.El("lab-open"); f.Truthy() && d.Doc.Get("activeElement").Equal(d.El("lab-close")) {
		f.Call("focus")
	}
	l.markAll()
}

// foldLab folds the lab's bottom sheet on phones.
func (l *Lab) foldLab() {
	e := l.dom.El("lab")
	folded := e.Get("classList").Call("toggle", "collapsed").Bool()
	b := l.dom.El("lab-fold")
	if folded {
		b.Set("textContent", "Show lab")
	} else {
		b.Set("textContent", "Hide lab")
	}
	b.Call("setAttribute", "aria-expanded", strconv.FormatBool(!folded))
}

// showLabNotices repeats the URL notices inside the lab (the controls'
// panel, where they are listed too, is hidden while the lab is open).
func (l *Lab) showLabNotices(msgs []string) {
	if len(msgs) == 0 {
		return
	}
	list := l.dom.El("lab-notices")
	for _, m := range msgs {
		li := l.dom.Doc.Call("createElement", "li")
		li.Set("textContent", m)
		list.Call("appendChild", li)
	}
	l.dom.SetBool("lab-notices-box", "hidden", false)
}

// addNotice reports a problem found after the URL was parsed (a run id
// that sweep.json does not have) in both notice lists.
func (l *Lab) addNotice(n view.Notice) {
	l.host.AddNotice(n)
	l.showLabNotices([]string{n.Message})
}

// Update runs once per frame: it follows the weights shown, the pad and
// the settings, and redraws what changed. Work that takes longer than a
// moment (the encoder estimators, the test evaluation) runs in Work.
func (l *Lab) Update() {
	l.now, l.geo = l.host.Shown(), l.host.Geometry()
	if l.now.Model != nil && !l.now.Full {
		return // the weights' preview is on screen: it has no encoder, so the lab waits for the full weights
	}
	if l.now.Model != nil {
		key := labModelKey{l.now.Model, l.now.Version}
		if key != l.modelKey {
			l.modelKey = key
			l.postDirty, l.interpDirty, l.trainDirty = true, true, true
		}
	}
	if vp := [3]float64{l.geo.Viewport[0], l.geo.Viewport[1], l.geo.Scale}; vp != l.viewport {
		l.viewport = vp
		l.markAll() // the plots follow their new CSS size
	}
	l.padUpdate()
	l.labControlsUpdate()
	if !l.settings.Lab.Open {
		l.drawOverlay()
		return
	}
	s := l.settings.Lab
	if s.SectionOpen("grad") {
		l.gradUpdate()
	}
	if l.now.Model != nil && (s.SectionOpen("draw") || l.postDirty && l.drawing != nil) {
		l.drawPanelUpdate()
	}
	if l.now.Model != nil && s.SectionOpen("interp") {
		l.interpUpdate()
	}
	if s.SectionOpen("beta") {
		l.betaUpdate()
	}
	if s.SectionOpen("lik") {
		l.likUpdate()
	}
	l.drawOverlay()
}

// Busy reports whether Work has something to do.
func (l *Lab) Busy() bool {
	return l != nil && (l.enc != nil && !l.enc.Done() || l.eval != nil && !l.eval.Done())
}

// Work advances the lab's long computations for about budget.
func (l *Lab) Work(budget time.Duration) {
	if l.enc != nil && !l.enc.Done() {
		l.enc.Work(budget, time.Now)
		return
	}
	if l.eval != nil && !l.eval.Done() {
		if l.eval.Work(budget, time.Now) {
			loss := l.eval.Loss()
			l.evalLoss = &loss
			l.evalAt = time.Now()
			l.rdDirty, l.trainDirty = true, true
		}
	}
}

// Armed reports whether "Pick A/B" is armed: the next press on the plane
// then sets that end of the interpolation instead of moving the crosshair.
func (l *Lab) Armed() bool { return l != nil && l.armed != 0 }

// Pick sets the armed end of the interpolation to the point z of the
// plane that was pressed, and disarms.
func (l *Lab) Pick(z1, z2 float64) {
	p := [2]float64{round3(z1), round3(z2)}
	if l.armed == 1 {
		l.settings.Lab.A = p
	} else {
		l.settings.Lab.B = p
	}
	l.armed = 0
	l.interpDirty, l.overlayDirty = true, true
	l.host.URLChanged()
}

// round3 rounds to the URL's three decimals, so that the page shows
// exactly what a link reproduces.
func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// labControlsUpdate keeps the lab's controls in step with the settings
// (the train panel can change β and the warm-up too).
func (l *Lab) labControlsUpdate() {
	d := l.dom
	for _, k := range []string{"theta", "gn", "pn", "isteps", "beta", "warmup"} {
		v := l.settings.Get(k)
		if l.shown[k] == v {
			continue
		}
		l.shown[k] = v
		d.SetValue("lab-"+k+"-text", v)
		sl, ok := view.LabSliders[k]
		if !ok {
			sl = view.Sliders[k]
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			d.SetValue("lab-"+k+"-range", strconv.FormatFloat(sl.Position(f), 'g', -1, 64))
		}
		if k == "beta" || k == "warmup" {
			l.schedDirty = true
			d.SetText("lab-"+k+"-msg", "")
		}
	}
	if v := l.settings.Get("gcomp"); l.shown["gcomp"] != v {
		l.shown["gcomp"] = v
		d.SetValue("lab-gcomp", v)
		l.encShown = -1
	}
	l.gradOptions()
	l.gdigitOptions()
	pressed := func(id string, on bool) {
		key := id + ".pressed"
		if v := strconv.FormatBool(on); l.shown[key] != v {
			l.shown[key] = v
			d.El(id).Call("setAttribute", "aria-pressed", v)
		}
	}
	pressed("lab-pick-a", l.armed == 1)
	pressed("lab-pick-b", l.armed == 2)
	d.SetBool("lab-a-digit", "disabled", l.mu == nil)
	d.SetBool("lab-b-digit", "disabled", l.mu == nil)
}

func floats(v []float32) []any {
	out := make([]any, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// atomicFlag is set by event handlers and read by the game loop.
type atomicFlag = atomic.Bool
