//go:build js && wasm

package page

import (
	"errors"
	"fmt"
	"time"

	"github.com/govae/govae/core"
	"github.com/govae/govae/wasm/bridge"
	"github.com/govae/govae/wasm/explorer"
	"github.com/govae/govae/wasm/scene"
	"github.com/govae/govae/wasm/train"
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

// session is the model the page shows and trains: where its weights came
// from (the preview, the pretrained file, a visitor's file, Reset), the
// training backend and its steps, the loss history, the test and training
// digits, and the scene decoded from the latest snapshot of the weights.
// It runs on the game loop; goroutines reach it through post.
type session struct {
	dom      *bridge.DOM
	settings *view.Settings
	ex       *explorer.Explorer // told when what it shows changes
	post     func(func())
	board    *statusBoard // status() before the page is ready

	backend    train.Backend // nil until the page is ready
	scene      *scene.Scene  // nil until the first weights are in
	pretrained *core.Model   // nil when the weights failed to load
	initial    *core.Model   // the first model shown; never written to
	weights    string        // what the weights are, one of the weights… constants
	weightsErr string
	seed       uint64 // for Reset's fresh weights
	history    *view.History
	lastLoss   *core.Loss
	trainErr   string

	pace     scene.Pace    // when to refresh the pictures from the backend's weights
	wake     func()        // wakes the work loop (new weights from the workers); must not block
	maxSlice time.Duration // longest work slice while training, for status()

	test, train dataset
	panelDue    bool      // the panel should show a change at once
	data        *datasets // the data set shown and trained (datasets.go)

	tuner *train.Tuner // the workers count under "auto" (tune.go); nil before ready
	run   int          // counts the runs shown (afterLoad): a checkpoint belongs to one (keeper.go)

	readyAt float64 // performance.now() when ready resolved, 0 before
	// The first picture comes from the weights' preview when there is one
	// (loadWeights); the full weights replace it.
	firstPaintAt float64       // performance.now() when firstPaint resolved, 0 before
	painted      chan struct{} // closed at the first paint
	awaitFull    bool          // the full weights' manifold is being decoded over the preview's

	rewind *rewind // keeps the refreshed manifolds while training (rewind.go)
	// Issue 11: the held-out curve (heldout.go) and why the network is not
	// the pretrained one (arch.go).
	heldOut  heldOutRoom
	archNote string
	slices   *slicePanel // the latent dimensions' block, which shows the held-out KL (slice.go)
}

func newSession(dom *bridge.DOM, settings *view.Settings, ex *explorer.Explorer, post func(func()), board *statusBoard) *session {
	return &session{dom: dom, settings: settings, ex: ex, post: post, board: board, history: view.NewHistory(4096),
		seed: uint64(time.Now().UnixNano()), painted: make(chan struct{}), wake: func() {},
		pace: scene.Pace{ManifoldEvery: explorer.ManifoldInterval, ManifoldShare: manifoldShare,
			FullEvery: explorer.RefreshInterval, FullShare: refreshShare}}
}

// showPreview draws the first manifold with the preview's decoder. Nothing
// else uses it: the preview has no encoder, and the controls and the lab
// wait for the full weights.
func (s *session) showPreview(m *core.Model) {
	s.weights = weightsPreview
	s.scene = scene.NewScene(m, s.settings.Grid)
	s.scene.Refresh(nil, scene.PartManifold, s.settings.Grid, 0)
	s.ex.ClampZ()
	s.ex.Resample()
	s.ex.Invalidate()
}

// start shows the loaded model, or fresh weights when loading failed. The
// first manifold is decoded with that model itself: the trainer's copy is
// made once the manifold is on screen (cloning takes a visible moment in
// WebAssembly).
func (s *session) start(m *core.Model, err error) {
	s.weights = weightsPretrained
	if err != nil {
		s.weightsErr = err.Error()
		s.dom.ShowError("The pretrained weights (assets/vae.bin) could not be loaded", s.weightsErr+
			"\nThe plane shows an untrained model instead: press Train to train one in this tab.")
		m = s.freshModel()
		s.weights = weightsUntrained
	} else {
		s.pretrained = m
		m = s.linkArchitecture(m)
	}
	s.initial = m
	s.ex.Invalidate()
	if s.scene != nil {
		// The preview's manifold stays on screen until this one is whole.
		s.scene.Refresh(m, scene.PartManifold, s.settings.Grid, 0)
		s.awaitFull = true
	} else {
		s.scene = scene.NewScene(m, s.settings.Grid)
		s.scene.Refresh(nil, scene.PartManifold, s.settings.Grid, 0)
	}
	s.ex.ClampZ()
	s.ex.Resample()
}

func (s *session) freshModel() *core.Model {
	s.seed++
	m, err := core.New(s.architecture(), s.seed)
	if err != nil {
		panic(err) // the settings' architecture is valid
	}
	m.Likelihood = s.settings.TrainConfig().Likelihood
	return m
}

// checkPainted resolves window.govae.firstPaint once the first manifold
// (the preview's, or the full weights') is on screen, notices when the full
// weights' manifold has replaced the preview's, and becomes ready once that
// is drawn.
func (s *session) checkPainted() {
	if s.ex.Drawn() && s.firstPaintAt == 0 {
		s.firstPaintAt = bridge.PerformanceNow()
		s.board.update(func(st *statusJSON) { st.FirstPaintMs = s.firstPaintAt })
		s.dom.Host.Call("firstPaint")
		close(s.painted) // loadWeights fetches the full weights now
	}
	if s.awaitFull && !s.scene.Busy() {
		s.awaitFull = false
		s.ex.AwaitRedraw() // ready once it has been drawn
	}
	if s.ex.Drawn() && s.backend == nil && s.initial != nil && !s.awaitFull {
		s.becomeReady()
	}
}

// becomeReady resolves window.govae.ready once the first manifold is on
// screen, then prepares training and starts loading the test digits.
func (s *session) becomeReady() {
	s.readyAt = bridge.PerformanceNow()
	s.dom.Host.Call("ready")
	b := s.newBackend(s.initial.Clone()) // Web Workers when there are
	s.backend = b
	s.pace.Shown(b.Version())
	s.ex.Invalidate()
	s.dom.SetBool("controls", "disabled", false)
	if c := s.dom.Doc.Call("querySelector", "body > canvas"); c.Truthy() {
		c.Call("setAttribute", "aria-label",
			"Latent plane of the VAE: click or drag to decode the digit at a point z; arrow keys move z")
		c.Call("setAttribute", "tabindex", "0")
	}
	s.loadTestData()
}

// training reports whether the backend trains or has a step to do.
func (s *session) training() bool {
	if s.backend == nil {
		return false
	}
	st := s.backend.Status()
	return st.Running || st.Pending > 0
}

// refresh takes a new snapshot of the weights and recomputes parts of the
// scene from it (the overlay only when shown). A refresh with the
// reconstructions is a whole one, which the timeline keeps.
func (s *session) refresh(parts int) {
	if !s.settings.Overlay {
		parts &^= scene.PartDots
	}
	s.rewind.refreshing(parts, parts&scene.PartRecon != 0)
	dst := s.scene.Model
	if dst == s.initial {
		dst = nil // a new model, so the pretrained weights stay intact
	}
	v := s.backend.Version() // before the snapshot: never newer than it
	s.scene.Refresh(s.backend.Snapshot(dst), parts, s.settings.Grid, s.settings.Dots)
	s.pace.Started(time.Now(), v, parts)
	s.ex.Resample()
}

// Pacing of the refreshes while training (scene.Pace). The manifold —
// decoding the 20×20 grid, 6.4–6.9 ms on an idle 2-core machine, and
// converting it to a picture — is refreshed up to explorer.ManifoldInterval
// apart, and no sooner than manifoldShare times what its last refresh cost
// after it began (3: on a 2-core machine training in one worker a refresh
// of the manifold costs the page ~22 ms; with 4 it came 8.3–9.9 times a
// second, with 3 10.2–11.4, training and frames unchanged within the
// noise — README). A whole refresh (the manifold, reconstructions, overlay,
// which the timeline keeps and the lab follows) starts no sooner than
// explorer.RefreshInterval and refreshShare times its cost after the last
// one. On a slow or busy machine refreshes come less often than the
// intervals allow, and drawing and input keep most of the thread.
const (
	manifoldShare = 3
	refreshShare  = 5
)

// refreshDue returns the parts of the pictures to refresh from the
// backend's weights now (0: none): they changed, no refresh is under way,
// and the pace allows it.
func (s *session) refreshDue() int {
	if s.backend == nil || s.scene == nil {
		return 0
	}
	return s.pace.Due(time.Now(), s.backend.Version(), s.scene, scene.Full(s.settings.Overlay))
}

// refreshWait returns how long until a refresh of the pictures comes due
// without newer weights, and false when none will.
func (s *session) refreshWait() (time.Duration, bool) {
	if s.backend == nil || s.scene == nil {
		return 0, false
	}
	return s.pace.Wait(time.Now(), s.backend.Version(), s.scene, scene.Full(s.settings.Overlay))
}

// collect takes the steps the backend finished since the last call.
func (s *session) collect(budget time.Duration) {
	for _, r := range s.backend.Tick(budget) {
		s.stepDone(r)
	}
}

func (s *session) stepDone(r train.StepResult) {
	s.ex.ChartChanged()
	if r.Err != nil {
		s.trainErr = r.Err.Error()
		s.dom.ShowError("Training stopped", s.trainErr)
		return
	}
	s.trainErr = ""
	l := r.Loss
	s.lastLoss = &l
	s.history.Add(view.LossPoint{Step: float64(r.Step), NegELBO: r.Loss.NegELBO, Recon: r.Loss.Recon, KL: r.Loss.KL})
	switch s.weights {
	case weightsPretrained:
		s.weights = weightsFineTuned
	case weightsRandom, weightsUntrained:
		s.weights = weightsScratch
	}
}

// startTraining trains (or takes one step), first downloading the
// training set when needed.
func (s *session) startTraining() {
	if s.backend == nil {
		return
	}
	if !s.backend.HasData() {
		if s.train.state != "loading" && s.train.state != "parsing" {
			s.fetchTrainData() // in the page or in the workers
		}
		return // the download finishing starts what s.train.want says
	}
	s.trainErr = ""
	s.dom.SetText("train-msg", "")
	if s.train.want == "step" {
		s.backend.Step()
	} else {
		s.backend.Start()
	}
	s.train.want = ""
}

// trainOn trains, or takes one step (what is "train" or "step").
func (s *session) trainOn(what string) {
	s.train.want = what
	s.startTraining()
}

func (s *session) pause() {
	s.train.want = ""
	if s.backend != nil {
		s.backend.Pause()
	}
}

// reset starts from fresh random weights.
func (s *session) reset() {
	if s.backend == nil {
		return
	}
	s.backend.Load(s.freshModel())
	s.weights = weightsRandom
	s.afterLoad()
}

// backToPretrained reloads the pretrained weights and stops training.
func (s *session) backToPretrained() {
	if s.backend == nil || s.pretrained == nil {
		return
	}
	s.pause()
	s.backend.Load(s.pretrained.Clone())
	s.weights = weightsPretrained
	s.afterLoad()
}

// load makes m the weights shown and trained, labelled label (a visitor's
// file); training stops.
func (s *session) load(m *core.Model, label string) error {
	if s.backend == nil {
		return errors.New("the page is still starting; try again in a moment")
	}
	s.pause()
	s.backend.Load(m)
	s.weights = label
	s.afterLoad()
	return nil
}

func (s *session) afterLoad() {
	s.run++
	s.rewind.loaded()
	s.ex.Invalidate()
	s.history.Reset()
	s.lastLoss = nil
	s.trainErr = ""
	s.maxSlice = 0
	s.refresh(scene.PartManifold | scene.PartRecon | scene.PartDots)
	s.loaded()
}

// snapshot returns a copy of the current weights: the backend's once it
// runs, else the model shown, else nil.
func (s *session) snapshot() *core.Model {
	switch {
	case s.backend != nil:
		return s.backend.Snapshot(nil)
	case s.scene != nil:
		return s.scene.Model
	}
	return nil
}

// passes returns the epochs' worth of images trained on.
func (s *session) passes(examples int64) float64 {
	if s.train.n == 0 {
		return 0
	}
	return float64(examples) / float64(s.train.n)
}

// checkPageShape refuses models the page cannot show: networks beyond the
// architecture editor's limits (core.EditorLimits).
func checkPageShape(m *core.Model) error {
	if err := view.CheckArch(m.Arch); err != nil {
		return fmt.Errorf("the weights' network (%s) is not one this page can show: %v", m.Arch, err)
	}
	return nil
}

// update runs once per frame: it follows the first paint and collects the
// steps done in Web Workers (collecting them takes no time, so it needs no
// work slice, which would run inside this frame's task).
func (s *session) update() {
	s.checkPainted()
	if s.backend != nil && s.training() && !train.TrainsHere(s.backend) {
		s.collect(0)
	}
	s.tuneWorkers()
	s.heldOut.tick(s)
}
