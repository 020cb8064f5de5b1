//go:build js && wasm

package app

import (
	"fmt"
	"math"
	"sync"
	"syscall/js"
	"time"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/govae/govae/core"
	"github.com/govae/govae/wasm/view"
)

// What the weights shown are, as the panel and status() say it.
const (
	weightsPretrained = "pretrained"
	weightsPreview    = "pretrained, 8-bit preview" // the decoder from vae.preview.bin, until vae.bin is in
	weightsFineTuned  = "pretrained, fine-tuned"
	weightsUntrained  = "untrained" // the pretrained weights failed to load
	weightsRandom     = "random init"
	weightsScratch    = "trained from scratch"
)

// Timing. Work slices of sliceBudget give the browser control back many
// times a second (well within 50 ms); a refresh of the pictures shares a
// slice with training while both run.
const (
	sliceBudget     = 12 * time.Millisecond
	refreshInterval = 250 * time.Millisecond // pictures refresh at most 4×/s while training
	urlInterval     = 500 * time.Millisecond // browsers throttle history.replaceState
)

// Game is the page: it implements ebiten.Game.
type Game struct {
	dom      *dom
	text     *textCache
	settings view.Settings
	notices  []view.Notice

	backend    Backend
	scene      *Scene
	pretrained *core.Model // nil when the weights failed to load
	initial    *core.Model // the first model shown; never written to
	weights    string      // what the weights are, one of the weights… constants
	weightsErr string
	seed       uint64 // for Reset's fresh weights
	history    *view.History
	lastLoss   *core.Loss
	trainErr   string

	sceneVersion uint64 // backend version of the scene's snapshot
	lastRefresh  time.Time

	// The selected latent point and its decoded digit.
	sample          []float32
	sampleFromInput bool
	resample        bool

	input inputState
	lab   *lab // the lab's panels and marks on the plane (lab*.go)

	test, train dataset

	// Geometry, in device pixels.
	outsideW, outsideH float64
	scale              float64
	layout             view.Layout
	plane              view.Plane
	panel              view.Rect // the control panel, in CSS pixels

	gfx     graphics
	dirty   bool
	drawn   bool    // a real manifold has been drawn
	readyAt float64 // performance.now() when ready resolved, 0 before

	// The first picture comes from the weights' preview when there is one
	// (loadWeights); the full weights replace it.
	firstPaintAt float64       // performance.now() when firstPaint resolved, 0 before
	painted      chan struct{} // closed at the first paint
	awaitFull    bool          // the full weights' manifold is being decoded over the preview's
	previewState string        // for status(): how the preview was used

	urlDirty   bool
	lastURL    time.Time
	lastStats  time.Time
	maxSlice   time.Duration // longest work slice while training, for status()
	chartDirty bool          // the chart has new points to draw
	lastDraw   time.Time

	fatal error // a panic in Draw or the work loop, returned by Update

	// lock guards all of the above: Update, Draw, LayoutF and the work
	// loop's slices hold it. (WebAssembly runs one goroutine at a time; the
	// lock keeps that an implementation detail.)
	lock sync.Mutex
	wake chan struct{} // work to do

	mu       sync.Mutex
	commands []func() // from event handlers and goroutines, run by Update
	status   statusJSON
	last     *sampleJSON
}

// New reads the settings from the URL, binds the page's controls and
// starts loading the weights. Call it before ebiten.RunGame.
func New() *Game {
	g := &Game{
		dom:     newDOM(),
		text:    newTextCache(),
		history: view.NewHistory(4096),
		seed:    uint64(time.Now().UnixNano()),
		dirty:   true,
		wake:    make(chan struct{}, 1),
		painted: make(chan struct{}),
	}
	g.status.Phase = "weights"
	g.settings, g.notices = view.ParseQuery(js.Global().Get("location").Get("search").String())
	g.bindControls()
	g.showNotices()
	g.initLab()
	g.exposeHooks()
	go g.loadWeights()
	go g.workLoop()
	return g
}

// post queues f to run on the game loop; safe from any goroutine or event
// handler.
func (g *Game) post(f func()) {
	g.mu.Lock()
	g.commands = append(g.commands, f)
	g.mu.Unlock()
}

func (g *Game) runCommands() {
	g.mu.Lock()
	cmds := g.commands
	g.commands = nil
	g.mu.Unlock()
	for _, f := range cmds {
		f()
	}
}

