// Package train holds the page's training backends: the Backend interface
// the page drives once per frame, Local (training time-sliced inside the
// page) and Workers (synchronous data-parallel training in Web Workers, the
// page only sending controls and receiving results). It knows nothing of
// the drawing: no Ebiten import. Only pool_js.go, which starts the Web
// Workers, touches JavaScript; the rest is plain Go, tested natively.
package train

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

// ContinueFrom makes b count its steps on from st, another backend's
// status, when training moves between backends.
func ContinueFrom(b Backend, st Status) {
	switch b := b.(type) {
	case *Workers:
		b.ContinueFrom(st)
	case *Local:
		b.ContinueFrom(st)
	}
}

// TrainsHere reports whether b's training runs in the page's own work loop
// (and so needs its time slices).
func TrainsHere(b Backend) bool {
	r, ok := b.(interface{ Remote() bool })
	return !ok || !r.Remote()
}
