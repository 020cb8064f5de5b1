// Package exportjob is the contract between the page and its export worker
// (wasm/exportworker, export.wasm): what a request for a picture says
// (Request: the plane as a PNG, or a timeline as an animated GIF, with the
// visitor's options), how each snapshot of the manifold travels (Meta and
// FromFrame: its fields as JSON beside its grey levels, checked on arrival
// as a timeline checks what it keeps), which kept snapshots a GIF of n
// frames shows (Pick), and the visitor's options read from the page's
// fields (ParseDelay, ParseFrames).
//
// It is pure Go without image encoders or fonts: the page imports it
// without linking the picture code, which only the worker's binary holds.
package exportjob

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/govae/govae/wasm/timeline"
)

// Kind is what a request asks for.
type Kind string

// The kinds of export.
const (
	// PNG is the plane (manifold, axes, optionally the overlay's points and
	// the crosshair) as a PNG, from exactly one snapshot.
	PNG Kind = "png"
	// GIF is a timeline as an animated GIF, one frame per snapshot.
	GIF Kind = "gif"
	// Weights is a weights file in safetensors (the one frame, as the
	// visitor gave it) to be returned in core's format, which the page
	// reads: the page's binary does not link the safetensors reader (its
	// JSON decoder costs 24 KB of gzip before the first picture).
	Weights Kind = "weights"
)

// Limits of the visitor's GIF options.
const (
	// MinDelayMs and MaxDelayMs bound a frame's delay in milliseconds: GIF
	// counts in centiseconds, and browsers stretch delays under 20 ms to
	// 100 ms; 10 s is picture.MaxGIFDelay.
	MinDelayMs = 20
	MaxDelayMs = 10000
	// MinFrames and MaxFrames bound a GIF's frames: at most a whole
	// timeline (timeline.MaxSnapshots, picture.MaxGIFFrames).
	MinFrames = 2
	MaxFrames = timeline.MaxSnapshots
	// HoldLastCs is how long a GIF shows its last frame before it loops
	// (1.5 s) when the chosen delay is shorter: the end of training is the
	// picture to look at.
	HoldLastCs = 150
)

// Request is one export. Field meanings follow picture.Plane (PNG) and
// picture.GIFOptions (GIF), which check the values.
type Request struct {
	Kind Kind `json:"kind"`
	// PNG: the plane's side in CSS pixels and device pixels per CSS pixel
	// (the page's plane on screen, so the PNG is at the device's
	// resolution), the crosshair and where it is.
	Side      float64 `json:"side,omitempty"`
	Scale     float64 `json:"scale,omitempty"`
	Crosshair bool    `json:"crosshair,omitempty"`
	Z1        float64 `json:"z1,omitempty"`
	Z2        float64 `json:"z2,omitempty"`
	// Overlay draws the snapshots' overlay points (both kinds).
	Overlay bool `json:"overlay,omitempty"`
	// GIF: each frame's delay and the last frame's, in centiseconds, and
	// device pixels per digit pixel (1–4).
	Delay      int `json:"delay,omitempty"`
	LastDelay  int `json:"lastDelay,omitempty"`
	PixelScale int `json:"pixelScale,omitempty"`
}

// ErrRequest is wrapped by every error about a request or its frames.
var ErrRequest = errors.New("export: invalid request")

// Marshal returns the request as JSON.
func (r Request) Marshal() string {
	b, _ := json.Marshal(r) // plain fields: cannot fail
	return string(b)
}

// ParseRequest reads a request (Marshal) that comes with frames snapshots:
// a known kind, no unknown fields (JSON's numbers are finite), one frame for a PNG and
// 1–MaxFrames for a GIF. The values' ranges are checked by the picture code
// that uses them. Errors wrap ErrRequest.
func ParseRequest(s string, frames int) (Request, error) {
	var r Request
	d := json.NewDecoder(strings.NewReader(s))
	d.DisallowUnknownFields()
	if err := d.Decode(&r); err != nil {
		return Request{}, fmt.Errorf("%w: %v", ErrRequest, err)
	}
	switch {
	case (r.Kind == PNG || r.Kind == Weights) && frames != 1:
		return Request{}, fmt.Errorf("%w: a %s is one file or snapshot, got %d", ErrRequest, r.Kind, frames)
	case r.Kind == GIF && (frames < 1 || frames > MaxFrames):
		return Request{}, fmt.Errorf("%w: a GIF has 1–%d frames, got %d", ErrRequest, MaxFrames, frames)
	case r.Kind != PNG && r.Kind != GIF && r.Kind != Weights:
		return Request{}, fmt.Errorf("%w: unknown kind %q", ErrRequest, r.Kind)
	}
	return r, nil
}