// loadWeights shows the weights' preview (assets/vae.preview.bin: the
// decoder in 8 bits, an eighth of the weights' bytes) as soon as it and the
// wasm are in, and only then downloads the full weights, which replace it.
// Without a usable preview it fetches the full weights at once. When the
// full weights fail, the page says so and shows an untrained model instead.
func (g *Game) loadWeights() {
	v, err := await(g.dom.host.Get("preview"))
	var preview *core.Model
	var source uint32
	if err == nil {
		preview, source, err = core.ParsePreview(goBytes(v))
	}
	if err == nil {
		err = checkPageShape(preview)
	}
	if err != nil {
		g.setPreviewState("not used: " + err.Error())
		js.Global().Get("console").Call("warn", "govae: the weights' preview is not used:", err.Error())
	} else {
		g.post(func() { g.showPreview(preview) })
		<-g.painted
	}
	v, err = await(g.dom.host.Call("fullWeights"))
	var m *core.Model
	if err == nil {
		data := goBytes(v)
		if m, err = core.ParseModel(data); err == nil && preview != nil && core.WeightsChecksum(data) != source {
			g.setPreviewState("replaced; it was made from other weights than assets/vae.bin (rebuild with make build)")
		}
	}
	if err == nil {
		err = checkPageShape(m)
	}
	g.post(func() { g.start(m, err) })
}

// checkPageShape refuses models the page cannot show.
func checkPageShape(m *core.Model) error {
	if m.Arch.Input != 28*28 || m.Arch.Latent != 2 {
		return fmt.Errorf("the weights are for %d-pixel images and a %d-D latent space; this page needs 784 and 2",
			m.Arch.Input, m.Arch.Latent)
	}
	return nil
}

func (g *Game) setPreviewState(s string) {
	g.mu.Lock()
	g.previewState = s
	g.status.Preview = s
	g.mu.Unlock()
}

// showPreview draws the first manifold with the preview's decoder. Nothing
// else uses it: the preview has no encoder, and the controls and the lab
// wait for the full weights.
func (g *Game) showPreview(m *core.Model) {
	g.weights = weightsPreview
	g.scene = NewScene(m, g.settings.Grid)
	g.scene.Refresh(nil, PartManifold, g.settings.Grid, 0)
	g.clampZ()
	g.resample = true
	g.dirty = true
	g.setPreviewState("shown")
	g.mu.Lock()
	g.status.Phase = "decoding the preview"
	g.status.Weights = weightsPreview
	g.mu.Unlock()
}

// start shows the loaded model, or fresh weights when loading failed. The
// first manifold is decoded with that model itself: the trainer's copy is
// made once the manifold is on screen (cloning takes a visible moment in
// WebAssembly).
func (g *Game) start(m *core.Model, err error) {
	g.weights = weightsPretrained
	if err != nil {
		g.weightsErr = err.Error()
		g.dom.showError("The pretrained weights (assets/vae.bin) could not be loaded", g.weightsErr+
			"\nThe plane shows an untrained model instead: press Train to train one in this tab.")
		m = g.freshModel()
		g.weights = weightsUntrained
	} else {
		g.pretrained = m
	}
	g.initial = m
	g.dirty = true
	if g.scene != nil {
		// The preview's manifold stays on screen until this one is whole.
		g.scene.Refresh(m, PartManifold, g.settings.Grid, 0)
		g.awaitFull = true
	} else {
		g.scene = NewScene(m, g.settings.Grid)
		g.scene.Refresh(nil, PartManifold, g.settings.Grid, 0)
	}
	g.clampZ()
	g.resample = true
	g.mu.Lock()
	g.status.Phase = "decoding"
	g.mu.Unlock()
}

func (g *Game) freshModel() *core.Model {
	g.seed++
	m, err := core.New(core.DefaultArchitecture(), g.seed)
	if err != nil {
		panic(err) // the default architecture is valid
	}
	m.Likelihood = g.settings.TrainConfig().Likelihood
	return m
}

