//go:build js && wasm

// Package page wires govae's page together: Game, the ebiten.Game whose
// Update, Draw and Layout only delegate; the session (the model shown and
// trained, its backend, its downloads); the train panel; the work loop that
// runs the heavy work in slices; the status hooks; and the adapters through
// which the explorer and the lab see the rest. Each room it wires has a
// package of its own: explorer (drawing and input), lab, train (backends),
// scene (pictures from weights), bridge (JavaScript) and view (pure maths
// and settings).
package page

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"syscall/js"
	"time"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/govae/govae/wasm/bridge"
	"github.com/govae/govae/wasm/explorer"
	"github.com/govae/govae/wasm/lab"
	"github.com/govae/govae/wasm/view"
)

// Game is the page: it implements ebiten.Game and ebiten.LayoutFer.
type Game struct {
	// lock guards all of the page's state: Update, Draw, LayoutF, the work
	// loop's slices and the window.govae hooks hold it. (WebAssembly runs
	// one goroutine at a time; the lock keeps that an implementation
	// detail.)
	lock  sync.Mutex
	fatal error // a panic in Draw or the work loop, returned by Update

	queue    queue
	dom      *bridge.DOM
	settings view.Settings
	url      urlState
	board    statusBoard
	screen   screen

	session *session
	panel   *panel
	arch    *archEditor // issue 11: the architecture editor (archeditor.go)
	ex      *explorer.Explorer
	lab     *lab.Lab
	loop    *workLoop

	keeper *keeper        // the run kept in IndexedDB (keeper.go)
	kept   *lab.KeptPanel // the lab's list of kept checkpoints
	// The timeline of the manifold and the picture exports (rewind.go,
	// export.go).
	rewind *rewind
	export *exporter
}

// New reads the settings from the URL, binds the page's controls and
// starts loading the weights. Call it before ebiten.RunGame.
func New() *Game {
	g := &Game{dom: bridge.NewDOM()}
	g.board.status.Phase = "weights"
	var notices []view.Notice
	g.settings, notices = view.ParseQuery(js.Global().Get("location").Get("search").String())
	g.ex = explorer.New(source{g}, g.dom, &g.lock)
	g.session = newSession(g.dom, &g.settings, g.ex, g.queue.post, &g.board)
	g.panel = &panel{dom: g.dom, settings: &g.settings, s: g.session, ex: g.ex, url: &g.url, post: g.queue.post, notices: notices}
	g.panel.bindControls()
	g.panel.showNotices()
	g.session.data = newDatasets(g.dom, g.session, &g.settings, &g.url, g.queue.post, g.panel.addNotice)
	newOwnImages(g.dom, g.session.data, g.queue.post)
	g.arch = newArchEditor(g.dom, &g.settings, &g.url, g.queue.post, g.session.applyArch)
	g.session.slices = newSlicePanel(g.panel)
	g.lab = lab.New(labHost{g}, g.dom, &g.lock)
	g.rewind = newRewind(g.dom, g.session, g.queue.post, &g.lock, func() time.Duration { return g.export.frameDelay() })
	g.session.rewind = g.rewind
	g.export = newExporter(g.dom, g.session, g.rewind, g.ex, &g.settings, g.queue.post, &g.lock)
	g.loop = &workLoop{lock: &g.lock, fatal: &g.fatal, s: g.session, lab: g.lab, ex: g.ex, dom: g.dom, wake: make(chan struct{}, 1)}
	g.session.wake = g.loop.poke
	g.keeper = newKeeper(g)
	g.kept = lab.NewKeptPanel(g.dom, keeperForLab{g.keeper}, g.queue.post)
	g.keeper.bindRestoreBox()
	g.exposeHooks()
	go g.session.data.load()
	go g.session.loadWeights()
	go g.loop.run()
	return g
}

// Update implements ebiten.Game: it runs queued commands, lets the lab,
// the session and the explorer follow, wakes the work loop when there is
// work, and updates the panel and the status hooks. The heavy work happens
// in the work loop.
func (g *Game) Update() (err error) {
	g.lock.Lock()
	defer g.lock.Unlock()
	defer recoverTo(&err)
	if g.fatal != nil {
		return g.fatal
	}
	g.queue.run()
	g.lab.Update()
	if g.session.scene == nil {
		return nil // waiting for the weights
	}
	g.session.update()
	g.rewind.update()
	if g.ex.Update() {
		g.url.changed()
	}
	g.url.flush(&g.settings)
	g.loop.wakeIfDue()
	if g.session.backend == nil {
		return nil
	}
	g.session.watchBackend() // the workers' download and failures
	g.keeper.update()        // saving and restoring the run
	g.export.update()
	if g.panel.due() {
		g.panel.show()
		// Issue 11: the network's editor, latent dimensions and held-out line.
		g.arch.follow()
		g.session.slices.update()
		g.session.heldOut.show(g.session)
		g.screen.relayoutIfMoved(g)
	}
	g.board.publish(g.session, g.ex, g.panel.notices)
	return nil
}

