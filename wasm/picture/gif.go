package picture

import (
	"bytes"
	"compress/lzw"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"slices"

	"github.com/govae/govae/wasm/timeline"
	"github.com/govae/govae/wasm/view"
)

// Limits of a timeline GIF.
const (
	// MaxGIFFrames is the most frames a GIF has: a whole timeline.
	MaxGIFFrames = timeline.MaxSnapshots
	// MaxGIFScale is the most device pixels per digit pixel: a 30×30 grid
	// at scale 4 is a 3 360-pixel square.
	MaxGIFScale = 4
	// MaxGIFDelay is the longest frame delay, in centiseconds (10 s).
	MaxGIFDelay = 1000
)

// GIFOptions are the visitor's choices for a timeline GIF.
type GIFOptions struct {
	// Delay is how long each frame shows, in centiseconds (GIF's unit):
	// 2–MaxGIFDelay (browsers stretch delays under 2 to 10).
	Delay int
	// LastDelay is how long the last frame shows before the loop starts
	// again, in centiseconds: 0 means Delay, else 2–MaxGIFDelay.
	LastDelay int
	// Scale is device pixels per digit pixel, 1–MaxGIFScale: at 1 a 20×20
	// grid's plane is 560 pixels square (the frame, with axes, 616×620).
	Scale int
	// Overlay draws the snapshots' overlay points (with a colour key); the
	// manifold is then darkened to 45 % in every frame, as on the page.
	Overlay bool
}

// GIFEncoder makes a timeline's animated GIF in small units of work, so
// that a page can spread it over short slices (or run it in a worker):
// each Next call either draws a frame or LZW-compresses at most UnitPixels
// of it. Every frame has a caption with its step, epoch and −ELBO, the
// axes of its grid, and the digits' grey levels exactly: without an
// overlay the palette is the 256 greys; with one, the 116 greys of the
// darkened manifold (0–115), the greys above in steps of 2 for text, and
// the 10 label colours.
//
// The file is GIF89a as image/gif reads and writes it: a global colour
// table of 256 entries, a NETSCAPE2.0 extension to loop forever, and per
// frame a graphic control extension (its delay) and an image whose pixels
// are compressed by compress/lzw (LSB order, 8-bit literals) in sub-blocks
// of at most 255 bytes. (image/gif's encoder writes a whole file in one
// call, which for 64 frames is seconds of work in a browser.)
type GIFEncoder struct {
	snaps   []*timeline.Snapshot
	dim     bool // the overlay is drawn: the manifold is darkened
	opts    GIFOptions
	text    Text
	grid    int // the largest grid among the snapshots: it sets the frame's size
	plane   Plane
	geo     geometry
	palette color.Palette
	greyIdx [256]uint8 // palette index of each grey level (the nearest grey)
	shade   *[256]uint8
	tmpl    map[int]*image.Paletted // axes and key for each grid, without tiles or caption
	frame   *image.Paletted
	caption *image.RGBA // the caption's strip, drawn in RGBA then mapped to the palette
	out     bytes.Buffer
	next    int // the frame being made
	row     int // the frame's next row to compress; −1 before it is drawn
	lzw     io.WriteCloser
	blocks  *subBlocks
	err     error
}

// UnitPixels is the most pixels one Next call compresses.
const UnitPixels = 1 << 16

