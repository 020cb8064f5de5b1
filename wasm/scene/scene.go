// Package scene computes what the page draws from one snapshot of the
// weights: the manifold's decoded tiles (and their RGBA picture), the
// reconstructions of a few test digits and the overlay's encoder means —
// in slices that fit a frame's time budget, each part published whole.
// It is plain Go, tested natively; the drawing itself is package explorer's.
package scene

import (
	"math/bits"
	"time"

	"github.com/govae/govae/core"
	"github.com/govae/govae/core/mnist"
	"github.com/govae/govae/wasm/timeslice"
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

	// Slice is the 2-D slice of the latent space that Model's pictures
	// show (slice.go): the whole plane at latent size 2. ManifoldSlice is
	// the one the published Manifold was decoded over.
	Slice, ManifoldSlice view.Slice

	Grid            int
	Manifold        []float32 // Grid²·784 decoder means, tiles in view.GridZ order
	ManifoldRGBA    []byte    // the same as one greyscale picture, (Grid·28)² RGBA pixels
	ManifoldVersion int

	ReconInputs  []float32 // ReconCount test images
	Recon        []float32 // their reconstructions: the decoder mean at μ
	ReconVersion int

	Dots        []Dot
	DotsVersion int

	// LastCost is the time Work spent on the last refresh it completed:
	// what one refresh costs the thread that draws. Cost tells it part by
	// part.
	LastCost time.Duration

	test *mnist.Dataset
	job  *sceneJob
	cost [numParts]time.Duration // what Work spent on each part the last time it was published
	// Running estimates of the cost of one decode and one encode.
	decodeCost, encodeCost time.Duration
	// The manifold's buffers from the refresh before the published one,
	// reused by the next (a refresh allocates nothing else that large).
	spareManifold []float32
	spareRGBA     []byte
	want          sliceWant // SetSlice's
}

// Parts of a refresh.
const (
	PartManifold = 1 << iota
	PartRecon
	PartDots
)

// numParts is the number of Part… bits; part i is 1 << i.
const numParts = 3

type sceneJob struct {
	parts int

	grid     int
	slice    view.Slice
	z        []float32 // grid²·Latent
	manifold []float32
	rgba     []byte
	tiles    int // decoded so far

	spent     time.Duration           // in Work
	partSpent [numParts]time.Duration // in Work, part by part

	dotIdx []int
	dots   []Dot
}

// NewScene returns a scene of a grid×grid manifold drawn with model.
func NewScene(model *core.Model, grid int) *Scene {
	return &Scene{Model: model, Grid: grid, decodeCost: time.Millisecond, encodeCost: time.Millisecond}
}

// SetTestData gives the test set the reconstructions and the overlay use
// (nil takes it away: the reconstructions and the dots are dropped). The
// reconstructions show ReconCount of its images: the first of each label
// 0–9 in label order, then, for labels the set lacks (a visitor's images
// all labelled 0), its first other images in order, repeated when the set
// has fewer than ReconCount.
func (s *Scene) SetTestData(d *mnist.Dataset) {
	s.test = d
	if s.Recon != nil { // published parts that are dropped count as changes
		s.ReconVersion++
	}
	if s.Dots != nil {
		s.DotsVersion++
	}
	s.ReconInputs, s.Recon, s.Dots = nil, nil, nil
	if j := s.job; j != nil { // a refresh under way worked on the old set
		j.parts &^= PartRecon | PartDots
		j.dotIdx, j.dots = nil, nil
	}
	if d == nil || d.N == 0 {
		s.test = nil
		return
	}
	in := s.Model.Arch.Input
	s.ReconInputs = make([]float32, 0, ReconCount*in)
	used := make(map[int]bool, ReconCount)
	for digit := uint8(0); digit < ReconCount; digit++ {
		for i, l := range d.Labels {
			if l == digit {
				s.ReconInputs = append(s.ReconInputs, d.Image(i)...)
				used[i] = true
				break
			}
		}
	}
	for i := 0; len(used) < min(ReconCount, d.N) && i < d.N; i++ {
		if !used[i] {
			s.ReconInputs = append(s.ReconInputs, d.Image(i)...)
			used[i] = true
		}
	}
	for i := 0; len(s.ReconInputs) < ReconCount*in; i++ {
		s.ReconInputs = append(s.ReconInputs, s.ReconInputs[(i%d.N)*in:(i%d.N+1)*in]...)
	}
}

