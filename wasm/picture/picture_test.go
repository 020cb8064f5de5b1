package picture_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/govae/govae/core"
	"github.com/govae/govae/core/mnist"
	"github.com/govae/govae/wasm/picture"
	"github.com/govae/govae/wasm/picture/gotext"
	"github.com/govae/govae/wasm/timeline"
	"github.com/govae/govae/wasm/view"
)

// Set PICTURE_OUT to a directory to keep the pictures the tests make.
func keep(t *testing.T, name string, data []byte) {
	if dir := os.Getenv("PICTURE_OUT"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Error(err)
		}
	}
}

func goText(t testing.TB) *gotext.Text {
	t.Helper()
	txt, err := gotext.New()
	if err != nil {
		t.Fatal(err)
	}
	return txt
}

// model returns the shipped pretrained model, or a fresh one when the
// weights are not there.
func model(t testing.TB) *core.Model {
	t.Helper()
	if data, err := os.ReadFile(filepath.Join("..", "..", "assets", "vae.bin")); err == nil {
		m, err := core.ParseModel(data)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	m, err := core.New(core.DefaultArchitecture(), 1)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// manifold decodes the grid×grid manifold of m to grey levels.
func manifold(m *core.Model, grid int) []uint8 {
	return timeline.GreyLevels(nil, m.Decode(view.GridZ(grid), grid*grid, m.Likelihood, nil))
}

// dots encodes n MNIST test digits (or, without MNIST, places n points on
// a spiral) for the overlay.
func dots(t testing.TB, m *core.Model, n int) []timeline.Dot {
	out := make([]timeline.Dot, n)
	if dir, err := mnist.Dir(); err == nil {
		if test, err := mnist.Load(dir, mnist.Test); err == nil {
			mu, _ := m.Encode(test.Pixels[:n*mnist.ImageSize], n)
			for i := range out {
				out[i] = timeline.Dot{Z1: mu[2*i], Z2: mu[2*i+1], Label: test.Labels[i]}
			}
			return out
		}
	}
	for i := range out {
		a := float64(i) * 0.1
		out[i] = timeline.Dot{Z1: float32(0.2 * a * math.Cos(a)), Z2: float32(0.2 * a * math.Sin(a)), Label: uint8(i % 10)}
	}
	return out
}

// TestPNGSize: the PNG decodes to the plane's size at the device scale,
// computed here by hand from the margins (44 left, 22 top, 38 bottom, 12
// right, 24 more for the overlay's key, in CSS pixels).
func TestPNGSize(t *testing.T) {
	m, txt := model(t), goText(t)
	pixels := manifold(m, 20)
	for _, c := range []struct {
		side, scale float64
		dots        bool
		w, h        int
	}{
		{0, 1, false, 44 + 560 + 12, 22 + 560 + 38},
		{400, 2, false, 88 + 800 + 24, 44 + 800 + 76},
		{400, 2, true, 88 + 800 + 24, 44 + 800 + 76 + 48},
		{333, 1.5, false, 66 + 500 + 18, 33 + 500 + 57}, // 333·1.5 = 499.5 → 500
		{217, 3, true, 132 + 651 + 36, 66 + 651 + 114 + 72},
	} {
		p := picture.Plane{Grid: 20, Pixels: pixels, Side: c.side, Scale: c.scale, Crosshair: true, Z1: 0.5, Z2: -1}
		if c.dots {
			p.Dots = dots(t, m, 500)
		}
		var buf bytes.Buffer
		if err := picture.EncodePNG(&buf, p, txt); err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != c.w || b.Dy() != c.h {
			t.Errorf("side %v scale %v: PNG of %v, want %d×%d", c.side, c.scale, b.Size(), c.w, c.h)
		}
		if w, h := p.Size(); w != c.w || h != c.h {
			t.Errorf("side %v scale %v: Size %d×%d, want %d×%d", c.side, c.scale, w, h, c.w, c.h)
		}
	}
}

// at returns the grey level of the plane's pixel (x, y) in a 1:1 picture.
func planeGrey(t *testing.T, img image.Image, x, y int) uint8 {
	r, g, b, _ := img.At(44+x, 22+y).RGBA()
	if r != g || g != b {
		t.Fatalf("plane pixel (%d, %d) is not grey: %d %d %d", x, y, r>>8, g>>8, b>>8)
	}
	return uint8(r >> 8)
}

// tileGrey returns the grey level of manifold pixel (x, y) of a grid.
func tileGrey(pixels []uint8, grid, x, y int) uint8 {
	const d = timeline.DigitSide
	return pixels[((y/d)*grid+x/d)*d*d+(y%d)*d+x%d]
}

// TestPNGContent: at one CSS pixel per digit pixel the plane shows the
// manifold's grey levels exactly (darkened to round(0.45·v) under an
// overlay), the overlay's points in their label's colour, the crosshair's
// colour where it crosses, and text above and beside the plane.
func TestPNGContent(t *testing.T) {
	m, txt := model(t), goText(t)
	pixels := manifold(m, 20)
	p := picture.Plane{Grid: 20, Pixels: pixels}
	img, err := picture.Render(p, txt, picture.Dark)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	keep(t, "plane.png", buf.Bytes())
	for y := 0; y < 560; y++ {
		for x := 0; x < 560; x++ {
			if got, want := planeGrey(t, img, x, y), tileGrey(pixels, 20, x, y); got != want {
				t.Fatalf("plane pixel (%d, %d) = %d, the manifold's is %d", x, y, got, want)
			}
		}
	}
	// The title and the tick labels are drawn: light pixels above the plane
	// and left of it.
	light := func(r image.Rectangle) int {
		n := 0
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if r, _, _, _ := img.At(x, y).RGBA(); r>>8 > 100 {
					n++
				}
			}
		}
		return n
	}
	if n := light(image.Rect(44, 0, 604, 20)); n < 200 {
		t.Errorf("title: %d light pixels", n)
	}
	if n := light(image.Rect(0, 22, 40, 582)); n < 100 {
		t.Errorf("z₂ tick labels: %d light pixels", n)
	}

	// With the overlay and the crosshair.
	p.Dots, p.Crosshair, p.Z1, p.Z2 = dots(t, m, 1000), true, 0.8, -0.4
	img, err = picture.Render(p, txt, picture.Dark)
	if err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	png.Encode(&buf, img)
	keep(t, "plane-overlay.png", buf.Bytes())
	pl := view.NewPlane(view.Rect{X: 0, Y: 0, W: 560, H: 560}, 20)
	covered := map[[2]int]bool{}
	for _, d := range p.Dots {
		x, y := pl.Pixel(float64(d.Z1), float64(d.Z2))
		for dy := -4; dy <= 4; dy++ {
			for dx := -4; dx <= 4; dx++ {
				covered[[2]int{int(x) + dx, int(y) + dy}] = true
			}
		}
	}
	cx, cy := pl.Pixel(0.8, -0.4)
	checked := 0
	for y := 0; y < 560; y++ {
		for x := 0; x < 560; x++ {
			if covered[[2]int{x, y}] || math.Abs(float64(x)+0.5-cx) < 12 || math.Abs(float64(y)+0.5-cy) < 12 {
				continue
			}
			want := uint8(math.Round(0.45 * float64(tileGrey(pixels, 20, x, y))))
			if got := planeGrey(t, img, x, y); got != want {
				t.Fatalf("plane pixel (%d, %d) under the overlay = %d, want round(0.45·%d) = %d", x, y, got, tileGrey(pixels, 20, x, y), want)
			}
			checked++
		}
	}
	if checked < 560*560/4 {
		t.Fatalf("only %d plane pixels checked", checked)
	}
	// A point's centre has its label's colour at 90 % over the dark plane.
	for _, d := range p.Dots[:20] {
		x, y := pl.Pixel(float64(d.Z1), float64(d.Z2))
		if x < 3 || y < 3 || x > 557 || y > 557 {
			continue
		}
		r, g, b, _ := img.At(44+int(x), 22+int(y)).RGBA()
		want := picture.Dark.Labels[d.Label]
		if math.Abs(float64(r>>8)-0.9*float64(want.R)) > 30 || math.Abs(float64(g>>8)-0.9*float64(want.G)) > 30 || math.Abs(float64(b>>8)-0.9*float64(want.B)) > 30 {
			t.Errorf("point of label %d at (%.0f, %.0f) is %d %d %d, want about 0.9·%v", d.Label, x, y, r>>8, g>>8, b>>8, want)
		}
	}
	// The crosshair's vertical line, away from its ring, is orange-tinted.
	r, g, b, _ := img.At(44+int(cx), 22+int(math.Mod(cy+100, 560))).RGBA()
	if !(r > b+(40<<8) && g > b) {
		t.Errorf("crosshair line pixel %d %d %d is not orange-tinted", r>>8, g>>8, b>>8)
	}
}