// Update implements ebiten.Game: it runs queued commands, reads input,
// wakes the work loop when there is work, and updates the panel and the
// status hooks. The heavy work happens in workLoop.
func (g *Game) Update() (err error) {
	g.lock.Lock()
	defer g.lock.Unlock()
	defer g.recoverTo(&err)
	if g.fatal != nil {
		return g.fatal
	}
	if !g.gfx.hooked {
		g.exposeRedrawHooks()
	}
	g.runCommands()
	g.labUpdate()
	if g.scene == nil {
		return nil // waiting for the weights
	}
	g.checkPainted()
	if g.drawn && g.backend == nil && g.initial != nil && !g.awaitFull {
		g.becomeReady()
	}
	if !g.labInput() { // a press that picks a lab point does not move z
		dirty := g.dirty
		g.handleInput()
		if g.dirty && !dirty {
			// Input only moves z: the crosshair and the large digit change.
			g.dirty = false
			g.gfx.pending |= partSet(partPlane, partSample)
		}
	}
	if g.resample {
		g.sample = g.scene.Sample(g.settings.Z1, g.settings.Z2, g.sample)
		g.resample = false
		g.gfx.pending |= partSet(partSample)
		g.publishSample()
	}
	if g.urlDirty && time.Since(g.lastURL) >= urlInterval {
		replaceQuery(g.settings.Query())
		g.urlDirty, g.lastURL = false, time.Now()
	}
	// Redrawing costs a frame's worth of work on software renderers: the
	// chart follows training at the pictures' refresh rate, and alone.
	if g.chartDirty && time.Since(g.gfx.chartAt) >= refreshInterval {
		g.gfx.pending |= partSet(partChart)
		g.chartDirty = false
	}
	if g.backend != nil && g.training() && !trainsHere(g.backend) {
		// Steps done in Web Workers: collecting them takes no time, so it
		// needs no work slice (which would run inside this frame's task).
		for _, r := range g.backend.Tick(0) {
			g.stepDone(r)
			g.chartDirty = true
		}
	}
	if g.scene.Busy() || g.training() && trainsHere(g.backend) || g.refreshDue() || g.labBusy() {
		select {
		case g.wake <- struct{}{}:
		default: // already awake
		}
	}
	if g.backend == nil {
		return nil
	}
	g.watchBackend() // the workers' download and failures (workers_js.go)
	if time.Since(g.lastStats) >= 200*time.Millisecond {
		g.updatePanel()
		g.lastStats = time.Now()
		if g.panelRect() != g.panel {
			g.relayout() // the panel was folded or unfolded
		}
	}
	g.publishStatus()
	return nil
}

func (g *Game) training() bool {
	if g.backend == nil {
		return false
	}
	st := g.backend.Status()
	return st.Running || st.Pending > 0
}

// workLoop does the heavy work — refreshing the pictures and training — in
// slices of about sliceBudget, each in a browser task of its own. Go in
// WebAssembly returns control to the browser only when every goroutine is
// blocked, so waiting for the next task between slices is what lets the
// page paint and respond. The loop is not tied to animation frames, which a
// software renderer can make slow, and it waits on g.wake while there is
// nothing to do.
func (g *Game) workLoop() {
	for {
		more, ok := g.slice()
		switch {
		case !ok:
			return // a panic stopped the game
		case more:
			g.dom.nextTask() // the browser's turn
		default:
			<-g.wake
			// Woken by Update, inside an animation frame's task: the slice
			// goes in a task of its own, or the frame would wait for it.
			g.dom.nextTask()
		}
	}
}

// slice runs one work slice and reports whether there is more to do; ok is
// false after a panic, which Update then reports.
func (g *Game) slice() (more, ok bool) {
	g.lock.Lock()
	defer g.lock.Unlock()
	defer func() {
		if r := recover(); r != nil {
			g.fatal, more, ok = fmt.Errorf("internal error: %v", r), false, false
		}
	}()
	start := time.Now()
	more = g.work()
	if g.training() {
		g.maxSlice = max(g.maxSlice, time.Since(start))
	}
	return more, true
}

// work does one slice: a refresh of the pictures when the weights changed
// (sharing the slice with training), then training. It reports whether
// there is more to do.
func (g *Game) work() bool {
	if g.scene == nil {
		return false
	}
	start := time.Now()
	training := g.training()
	here := training && trainsHere(g.backend) // not in Web Workers
	if g.refreshDue() {
		g.refresh(PartManifold | PartRecon | PartDots)
	}
	if g.scene.Busy() {
		budget := sliceBudget
		switch {
		case !g.drawn:
			budget = time.Hour // the first manifold: one batched Decode
		case here:
			budget /= 2
		}
		if g.scene.Work(budget) {
			// A manifold, reconstructions or the overlay's dots: the parts
			// drawn from the scene (Draw also compares what they show).
			g.gfx.pending |= partSet(partPlane, partRecon, partLegend)
		}
	}
	if training {
		for _, r := range g.backend.Tick(sliceBudget - time.Since(start)) {
			g.stepDone(r)
			g.chartDirty = true
		}
	}
	if g.labBusy() {
		g.labWork(max(sliceBudget-time.Since(start), time.Millisecond))
	}
	// Training in workers needs no slices here: Update collects its steps,
	// and wakes the loop when a refresh is due.
	return g.scene.Busy() || g.training() && trainsHere(g.backend) || g.labBusy()
}

