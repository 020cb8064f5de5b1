//go:build js && wasm

// Package explorer is the part of the page Ebiten draws: the latent plane
// (the manifold's tiles, its axes, the overlay's encoder means and the
// crosshair), the digit decoded at the crosshair, the overlay's legend, the
// reconstructions and the loss chart — redrawn in parts, only where
// something changed — and the visitor's input on the plane (click, drag,
// touch, arrow keys), which moves z. It draws what a Source gives it and
// knows nothing of training or of the HTML controls.
package explorer

import (
	"sync"
	"time"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/govae/govae/wasm/bridge"
	"github.com/govae/govae/wasm/scene"
	"github.com/govae/govae/wasm/view"
)

// RefreshInterval is the least time between two refreshes of the
// reconstructions and the overlay (and redraws of the loss chart) while
// training: at most 4 a second. The manifold alone, which visitors watch
// sharpen, is refreshed more often (ManifoldInterval).
const RefreshInterval = 250 * time.Millisecond

// ManifoldInterval is the least time between two refreshes of the manifold
// while training: at most 12.5 a second, so that with the time a refresh
// waits for the page's next task and for new weights the plane still
// changes at least 10 times a second where the machine allows it.
const ManifoldInterval = 80 * time.Millisecond

// Source is what the explorer shows, owned by the page. Its methods run on
// the game loop.
type Source interface {
	// Scene returns the pictures decoded from the weights shown; nil until
	// the first weights are in.
	Scene() *scene.Scene
	// Settings returns the page's settings: the explorer reads the grid,
	// the overlay and z, and writes z (Z1, Z2) when the visitor moves it.
	Settings() *view.Settings
	// History returns the training loss curve.
	History() *view.History
	// HeldOut returns the held-out curve of the weights shown (−ELBO,
	// reconstruction and KL on the held-out test digits at some steps),
	// nil before its first point.
	HeldOut() []view.LossPoint
	// Untrained reports that the pretrained weights failed to load and the
	// plane shows an untrained model.
	Untrained() bool
	// TestState is the test digits' download: "", "loading", "parsing",
	// "ready" or "failed".
	TestState() string
	// Picker returns the lab's point picker.
	Picker() Picker
	// Legend names the overlay's points and labels for the data set
	// shown (DigitLegend for MNIST).
	Legend() Legend
}

// Picker takes a press on the plane instead of the crosshair: the lab's
// "Pick A/B" for its interpolation.
type Picker interface {
	// Armed reports whether the next press on the plane is the picker's.
	Armed() bool
	// Pick receives the z of that press.
	Pick(z1, z2 float64)
}

// Explorer draws the plane and its companions and turns input into z.
type Explorer struct {
	src  Source
	sc   *scene.Scene   // src.Scene(), read at each Update and Draw
	set  *view.Settings // src.Settings()
	text *textCache
	gfx  graphics
	in   inputState

	// Geometry, in device pixels.
	scale  float64
	layout view.Layout
	plane  view.Plane

	// The selected latent point's decoded digit.
	sample          []float32
	sampleFromInput bool
	resample        bool
	chartDirty      bool // the chart has new points to draw

	dirty bool // everything is to be redrawn
	drawn bool // a real manifold has been drawn

	mu   sync.Mutex // guards last, read by the lastSample hook
	last *sampleJSON
}

// sampleJSON is what window.govae.lastSample() returns.
type sampleJSON struct {
	Z [2]float64 `json:"z"`
	// Latent is the full latent point decoded: the plane's slice through
	// (z₁, z₂), Latent values (the scene's SampleZ).
	Latent []float32 `json:"latent"`
	Pixels []float32 `json:"pixels"`
}

// New returns the explorer of src and installs its window.govae hooks
// (lastSample, redrawStats, redrawAll), which run under lock.
func New(src Source, dom *bridge.DOM, lock sync.Locker) *Explorer {
	e := &Explorer{src: src, set: src.Settings(), text: newTextCache(), dirty: true}
	e.exposeHooks(dom, lock)
	return e
}

