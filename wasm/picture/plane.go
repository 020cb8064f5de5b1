// Package picture turns what the page shows into files people can keep:
// the latent plane (the manifold's tiles with their z axes and labels,
// optionally the overlay's points and the crosshair) as a PNG at the
// device's resolution, and a training timeline as an animated GIF whose
// palette keeps the digits' grey levels, built one frame per call so the
// page can spread it over many short slices (GIFEncoder). File names say
// what a file holds (ManifoldFileName, TimelineFileName).
//
// The package is pure Go (image/png, image/gif, golang.org/x/image/draw;
// no syscall/js, no Ebiten) and tested natively. Text is drawn through the
// Text interface: the page can pass one backed by the browser's fonts, and
// package gotext provides one with the Go fonts for tools and tests.
package picture

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"

	"golang.org/x/image/draw"

	"github.com/govae/govae/wasm/timeline"
	"github.com/govae/govae/wasm/view"
)

// Align says which point of a line of text its x coordinate is.
type Align int

// The alignments of Text.Draw.
const (
	AlignLeft Align = iota
	AlignCenter
	AlignRight
)

// Text draws single lines of text into images. Sizes and coordinates are
// in device pixels.
type Text interface {
	// Draw draws s in colour c at font size size (bold or regular), with
	// its line vertically centred on y and its left edge, centre or right
	// edge at x, blending over what dst holds.
	Draw(dst *image.RGBA, s string, x, y, size float64, bold bool, c color.RGBA, align Align)
	// Width returns the advance width of s in device pixels.
	Width(s string, size float64, bold bool) float64
}

// Theme is the colours of a picture.
type Theme struct {
	Background, Text, Muted, Line, Crosshair color.RGBA
	Labels                                   [10]color.RGBA // overlay points by digit
}

// Dark is the page's dark theme (wasm/app's colours), for PNGs.
var Dark = Theme{
	Background: color.RGBA{13, 17, 23, 255}, Text: color.RGBA{230, 237, 243, 255},
	Muted: color.RGBA{139, 148, 158, 255}, Line: color.RGBA{48, 54, 61, 255}, Crosshair: color.RGBA{255, 196, 0, 255},
	Labels: [10]color.RGBA{
		{255, 99, 99, 255}, {255, 169, 77, 255}, {255, 224, 102, 255}, {140, 233, 154, 255}, {56, 217, 169, 255},
		{77, 171, 247, 255}, {145, 140, 255, 255}, {218, 119, 242, 255}, {247, 131, 172, 255}, {233, 236, 239, 255},
	},
}

// grey is the dark theme in greys (overlay colours kept), so that a GIF's
// text and axes need no palette entries besides the digits' greys.
var grey = Theme{
	Background: color.RGBA{16, 16, 16, 255}, Text: color.RGBA{235, 235, 235, 255},
	Muted: color.RGBA{150, 150, 150, 255}, Line: color.RGBA{52, 52, 52, 255}, Crosshair: color.RGBA{255, 196, 0, 255},
	Labels: Dark.Labels,
}

// Size limits: a picture is at most MaxSide pixels wide and high; the
// plane at most MaxScale device pixels per CSS pixel.
const (
	MaxSide  = 4096
	MaxScale = 8
)

// Margins around the plane in CSS pixels (the page's layout: view.Layout).
const (
	marginLeft   = 44 // z₂ tick labels
	marginTop    = 22 // title
	marginBottom = 38 // z₁ tick labels and caption
	marginRight  = 12
	legendHeight = 24 // the overlay's colour key, under the caption
	// dimOverlay is how much the page darkens the manifold under the
	// overlay's points, so they stand out.
	dimOverlay = 0.45
	dotRadius  = 2.6 // CSS pixels
)

// Errors of Plane.Validate and the encoders; each is wrapped with details.
var (
	ErrPlane    = errors.New("picture: invalid plane")
	ErrTooLarge = errors.New("picture: picture too large")
)

