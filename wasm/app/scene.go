package app

import (
	"time"

	"github.com/govae/govae/core"
	"github.com/govae/govae/core/mnist"
	"github.com/govae/govae/wasm/view"
)

// minEncodeSlice is the smallest number of overlay digits worth encoding
// at once (each call re-packs the encoder's weights); decodes go at least a
// grid row at a time for the same reason.
const minEncodeSlice = 32

// Dot is one overlay point: the encoder mean μ of a test digit and its label.
type Dot struct {
	Z1, Z2 float32
	Label  uint8
}

// ReconCount is how many test digits the reconstructions strip shows: the
// first test image of each class, 0 to 9.
const ReconCount = 10

// Scene is what the page draws from one snapshot of the weights: the
// manifold's tiles, the reconstructions of a few test digits and the
// overlay's encoder means. Refresh takes a snapshot and Work recomputes the
// requested parts in slices that fit a frame's time budget; each part is
// published whole when done, so the screen never shows a half-updated
// manifold. The published fields must not be modified.
type Scene struct {
	// Model is the snapshot everything is decoded with, the large sample
	// included.
	Model *core.Model

	Grid            int
	Manifold        []float32 // Grid²·784 decoder means, tiles in view.GridZ order
	ManifoldVersion int

	ReconInputs  []float32 // ReconCount test images
	Recon        []float32 // their reconstructions: the decoder mean at μ
	ReconVersion int

	Dots        []Dot
	DotsVersion int

	test *mnist.Dataset
	job  *sceneJob
	// Running estimates of the cost of one decode and one encode.
	decodeCost, encodeCost time.Duration
}

// Parts of a refresh.
const (
	PartManifold = 1 << iota
	PartRecon
	PartDots
)

type sceneJob struct {
	parts int

	grid     int
	z        []float32
	manifold []float32
	tiles    int // decoded so far

	dotIdx []int
	dots   []Dot
}

// NewScene returns a scene of a grid×grid manifold drawn with model.
func NewScene(model *core.Model, grid int) *Scene {
	return &Scene{Model: model, Grid: grid, decodeCost: time.Millisecond, encodeCost: time.Millisecond}
}

// SetTestData gives the test set the reconstructions and the overlay use.
func (s *Scene) SetTestData(d *mnist.Dataset) {
	s.test = d
	in := s.Model.Arch.Input
	s.ReconInputs = make([]float32, 0, ReconCount*in)
	for digit := uint8(0); digit < ReconCount; digit++ {
		for i, l := range d.Labels {
			if l == digit {
				s.ReconInputs = append(s.ReconInputs, d.Image(i)...)
				break
			}
		}
	}
}

// HasTestData reports whether SetTestData was called.
func (s *Scene) HasTestData() bool { return s.test != nil }

// Busy reports whether a refresh is in progress.
func (s *Scene) Busy() bool { return s.job != nil }

// Refresh starts recomputing parts (PartManifold | ...) with model as the
// new snapshot (nil keeps the current one) and grid tiles per side. A
// refresh in progress is abandoned, its parts added to the new one. dots is
// how many test digits the overlay encodes (PartDots). Parts that need the
// test set are skipped until it is there.
func (s *Scene) Refresh(model *core.Model, parts, grid, dots int) {
	if model != nil {
		s.Model = model
	}
	if s.job != nil {
		parts |= s.job.parts
	}
	if s.test == nil {
		parts &^= PartRecon | PartDots
	}
	j := &sceneJob{parts: parts}
	if parts&PartManifold != 0 {
		j.grid = grid
		j.z = view.GridZ(grid)
		j.manifold = make([]float32, grid*grid*s.Model.Arch.Input)
	}
	if parts&PartDots != 0 {
		// An evenly spread sample, the same digits on every refresh.
		n := min(dots, s.test.N)
		for i := 0; i < n; i++ {
			j.dotIdx = append(j.dotIdx, i*s.test.N/n)
		}
	}
	s.job = j
	if parts == 0 {
		s.job = nil
	}
}

// Work advances the refresh for about budget (at least one slice) and
// reports whether a part was published.
func (s *Scene) Work(budget time.Duration) bool {
	start := time.Now()
	published, worked := false, false
	for s.job != nil {
		left := budget - time.Since(start)
		if worked && left <= 0 {
			break
		}
		worked = true
		j := s.job
		switch {
		case j.parts&PartManifold != 0:
			n := j.grid * j.grid
			k := min(sliceSize(left, s.decodeCost, j.grid), n-j.tiles)
			in := s.Model.Arch.Input
			t0 := time.Now()
			s.Model.Decode(j.z[2*j.tiles:2*(j.tiles+k)], k, s.Model.Likelihood, j.manifold[j.tiles*in:(j.tiles+k)*in])
			s.decodeCost = track(s.decodeCost, time.Since(t0), k)
			j.tiles += k
			if j.tiles == n {
				s.Grid, s.Manifold = j.grid, j.manifold
				s.ManifoldVersion++
				j.parts &^= PartManifold
				published = true
			}
		case j.parts&PartRecon != 0:
			mu, _ := s.Model.Encode(s.ReconInputs, ReconCount)
			s.Recon = s.Model.Decode(mu, ReconCount, s.Model.Likelihood, nil)
			s.ReconVersion++
			j.parts &^= PartRecon
			published = true
		case j.parts&PartDots != 0:
			k := min(sliceSize(left, s.encodeCost, minEncodeSlice), len(j.dotIdx)-len(j.dots))
			in := s.Model.Arch.Input
			batch := make([]float32, 0, k*in)
			idx := j.dotIdx[len(j.dots) : len(j.dots)+k]
			for _, i := range idx {
				batch = append(batch, s.test.Image(i)...)
			}
			t0 := time.Now()
			mu, _ := s.Model.Encode(batch, k)
			s.encodeCost = track(s.encodeCost, time.Since(t0), k)
			lat := s.Model.Arch.Latent
			for b, i := range idx {
				d := Dot{Z1: mu[b*lat], Label: s.test.Labels[i]}
				if lat > 1 { // the plane shows the first two dimensions
					d.Z2 = mu[b*lat+1]
				}
				j.dots = append(j.dots, d)
			}
			if len(j.dots) == len(j.dotIdx) {
				s.Dots = j.dots
				s.DotsVersion++
				j.parts &^= PartDots
				published = true
			}
		}
		if j.parts == 0 {
			s.job = nil
		}
	}
	return published
}

// Sample decodes the single latent point (z1, z2) with the snapshot.
func (s *Scene) Sample(z1, z2 float64, out []float32) []float32 {
	z := make([]float32, s.Model.Arch.Latent)
	z[0] = float32(z1)
	if len(z) > 1 {
		z[1] = float32(z2)
	}
	return s.Model.Decode(z, 1, s.Model.Likelihood, out)
}

// track updates a per-item cost estimate: at once when slower (so the next
// frame does not overrun too), gradually when faster.
func track(est, took time.Duration, items int) time.Duration {
	c := took / time.Duration(items)
	if c > est {
		return c
	}
	return (7*est + c) / 8
}
