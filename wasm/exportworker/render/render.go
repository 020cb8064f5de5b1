// Package render makes the file an export request asks for (package
// exportjob): the plane as a PNG (picture.EncodePNG) or a timeline as an
// animated GIF (picture.GIFEncoder, one unit of work at a time, reporting
// progress), from snapshots unpacked and validated on arrival; or a
// safetensors weights file read (core.ParseSafetensors) and written in
// core's format for the page, which does not link that reader. It is the
// export worker's work, in plain Go so that it is tested natively; the
// worker (wasm/exportworker) only moves bytes between it and the page.
package render

import (
	"bytes"
	"fmt"

	"github.com/govae/govae/core"
	"github.com/govae/govae/wasm/exportjob"
	"github.com/govae/govae/wasm/picture"
	"github.com/govae/govae/wasm/timeline"
)

// File is a finished export.
type File struct {
	Name string // what it holds: govae-manifold-step1234.png, govae-timeline-step0-12000.gif
	MIME string // image/png or image/gif
	Data []byte
	// Width and Height are the picture's (each frame's) size in pixels;
	// Frames is 1 for a PNG.
	Width, Height, Frames int
}

// Frame is what the page sends for one snapshot: Meta, exportjob.Meta's
// JSON, and Data, its grey levels. For a Weights request Data is the
// safetensors file and Meta is not read.
type Frame struct {
	Meta string
	Data []byte
}

// Run makes the file that request (exportjob.Request as JSON) asks for
// from frames (the snapshots in step order; for Weights the file), drawing
// text with text. progress, when not nil, is
// called with the share of the work done (0 to 1) after each unit of a
// GIF's work. Errors wrap exportjob.ErrRequest (the request or the frame
// count, a frame's JSON), timeline.ErrSnapshot (a frame that is not a
// valid snapshot: its pixels, grid, losses or points), picture.ErrPlane / picture.ErrTooLarge
// (options out of range, a picture beyond 4096×4096), or core's safetensors
// errors (each defect of a weights file its own); Run never panics on such
// input.
func Run(request string, frames []Frame, text picture.Text, progress func(float64)) (*File, error) {
	req, err := exportjob.ParseRequest(request, len(frames))
	if err != nil {
		return nil, err
	}
	if req.Kind == exportjob.Weights {
		m, err := core.ParseSafetensors(frames[0].Data)
		if err != nil {
			return nil, err
		}
		return &File{Name: "govae-weights.bin", MIME: "application/octet-stream", Data: m.MarshalBinary(), Frames: 1}, nil
	}
	snaps := make([]*timeline.Snapshot, len(frames))
	for i, f := range frames {
		if snaps[i], err = exportjob.FromFrame(f.Meta, f.Data); err != nil {
			return nil, fmt.Errorf("frame %d: %w", i, err)
		}
		if i > 0 && snaps[i].Step <= snaps[i-1].Step {
			return nil, fmt.Errorf("%w: frame %d at step %d after step %d", exportjob.ErrRequest, i, snaps[i].Step, snaps[i-1].Step)
		}
	}
	if req.Kind == exportjob.PNG {
		return planePNG(req, snaps[0], text)
	}
	return timelineGIF(req, snaps, text, progress)
}

// planePNG draws one snapshot's plane as the page shows it.
func planePNG(req exportjob.Request, s *timeline.Snapshot, text picture.Text) (*File, error) {
	p := picture.Plane{Grid: s.Grid, Pixels: s.Pixels, Crosshair: req.Crosshair, Z1: req.Z1, Z2: req.Z2,
		Side: req.Side, Scale: req.Scale}
	if req.Overlay {
		p.Dots = s.Dots
	}
	var buf bytes.Buffer
	if err := picture.EncodePNG(&buf, p, text); err != nil {
		return nil, err
	}
	w, h := p.Size()
	return &File{Name: picture.ManifoldFileName(s.Step, len(p.Dots) > 0), MIME: "image/png", Data: buf.Bytes(),
		Width: w, Height: h, Frames: 1}, nil
}

// timelineGIF encodes snapshots as an animated GIF, unit by unit.
func timelineGIF(req exportjob.Request, snaps []*timeline.Snapshot, text picture.Text, progress func(float64)) (*File, error) {
	enc, err := picture.NewGIFEncoder(snaps, picture.GIFOptions{Delay: req.Delay, LastDelay: req.LastDelay,
		Scale: req.PixelScale, Overlay: req.Overlay}, text)
	if err != nil {
		return nil, err
	}
	for done := false; !done; {
		if done, err = enc.Next(); err != nil {
			return nil, err
		}
		if progress != nil {
			progress(enc.Fraction())
		}
	}
	w, h := enc.Size()
	return &File{Name: picture.TimelineFileName(snaps[0].Step, snaps[len(snaps)-1].Step), MIME: "image/gif",
		Data: enc.Bytes(), Width: w, Height: h, Frames: len(snaps)}, nil
}