// Frame is a snapshot without its pixels: how a snapshot travels to the
// worker, as JSON (Meta) beside its grey levels, which the page copies
// straight from timeline.Snapshot.Pixels into a Uint8Array (no Go
// allocation per frame while the page prepares a GIF).
type Frame struct {
	Step    int            `json:"step"`
	Epoch   float64        `json:"epoch"`
	NegELBO float64        `json:"negElbo"`
	Recon   float64        `json:"recon"`
	KL      float64        `json:"kl"`
	Grid    int            `json:"grid"`
	Dots    []timeline.Dot `json:"dots,omitempty"`
}

// Meta returns s without its pixels as JSON (a Frame). Errors are s's
// (timeline.Snapshot.Validate): a snapshot that does not validate is not sent.
func Meta(s *timeline.Snapshot) (string, error) {
	if err := s.Validate(); err != nil {
		return "", err
	}
	b, err := json.Marshal(Frame{Step: s.Step, Epoch: s.Epoch, NegELBO: s.NegELBO, Recon: s.Recon, KL: s.KL, Grid: s.Grid, Dots: s.Dots})
	return string(b), err
}

// FromFrame rebuilds a snapshot from Meta's JSON and its grey levels, and
// checks it as a timeline does (timeline.Snapshot.Validate: the grid and
// its pixel count, finite losses and points, labels 0–9). Errors wrap
// ErrRequest (JSON that is not a Frame) or timeline.ErrSnapshot; it never
// panics.
func FromFrame(meta string, pixels []byte) (*timeline.Snapshot, error) {
	var f Frame
	d := json.NewDecoder(strings.NewReader(meta))
	d.DisallowUnknownFields()
	if err := d.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: frame: %v", ErrRequest, err)
	}
	s := &timeline.Snapshot{Step: f.Step, Epoch: f.Epoch, NegELBO: f.NegELBO, Recon: f.Recon, KL: f.KL, Grid: f.Grid,
		Pixels: pixels, Dots: f.Dots}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// Pick returns the indices of the n snapshots (of total kept) a GIF of n
// frames shows: the first, the last and evenly spaced ones between, in
// increasing order; every one when n ≥ total. n < 1 gives none.
func Pick(n, total int) []int {
	if n >= total {
		n = total
	}
	if n < 1 {
		return nil
	}
	out := make([]int, n)
	for i := range out {
		if n > 1 {
			out[i] = int(math.Round(float64(i) * float64(total-1) / float64(n-1)))
		}
	}
	return out
}

// ParseDelay reads a frame delay in milliseconds (a number, "120" or
// "120 ms") and returns it in centiseconds, rounded to the nearest: in
// [MinDelayMs, MaxDelayMs], else an error saying the range.
func ParseDelay(s string) (cs int, err error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "ms"))
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v >= MinDelayMs && v <= MaxDelayMs) {
		return 0, fmt.Errorf("the frame delay must be a number of milliseconds from %d to %d", MinDelayMs, MaxDelayMs)
	}
	return int(math.Round(v / 10)), nil
}

// ParseFrames reads the most frames a GIF may have: a whole number in
// [MinFrames, MaxFrames], else an error saying the range.
func ParseFrames(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < MinFrames || n > MaxFrames {
		return 0, fmt.Errorf("the number of frames must be a whole number from %d to %d", MinFrames, MaxFrames)
	}
	return n, nil
}

// LastDelay is the last frame's delay for frames of delay centiseconds:
// HoldLastCs when that is longer, else the delay itself.
func LastDelay(delay int) int { return max(delay, HoldLastCs) }

// GIFFrameSize returns the size in pixels of a GIF's frames for a
// grid×grid manifold at pixelScale device pixels per digit pixel, with or
// without the overlay's colour key: package picture's layout (44 pixels for
// the z₂ labels, 12 on the right, 22 for the caption, 38 for the z₁ labels,
// 24 for the key, each times pixelScale), which the export worker's tests
// hold it to.
func GIFFrameSize(grid, pixelScale int, overlay bool) (width, height int) {
	side := grid * timeline.DigitSide
	width, height = 44+side+12, 22+side+38
	if overlay {
		height += 24
	}
	return width * pixelScale, height * pixelScale
}
