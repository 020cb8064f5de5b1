//go:build js && wasm

package app

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"sync/atomic"
	"syscall/js"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"

	"github.com/govae/govae/core"
	"github.com/govae/govae/wasm/view"
)

// The lab (issue #5): panels beside the plane that measure the gradient
// estimators, encode a drawn digit, interpolate between codes, compare β
// and likelihoods, and save or load weights. It lives in index.html's
// <aside id="lab">, which takes the controls' place while open, and in an
// overlay canvas over the plane. All of its state is owned by the game
// loop (g.lock); event handlers post to it.
type lab struct {
	plots map[string]*plot

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
	firstDigits []int // the first test image of each class

	// 6 · keep
	blobURL js.Value

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

// weightsLoaded says the weights came from the visitor's file.
const weightsLoaded = "loaded from a file"

// labEvalImages is how many test digits the loss readout averages.
const labEvalImages = 1000

// initLab binds the lab's controls and hooks; New calls it after the
// settings are read.
func (g *Game) initLab() {
	l := &lab{plots: map[string]*plot{}, shown: map[string]string{}, toyDirty: true, postDirty: true,
		interpDirty: true, rdDirty: true, schedDirty: true, overlayDirty: true}
	g.lab = l
	d := g.dom
	for _, id := range []string{"lab-toy-hist", "lab-enc-hist", "lab-schedule", "lab-rd", "lab-post-zoom"} {
		l.plots[id] = newPlot(d, id)
	}
	l.overlay = d.el("lab-overlay")
	if code := g.settings.Lab.Digit; code != "" {
		l.drawing, _ = view.DecodeDigit(code) // validated when parsed
	}
	g.bindLabControls()
	l.pad = newPad(g)
	if l.drawing != nil {
		l.pad.paint(l.drawing)
	}
	g.showLab()
	var msgs []string
	for _, n := range g.notices {
		msgs = append(msgs, n.Message)
	}
	g.showLabNotices(msgs)
	g.exposeLabHooks()
	go g.loadSweep()
}

// bindLabControls connects the lab's inputs; handlers only post.
func (g *Game) bindLabControls() {
	d := g.dom
	for _, k := range []string{"theta", "gn", "pn", "isteps", "beta", "warmup"} {
		sl, ok := view.LabSliders[k]
		if !ok {
			sl = view.Sliders[k]
		}
		r := d.el("lab-" + k + "-range")
		r.Set("min", sl.Min)
		r.Set("max", sl.Max)
		r.Set("step", sl.Step)
		d.on("lab-"+k+"-range", "input", func(t js.Value) {
			pos, err := strconv.ParseFloat(t.Get("value").String(), 64)
			if err != nil {
				return
			}
			v := sl.Value(pos)
			if _, lab := view.LabSliders[k]; lab {
				v = view.LabSliderValue(k, pos)
			}
			g.post(func() { g.setLabSetting(k, v) })
		})
		d.on("lab-"+k+"-text", "change", func(t js.Value) {
			v := t.Get("value").String()
			g.post(func() { g.setLabSetting(k, v) })
		})
	}
	for _, k := range []string{"gdigit", "gcomp"} {
		d.on("lab-"+k, "change", func(t js.Value) {
			v := t.Get("value").String()
			g.post(func() { g.setLabSetting(k, v) })
		})
	}
	for _, id := range view.LabSections {
		d.on("lab-sec-"+id, "toggle", func(t js.Value) {
			open := t.Get("open").Bool()
			g.post(func() {
				if g.settings.Lab.SectionOpen(id) != open {
					g.settings.Lab.SetSection(id, open)
					g.urlDirty = true
					g.lab.markAll()
				}
			})
		})
	}
	buttons := map[string]func(){
		"lab-open":  func() { g.setLabOpen(true) },
		"lab-close": func() { g.setLabOpen(false) },
		"lab-reseed": func() {
			g.setLabSetting("gseed", strconv.FormatUint((g.settings.Lab.Seed+1)%view.MaxSeed, 10))
		},
		"lab-clear": g.clearDrawing,
		"lab-resample": func() {
			g.setLabSetting("pseed", strconv.FormatUint((g.settings.Lab.PostSeed+1)%view.MaxSeed, 10))
		},
		"lab-pick-a":       func() { g.armPick(1) },
		"lab-pick-b":       func() { g.armPick(2) },
		"lab-a-digit":      func() { g.endpointFromDrawing(1) },
		"lab-b-digit":      func() { g.endpointFromDrawing(2) },
		"lab-swap":         g.swapEndpoints,
		"lab-rerun":        func() { g.rerunSelected() },
		"lab-train-pause":  g.pause,
		"lab-train-resume": func() { g.train.want = "train"; g.startTraining() },
		"lab-download":     g.downloadWeights,
		"lab-copy-link":    g.copyLink,
		"lab-fold":         g.foldLab,
		"lab-mean-recon":   g.showEffectiveBeta,
		"lab-mean-kl":      g.showEffectiveBeta,
	}
	for id, f := range buttons {
		d.on(id, "click", func(js.Value) { g.post(f) })
	}
	d.on("lab-w", "input", func(js.Value) { g.post(g.showEffectiveBeta) })
	g.bindWeightsInput()
	g.bindRDClicks()
}

// setLabSetting applies a value from one of the lab's controls: the
// training settings β and warm-up through the train panel's own path, the
// rest into Settings.Lab. A refused value is named beside the control.
func (g *Game) setLabSetting(key, value string) {
	if key == "beta" || key == "warmup" {
		g.setSetting(key, value)
		if msg := g.dom.text[key+"-msg"]; msg != "" {
			g.dom.setText("lab-"+key+"-msg", msg)
		} else {
			g.dom.setText("lab-"+key+"-msg", "")
		}
		g.lab.schedDirty = true
		return
	}
	old := g.settings.Lab.Get(key)
	if err := g.settings.Set(key, value); err != nil {
		g.dom.setText("lab-"+key+"-msg", fmt.Sprintf("%v — keeping %s.", err, old))
		return
	}
	g.dom.setText("lab-"+key+"-msg", "")
	g.urlDirty = true
	l := g.lab
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
func (l *lab) markAll() {
	l.toyDirty, l.postDirty, l.interpDirty, l.rdDirty, l.schedDirty, l.overlayDirty, l.trainDirty = true, true, true, true, true, true, true
	l.encShown = -1
}

// setLabOpen shows the lab in place of the controls, or back.
func (g *Game) setLabOpen(open bool) {
	if g.settings.Lab.Open == open {
		return
	}
	g.settings.Lab.Open = open
	g.urlDirty = true
	g.showLab()
	if g.outsideW > 0 {
		g.relayout()
	}
}

// showLab makes the page match Settings.Lab: which panel is shown, which
// sections are expanded.
func (g *Game) showLab() {
	l, d, s := g.lab, g.dom, g.settings.Lab
	d.setBool("lab", "hidden", !s.Open)
	d.setBool("panel", "hidden", s.Open)
	body := d.doc.Get("body")
	body.Get("classList").Call("toggle", "lab-open", s.Open)
	for _, id := range view.LabSections {
		if e := d.el("lab-sec-" + id); e.Truthy() && e.Get("open").Bool() != s.SectionOpen(id) {
			e.Set("open", s.SectionOpen(id))
		}
	}
	if s.Open {
		if f := d.el("lab-close"); f.Truthy() && d.doc.Get("activeElement").Equal(d.el("lab-open")) {
			f.Call("focus")
		}
	} else if f := d.el("lab-open"); f.Truthy() && d.doc.Get("activeElement").Equal(d.el("lab-close")) {
		f.Call("focus")
	}
	l.markAll()
}

// foldLab folds the lab's bottom sheet on phones.
func (g *Game) foldLab() {
	e := g.dom.el("lab")
	folded := e.Get("classList").Call("toggle", "collapsed").Bool()
	b := g.dom.el("lab-fold")
	if folded {
		b.Set("textContent", "Show lab")
	} else {
		b.Set("textContent", "Hide lab")
	}
	b.Call("setAttribute", "aria-expanded", strconv.FormatBool(!folded))
}

// showLabNotices repeats the URL notices inside the lab (the controls'
// panel, where they are listed too, is hidden while the lab is open).
func (g *Game) showLabNotices(msgs []string) {
	if len(msgs) == 0 {
		return
	}
	list := g.dom.el("lab-notices")
	for _, m := range msgs {
		li := g.dom.doc.Call("createElement", "li")
		li.Set("textContent", m)
		list.Call("appendChild", li)
	}
	g.dom.setBool("lab-notices-box", "hidden", false)
}

// addNotice reports a problem found after the URL was parsed (a run id
// that sweep.json does not have) in both notice lists.
func (g *Game) addNotice(n view.Notice) {
	g.notices = append(g.notices, n)
	list := g.dom.el("notices")
	li := g.dom.doc.Call("createElement", "li")
	li.Set("textContent", n.Message)
	list.Call("appendChild", li)
	g.dom.setBool("notices-box", "hidden", false)
	g.showLabNotices([]string{n.Message})
}

// labUpdate runs once per Update: it follows the weights shown, the pad and
// the settings, and redraws what changed. Work that takes longer than a
// moment (the encoder estimators, the test evaluation) runs in labWork.
func (g *Game) labUpdate() {
	l := g.lab
	if g.scene != nil && g.initial == nil {
		return // the weights' preview is on screen: it has no encoder, so the lab waits for the full weights
	}
	if g.scene != nil {
		key := labModelKey{g.scene.Model, g.sceneVersion}
		if key != l.modelKey {
			l.modelKey = key
			l.postDirty, l.interpDirty, l.trainDirty = true, true, true
		}
	}
	if vp := [3]float64{g.outsideW, g.outsideH, g.scale}; vp != l.viewport {
		l.viewport = vp
		l.markAll() // the plots follow their new CSS size
	}
	g.padUpdate()
	g.labControlsUpdate()
	if !g.settings.Lab.Open {
		g.drawOverlay()
		return
	}
	s := g.settings.Lab
	if s.SectionOpen("grad") {
		g.gradUpdate()
	}
	if g.scene != nil && (s.SectionOpen("draw") || l.postDirty && l.drawing != nil) {
		g.drawPanelUpdate()
	}
	if g.scene != nil && s.SectionOpen("interp") {
		g.interpUpdate()
	}
	if s.SectionOpen("beta") {
		g.betaUpdate()
	}
	if s.SectionOpen("lik") {
		g.likUpdate()
	}
	g.drawOverlay()
}

// labBusy reports whether labWork has something to do.
func (g *Game) labBusy() bool {
	l := g.lab
	return l != nil && (l.enc != nil && !l.enc.Done() || l.eval != nil && !l.eval.Done())
}

// labWork advances the lab's long computations for about budget.
func (g *Game) labWork(budget time.Duration) {
	l := g.lab
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

// labInput routes a press on the plane while "Pick A/B" is armed: it sets
// that end of the interpolation instead of moving the crosshair. It
// reports whether it used the press.
func (g *Game) labInput() bool {
	l := g.lab
	if l == nil || l.armed == 0 {
		return false
	}
	var x, y float64
	pressed := false
	if inpututil.IsMouseButtonJustPressed(ebiten.MouseButtonLeft) {
		x, y = ebiten.CursorPositionF()
		pressed = true
	} else if ids := inpututil.AppendJustPressedTouchIDs(nil); len(ids) > 0 {
		x, y = ebiten.TouchPositionF(ids[0])
		pressed = true
	}
	if !pressed || !g.plane.Rect.Contains(x, y) {
		return false
	}
	z1, z2 := g.plane.Z(x, y)
	p := [2]float64{round3(z1), round3(z2)}
	if l.armed == 1 {
		g.settings.Lab.A = p
	} else {
		g.settings.Lab.B = p
	}
	l.armed = 0
	l.interpDirty, l.overlayDirty = true, true
	g.urlDirty = true
	return true
}

// round3 rounds to the URL's three decimals, so that the page shows
// exactly what a link reproduces.
func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// labControlsUpdate keeps the lab's controls in step with the settings
// (the train panel can change β and the warm-up too).
func (g *Game) labControlsUpdate() {
	l, d := g.lab, g.dom
	for _, k := range []string{"theta", "gn", "pn", "isteps", "beta", "warmup"} {
		v := g.settings.Get(k)
		if l.shown[k] == v {
			continue
		}
		l.shown[k] = v
		d.setValue("lab-"+k+"-text", v)
		sl, ok := view.LabSliders[k]
		if !ok {
			sl = view.Sliders[k]
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			d.setValue("lab-"+k+"-range", strconv.FormatFloat(sl.Position(f), 'g', -1, 64))
		}
		if k == "beta" || k == "warmup" {
			l.schedDirty = true
			d.setText("lab-"+k+"-msg", "")
		}
	}
	if v := g.settings.Get("gcomp"); l.shown["gcomp"] != v {
		l.shown["gcomp"] = v
		d.setValue("lab-gcomp", v)
		l.encShown = -1
	}
	g.gdigitOptions()
	pressed := func(id string, on bool) {
		key := id + ".pressed"
		if v := strconv.FormatBool(on); l.shown[key] != v {
			l.shown[key] = v
			d.el(id).Call("setAttribute", "aria-pressed", v)
		}
	}
	pressed("lab-pick-a", l.armed == 1)
	pressed("lab-pick-b", l.armed == 2)
	d.setBool("lab-a-digit", "disabled", l.mu == nil)
	d.setBool("lab-b-digit", "disabled", l.mu == nil)
}

// labStatusJSON is what window.govae.labStatus() returns.
type labStatusJSON struct {
	Open      bool       `json:"open"`
	Sections  string     `json:"sections"`
	Drawing   bool       `json:"drawing"`
	Mu        []float32  `json:"mu"`
	Logvar    []float32  `json:"logvar"`
	Sigma     []float64  `json:"sigma"`
	Samples   int        `json:"samples"`
	Overlay   overlayJSN `json:"overlay"`
	Armed     string     `json:"armed"`
	A         [2]float64 `json:"a"`
	B         [2]float64 `json:"b"`
	Interp    int        `json:"interp"` // digits decoded on the path
	Toy       *toyJSON   `json:"toy"`
	Encoder   *encJSON   `json:"encoder"`
	Sweep     int        `json:"sweepRuns"`
	SweepErr  string     `json:"sweepError,omitempty"`
	Run       string     `json:"run"`
	Eval      *core.Loss `json:"eval"`
	LoadMsg   string     `json:"loadMessage"`
	LoadClass string     `json:"loadClass"`
}

type overlayJSN struct {
	Shown   bool                         `json:"shown"`
	Draws   int                          `json:"draws"`
	Ellipse bool                         `json:"ellipse"`
	Path    bool                         `json:"path"`
	Rect    struct{ L, T, W, H float64 } `json:"rect"`
}

type statJSON struct {
	Mean float64 `json:"mean"`
	Var  float64 `json:"var"`
}

type toyJSON struct {
	Theta   float64  `json:"theta"`
	N       int      `json:"samples"`
	Reparam statJSON `json:"reparam"`
	Score   statJSON `json:"score"`
}

type encJSON struct {
	Done    bool       `json:"done"`
	N       int        `json:"n"`
	Drawn   int        `json:"drawn"`
	Ms      float64    `json:"ms"` // work time spent drawing them
	Reparam []statJSON `json:"reparam"`
	Score   []statJSON `json:"score"`
}

// labStatus describes the lab for tests.
func (g *Game) labStatus() labStatusJSON {
	l, s := g.lab, g.settings.Lab
	out := labStatusJSON{Open: s.Open, Sections: s.Get("labsec"), Drawing: l.drawing != nil, Mu: l.mu, Logvar: l.lv,
		Samples: s.Post, Armed: [...]string{"", "A", "B"}[l.armed], A: s.A, B: s.B, Interp: l.interpN,
		SweepErr: l.sweepErr, Run: s.Run, Eval: l.evalLoss,
		LoadMsg: g.dom.text["lab-load-msg"], LoadClass: g.dom.text["lab-load-msg.class"]}
	for _, v := range l.lv {
		out.Sigma = append(out.Sigma, view.SigmaFromLogvar(float64(v)))
	}
	if l.sweep != nil {
		out.Sweep = len(l.sweep.Runs)
	}
	o := &out.Overlay
	o.Shown, o.Draws, o.Ellipse, o.Path = !l.overlay.Get("hidden").Bool(), l.overlayDraws, l.overlayHasEll, l.overlayHasPth
	if g.scale > 0 {
		r := g.plane.Rect.Scale(1 / g.scale)
		o.Rect.L, o.Rect.T, o.Rect.W, o.Rect.H = r.X, r.Y, r.W, r.H
	}
	if t := l.toy; t != nil {
		out.Toy = &toyJSON{Theta: t.Theta, N: t.N, Reparam: statJSON{t.R.Mean, t.R.Var}, Score: statJSON{t.S.Mean, t.S.Var}}
	}
	if j := l.enc; j != nil {
		e := &encJSON{Done: j.Done(), N: j.N, Drawn: len(j.Reparam), Ms: float64(j.Elapsed.Microseconds()) / 1000}
		if j.Done() {
			st := j.Stats()
			for c := range st[0] {
				e.Reparam = append(e.Reparam, statJSON{st[0][c].Mean, st[0][c].Var})
				e.Score = append(e.Score, statJSON{st[1][c].Mean, st[1][c].Var})
			}
		}
		out.Encoder = e
	}
	return out
}

// exposeLabHooks installs window.govae.gradVariance, encodeImage, settings
// and labStatus. They run when JavaScript calls them, between the game's
// slices (the game never holds its lock while it waits), so they take the
// lock like Update does.
func (g *Game) exposeLabHooks() {
	govae := js.Global().Get("govae")
	hook := func(name string, f func(args []js.Value) any) {
		fn := js.FuncOf(func(_ js.Value, args []js.Value) any {
			g.lock.Lock()
			defer g.lock.Unlock()
			return f(args)
		})
		g.dom.funcs = append(g.dom.funcs, fn)
		govae.Set(name, fn)
	}
	// gradVariance({samples, theta, seed}) measures both estimators on the
	// toy problem (θ and the seed default to the lab's).
	hook("gradVariance", func(args []js.Value) any {
		n, theta, seed := g.settings.Lab.Samples, g.settings.Lab.Theta, g.settings.Lab.Seed
		if len(args) > 0 && args[0].Type() == js.TypeObject {
			o := args[0]
			if v := o.Get("samples"); v.Type() == js.TypeNumber {
				n = int(min(max(v.Float(), 2), 2e6))
			}
			if v := o.Get("theta"); v.Type() == js.TypeNumber && !math.IsNaN(v.Float()) && !math.IsInf(v.Float(), 0) {
				theta = v.Float()
			}
			if v := o.Get("seed"); v.Type() == js.TypeNumber && v.Float() >= 0 && v.Float() <= view.MaxSeed {
				seed = uint64(v.Float())
			}
		}
		r := RunToy(theta, n, seed)
		return map[string]any{
			"theta": theta, "samples": n, "seed": float64(seed),
			"reparam": map[string]any{"mean": r.R.Mean, "var": r.R.Var},
			"score":   map[string]any{"mean": r.S.Mean, "var": r.S.Var},
			"exact":   map[string]any{"reparam": r.ExactR, "score": r.ExactS},
		}
	})
	// encodeImage(pixels784) returns the posterior {mu, logvar} of a
	// 28×28 image (values in [0, 1]) under the weights the plane shows.
	hook("encodeImage", func(args []js.Value) any {
		if g.scene == nil || g.initial == nil { // nothing yet, or the preview, which has no encoder
			return map[string]any{"error": "the weights are not loaded yet"}
		}
		if len(args) == 0 || args[0].Get("length").Type() != js.TypeNumber || args[0].Get("length").Int() != view.DigitPixels {
			return map[string]any{"error": "encodeImage needs an array of 784 pixel values in [0, 1]"}
		}
		x := make([]float32, view.DigitPixels)
		for i := range x {
			v := args[0].Index(i).Float()
			if !(v >= 0 && v <= 1) {
				return map[string]any{"error": fmt.Sprintf("pixel %d is %v, not in [0, 1]", i, v)}
			}
			x[i] = float32(v)
		}
		mu, lv := g.scene.Model.Encode(x, 1)
		return map[string]any{"mu": floats(mu), "logvar": floats(lv)}
	})
	hook("settings", func([]js.Value) any { return g.settings.Typed() })
	// labPoints lists the rate–distortion plot's points, in CSS pixels
	// from the plot's top-left corner, for tests that click them.
	hook("labPoints", func([]js.Value) any {
		out := []any{}
		for _, p := range g.lab.rdPoints {
			out = append(out, map[string]any{"x": p.x, "y": p.y, "id": p.id})
		}
		return out
	})
	hook("labStatus", func([]js.Value) any {
		b, err := json.Marshal(g.labStatus())
		if err != nil {
			return fmt.Sprintf(`{"error":%q}`, err.Error())
		}
		return string(b)
	})
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
