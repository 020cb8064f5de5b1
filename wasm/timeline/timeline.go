// Package timeline keeps pictures of the latent manifold taken while a
// model trains, so that training can be rewound and played back: each
// snapshot holds the decoded grid's grey levels, the overlay's points when
// it was on, and the step, epoch and loss at which it was taken. Memory is
// bounded (at most MaxSnapshots snapshots within a byte budget): as training
// goes on the timeline is thinned so that its steps stay roughly evenly
// spaced in log(1 + step/SpacingScale) — dense early, geometric later — and
// it can be written to bytes and parsed back (MarshalBinary, Parse) to be
// kept with a checkpoint.
//
// The package is pure Go (no syscall/js, no Ebiten) and tested natively.
package timeline

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/govae/govae/wasm/view"
)

// DigitSide is the side of one decoded tile in pixels (MNIST's 28).
const DigitSide = 28

// Limits.
const (
	// MaxSnapshots is the most snapshots a timeline keeps.
	MaxSnapshots = 64
	// DefaultBudget is the default bound on the bytes the snapshots' pixels
	// and points take: 64 snapshots of the default 20×20 grid (313 600
	// bytes each, 20 MB) fit; 30×30 grids with 10 000 overlay points
	// (about 0.8 MB each) are thinned to 41.
	DefaultBudget = 32 << 20
	// MaxBudget bounds the budget a timeline (or a parsed file) may have.
	MaxBudget = 256 << 20
	// SpacingScale (in steps) is where the schedule turns from linear to
	// geometric: snapshots are kept evenly spaced in log(1 + step/SpacingScale).
	SpacingScale = 20
	// dotBytes is what one overlay point costs: two float32 and a label.
	dotBytes = 9
)

// Dot is one overlay point: the encoder mean μ of a test digit and its label.
type Dot struct {
	Z1, Z2 float32
	Label  uint8
}

// Snapshot is the manifold at one training step.
type Snapshot struct {
	Step  int     // optimiser steps taken
	Epoch float64 // passes over the training set, fractional
	// The training loss at Step in nats per image: −ELBO = Recon + β·KL.
	NegELBO, Recon, KL float64
	Grid               int     // the manifold has Grid×Grid tiles
	Pixels             []uint8 // Grid²·DigitSide² grey levels (0 black, 255 white), tiles in view.GridZ order, each row-major
	Dots               []Dot   // the overlay's points; nil when it was off
}

// Bytes is what s's pixels and points take in memory.
func (s *Snapshot) Bytes() int64 { return int64(len(s.Pixels)) + dotBytes*int64(len(s.Dots)) }

// Errors of Add and Parse; each is wrapped with details.
var (
	ErrSnapshot  = errors.New("timeline: invalid snapshot")
	ErrStep      = errors.New("timeline: snapshot step not after the last one")
	ErrFormat    = errors.New("timeline: not a timeline file (bad magic or version)")
	ErrTruncated = errors.New("timeline: file truncated")
	ErrChecksum  = errors.New("timeline: file checksum mismatch")
	ErrCorrupt   = errors.New("timeline: file corrupt")
)