// TestPlaneRefused: bad planes are errors, not panics or pictures.
func TestPlaneRefused(t *testing.T) {
	txt := goText(t)
	ok := picture.Plane{Grid: 10, Pixels: make([]uint8, 100*784)}
	for name, c := range map[string]struct {
		p    picture.Plane
		want error
	}{
		"grid 1":          {picture.Plane{Grid: 1, Pixels: make([]uint8, 784)}, picture.ErrPlane},
		"grid 31":         {picture.Plane{Grid: 31, Pixels: make([]uint8, 31*31*784)}, picture.ErrPlane},
		"pixels short":    {picture.Plane{Grid: 10, Pixels: make([]uint8, 100*784-1)}, picture.ErrPlane},
		"scale NaN":       {func() picture.Plane { p := ok; p.Scale = math.NaN(); return p }(), picture.ErrPlane},
		"scale 9":         {func() picture.Plane { p := ok; p.Scale = 9; return p }(), picture.ErrPlane},
		"negative side":   {func() picture.Plane { p := ok; p.Side = -1; return p }(), picture.ErrPlane},
		"crosshair at ∞":  {func() picture.Plane { p := ok; p.Crosshair, p.Z1 = true, math.Inf(1); return p }(), picture.ErrPlane},
		"4096 px at 2×":   {func() picture.Plane { p := ok; p.Side, p.Scale = 2048, 2; return p }(), picture.ErrTooLarge},
		"just under 4096": {func() picture.Plane { p := ok; p.Side = 4096 - 60; return p }(), nil},
	} {
		img, err := picture.Render(c.p, txt, picture.Dark)
		if !errors.Is(err, c.want) || (err != nil) != (img == nil) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
}

func TestFileNames(t *testing.T) {
	for got, want := range map[string]string{
		picture.ManifoldFileName(1234, false): "govae-manifold-step1234.png",
		picture.ManifoldFileName(0, true):     "govae-manifold-overlay-step0.png",
		picture.TimelineFileName(0, 12000):    "govae-timeline-step0-12000.gif",
	} {
		if got != want {
			t.Errorf("%q, want %q", got, want)
		}
	}
}

// trainedTimeline trains a fresh model briefly on MNIST (or on noise
// without it), taking a snapshot at the timeline's schedule, as the page
// will.
func trainedTimeline(t testing.TB, steps, grid int, withDots bool) *timeline.Timeline {
	t.Helper()
	m, err := core.New(core.DefaultArchitecture(), 3)
	if err != nil {
		t.Fatal(err)
	}
	var data []float32
	n := 2000
	if dir, err := mnist.Dir(); err == nil {
		if test, err := mnist.Load(dir, mnist.Test); err == nil {
			data = test.Pixels[:n*mnist.ImageSize]
		}
	}
	if data == nil {
		data = make([]float32, n*784)
		for i := range data {
			data[i] = float32(i*7919%255) / 255
		}
	}
	cfg := core.DefaultTrainConfig()
	cfg.BatchSize = 64
	tr, err := core.NewTrainer(m, cfg, data, n)
	if err != nil {
		t.Fatal(err)
	}
	tl := timeline.New(timeline.MaxSnapshots, timeline.DefaultBudget)
	for step := 0; step <= steps; step++ {
		if step%10 == 0 && tl.Want(step) {
			loss := m.Loss(data[:256*784], make([]float32, 256*2), 256, core.LossOptions{Likelihood: m.Likelihood, KLWeight: 1})
			s := timeline.Snapshot{Step: step, Epoch: float64(step*cfg.BatchSize) / float64(n), NegELBO: loss.NegELBO, Recon: loss.Recon, KL: loss.KL,
				Grid: grid, Pixels: manifold(m, grid)}
			if withDots {
				s.Dots = dots(t, m, 300)
			}
			if err := tl.Add(s); err != nil {
				t.Fatal(err)
			}
		}
		if step < steps {
			if _, err := tr.TrainStep(); err != nil {
				t.Fatal(err)
			}
		}
	}
	return tl
}

func encodeGIF(t testing.TB, snaps []*timeline.Snapshot, opts picture.GIFOptions) []byte {
	t.Helper()
	e, err := picture.NewGIFEncoder(snaps, opts, goText(t))
	if err != nil {
		t.Fatal(err)
	}
	units, last := 0, 0.0
	for {
		done, err := e.Next()
		if err != nil {
			t.Fatal(err)
		}
		units++
		f, total := e.Progress()
		if fr := e.Fraction(); fr < last || fr > 1 || total != len(snaps) || f > total {
			t.Fatalf("progress %d/%d, fraction %v after %v", f, total, fr, last)
		} else {
			last = fr
		}
		if done {
			break
		}
		if e.Bytes() != nil {
			t.Fatal("Bytes before the last frame")
		}
	}
	// A unit draws a frame or compresses at most UnitPixels of it.
	w, h := e.Size()
	if want := len(snaps) * (1 + (h+picture.UnitPixels/w-1)/(picture.UnitPixels/w)); units != want || last != 1 {
		t.Fatalf("%d units (fraction %v) for %d frames of %d×%d, want %d", units, last, len(snaps), w, h, want)
	}
	return e.Bytes()
}

// TestGIF: the timeline of a short training run as a GIF decodes with one
// frame per snapshot, the chosen delays, an endless loop, and each frame's
// plane equal to its snapshot's grey levels, pixel for pixel at scale 1
// and in 2×2 blocks at scale 2.
func TestGIF(t *testing.T) {
	tl := trainedTimeline(t, 300, 20, false)
	if tl.Len() < 10 {
		t.Fatalf("only %d snapshots", tl.Len())
	}
	for _, scale := range []int{1, 2} {
		data := encodeGIF(t, tl.All(), picture.GIFOptions{Delay: 12, LastDelay: 150, Scale: scale})
		if scale == 1 {
			keep(t, "timeline.gif", data)
		}
		g, err := gif.DecodeAll(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if len(g.Image) != tl.Len() || g.LoopCount != 0 {
			t.Fatalf("%d frames (loop %d), want %d looping", len(g.Image), g.LoopCount, tl.Len())
		}
		for i, d := range g.Delay {
			if want := map[bool]int{true: 150, false: 12}[i == len(g.Delay)-1]; d != want {
				t.Errorf("frame %d delay %d, want %d", i, d, want)
			}
		}
		w, h := 44*scale+560*scale+12*scale, 22*scale+560*scale+38*scale
		if g.Config.Width != w || g.Config.Height != h {
			t.Errorf("scale %d: %d×%d, want %d×%d", scale, g.Config.Width, g.Config.Height, w, h)
		}
		for i, frame := range g.Image {
			s := tl.At(i)
			pal := rgbaPalette(frame)
			for y := 0; y < 560*scale; y++ {
				for x := 0; x < 560*scale; x++ {
					c := pal[frame.ColorIndexAt(44*scale+x, 22*scale+y)]
					if want := tileGrey(s.Pixels, 20, x/scale, y/scale); c.R != want || c.G != want || c.B != want {
						t.Fatalf("scale %d frame %d pixel (%d, %d) = %v, the snapshot's grey is %d", scale, i, x, y, c, want)
					}
				}
			}
		}
		// Frames differ: training changed the manifold.
		if bytes.Equal(g.Image[0].Pix, g.Image[len(g.Image)-1].Pix) {
			t.Error("the first and last frames are the same")
		}
		if scale == 1 {
			var buf bytes.Buffer
			png.Encode(&buf, g.Image[len(g.Image)/2])
			keep(t, "timeline-frame.png", buf.Bytes())
		}
	}
}

// rgbaPalette returns a decoded frame's palette as RGBA colours.
func rgbaPalette(frame *image.Paletted) []color.RGBA {
	pal := make([]color.RGBA, 256)
	for i, c := range frame.Palette {
		pal[i] = color.RGBAModel.Convert(c).(color.RGBA)
	}
	return pal
}

// TestGIFOverlay: with the overlay every frame's manifold is darkened to
// round(0.45·v) exactly and the points have their label's colour; grids of
// different sizes share the frame.
func TestGIFOverlay(t *testing.T) {
	tl := trainedTimeline(t, 40, 20, true)
	snaps := tl.All()
	small := *snaps[0]
	small.Step = 1000
	small.Grid, small.Pixels = 10, manifold(model(t), 10)
	snaps = append(snaps, &small)
	data := encodeGIF(t, snaps, picture.GIFOptions{Delay: 50, Scale: 1, Overlay: true})
	keep(t, "timeline-overlay.gif", data)
	g, err := gif.DecodeAll(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Image) != len(snaps) || g.Config.Height != 22+560+38+24 {
		t.Fatalf("%d frames of height %d", len(g.Image), g.Config.Height)
	}
	var buf bytes.Buffer
	png.Encode(&buf, g.Image[len(g.Image)-2])
	keep(t, "timeline-overlay-frame.png", buf.Bytes())
	for i, frame := range g.Image {
		s := snaps[i]
		pl := view.NewPlane(view.Rect{X: 0, Y: 0, W: 560, H: 560}, s.Grid)
		covered := map[[2]int]uint8{}
		for _, d := range s.Dots {
			x, y := pl.Pixel(float64(d.Z1), float64(d.Z2))
			if x >= 0 && y >= 0 && x < 560 && y < 560 {
				covered[[2]int{int(x), int(y)}] = d.Label
			}
		}
		colours := 0
		pal := rgbaPalette(frame)
		for y := 0; y < 560; y++ {
			for x := 0; x < 560; x++ {
				c := pal[frame.ColorIndexAt(44+x, 22+y)]
				if c.R != c.G || c.G != c.B {
					colours++
					continue // a point
				}
				v := tileGrey(s.Pixels, s.Grid, x*s.Grid/20, y*s.Grid/20)
				if want := uint8(math.Round(0.45 * float64(v))); c.R != want {
					t.Fatalf("frame %d pixel (%d, %d) = %d, want round(0.45·%d) = %d", i, x, y, c.R, v, want)
				}
			}
		}
		if len(covered) > 0 && colours == 0 {
			t.Errorf("frame %d: no overlay points drawn", i)
		}
		for p, label := range covered {
			c := color.RGBAModel.Convert(frame.At(44+p[0], 22+p[1])).(color.RGBA)
			if p[0] > 2 && p[1] > 2 && p[0] < 557 && p[1] < 557 && c.R == c.G && c.G == c.B {
				t.Errorf("frame %d: the point of label %d at %v is grey", i, label, p)
				break
			}
		}
	}
}

// TestGIFRefused: bad options and snapshots are errors.
func TestGIFRefused(t *testing.T) {
	s := &timeline.Snapshot{Grid: 10, Pixels: make([]uint8, 100*784)}
	many := make([]*timeline.Snapshot, picture.MaxGIFFrames+1)
	for i := range many {
		many[i] = s
	}
	bad := *s
	bad.Grid = 11
	ok := picture.GIFOptions{Delay: 10, Scale: 1}
	for name, c := range map[string]struct {
		snaps []*timeline.Snapshot
		opts  picture.GIFOptions
		want  error
	}{
		"no frames":      {nil, ok, picture.ErrPlane},
		"65 frames":      {many, ok, picture.ErrPlane},
		"delay 1":        {[]*timeline.Snapshot{s}, picture.GIFOptions{Delay: 1, Scale: 1}, picture.ErrPlane},
		"delay 1001":     {[]*timeline.Snapshot{s}, picture.GIFOptions{Delay: 1001, Scale: 1}, picture.ErrPlane},
		"last delay -1":  {[]*timeline.Snapshot{s}, picture.GIFOptions{Delay: 10, LastDelay: -1, Scale: 1}, picture.ErrPlane},
		"scale 0":        {[]*timeline.Snapshot{s}, picture.GIFOptions{Delay: 10}, picture.ErrPlane},
		"scale 5":        {[]*timeline.Snapshot{s}, picture.GIFOptions{Delay: 10, Scale: 5}, picture.ErrPlane},
		"bad snapshot":   {[]*timeline.Snapshot{s, &bad}, ok, picture.ErrPlane},
		"one frame okay": {[]*timeline.Snapshot{s}, ok, nil},
	} {
		e, err := picture.NewGIFEncoder(c.snaps, c.opts, goText(t))
		if !errors.Is(err, c.want) || (err == nil) != (e != nil) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
}

// BenchmarkGIFUnit measures the work units (Next calls) of 64-frame GIFs
// of a 20×20 grid at scale 1: what one of a page's slices costs, on
// average (ns/op), the median, the 90th percentile and the slowest. Under wasm:
// GOOS=js GOARCH=wasm go test -run '^$' -bench GIFUnit -benchtime 448x -exec "$(go env GOROOT)/lib/wasm/go_js_wasm_exec" ./wasm/picture
func BenchmarkGIFUnit(b *testing.B) {
	m := model(b)
	snaps := make([]*timeline.Snapshot, 64)
	base := manifold(m, 20)
	for i := range snaps {
		px := bytes.Clone(base)
		for k := range px {
			px[k] = uint8(int(px[k]) * (i + 40) / 104)
		}
		snaps[i] = &timeline.Snapshot{Step: i * 50, Grid: 20, Pixels: px, NegELBO: 150, Recon: 140, KL: 10}
	}
	txt := goText(b)
	var e *picture.GIFEncoder
	size := 0
	var units []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if e == nil || e.Done() {
			b.StopTimer()
			if e != nil {
				size = len(e.Bytes())
			}
			var err error
			if e, err = picture.NewGIFEncoder(snaps, picture.GIFOptions{Delay: 10, Scale: 1}, txt); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		t0 := time.Now()
		if _, err := e.Next(); err != nil {
			b.Fatal(err)
		}
		units = append(units, time.Since(t0))
	}
	slices.Sort(units)
	for _, q := range []struct {
		name string
		at   float64
	}{{"p50-ms", 0.5}, {"p90-ms", 0.9}, {"max-ms", 1}} {
		b.ReportMetric(float64(units[int(q.at*float64(len(units)-1))])/1e6, q.name)
	}
	if size > 0 {
		b.ReportMetric(float64(size)/64, "bytes/frame")
	}
}

// BenchmarkPNG measures EncodePNG of the 20×20 plane with the overlay at a
// 560-CSS-pixel side and device scale 2 (1 208×1 304 pixels).
func BenchmarkPNG(b *testing.B) {
	m := model(b)
	p := picture.Plane{Grid: 20, Pixels: manifold(m, 20), Dots: dots(b, m, 1000), Crosshair: true, Scale: 2}
	txt := goText(b)
	var buf bytes.Buffer
	for i := 0; i < b.N; i++ {
		buf.Reset()
		if err := picture.EncodePNG(&buf, p, txt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes")
}