// Plane is the latent plane to draw: the manifold's tiles with their axes,
// optionally the overlay's points and the crosshair.
type Plane struct {
	Grid   int            // the manifold has Grid×Grid tiles
	Pixels []uint8        // Grid²·784 grey levels, as timeline.Snapshot.Pixels (timeline.GreyLevels of the decoder means)
	Dots   []timeline.Dot // the overlay's encoder means; nil or empty draws none
	// Crosshair marks the selected latent point (Z1, Z2) as the page does.
	Crosshair bool
	Z1, Z2    float64
	// Side is the plane's side in CSS pixels (the page's layout.Plane.W /
	// layout.Scale); 0 means 28·Grid, one CSS pixel per digit pixel.
	Side float64
	// Scale is device pixels per CSS pixel (window.devicePixelRatio); 0 means 1.
	Scale float64
	// Title is the line above the plane; "" gives the page's title,
	// "Decoder means on a N×N grid, z = Φ⁻¹(p)".
	Title string
}

// Validate reports whether p can be drawn within the size limits.
func (p Plane) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrPlane}, args...)...)
	}
	switch {
	case p.Grid < 2 || p.Grid > view.MaxGrid:
		return bad("grid %d out of range [2, %d]", p.Grid, view.MaxGrid)
	case len(p.Pixels) != p.Grid*p.Grid*timeline.DigitSide*timeline.DigitSide:
		return bad("%d pixels for a %d×%d grid", len(p.Pixels), p.Grid, p.Grid)
	case !(p.Side >= 0 && p.Side <= MaxSide):
		return bad("side %v CSS pixels out of range [0, %d]", p.Side, MaxSide)
	case !(p.Scale >= 0 && p.Scale <= MaxScale):
		return bad("scale %v out of range (0, %d]", p.Scale, MaxScale)
	case p.Crosshair && !(math.Abs(p.Z1) <= view.MaxAbsZ && math.Abs(p.Z2) <= view.MaxAbsZ):
		return bad("crosshair at (%v, %v), beyond |z| ≤ %d", p.Z1, p.Z2, view.MaxAbsZ)
	}
	if w, h := p.layout().size(); w > MaxSide || h > MaxSide {
		return fmt.Errorf("%w: %d×%d pixels, at most %d×%d", ErrTooLarge, w, h, MaxSide, MaxSide)
	}
	return nil
}

// Size returns the picture's width and height in device pixels: the plane
// (Side·Scale square) with its title, axes and, with points, the overlay's
// key around it.
func (p Plane) Size() (width, height int) { return p.layout().size() }

// geometry is where everything goes, in device pixels.
type geometry struct {
	u       float64   // device pixels per CSS pixel
	plane   view.Rect // the tiles' square, on whole pixels
	w, h    int
	legendY float64 // centre line of the overlay's key; 0 without
}

func (g geometry) size() (int, int) { return g.w, g.h }

func (p Plane) layout() geometry {
	u := p.Scale
	if u == 0 {
		u = 1
	}
	side := p.Side
	if side == 0 {
		side = float64(p.Grid * timeline.DigitSide)
	}
	g := geometry{u: u}
	s := math.Round(side * u)
	x0, y0 := math.Round(marginLeft*u), math.Round(marginTop*u)
	g.plane = view.Rect{X: x0, Y: y0, W: s, H: s}
	g.w = int(x0 + s + math.Round(marginRight*u))
	bottom := g.plane.Bottom() + math.Round(marginBottom*u)
	if len(p.Dots) > 0 {
		g.legendY = bottom + legendHeight*u/2
		bottom += math.Round(legendHeight * u)
	}
	g.h = int(bottom)
	return g
}

// Render draws p in the theme (Dark for the page's look): the title, the
// tiles scaled bilinearly to the plane's square (darkened to 45 % under an
// overlay, as on the page), a frame, ticks and labels at round z on both
// axes (view.Plane.Ticks), the overlay's points with their key, and the
// crosshair. The image is p.Size() pixels.
func Render(p Plane, text Text, theme Theme) (*image.RGBA, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	g := p.layout()
	img := image.NewRGBA(image.Rect(0, 0, g.w, g.h))
	fill(img, img.Bounds(), theme.Background)
	drawAxes(img, p, g, text, theme, true)
	drawTitle(img, p, g, text, theme, p.title(text, g))
	src := manifoldImage(p.Grid, p.Pixels, len(p.Dots) > 0)
	draw.BiLinear.Scale(img, pixelRect(g.plane), src, src.Bounds(), draw.Src, nil)
	drawDots(img, p, g, theme, true)
	if p.Crosshair {
		drawCrosshair(img, p, g, theme)
	}
	return img, nil
}

