//go:build js && wasm

package app

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strconv"
	"syscall/js"
	"time"

	"github.com/govae/govae/wasm/view"
)

// numericKeys are the settings with a slider and a text field.
var numericKeys = []string{"grid", "dots", "lr", "batch", "beta", "warmup", "sigma"}

// bindControls connects the panel's inputs and buttons. Handlers only post
// work to the game loop, which owns all state.
func (g *Game) bindControls() {
	for _, k := range numericKeys {
		sl := view.Sliders[k]
		r := g.dom.el(k + "-range")
		r.Set("min", sl.Min)
		r.Set("max", sl.Max)
		r.Set("step", sl.Step)
		g.dom.on(k+"-range", "input", func(t js.Value) {
			pos, err := strconv.ParseFloat(t.Get("value").String(), 64)
			if err == nil {
				g.post(func() { g.setSetting(k, sl.Value(pos)) })
			}
		})
		g.dom.on(k+"-text", "change", func(t js.Value) {
			v := t.Get("value").String()
			g.post(func() { g.setSetting(k, v) })
		})
	}
	g.dom.on("lik", "change", func(t js.Value) {
		v := t.Get("value").String()
		g.post(func() { g.setSetting("lik", v) })
	})
	g.dom.on("workers", "change", func(t js.Value) {
		v := t.Get("value").String()
		g.post(func() { g.setSetting("workers", v) })
	})
	g.dom.on("overlay", "change", func(t js.Value) {
		v := "0"
		if t.Get("checked").Bool() {
			v = "1"
		}
		g.post(func() { g.setSetting("overlay", v) })
	})
	buttons := map[string]func(){
		"train":            func() { g.train.want = "train"; g.startTraining() },
		"step":             func() { g.train.want = "step"; g.startTraining() },
		"pause":            g.pause,
		"reset":            g.reset,
		"pretrained":       g.backToPretrained,
		"train-data-retry": g.fetchTrainData,
		"test-data-retry":  g.loadTestData,
	}
	for id, f := range buttons {
		g.dom.on(id, "click", func(js.Value) {
			g.post(func() {
				f()
				g.lastStats = time.Time{} // the buttons' states follow at once
			})
		})
	}
	for _, k := range append([]string{"lik", "overlay", "workers"}, numericKeys...) {
		g.showSetting(k)
	}
}

// setSetting applies a value from a control. A refused value is named in a
// message beside the control and not used.
func (g *Game) setSetting(key, value string) {
	old := g.settings
	if err := g.settings.Set(key, value); err != nil {
		g.dom.setText(key+"-msg", fmt.Sprintf("%v — keeping %s.", err, old.Get(key)))
		if e := g.dom.el(key + "-text"); e.Truthy() {
			e.Call("setAttribute", "aria-invalid", "true")
		}
		return
	}
	g.showSetting(key)
	g.urlDirty = true
	g.dirty = true
	switch key {
	case "grid":
		g.plane = view.NewPlane(g.layout.Plane, g.settings.Grid)
		g.clampZ()
		if g.scene != nil {
			g.scene.Refresh(nil, PartManifold, g.settings.Grid, g.settings.Dots)
		}
		g.resample = true
	case "workers":
		g.switchBackend() // workers_js.go
	case "overlay", "dots":
		if g.scene != nil && g.settings.Overlay && (key == "overlay" || old.Dots != g.settings.Dots) {
			g.scene.Refresh(nil, PartDots, g.settings.Grid, g.settings.Dots)
		}
	default: // training settings, valid by construction
		if g.backend != nil {
			if err := g.backend.SetConfig(g.settings.TrainConfig()); err != nil {
				panic(err)
			}
		}
	}
}

// showSetting writes a setting's value into its controls and clears its
// message.
func (g *Game) showSetting(key string) {
	v := g.settings.Get(key)
	switch key {
	case "lik":
		g.dom.setValue("lik", v)
		return
	case "overlay":
		g.dom.el("overlay").Set("checked", g.settings.Overlay)
		return
	case "workers":
		g.dom.setValue("workers", v)
		return
	}
	g.dom.setValue(key+"-text", v)
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		g.dom.setValue(key+"-range", strconv.FormatFloat(view.Sliders[key].Position(f), 'g', -1, 64))
	}
	g.dom.setText(key+"-msg", "")
	if e := g.dom.el(key + "-text"); e.Truthy() {
		e.Call("removeAttribute", "aria-invalid")
	}
}

// clampZ keeps the selected z on the plane (a URL may ask for more).
func (g *Game) clampZ() {
	m := view.NewPlane(view.Rect{W: 1, H: 1}, g.settings.Grid).ZMax()
	g.settings.Z1 = min(max(g.settings.Z1, -m), m)
	g.settings.Z2 = min(max(g.settings.Z2, -m), m)
}