// Draw implements ebiten.Game: the explorer draws what changed.
func (g *Game) Draw(screen *ebiten.Image) {
	g.lock.Lock()
	defer g.lock.Unlock()
	defer func() {
		if r := recover(); r != nil {
			g.fatal = fmt.Errorf("internal error while drawing: %v", r)
		}
	}()
	g.ex.Draw(screen)
}

// LayoutF implements ebiten.LayoutFer: the screen has one pixel per device
// pixel, for crisp drawing on high-DPI displays.
func (g *Game) LayoutF(outsideW, outsideH float64) (float64, float64) {
	g.lock.Lock()
	defer g.lock.Unlock()
	g.screen.resize(g, outsideW, outsideH, ebiten.Monitor().DeviceScaleFactor())
	return math.Ceil(outsideW * g.screen.scale), math.Ceil(outsideH * g.screen.scale)
}

// Layout implements ebiten.Game; Ebiten calls LayoutF instead.
func (g *Game) Layout(w, h int) (int, int) {
	sw, sh := g.LayoutF(float64(w), float64(h))
	return int(sw), int(sh)
}

// Fail shows why the game stopped.
func (g *Game) Fail(err error) {
	g.dom.Host.Call("fail", "govae stopped", err.Error())
}

// recoverTo turns a panic in Update into the error that stops the game,
// which main shows in the page.
func recoverTo(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("internal error: %v", r)
	}
}

// exposeHooks installs window.govae.status, memStats, benchTrain and
// benchDecode (the explorer and the lab install their own).
func (g *Game) exposeHooks() {
	govae := js.Global().Get("govae")
	govae.Set("status", js.FuncOf(func(js.Value, []js.Value) any { return g.board.json() }))
	// memStats() reports the Go heap of the page, for the browser soak: the
	// wasm memory never shrinks, so only these tell growth from headroom.
	// (ReadMemStats stops the world: called on demand, never per frame.)
	govae.Set("memStats", js.FuncOf(func(js.Value, []js.Value) any {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return map[string]any{"heapAlloc": float64(m.HeapAlloc), "heapInuse": float64(m.HeapInuse),
			"heapSys": float64(m.HeapSys), "sys": float64(m.Sys), "numGC": float64(m.NumGC)}
	}))
	b := &bench{s: g.session, dom: g.dom, lock: &g.lock}
	b.exposeBenchHooks()
}

// queue holds commands from event handlers and goroutines for the game
// loop, which runs them at the start of Update.
type queue struct {
	mu       sync.Mutex
	commands []func()
}

// post queues f; safe from any goroutine or event handler.
func (q *queue) post(f func()) {
	q.mu.Lock()
	q.commands = append(q.commands, f)
	q.mu.Unlock()
}

func (q *queue) run() {
	q.mu.Lock()
	cmds := q.commands
	q.commands = nil
	q.mu.Unlock()
	for _, f := range cmds {
		f()
	}
}

// urlInterval is the least time between two writes of the address bar:
// browsers throttle history.replaceState.
const urlInterval = 500 * time.Millisecond

// urlState puts the settings into the address bar when they changed.
type urlState struct {
	dirty bool
	last  time.Time
}

func (u *urlState) changed() { u.dirty = true }

func (u *urlState) flush(s *view.Settings) {
	if u.dirty && time.Since(u.last) >= urlInterval {
		bridge.ReplaceQuery(s.Query())
		u.dirty, u.last = false, time.Now()
	}
}

// screen is the window's geometry: the canvas's size in CSS pixels, the
// device scale and where the HTML panel covers it.
type screen struct {
	outsideW, outsideH float64
	scale              float64
	panel              view.Rect // the control panel, in CSS pixels
}

// resize follows the window's size and device scale.
func (s *screen) resize(g *Game, w, h, scale float64) {
	if w != s.outsideW || h != s.outsideH || scale != s.scale {
		s.outsideW, s.outsideH, s.scale = w, h, scale
		s.relayout(g)
	}
}

// relayout places the drawings in the part of the canvas the control panel
// leaves free.
func (s *screen) relayout(g *Game) {
	s.panel = s.panelRect(g)
	free := view.FreeArea(view.Rect{W: s.outsideW, H: s.outsideH}, s.panel)
	g.ex.SetLayout(free, s.scale)
	g.rewind.place(free, s.scale)
}

// relayoutIfMoved relayouts when the panel was folded or unfolded.
func (s *screen) relayoutIfMoved(g *Game) {
	if s.panelRect(g) != s.panel {
		s.relayout(g)
	}
}

// panelRect returns where the control panel is, in CSS pixels.
func (s *screen) panelRect(g *Game) view.Rect {
	id := "panel"
	if g.settings.Lab.Open {
		id = "lab" // the lab takes the panel's place
	}
	r := g.dom.El(id).Call("getBoundingClientRect")
	return view.Rect{X: r.Get("left").Float(), Y: r.Get("top").Float(), W: r.Get("width").Float(), H: r.Get("height").Float()}
}