// EncodePNG writes p drawn in the Dark theme as a PNG (Render). Errors are
// those of Render and of writing.
func EncodePNG(w io.Writer, p Plane, text Text) error {
	img, err := Render(p, text, Dark)
	if err != nil {
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	return enc.Encode(w, img)
}

// title returns the title line, shortened when it does not fit.
func (p Plane) title(text Text, g geometry) string {
	if p.Title != "" {
		return p.Title
	}
	t := fmt.Sprintf("Decoder means on a %d×%d grid, z = Φ⁻¹(p)", p.Grid, p.Grid)
	if text.Width(t, 13.5*g.u, true) > g.plane.W {
		t = fmt.Sprintf("Decoder means, %d×%d", p.Grid, p.Grid)
	}
	return t
}

func drawTitle(img *image.RGBA, p Plane, g geometry, text Text, theme Theme, title string) {
	text.Draw(img, title, g.plane.X, g.plane.Y-11*g.u, 13.5*g.u, true, theme.Text, AlignLeft)
}

// drawAxes draws the frame around the plane, the ticks and labels of both
// axes, their names and, with points, the overlay's key (its dots
// anti-aliased when smooth): the page's drawPlaneLayer.
func drawAxes(img *image.RGBA, p Plane, g geometry, text Text, theme Theme, smooth bool) {
	u, P := g.u, g.plane
	fs := 12.5 * u
	pl := view.NewPlane(P, p.Grid)
	lw := max(math.Round(u), 1)
	fill(img, pixelRect(view.Rect{X: P.X - lw, Y: P.Y - lw, W: P.W + 2*lw, H: P.H + 2*lw}), theme.Line)
	text.Draw(img, "z₂", P.X-8*u, P.Y-11*u, fs, true, theme.Muted, AlignRight)
	tick := 5 * u
	for _, z := range pl.Ticks(P.W, 34*u) {
		x, _ := pl.Pixel(z, 0)
		fill(img, pixelRect(view.Rect{X: x - lw/2, Y: P.Bottom() + lw, W: lw, H: tick}), theme.Muted)
		text.Draw(img, view.FormatNumber(z, 1), x, P.Bottom()+15*u, fs, false, theme.Muted, AlignCenter)
	}
	for _, z := range pl.Ticks(P.H, 26*u) {
		_, y := pl.Pixel(0, z)
		fill(img, pixelRect(view.Rect{X: P.X - lw - tick, Y: y - lw/2, W: tick, H: lw}), theme.Muted)
		text.Draw(img, view.FormatNumber(z, 1), P.X-8*u, y, fs, false, theme.Muted, AlignRight)
	}
	text.Draw(img, "z₁", P.X+P.W/2, P.Bottom()+31*u, fs, true, theme.Muted, AlignCenter)
	if g.legendY > 0 {
		// The key: a dot and its digit for each label, spread over the plane's width.
		step := P.W / 10
		for d := 0; d < 10; d++ {
			x := P.X + step*(float64(d)+0.3)
			disc(img, x, g.legendY, 4.5*u, theme.Labels[d], 1, smooth)
			text.Draw(img, fmt.Sprint(d), x+8*u, g.legendY, fs, false, theme.Muted, AlignLeft)
		}
	}
}

// manifoldImage lays the tiles out as one (28·grid)² grey image, darkened
// to 45 % (rounded) under an overlay.
func manifoldImage(grid int, pixels []uint8, dim bool) *image.Gray {
	const d = timeline.DigitSide
	side := grid * d
	img := image.NewGray(image.Rect(0, 0, side, side))
	lut := greyMap(dim)
	for t := 0; t < grid*grid; t++ {
		r, c := t/grid, t%grid
		tile := pixels[t*d*d : (t+1)*d*d]
		for y := 0; y < d; y++ {
			row := img.Pix[(r*d+y)*side+c*d:][:d]
			for x, v := range tile[y*d : (y+1)*d] {
				row[x] = lut[v]
			}
		}
	}
	return img
}

// greyMap maps a grey level to what the plane shows: itself, or round(0.45·v)
// under an overlay.
func greyMap(dim bool) *[256]uint8 {
	var lut [256]uint8
	for v := range lut {
		lut[v] = uint8(v)
		if dim {
			lut[v] = uint8(math.Round(dimOverlay * float64(v)))
		}
	}
	return &lut
}

// drawDots draws the overlay's points inside the plane as discs of the
// label's colour: anti-aliased at 90 % opacity as on the page, or (for a
// palette) solid with hard edges.
func drawDots(img *image.RGBA, p Plane, g geometry, theme Theme, smooth bool) {
	if len(p.Dots) == 0 {
		return
	}
	pl := view.NewPlane(g.plane, p.Grid)
	clipTo := pixelRect(g.plane)
	sub := img.SubImage(clipTo).(*image.RGBA)
	for _, d := range p.Dots {
		x, y := pl.Pixel(float64(d.Z1), float64(d.Z2))
		if !g.plane.Contains(x, y) {
			continue
		}
		opacity := 1.0
		if smooth {
			opacity = 0.9
		}
		disc(sub, x, y, dotRadius*g.u, theme.Labels[d.Label%10], opacity, smooth)
	}
}

// drawCrosshair draws the page's crosshair at (Z1, Z2): translucent lines
// across the plane and a ring.
func drawCrosshair(img *image.RGBA, p Plane, g geometry, theme Theme) {
	pl := view.NewPlane(g.plane, p.Grid)
	x, y := pl.Pixel(p.Z1, p.Z2)
	u, P := g.u, g.plane
	lw := max(math.Round(u), 1)
	c := theme.Crosshair
	sub := img.SubImage(pixelRect(P)).(*image.RGBA)
	blendRect(sub, pixelRect(view.Rect{X: x - lw/2, Y: P.Y, W: lw, H: P.H}), c, 150.0/255)
	blendRect(sub, pixelRect(view.Rect{X: P.X, Y: y - lw/2, W: P.W, H: lw}), c, 150.0/255)
	ring(img, x, y, 7*u-0.875*u, 1.75*u, c)
}

// pixelRect rounds r to whole pixels.
func pixelRect(r view.Rect) image.Rectangle {
	return image.Rect(int(math.Round(r.X)), int(math.Round(r.Y)), int(math.Round(r.Right())), int(math.Round(r.Bottom())))
}

func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

// blendRect covers r with c at the given opacity.
func blendRect(img *image.RGBA, r image.Rectangle, c color.RGBA, opacity float64) {
	r = r.Intersect(img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			blend(img, x, y, c, opacity)
		}
	}
}