// startTraining trains (or takes one step), first downloading the
// training set when needed.
func (g *Game) startTraining() {
	if g.backend == nil {
		return
	}
	if !g.backend.HasData() {
		if g.train.state != "loading" && g.train.state != "parsing" {
			g.fetchTrainData() // in the page or in the workers (workers_js.go)
		}
		return // the download finishing starts what g.train.want says
	}
	g.trainErr = ""
	g.dom.setText("train-msg", "")
	if g.train.want == "step" {
		g.backend.Step()
	} else {
		g.backend.Start()
	}
	g.train.want = ""
}

func (g *Game) pause() {
	g.train.want = ""
	if g.backend != nil {
		g.backend.Pause()
	}
}

// reset starts from fresh random weights.
func (g *Game) reset() {
	if g.backend == nil {
		return
	}
	g.backend.Load(g.freshModel())
	g.weights = weightsRandom
	g.afterLoad()
}

// backToPretrained reloads the pretrained weights and stops training.
func (g *Game) backToPretrained() {
	if g.backend == nil || g.pretrained == nil {
		return
	}
	g.pause()
	g.backend.Load(g.pretrained.Clone())
	g.weights = weightsPretrained
	g.afterLoad()
}

func (g *Game) afterLoad() {
	g.dirty = true
	g.history.Reset()
	g.lastLoss = nil
	g.trainErr = ""
	g.maxSlice = 0
	g.refresh(PartManifold | PartRecon | PartDots)
}

// updatePanel refreshes the statistics and the buttons' states.
func (g *Game) updatePanel() {
	st := g.backend.Status()
	running := st.Running || st.Pending > 0
	d := g.dom
	d.setText("stat-weights", g.weights)
	d.setText("stat-epoch", fmt.Sprintf("%d (%.2f passes)", st.Epoch, g.passes(st.Examples)))
	d.setText("stat-step", strconv.Itoa(st.Steps))
	d.setText("stat-rate", "—")
	d.setText("workers-info", workersText(g.activeWorkers()))
	if running {
		d.setText("stat-rate", strconv.FormatFloat(st.ExamplesPerSec, 'f', 0, 64))
	}
	if l := g.lastLoss; l != nil {
		d.setText("stat-elbo", strconv.FormatFloat(l.NegELBO, 'f', 2, 64))
		d.setText("stat-recon", strconv.FormatFloat(l.Recon, 'f', 2, 64))
		d.setText("stat-kl", strconv.FormatFloat(l.KL, 'f', 2, 64))
	} else {
		for _, id := range []string{"stat-elbo", "stat-recon", "stat-kl"} {
			d.setText(id, "—")
		}
	}
	busy := g.train.state == "loading" || g.train.state == "parsing"
	d.setBool("train", "disabled", running || busy)
	d.setBool("step", "disabled", running || busy)
	d.setBool("pause", "disabled", !running && g.train.want == "")
	d.setBool("pretrained", "disabled", g.pretrained == nil)
	g.showData(&g.test, "test-data", "Test digits")
	g.showData(&g.train, "train-data", "Training digits")
}

// passes returns the epochs' worth of images trained on.
func (g *Game) passes(examples int64) float64 {
	if g.train.n == 0 {
		return 0
	}
	return float64(examples) / float64(g.train.n)
}

// showNotices lists the URL parameters that were ignored.
func (g *Game) showNotices() {
	if len(g.notices) == 0 {
		return
	}
	list := g.dom.el("notices")
	for _, n := range g.notices {
		li := g.dom.doc.Call("createElement", "li")
		li.Set("textContent", n.Message)
		list.Call("appendChild", li)
	}
	g.dom.setBool("notices-box", "hidden", false)
}

// statusJSON is what window.govae.status() returns.
type statusJSON struct {
	Phase          string       `json:"phase"` // "weights" until the weights are in, then "running"
	Ready          bool         `json:"ready"`
	ReadyMs        float64      `json:"readyMs"`      // performance.now() when ready resolved
	FirstPaintMs   float64      `json:"firstPaintMs"` // performance.now() when firstPaint resolved
	Preview        string       `json:"preview"`      // how the weights' preview was used
	Training       bool         `json:"training"`
	Step           int          `json:"step"`
	Epoch          int          `json:"epoch"`
	Examples       int64        `json:"examples"`
	ExamplesPerSec float64      `json:"examplesPerSec"`
	NegELBO        *float64     `json:"negElbo"`
	Recon          *float64     `json:"recon"`
	KL             *float64     `json:"kl"`
	Settings       settingsJSON `json:"settings"`
	Plane          planeJSON    `json:"plane"`
	DeviceScale    float64      `json:"deviceScale"`
	Weights        string       `json:"weights"`
	WeightsError   string       `json:"weightsError,omitempty"`
	TrainError     string       `json:"trainError,omitempty"`
	TestData       string       `json:"testData"`
	TrainData      string       `json:"trainData"`
	Notices        []string     `json:"notices"`
	Manifolds      int          `json:"manifolds"`  // manifolds published so far
	Dots           int          `json:"dots"`       // overlay points computed
	Recons         int          `json:"recons"`     // reconstruction strips published
	MaxSliceMs     float64      `json:"maxSliceMs"` // longest work slice while training
	Workers        int          `json:"workers"`    // Web Workers training; 0: the page itself
}