// refresh takes a new snapshot of the weights and recomputes parts of the
// scene from it (the overlay only when shown).
func (g *Game) refresh(parts int) {
	if !g.settings.Overlay {
		parts &^= PartDots
	}
	dst := g.scene.Model
	if dst == g.initial {
		dst = nil // a new model, so the pretrained weights stay intact
	}
	g.scene.Refresh(g.backend.Snapshot(dst), parts, g.settings.Grid, g.settings.Dots)
	g.sceneVersion = g.backend.Version()
	g.lastRefresh = time.Now()
	g.resample = true
}

func (g *Game) stepDone(r StepResult) {
	if r.Err != nil {
		g.trainErr = r.Err.Error()
		g.dom.showError("Training stopped", g.trainErr)
		return
	}
	g.trainErr = ""
	l := r.Loss
	g.lastLoss = &l
	g.history.Add(view.LossPoint{Step: float64(r.Step), NegELBO: r.Loss.NegELBO, Recon: r.Loss.Recon, KL: r.Loss.KL})
	switch g.weights {
	case weightsPretrained:
		g.weights = weightsFineTuned
	case weightsRandom, weightsUntrained:
		g.weights = weightsScratch
	}
}

// checkPainted resolves window.govae.firstPaint once the first manifold
// (the preview's, or the full weights') is on screen, and notices when the
// full weights' manifold has replaced the preview's.
func (g *Game) checkPainted() {
	if g.drawn && g.firstPaintAt == 0 {
		g.firstPaintAt = performanceNow()
		g.mu.Lock()
		g.status.FirstPaintMs = g.firstPaintAt
		g.mu.Unlock()
		g.dom.host.Call("firstPaint")
		close(g.painted) // loadWeights fetches the full weights now
	}
	if g.awaitFull && !g.scene.Busy() {
		g.awaitFull = false
		g.drawn, g.dirty = false, true // ready once it has been drawn
	}
}

// becomeReady resolves window.govae.ready once the first manifold is on
// screen, then prepares training and starts loading the test digits.
func (g *Game) becomeReady() {
	g.readyAt = performanceNow()
	g.dom.host.Call("ready")
	b := g.newBackend(g.initial.Clone()) // Web Workers when there are (workers_js.go)
	g.backend = b
	g.sceneVersion = b.Version()
	g.dirty = true
	g.dom.setBool("controls", "disabled", false)
	if c := g.dom.doc.Call("querySelector", "body > canvas"); c.Truthy() {
		c.Call("setAttribute", "aria-label",
			"Latent plane of the VAE: click or drag to decode the digit at a point z; arrow keys move z")
		c.Call("setAttribute", "tabindex", "0")
	}
	g.loadTestData()
}

// LayoutF implements ebiten.LayoutFer: the screen has one pixel per device
// pixel, for crisp drawing on high-DPI displays.
func (g *Game) LayoutF(outsideW, outsideH float64) (float64, float64) {
	g.lock.Lock()
	defer g.lock.Unlock()
	s := ebiten.Monitor().DeviceScaleFactor()
	if outsideW != g.outsideW || outsideH != g.outsideH || s != g.scale {
		g.outsideW, g.outsideH, g.scale = outsideW, outsideH, s
		g.relayout()
	}
	return math.Ceil(outsideW * s), math.Ceil(outsideH * s)
}

// Layout implements ebiten.Game; Ebiten calls LayoutF instead.
func (g *Game) Layout(w, h int) (int, int) {
	sw, sh := g.LayoutF(float64(w), float64(h))
	return int(sw), int(sh)
}

// relayout places the drawings in the part of the canvas the control panel
// leaves free.
func (g *Game) relayout() {
	g.panel = g.panelRect()
	free := view.FreeArea(view.Rect{W: g.outsideW, H: g.outsideH}, g.panel)
	g.layout = view.ComputeLayout(free.Scale(g.scale), g.scale)
	g.plane = view.NewPlane(g.layout.Plane, g.settings.Grid)
	g.dirty = true
}

// panelRect returns where the control panel is, in CSS pixels.
func (g *Game) panelRect() view.Rect {
	id := "panel"
	if g.settings.Lab.Open {
		id = "lab" // the lab takes the panel's place
	}
	r := g.dom.el(id).Call("getBoundingClientRect")
	return view.Rect{X: r.Get("left").Float(), Y: r.Get("top").Float(), W: r.Get("width").Float(), H: r.Get("height").Float()}
}

// recoverTo turns a panic in Update into the error that stops the game,
// which main shows in the page.
func (g *Game) recoverTo(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("internal error: %v", r)
	}
}

// Fail shows why the game stopped.
func (g *Game) Fail(err error) {
	g.dom.host.Call("fail", "govae stopped", err.Error())
}