// NewGIFEncoder starts the GIF of snaps (1–MaxGIFFrames valid snapshots,
// in any grid sizes; typically timeline.All(), whose snapshots never
// change, so training may go on adding to the timeline while the GIF is
// made). It keeps snaps and reads them until done; they must not be
// modified meanwhile. Errors wrap ErrPlane (bad options or snapshots) or
// ErrTooLarge.
func NewGIFEncoder(snaps []*timeline.Snapshot, opts GIFOptions, text Text) (*GIFEncoder, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrPlane}, args...)...)
	}
	switch {
	case len(snaps) == 0 || len(snaps) > MaxGIFFrames:
		return nil, bad("%d frames, want 1–%d", len(snaps), MaxGIFFrames)
	case opts.Delay < 2 || opts.Delay > MaxGIFDelay:
		return nil, bad("frame delay %d cs out of range [2, %d]", opts.Delay, MaxGIFDelay)
	case opts.LastDelay != 0 && (opts.LastDelay < 2 || opts.LastDelay > MaxGIFDelay):
		return nil, bad("last frame delay %d cs out of range [2, %d]", opts.LastDelay, MaxGIFDelay)
	case opts.Scale < 1 || opts.Scale > MaxGIFScale:
		return nil, bad("scale %d out of range [1, %d]", opts.Scale, MaxGIFScale)
	}
	e := &GIFEncoder{opts: opts, text: text, tmpl: map[int]*image.Paletted{}}
	anyDots := false
	for i, s := range snaps {
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("%w: frame %d: %v", ErrPlane, i, err)
		}
		e.grid = max(e.grid, s.Grid)
		anyDots = anyDots || len(s.Dots) > 0
	}
	dim := opts.Overlay && anyDots
	e.plane = Plane{Grid: e.grid, Side: float64(e.grid * timeline.DigitSide), Scale: float64(opts.Scale)}
	if dim {
		e.plane.Dots = []timeline.Dot{{}} // reserves the key's band
	}
	e.geo = e.plane.layout()
	if e.geo.w > MaxSide || e.geo.h > MaxSide {
		return nil, fmt.Errorf("%w: frames of %d×%d pixels, at most %d×%d", ErrTooLarge, e.geo.w, e.geo.h, MaxSide, MaxSide)
	}
	e.snaps, e.dim = slices.Clone(snaps), dim
	e.shade = greyMap(dim)
	e.buildPalette(dim)
	bounds := image.Rect(0, 0, e.geo.w, e.geo.h)
	e.frame = image.NewPaletted(bounds, e.palette)
	e.caption = image.NewRGBA(image.Rect(0, 0, e.geo.w, int(e.geo.plane.Y)-int(max(math.Round(e.geo.u), 1))))
	e.row = -1
	e.writeHeader()
	return e, nil
}

// buildPalette makes the palette and the grey levels' indices.
func (e *GIFEncoder) buildPalette(dim bool) {
	var greys []uint8
	for v := 0; v < 256; v++ {
		if !dim || v <= int(e.shade[255]) || v%2 == 1 {
			greys = append(greys, uint8(v))
		}
	}
	for _, v := range greys {
		e.palette = append(e.palette, color.RGBA{v, v, v, 255})
	}
	if dim {
		for _, c := range grey.Labels {
			e.palette = append(e.palette, c)
		}
	}
	for v := range e.greyIdx {
		best := 0
		for i, g := range greys {
			if math.Abs(float64(g)-float64(v)) < math.Abs(float64(greys[best])-float64(v)) {
				best = i
			}
		}
		e.greyIdx[v] = uint8(best)
	}
}

// Progress returns how many frames are complete and how many there are.
func (e *GIFEncoder) Progress() (done, total int) { return e.next, len(e.snaps) }

// Fraction returns the share of the work done, from 0 to 1, for a progress bar.
func (e *GIFEncoder) Fraction() float64 {
	f := float64(e.next)
	if e.row > 0 && e.next < len(e.snaps) {
		f += float64(e.row) / float64(e.geo.h)
	}
	return f / float64(len(e.snaps))
}

// Done reports whether every frame is encoded (or an error stopped it).
func (e *GIFEncoder) Done() bool { return e.next == len(e.snaps) || e.err != nil }

// Next does one unit of work and reports whether the GIF is complete:
// it draws the next frame, or compresses the next rows of the current one
// (at most UnitPixels pixels). After an error, every call returns it.
func (e *GIFEncoder) Next() (done bool, err error) {
	if e.err != nil || e.next == len(e.snaps) {
		return true, e.err
	}
	if e.row < 0 {
		e.drawFrame(e.snaps[e.next])
		e.startFrame()
		e.row = 0
		return false, nil
	}
	w, h := e.geo.w, e.geo.h
	rows := min(max(UnitPixels/w, 1), h-e.row)
	if _, err := e.lzw.Write(e.frame.Pix[e.row*w : (e.row+rows)*w]); err != nil {
		e.err = err
		return true, err
	}
	e.row += rows
	if e.row < h {
		return false, nil
	}
	if err := e.lzw.Close(); err != nil {
		e.err = err
		return true, err
	}
	e.blocks.close()
	e.next, e.row = e.next+1, -1
	if e.next == len(e.snaps) {
		e.out.WriteByte(0x3B) // the trailer
		return true, nil
	}
	return false, nil
}