// Validate reports whether s is a snapshot a timeline can keep: a grid in
// [2, view.MaxGrid] with its pixels, at most view.MaxDots finite points with
// labels 0–9, a non-negative step and epoch and a finite loss.
func (s *Snapshot) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrSnapshot}, args...)...)
	}
	switch {
	case s.Step < 0:
		return bad("step %d is negative", s.Step)
	case !(s.Epoch >= 0) || math.IsInf(s.Epoch, 0):
		return bad("epoch %v is not a finite non-negative number", s.Epoch)
	case !finite(s.NegELBO) || !finite(s.Recon) || !finite(s.KL):
		return bad("loss (−ELBO %v, recon %v, KL %v) is not finite", s.NegELBO, s.Recon, s.KL)
	case s.Grid < 2 || s.Grid > view.MaxGrid:
		return bad("grid %d out of range [2, %d]", s.Grid, view.MaxGrid)
	case len(s.Pixels) != s.Grid*s.Grid*DigitSide*DigitSide:
		return bad("%d pixels for a %d×%d grid, want %d", len(s.Pixels), s.Grid, s.Grid, s.Grid*s.Grid*DigitSide*DigitSide)
	case len(s.Dots) > view.MaxDots:
		return bad("%d overlay points, at most %d", len(s.Dots), view.MaxDots)
	}
	for i, d := range s.Dots {
		if !finite(float64(d.Z1)) || !finite(float64(d.Z2)) || d.Label > 9 {
			return bad("overlay point %d is (%v, %v) with label %d", i, d.Z1, d.Z2, d.Label)
		}
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// GreyLevels converts decoder means in [0, 1] to grey levels round(255·v),
// as the page draws them (values above 1 give 255; below 0 and NaN give 0),
// into dst (grown as needed) and returns it.
func GreyLevels(dst []uint8, means []float32) []uint8 {
	dst = slices.Grow(dst[:0], len(means))[:len(means)]
	for i, v := range means {
		if !(v > 0) {
			v = 0
		}
		dst[i] = byte(float64(min(v, 1))*255 + 0.5)
	}
	return dst
}

// Timeline is a bounded, thinned sequence of snapshots in increasing step
// order. The zero value is not usable; call New. Not safe for concurrent use.
//
// Snapshots are immutable once added: At returns a pointer that stays valid
// and unchanged after the timeline drops the snapshot (the garbage
// collector frees it once nothing refers to it), so an export may go on
// reading snapshots while training adds new ones.
type Timeline struct {
	max    int
	budget int64
	snaps  []*Snapshot
	bytes  int64
}

// New returns an empty timeline that keeps at most maxSnapshots snapshots
// (clamped to [2, MaxSnapshots]) whose pixels and points take at most
// budget bytes (clamped to [0, MaxBudget]; the newest snapshot is kept even
// when it alone exceeds the budget).
func New(maxSnapshots int, budget int64) *Timeline {
	return &Timeline{max: min(max(maxSnapshots, 2), MaxSnapshots), budget: min(max(budget, 0), MaxBudget)}
}

// Len returns the number of snapshots kept.
func (t *Timeline) Len() int { return len(t.snaps) }

// At returns snapshot i (0 is the earliest). It must not be modified.
func (t *Timeline) At(i int) *Snapshot { return t.snaps[i] }

// All returns every snapshot kept, earliest first (a new slice; the
// snapshots must not be modified).
func (t *Timeline) All() []*Snapshot { return slices.Clone(t.snaps) }

// Steps returns the steps of the snapshots kept, in increasing order.
func (t *Timeline) Steps() []int {
	s := make([]int, len(t.snaps))
	for i := range t.snaps {
		s[i] = t.snaps[i].Step
	}
	return s
}

// Bytes returns what the kept snapshots' pixels and points take, at most the
// budget (or one snapshot, when a single one exceeds it).
func (t *Timeline) Bytes() int64 { return t.bytes }

// Limits returns the timeline's snapshot count and byte budget.
func (t *Timeline) Limits() (maxSnapshots int, budget int64) { return t.max, t.budget }

// Nearest returns the index of the snapshot whose step is closest to step
// (the earlier one on a tie), or −1 for an empty timeline: what a slider
// over the steps shows.
func (t *Timeline) Nearest(step int) int {
	i, _ := slices.BinarySearchFunc(t.snaps, step, func(s *Snapshot, step int) int { return s.Step - step })
	switch {
	case len(t.snaps) == 0:
		return -1
	case i == len(t.snaps):
		return i - 1
	case i > 0 && step-t.snaps[i-1].Step <= t.snaps[i].Step-step:
		return i - 1
	}
	return i
}

// Reset drops every snapshot (when training restarts from new weights).
func (t *Timeline) Reset() {
	clear(t.snaps) // let the pixels go
	t.snaps, t.bytes = t.snaps[:0], 0
}

// Want reports whether a snapshot at step would be kept by Add: whether
// step is after the last snapshot's. (Add always keeps the newest and
// thins the older ones; a caller can skip building a snapshot otherwise.)
func (t *Timeline) Want(step int) bool {
	return step >= 0 && (len(t.snaps) == 0 || step > t.snaps[len(t.snaps)-1].Step)
}

// Add appends a copy of s, which must validate and come after the last
// snapshot, then thins the timeline back within its limits: while it holds
// more than its maximum, or more bytes than its budget, it drops the inner
// snapshot whose neighbours are closest together in log(1 + step/SpacingScale).
// The first and the newest snapshots are always kept. Errors wrap
// ErrSnapshot or ErrStep; the timeline is then unchanged.
func (t *Timeline) Add(s Snapshot) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if !t.Want(s.Step) {
		return fmt.Errorf("%w: step %d, the last snapshot is at step %d", ErrStep, s.Step, t.snaps[len(t.snaps)-1].Step)
	}
	s.Pixels = slices.Clone(s.Pixels)
	if s.Dots != nil {
		s.Dots = slices.Clone(s.Dots)
	}
	t.snaps = append(t.snaps, &s)
	t.bytes += s.Bytes()
	for len(t.snaps) > 2 && (len(t.snaps) > t.max || t.bytes > t.budget) {
		t.drop(t.thinnest())
	}
	if len(t.snaps) == 2 && t.bytes > t.budget {
		t.drop(0) // a single snapshot over the budget: keep the newest
	}
	return nil
}

// position is where a step sits on the thinning schedule's axis.
func position(step int) float64 { return math.Log1p(float64(step) / SpacingScale) }

// thinnest returns the inner snapshot whose neighbours are closest
// together on the schedule's axis (the earliest such on a tie).
func (t *Timeline) thinnest() int {
	best, bestGap := 1, math.Inf(1)
	for i := 1; i < len(t.snaps)-1; i++ {
		if gap := position(t.snaps[i+1].Step) - position(t.snaps[i-1].Step); gap < bestGap {
			best, bestGap = i, gap
		}
	}
	return best
}

// drop removes snapshot i.
func (t *Timeline) drop(i int) {
	t.bytes -= t.snaps[i].Bytes()
	t.snaps = slices.Delete(t.snaps, i, i+1)
}
