//go:build js && wasm

package page

import (
	"encoding/json"
	"fmt"
	"sync"

	"github.com/govae/govae/core/kernels"
	"github.com/govae/govae/wasm/explorer"
	"github.com/govae/govae/wasm/view"
)

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
	Refreshing     bool         `json:"refreshing"` // a refresh of the pictures is under way, or due (now or when paced)
	Kernels        string       `json:"kernels"`    // the matrix kernels of this build: "wasm-simd128" or "scalar"
	// The data set shown and trained (datasets.go, ownimages.go).
	Dataset string      `json:"dataset"`          // a core/mnist Source ID, or "own"
	Classes []string    `json:"classes"`          // the overlay legend's labels 0–9 ("" when unused)
	Import  *importJSON `json:"import,omitempty"` // the visitor's images, once an import began

	// Issue 11: the network, its latent slice and KL, the held-out curve
	// (slice.go, heldout.go).
	Arch         archJSON     `json:"arch"`
	HeldOut      *heldOutJSON `json:"heldOut"`
	HeldOutError string       `json:"heldOutError,omitempty"`
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

// statusBoard holds what window.govae.status() returns, which JavaScript
// may call at any time: the game loop publishes it, under its own lock.
type statusBoard struct {
	mu     sync.Mutex
	status statusJSON
}

// update changes the published status.
func (b *statusBoard) update(f func(*statusJSON)) {
	b.mu.Lock()
	f(&b.status)
	b.mu.Unlock()
}

// json returns the published status as JSON.
func (b *statusBoard) json() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out, err := json.Marshal(b.status)
	if err != nil {
		return fmt.Sprintf(`{"error":%q}`, err.Error())
	}
	return string(out)
}

// publish records the state of a ready page.
func (b *statusBoard) publish(g *session, ex *explorer.Explorer, notices []view.Notice) {
	st := g.backend.Status()
	s := g.settings
	plane, scale := ex.Plane()
	out := statusJSON{
		Phase: "running", Ready: g.readyAt > 0, ReadyMs: g.readyAt,
		FirstPaintMs: g.firstPaintAt,
		Training:     st.Running || st.Pending > 0, Step: st.Steps, Epoch: st.Epoch,
		Examples: st.Examples, ExamplesPerSec: st.ExamplesPerSec,
		Settings: settingsJSON{LR: s.LearningRate, Batch: s.BatchSize, Beta: s.Beta, Warmup: s.WarmupSteps,
			Lik: s.Likelihood.String(), Sigma: s.Sigma, Grid: s.Grid, Overlay: s.Overlay, Dots: s.Dots, Z: [2]float64{s.Z1, s.Z2}},
		Plane: planeJSON{Left: plane.Rect.X / scale, Top: plane.Rect.Y / scale,
			Width: plane.Rect.W / scale, Height: plane.Rect.H / scale, PMin: plane.PMin, PMax: plane.PMax},
		DeviceScale: scale,
		Weights:     g.weights, WeightsError: g.weightsErr, TrainError: g.trainErr,
		TestData: g.test.state, TrainData: g.train.state,
		Manifolds: g.scene.ManifoldVersion, Dots: len(g.scene.Dots), Recons: g.scene.ReconVersion,
		MaxSliceMs: float64(g.maxSlice.Microseconds()) / 1000,
		Workers:    g.activeWorkers(),
		Refreshing: g.scene.Busy() || g.pace.Stale(g.backend.Version()),
		Kernels:    kernels.Build(),
		Dataset:    g.data.cur, Classes: g.data.statusClasses(), Import: g.data.importStatus(),
	}
	if l := g.lastLoss; l != nil {
		out.NegELBO, out.Recon, out.KL = &l.NegELBO, &l.Recon, &l.KL
	}
	out.Arch, out.HeldOut, out.HeldOutError = g.networkStatus()
	for _, n := range notices {
		out.Notices = append(out.Notices, n.Message)
	}
	b.update(func(s *statusJSON) {
		out.Preview = s.Preview // loadWeights says it
		*s = out
	})
}