// Bytes returns the finished GIF, or nil before Next has reported done
// (or after an error).
func (e *GIFEncoder) Bytes() []byte {
	if e.err != nil || e.next != len(e.snaps) {
		return nil
	}
	return e.out.Bytes()
}

// writeHeader writes the signature, the logical screen descriptor, the
// global colour table (the palette, padded to 256 entries) and the loop
// extension.
func (e *GIFEncoder) writeHeader() {
	le := binary.LittleEndian
	b := []byte("GIF89a")
	b = le.AppendUint16(b, uint16(e.geo.w))
	b = le.AppendUint16(b, uint16(e.geo.h))
	// A global table of 2^(7+1) entries, colour resolution 8 bits;
	// background index 0, square pixels.
	b = append(b, 0x80|0x70|0x07, 0, 0)
	for i := 0; i < 256; i++ {
		var r, g, bl uint8
		if i < len(e.palette) {
			c := e.palette[i].(color.RGBA)
			r, g, bl = c.R, c.G, c.B
		}
		b = append(b, r, g, bl)
	}
	// NETSCAPE2.0 application extension: loop count 0, forever.
	b = append(b, 0x21, 0xFF, 0x0B)
	b = append(b, "NETSCAPE2.0"...)
	b = append(b, 0x03, 0x01, 0x00, 0x00, 0x00)
	e.out.Write(b)
}

// startFrame writes the frame's graphic control extension and image
// descriptor and starts its LZW stream.
func (e *GIFEncoder) startFrame() {
	delay := e.opts.Delay
	if e.next == len(e.snaps)-1 && e.opts.LastDelay != 0 {
		delay = e.opts.LastDelay
	}
	le := binary.LittleEndian
	// Graphic control extension: no disposal, no transparency, the delay.
	b := []byte{0x21, 0xF9, 0x04, 0x00}
	b = le.AppendUint16(b, uint16(delay))
	b = append(b, 0x00, 0x00)
	// Image descriptor: the whole screen, no local colour table, not interlaced.
	b = append(b, 0x2C, 0, 0, 0, 0)
	b = le.AppendUint16(b, uint16(e.geo.w))
	b = le.AppendUint16(b, uint16(e.geo.h))
	b = append(b, 0x00)
	b = append(b, 8) // LZW minimum code size: 8-bit pixel indices
	e.out.Write(b)
	e.blocks = &subBlocks{out: &e.out}
	e.lzw = lzw.NewWriter(e.blocks, lzw.LSB, 8)
}

// subBlocks cuts a stream into GIF data sub-blocks: a length byte (1–255)
// and that many bytes, ended by an empty block.
type subBlocks struct {
	out *bytes.Buffer
	buf [255]byte
	n   int
}

func (s *subBlocks) Write(p []byte) (int, error) {
	for _, c := range p {
		s.buf[s.n] = c
		s.n++
		if s.n == len(s.buf) {
			s.flush()
		}
	}
	return len(p), nil
}

func (s *subBlocks) flush() {
	if s.n > 0 {
		s.out.WriteByte(byte(s.n))
		s.out.Write(s.buf[:s.n])
		s.n = 0
	}
}

// close writes what is left and the block terminator.
func (s *subBlocks) close() {
	s.flush()
	s.out.WriteByte(0)
}