// blend mixes c over the pixel (x, y) at opacity a in [0, 1].
func blend(img *image.RGBA, x, y int, c color.RGBA, a float64) {
	i := img.PixOffset(x, y)
	px := img.Pix[i : i+3 : i+3]
	for k, v := range [3]uint8{c.R, c.G, c.B} {
		px[k] = uint8(math.Round(float64(px[k])*(1-a) + float64(v)*a))
	}
}

// disc draws a filled circle of radius r centred on (cx, cy): with smooth,
// its edge anti-aliased over one pixel; without, every pixel whose centre
// is inside set to c exactly.
func disc(img *image.RGBA, cx, cy, r float64, c color.RGBA, opacity float64, smooth bool) {
	b := image.Rect(int(cx-r-1), int(cy-r-1), int(cx+r+2), int(cy+r+2)).Intersect(img.Rect)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			d := math.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy)
			cover := 0.0
			switch {
			case smooth:
				cover = min(max(r+0.5-d, 0), 1)
			case d <= r:
				cover = 1
			}
			if cover > 0 {
				blend(img, x, y, c, cover*opacity)
			}
		}
	}
}

// ring draws a circle of radius r and line width w, anti-aliased.
func ring(img *image.RGBA, cx, cy, r, w float64, c color.RGBA) {
	o := r + w/2 + 1
	b := image.Rect(int(cx-o), int(cy-o), int(cx+o+1), int(cy+o+1)).Intersect(img.Rect)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			d := math.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy)
			if cover := min(max(w/2+0.5-math.Abs(d-r), 0), 1); cover > 0 {
				blend(img, x, y, c, cover)
			}
		}
	}
}

// ManifoldFileName is the name of a plane's PNG: govae-manifold-step1234.png,
// or govae-manifold-overlay-step1234.png with the overlay's points.
func ManifoldFileName(step int, overlay bool) string {
	if overlay {
		return fmt.Sprintf("govae-manifold-overlay-step%d.png", step)
	}
	return fmt.Sprintf("govae-manifold-step%d.png", step)
}

// TimelineFileName is the name of a timeline's GIF from its first to its
// last step: govae-timeline-step0-12000.gif.
func TimelineFileName(firstStep, lastStep int) string {
	return fmt.Sprintf("govae-timeline-step%d-%d.gif", firstStep, lastStep)
}