type settingsJSON struct {
	LR      float64    `json:"lr"`
	Batch   int        `json:"batch"`
	Beta    float64    `json:"beta"`
	Warmup  int        `json:"warmup"`
	Lik     string     `json:"lik"`
	Sigma   float64    `json:"sigma"`
	Grid    int        `json:"grid"`
	Overlay bool       `json:"overlay"`
	Dots    int        `json:"dots"`
	Z       [2]float64 `json:"z"`
}

// planeJSON is the manifold's square in CSS pixels from the viewport's
// top-left corner, and the cumulative probabilities at its edges: with
// view.Plane, enough to turn z into a click position and back.
type planeJSON struct {
	Left   float64 `json:"left"`
	Top    float64 `json:"top"`
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
	PMin   float64 `json:"pMin"`
	PMax   float64 `json:"pMax"`
}

type sampleJSON struct {
	Z      [2]float64 `json:"z"`
	Pixels []float32  `json:"pixels"`
}

// publishStatus records the state for status(), which JavaScript may call
// at any time.
func (g *Game) publishStatus() {
	st := g.backend.Status()
	s := g.settings
	out := statusJSON{
		Phase: "running", Ready: g.readyAt > 0, ReadyMs: g.readyAt,
		FirstPaintMs: g.firstPaintAt, Preview: g.previewState,
		Training: st.Running || st.Pending > 0, Step: st.Steps, Epoch: st.Epoch,
		Examples: st.Examples, ExamplesPerSec: st.ExamplesPerSec,
		Settings: settingsJSON{LR: s.LearningRate, Batch: s.BatchSize, Beta: s.Beta, Warmup: s.WarmupSteps,
			Lik: s.Likelihood.String(), Sigma: s.Sigma, Grid: s.Grid, Overlay: s.Overlay, Dots: s.Dots, Z: [2]float64{s.Z1, s.Z2}},
		Plane: planeJSON{Left: g.plane.Rect.X / g.scale, Top: g.plane.Rect.Y / g.scale,
			Width: g.plane.Rect.W / g.scale, Height: g.plane.Rect.H / g.scale, PMin: g.plane.PMin, PMax: g.plane.PMax},
		DeviceScale: g.scale,
		Weights:     g.weights, WeightsError: g.weightsErr, TrainError: g.trainErr,
		TestData: g.test.state, TrainData: g.train.state,
		Manifolds: g.scene.ManifoldVersion, Dots: len(g.scene.Dots), Recons: g.scene.ReconVersion,
		MaxSliceMs: float64(g.maxSlice.Microseconds()) / 1000,
		Workers:    g.activeWorkers(),
	}
	if l := g.lastLoss; l != nil {
		out.NegELBO, out.Recon, out.KL = &l.NegELBO, &l.Recon, &l.KL
	}
	for _, n := range g.notices {
		out.Notices = append(out.Notices, n.Message)
	}
	g.mu.Lock()
	g.status = out
	g.mu.Unlock()
}

// publishSample records the digit shown for lastSample(); only input
// (click, drag, keys) makes it visible there.
func (g *Game) publishSample() {
	g.gfx.sampleVer++
	if !g.sampleFromInput {
		return
	}
	s := &sampleJSON{Z: [2]float64{g.settings.Z1, g.settings.Z2}, Pixels: append([]float32(nil), g.sample...)}
	g.mu.Lock()
	g.last = s
	g.mu.Unlock()
}

// exposeHooks installs window.govae.status and lastSample.
func (g *Game) exposeHooks() {
	govae := js.Global().Get("govae")
	govae.Set("status", js.FuncOf(func(js.Value, []js.Value) any {
		g.mu.Lock()
		defer g.mu.Unlock()
		b, err := json.Marshal(g.status)
		if err != nil {
			return fmt.Sprintf(`{"error":%q}`, err.Error())
		}
		return string(b)
	}))
	govae.Set("lastSample", js.FuncOf(func(js.Value, []js.Value) any {
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.last == nil {
			return "null"
		}
		b, _ := json.Marshal(g.last) // finite by construction: a sigmoid's output
		return string(b)
	}))
	// memStats() reports the Go heap of the page, for the browser soak: the
	// wasm memory never shrinks, so only these tell growth from headroom.
	// (ReadMemStats stops the world: called on demand, never per frame.)
	govae.Set("memStats", js.FuncOf(func(js.Value, []js.Value) any {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return map[string]any{"heapAlloc": float64(m.HeapAlloc), "heapInuse": float64(m.HeapInuse),
			"heapSys": float64(m.HeapSys), "sys": float64(m.Sys), "numGC": float64(m.NumGC)}
	}))
	g.exposeBenchHooks() // benchTrain, benchDecode (bench_js.go)
}