// template returns the frame's static part for a grid: background, axes,
// ticks, labels and the colour key, mapped to the palette.
func (e *GIFEncoder) template(grid int) *image.Paletted {
	if t, ok := e.tmpl[grid]; ok {
		return t
	}
	p := e.plane
	p.Grid = grid
	img := image.NewRGBA(image.Rect(0, 0, e.geo.w, e.geo.h))
	fill(img, img.Bounds(), grey.Background)
	drawAxes(img, p, e.geo, e.text, grey, false)
	t := image.NewPaletted(img.Bounds(), e.palette)
	e.toPalette(t, img, img.Bounds())
	e.tmpl[grid] = t
	return t
}

// toPalette maps img's pixels in r to t's palette: greys through greyIdx,
// label colours exactly, anything else to the nearest palette colour.
func (e *GIFEncoder) toPalette(t *image.Paletted, img *image.RGBA, r image.Rectangle) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			i := img.PixOffset(x, y)
			c := img.Pix[i : i+4 : i+4]
			idx := e.greyIdx[c[0]]
			if c[0] != c[1] || c[1] != c[2] {
				idx = uint8(e.palette.Index(color.RGBA{c[0], c[1], c[2], 255}))
			}
			t.Pix[t.PixOffset(x, y)] = idx
		}
	}
}

// drawFrame draws snapshot s into e.frame: the template, the tiles scaled
// by nearest neighbour to the plane (each digit pixel a Scale×Scale block
// when the grid is the largest), the overlay's points and the caption.
func (e *GIFEncoder) drawFrame(s *timeline.Snapshot) {
	copy(e.frame.Pix, e.template(s.Grid).Pix)
	const d = timeline.DigitSide
	r := pixelRect(e.geo.plane)
	side := r.Dx()
	srcSide := s.Grid * d
	cols := make([]int, side) // offset in Pixels of each plane column's source pixel, less the row's part
	for i := range cols {
		sx := i * srcSide / side
		cols[i] = sx/d*d*d + sx%d
	}
	for j := 0; j < side; j++ {
		sy := j * srcSide / side
		rowOff := sy/d*s.Grid*d*d + sy%d*d
		dst := e.frame.Pix[e.frame.PixOffset(r.Min.X, r.Min.Y+j):][:side]
		for i, c := range cols {
			dst[i] = e.greyIdx[e.shade[s.Pixels[rowOff+c]]]
		}
	}
	if e.dim {
		pl := view.NewPlane(e.geo.plane, s.Grid)
		rad := dotRadius * e.geo.u
		for _, dot := range s.Dots {
			x, y := pl.Pixel(float64(dot.Z1), float64(dot.Z2))
			if !e.geo.plane.Contains(x, y) {
				continue
			}
			idx := uint8(len(e.palette) - 10 + int(dot.Label))
			b := image.Rect(int(x-rad-1), int(y-rad-1), int(x+rad+2), int(y+rad+2)).Intersect(r)
			for py := b.Min.Y; py < b.Max.Y; py++ {
				for px := b.Min.X; px < b.Max.X; px++ {
					if math.Hypot(float64(px)+0.5-x, float64(py)+0.5-y) <= rad {
						e.frame.Pix[e.frame.PixOffset(px, py)] = idx
					}
				}
			}
		}
	}
	fill(e.caption, e.caption.Bounds(), grey.Background)
	drawTitle(e.caption, e.plane, e.geo, e.text, grey, e.captionText(s))
	e.toPalette(e.frame, e.caption, e.caption.Bounds())
}

// captionText is a frame's title: its step, epoch and loss, shortened to
// fit the plane's width.
func (e *GIFEncoder) captionText(s *timeline.Snapshot) string {
	full := fmt.Sprintf("step %d · epoch %s · −ELBO %s (recon %s, KL %s)", s.Step, view.FormatNumber(s.Epoch, 2),
		view.FormatNumber(s.NegELBO, 1), view.FormatNumber(s.Recon, 1), view.FormatNumber(s.KL, 1))
	if e.text.Width(full, 13.5*e.geo.u, true) <= e.geo.plane.W {
		return full
	}
	return fmt.Sprintf("step %d · −ELBO %s", s.Step, view.FormatNumber(s.NegELBO, 1))
}

// Size returns the frames' width and height in pixels.
func (e *GIFEncoder) Size() (width, height int) { return e.geo.w, e.geo.h }