// TestSet returns the test set SetTestData gave, or nil.
func (s *Scene) TestSet() *mnist.Dataset { return s.test }

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
	s.Slice = s.want.sliceFor(s.Model)
	if s.job != nil {
		parts |= s.job.parts
	}
	if s.test == nil {
		parts &^= PartRecon | PartDots
	}
	j := &sceneJob{parts: parts, slice: s.Slice}
	if s.job != nil { // an abandoned refresh's time counts too
		j.spent, j.partSpent = s.job.spent, s.job.partSpent
	}
	if parts&PartManifold != 0 {
		j.grid = grid
		j.z = s.Slice.GridZ(grid)
		n := grid * grid * s.Model.Arch.Input
		// The abandoned refresh's buffers, else the spare ones.
		if s.job != nil && s.job.manifold != nil {
			s.spareManifold, s.spareRGBA = s.job.manifold, s.job.rgba
		}
		j.manifold, s.spareManifold = reuse(s.spareManifold, n), nil
		if s.Model.Arch.Input == DigitSide*DigitSide {
			j.rgba, s.spareRGBA = ReuseBytes(s.spareRGBA, 4*n), nil
		}
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
// reports the parts it published (Part…; 0 when none).
func (s *Scene) Work(budget time.Duration) (published int) {
	start := time.Now()
	worked := false
	if j := s.job; j != nil {
		defer func() { j.spent += time.Since(start) }()
	}
	for s.job != nil {
		left := budget - time.Since(start)
		if worked && left <= 0 {
			break
		}
		worked = true
		j := s.job
		t := time.Now()
		part := j.parts & -j.parts // the first part left, in the order below
		switch {
		case j.parts&PartManifold != 0:
			n := j.grid * j.grid
			k := min(timeslice.Size(left, s.decodeCost, j.grid), n-j.tiles)
			in, d := s.Model.Arch.Input, s.Model.Arch.Latent
			t0 := time.Now()
			s.Model.Decode(j.z[d*j.tiles:d*(j.tiles+k)], k, s.Model.Likelihood, j.manifold[j.tiles*in:(j.tiles+k)*in])
			if j.rgba != nil {
				TilesToRGBA(j.rgba, j.manifold, j.grid, j.tiles, j.tiles+k)
			}
			s.decodeCost = timeslice.Track(s.decodeCost, time.Since(t0), k)
			j.tiles += k
			if j.tiles == n {
				if s.Grid == j.grid { // the same size: the next refresh reuses them
					s.spareManifold, s.spareRGBA = s.Manifold, s.ManifoldRGBA
				}
				s.Grid, s.Manifold, s.ManifoldRGBA, s.ManifoldSlice = j.grid, j.manifold, j.rgba, j.slice
				s.ManifoldVersion++
				j.parts &^= PartManifold
			}
		case j.parts&PartRecon != 0:
			mu, _ := s.Model.Encode(s.ReconInputs, ReconCount)
			s.Recon = s.Model.Decode(mu, ReconCount, s.Model.Likelihood, nil)
			s.ReconVersion++
			j.parts &^= PartRecon
		case j.parts&PartDots != 0:
			k := min(timeslice.Size(left, s.encodeCost, minEncodeSlice), len(j.dotIdx)-len(j.dots))
			in := s.Model.Arch.Input
			batch := make([]float32, 0, k*in)
			idx := j.dotIdx[len(j.dots) : len(j.dots)+k]
			for _, i := range idx {
				batch = append(batch, s.test.Image(i)...)
			}
			t0 := time.Now()
			mu, _ := s.Model.Encode(batch, k)
			s.encodeCost = timeslice.Track(s.encodeCost, time.Since(t0), k)
			lat := s.Model.Arch.Latent
			for b, i := range idx {
				// The plane's coordinates: dimensions I and J of μ.
				z1, z2 := j.slice.Coords(mu[b*lat : (b+1)*lat])
				j.dots = append(j.dots, Dot{Z1: float32(z1), Z2: float32(z2), Label: s.test.Labels[i]})
			}
			if len(j.dots) == len(j.dotIdx) {
				s.Dots = j.dots
				s.DotsVersion++
				j.parts &^= PartDots
			}
		}
		if part != 0 { // none when SetTestData took the parts left away
			i := bits.TrailingZeros(uint(part))
			j.partSpent[i] += time.Since(t)
			if j.parts&part == 0 { // published whole
				s.cost[i], published = j.partSpent[i], published|part
			}
		}
		if j.parts == 0 {
			s.job = nil
			s.LastCost = j.spent + time.Since(start)
		}
	}
	return published
}

// Cost returns what a refresh of parts (Part…) costs the thread that
// draws: the sum of what Work spent on each of them the last time it was
// published (0 for a part never published).
func (s *Scene) Cost(parts int) time.Duration {
	var c time.Duration
	for i := range numParts {
		if parts&(1<<i) != 0 {
			c += s.cost[i]
		}
	}
	return c
}

// reuse returns b resized to n when its capacity allows, else a new slice.
func reuse(b []float32, n int) []float32 {
	if cap(b) >= n {
		return b[:n]
	}
	return make([]float32, n)
}

// ReuseBytes returns b resized to n when its capacity allows, else a new slice.
func ReuseBytes(b []byte, n int) []byte {
	if cap(b) >= n {
		return b[:n]
	}
	return make([]byte, n)
}

// DigitSide is the side of an MNIST image, in pixels: 28×28 = 784 inputs.
const DigitSide = 28

// TilesToRGBA writes tiles [from, to) of a cols-wide grid of digits (784
// values in [0, 1] each, tile after tile in reading order) into dst, the
// whole grid as one greyscale RGBA picture of cols·28 pixels per row.
func TilesToRGBA(dst []byte, tiles []float32, cols, from, to int) {
	w := cols * DigitSide
	for t := from; t < to; t++ {
		r, c := t/cols, t%cols
		src := tiles[t*DigitSide*DigitSide : (t+1)*DigitSide*DigitSide]
		for py := 0; py < DigitSide; py++ {
			row := dst[4*((r*DigitSide+py)*w+c*DigitSide):]
			for px, v := range src[py*DigitSide : (py+1)*DigitSide] {
				// Clamped to [0, 1] with comparisons (min and max of floats
				// are calls in wasm, and cost as much as the rest), then
				// rounded to nearest, as math.Round for these non-negative
				// values; NaN is black.
				var b byte
				switch {
				case v >= 1:
					b = 255
				case v > 0:
					b = byte(float64(v)*255 + 0.5)
				}
				p := row[4*px : 4*px+4 : 4*px+4]
				p[0], p[1], p[2], p[3] = b, b, b, 255
			}
		}
	}
}

// Sample decodes the latent point at the plane's point (z1, z2) with the
// snapshot: SampleZ's.
func (s *Scene) Sample(z1, z2 float64, out []float32) []float32 {
	return s.Model.Decode(s.SampleZ(z1, z2), 1, s.Model.Likelihood, out)
}

// SampleZ returns the full latent point (Latent values) at the plane's
// point (z1, z2): dimensions I and J of the slice set to z1 and z2, the
// others at its reference.
func (s *Scene) SampleZ(z1, z2 float64) []float32 {
	if !s.sliceFits() { // a Refresh sets the slice; before one, the plane's first two dimensions
		s.Slice = s.want.sliceFor(s.Model)
	}
	return s.Slice.Z(z1, z2)
}
