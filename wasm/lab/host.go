package lab

import (
	"github.com/govae/govae/core"
	"github.com/govae/govae/core/mnist"
	"github.com/govae/govae/wasm/view"
)

// Host is what the lab needs from the rest of the page: the settings, the
// weights the plane shows and the test digits, the plane's geometry for
// the marks it draws over it, and the training controls the lab's buttons
// use. The page implements it; every method runs on the game loop.
type Host interface {
	// Settings returns the page's settings. The lab reads them all and
	// writes Settings.Lab, then calls URLChanged.
	Settings() *view.Settings
	// SetSetting applies a train-panel setting (β, the warm-up, the
	// likelihood, σ) exactly as the panel's control does, and returns the
	// message shown beside that control: "" when the value was taken.
	SetSetting(key, value string) string
	// URLChanged says the settings changed, so the address bar follows.
	URLChanged()
	// Post queues f to run on the game loop (from event handlers and
	// goroutines).
	Post(f func())
	// Shown returns the weights the plane shows and the test digits.
	Shown() Shown
	// Geometry returns where the plane is.
	Geometry() Geometry
	// Relayout re-arranges the page (the lab opened or closed).
	Relayout()
	// Training reports the training backend's state.
	Training() Training
	// Notices returns the URL's notices; AddNotice adds one to the train
	// panel's list (the lab lists it itself too).
	Notices() []view.Notice
	AddNotice(n view.Notice)
	// Pause stops training; Train starts it (downloading the training
	// digits first when needed); Retrain starts training fresh weights.
	Pause()
	Train()
	Retrain()
	// Load makes m the weights shown and trained, labelled label; it fails
	// while the page is still starting.
	Load(m *core.Model, label string) error
	// Snapshot returns a copy of the current weights (the training
	// backend's once it runs), or nil before any are loaded.
	Snapshot() *core.Model
}

// Shown is the weights the plane shows and the test set, as of this frame.
type Shown struct {
	Model      *core.Model    // nil until the first weights are in; never modified by the lab
	Version    uint64         // changes when the pictures' whole refreshes follow new weights (Model's may change between, as the manifold follows training faster)
	Full       bool           // the full weights, not the decoder-only preview
	Label      string         // what the weights are: "pretrained", "trained from scratch", …
	Pretrained bool           // they are the shipped weights, untouched
	Test       *mnist.Dataset // the test digits, nil until downloaded
	TestFailed bool           // their download failed
	// Slice is the plane's 2-D slice of Model's latent space (issue 11):
	// the lab's marks on the plane and its decodes of plane points use it.
	// At latent size 2 it is the whole plane.
	Slice view.Slice
}

// Geometry is the plane's place on the page.
type Geometry struct {
	Plane    view.Plane // in device pixels
	Scale    float64    // device pixels per CSS pixel; 0 before the first layout
	Drawn    bool       // a manifold is on screen
	Viewport [2]float64 // the window's size in CSS pixels
}

// Training is the training backend's state, as the lab reports it.
type Training struct {
	Started     bool // the page is ready to train (it has a backend)
	Running     bool // training, or a step pending
	Wanted      bool // the visitor asked to train and it waits for the data
	Steps       int
	Epoch       int
	DataLoading bool   // the training digits are being downloaded or parsed
	DataFailed  bool   // their download failed
	DataText    string // the train panel's line about them
	Last        *core.Loss
}