// Update reads the visitor's input on the plane and decodes the digit at z
// when it moved. It reports whether z was set by input in a way the
// address bar should follow (a drag ended, a key moved it).
func (e *Explorer) Update() (urlChanged bool) {
	e.sc = e.src.Scene()
	if e.sc == nil {
		return false
	}
	if p := e.src.Picker(); p != nil && p.Armed() {
		if x, y, ok := justPressed(); ok && e.plane.Rect.Contains(x, y) {
			p.Pick(e.plane.Z(x, y)) // a press that picks a lab point does not move z
			return false
		}
	}
	dirty := e.dirty
	urlChanged = e.handleInput()
	if e.dirty && !dirty {
		// Input only moves z: the crosshair and the large digit change.
		e.dirty = false
		e.gfx.pending |= partSet(partPlane, partSample)
	}
	if e.resample {
		e.sample = e.sc.Sample(e.set.Z1, e.set.Z2, e.sample)
		e.resample = false
		e.gfx.pending |= partSet(partSample)
		e.publishSample()
	}
	// Redrawing costs a frame's worth of work on software renderers: the
	// chart follows training at the pictures' refresh rate, and alone.
	if e.chartDirty && time.Since(e.gfx.chartAt) >= RefreshInterval {
		e.gfx.pending |= partSet(partChart)
		e.chartDirty = false
	}
	return urlChanged
}

// SetLayout places the drawings in free, the part of the window (in CSS
// pixels) the HTML panels leave, at scale device pixels per CSS pixel.
func (e *Explorer) SetLayout(free view.Rect, scale float64) {
	e.scale = scale
	e.layout = view.ComputeLayout(free.Scale(scale), scale)
	e.plane = view.NewPlane(e.layout.Plane, e.set.Grid)
	e.dirty = true
}

// GridChanged follows a new grid size: the plane's scale, and z kept on it.
func (e *Explorer) GridChanged() {
	e.plane = view.NewPlane(e.layout.Plane, e.set.Grid)
	e.ClampZ()
	e.resample = true
	e.dirty = true
}

// ClampZ keeps the selected z on the plane (a URL may ask for more).
func (e *Explorer) ClampZ() {
	m := view.NewPlane(view.Rect{W: 1, H: 1}, e.set.Grid).ZMax()
	e.set.Z1 = min(max(e.set.Z1, -m), m)
	e.set.Z2 = min(max(e.set.Z2, -m), m)
}

// Invalidate makes the next frame redraw everything.
func (e *Explorer) Invalidate() { e.dirty = true }

// Resample decodes the digit at z again (the weights changed).
func (e *Explorer) Resample() { e.resample = true }

// AwaitRedraw makes Drawn false until the next full redraw (the full
// weights' manifold replaced the preview's).
func (e *Explorer) AwaitRedraw() { e.drawn, e.dirty = false, true }

// Drawn reports whether a manifold has been drawn.
func (e *Explorer) Drawn() bool { return e.drawn }

// ScenePublished redraws the parts drawn from what the scene published:
// parts is a set of scene.Part… (a new manifold redraws the plane alone,
// new reconstructions their strip, new overlay dots the plane and legend).
func (e *Explorer) ScenePublished(parts int) {
	if parts&(scene.PartManifold|scene.PartDots) != 0 {
		e.gfx.pending |= partSet(partPlane)
	}
	if parts&scene.PartDots != 0 {
		e.gfx.pending |= partSet(partLegend)
	}
	if parts&scene.PartRecon != 0 {
		e.gfx.pending |= partSet(partRecon)
	}
}

// ChartChanged says the loss history has new points.
func (e *Explorer) ChartChanged() { e.chartDirty = true }

// Plane returns the plane's geometry in device pixels and the device
// scale (device pixels per CSS pixel).
func (e *Explorer) Plane() (view.Plane, float64) { return e.plane, e.scale }

// Draw draws what changed since the last frame (everything when Invalidate
// was called).
func (e *Explorer) Draw(screen *ebiten.Image) {
	e.sc = e.src.Scene()
	e.draw(screen)
}

// publishSample records the digit shown for lastSample(); only input
// (click, drag, keys) makes it visible there.
func (e *Explorer) publishSample() {
	e.gfx.sampleVer++
	if !e.sampleFromInput {
		return
	}
	s := &sampleJSON{Z: [2]float64{e.set.Z1, e.set.Z2}, Latent: e.sc.SampleZ(e.set.Z1, e.set.Z2),
		Pixels: append([]float32(nil), e.sample...)}
	e.mu.Lock()
	e.last = s
	e.mu.Unlock()
}
