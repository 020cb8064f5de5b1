// Package app is govae's page: an Ebiten game that draws the latent
// manifold, the large sample, the overlay, the reconstructions and the loss
// chart, reads the visitor's input, and talks to the HTML controls and to
// window.govae through syscall/js.
//
// Files that import Ebiten or syscall/js build only for js/wasm. The rest —
// the training backend and the scene that turns weights into pictures — is
// plain Go, tested natively.
package app

import (
	"time"

	"github.com/govae/govae/core"
)

// Backend trains the model the page shows. The page calls it only from its
// game loop: Tick, once per frame, is where an implementation does its work
// (or collects results from elsewhere), so the browser regains control
// every frame. Local trains inside the page; a Web-Worker implementation
// can train on other cores behind the same interface.
type Backend interface {
	// Load replaces the weights (fresh ones for Reset, the pretrained ones
	// for "back to pretrained") and restarts the optimiser, the step count
	// and the epoch. The backend owns m from then on.
	Load(m *core.Model)
	// SetData gives the training images: n rows of m.Arch.Input pixels.
	SetData(pixels []float32, n int)
	// HasData reports whether SetData was called.
	HasData() bool
	// SetConfig validates cfg and uses it from the next mini-batch on.
	SetConfig(cfg core.TrainConfig) error
	// Start trains continuously until Pause or an error.
	Start()
	// Pause stops training; a half-done mini-batch resumes on Start or Step.
	Pause()
	// Step asks for one more optimiser step, then stops.
	Step()
	// Tick works for about budget (at least one small slice of work) and
	// returns the steps completed since the last call.
	Tick(budget time.Duration) []StepResult
	// Status reports progress.
	Status() Status
	// Version changes whenever the weights do.
	Version() uint64
	// Snapshot copies the current weights into dst, or into a new model
	// when dst is nil or of another architecture, and returns it.
	Snapshot(dst *core.Model) *core.Model
}

// StepResult is the outcome of one optimiser step.
type StepResult struct {
	Step  int // steps taken since Load, this one included
	Epoch int // completed passes over the data
	Loss  core.Loss
	// Err is a discarded step (a *core.TrainingError); training stops.
	Err error
}

// Status is a Backend's progress.
type Status struct {
	Running        bool // Start was called, and neither Pause nor an error since
	Pending        int  // Step requests not yet done
	Steps          int
	Epoch          int     // completed passes over the data
	Examples       int64   // images trained on since Load
	ExamplesPerSec float64 // recent throughput while running, else 0
	Config         core.TrainConfig
}
