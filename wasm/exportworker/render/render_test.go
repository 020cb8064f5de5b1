package render

import (
	"bytes"
	"errors"
	"image/gif"
	"image/png"
	"slices"
	"strings"
	"testing"

	"github.com/govae/govae/core"
	"github.com/govae/govae/wasm/exportjob"
	"github.com/govae/govae/wasm/picture"
	"github.com/govae/govae/wasm/picture/gotext"
	"github.com/govae/govae/wasm/timeline"
)

func goText(t *testing.T) *gotext.Text {
	t.Helper()
	txt, err := gotext.New()
	if err != nil {
		t.Fatal(err)
	}
	return txt
}

// frame is a snapshot of a grid×grid manifold whose tiles are lighter
// from the top left to the bottom right, with or without overlay points,
// as the page sends it.
func frame(t *testing.T, step, grid int, dots []timeline.Dot) Frame {
	t.Helper()
	const d = timeline.DigitSide
	px := make([]uint8, grid*grid*d*d)
	for i := range px {
		px[i] = uint8(255 * (i / (d * d)) / (grid*grid - 1))
	}
	meta, err := exportjob.Meta(&timeline.Snapshot{Step: step, Epoch: float64(step) / 1875, NegELBO: 200 - float64(step)/10,
		Recon: 190, KL: 5, Grid: grid, Pixels: px, Dots: dots})
	if err != nil {
		t.Fatal(err)
	}
	return Frame{Meta: meta, Data: px}
}

func TestPNG(t *testing.T) {
	txt := goText(t)
	dots := []timeline.Dot{{Z1: 0, Z2: 0, Label: 3}, {Z1: 1, Z2: -1, Label: 7}}
	for _, c := range []struct {
		req        exportjob.Request
		dots       []timeline.Dot
		w, h       int
		name       string
		wantCentre bool // the plane's centre shows the tiles' grey (no point there)
	}{
		// 300 CSS pixels at device scale 2: (44 + 300 + 12)·2 × (22 + 300 + 38)·2.
		{exportjob.Request{Kind: exportjob.PNG, Side: 300, Scale: 2}, nil, 712, 720, "govae-manifold-step1234.png", true},
		// With points and the overlay asked for: the colour key's 24 more.
		{exportjob.Request{Kind: exportjob.PNG, Side: 300, Scale: 2, Overlay: true}, dots, 712, 768, "govae-manifold-overlay-step1234.png", false},
		// Points kept but not asked for: none drawn, no key.
		{exportjob.Request{Kind: exportjob.PNG, Side: 280, Scale: 1, Crosshair: true, Z1: 0.5, Z2: -1}, dots, 336, 340, "govae-manifold-step1234.png", true},
	} {
		var calls int
		f, err := Run(c.req.Marshal(), []Frame{frame(t, 1234, 4, c.dots)}, txt, func(float64) { calls++ })
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(f.Data))
		if err != nil {
			t.Fatal(err)
		}
		b := img.Bounds()
		if b.Dx() != c.w || b.Dy() != c.h || f.Width != c.w || f.Height != c.h || f.Frames != 1 || f.Name != c.name || f.MIME != "image/png" {
			t.Errorf("%+v: %s %s %d×%d (file says %d×%d, %d frames); want %s %d×%d", c.req, f.Name, f.MIME, b.Dx(), b.Dy(),
				f.Width, f.Height, f.Frames, c.name, c.w, c.h)
		}
		// The plane's centre, between the four middle tiles of a 4×4 grid
		// (greys 85, 102, 153, 170 at the corners that meet there) — or,
		// with the overlay, darkened to 45 % under a point of label 3.
		u := c.req.Scale
		x, y := int((44+c.req.Side/2)*u), int((22+c.req.Side/2)*u)
		r, g, bl, _ := img.At(x, y).RGBA()
		grey := r == g && g == bl && r>>8 >= 80 && r>>8 <= 175
		if grey != c.wantCentre {
			t.Errorf("%+v: the plane's centre is (%d, %d, %d)", c.req, r>>8, g>>8, bl>>8)
		}
		if calls != 0 {
			t.Errorf("a PNG reported progress %d times", calls)
		}
	}
}

func TestGIF(t *testing.T) {
	txt := goText(t)
	frames := []Frame{frame(t, 0, 3, nil), frame(t, 40, 3, nil), frame(t, 300, 3, nil), frame(t, 1000, 4, nil), frame(t, 1200, 4, nil)}
	req := exportjob.Request{Kind: exportjob.GIF, Delay: 7, LastDelay: exportjob.LastDelay(7), PixelScale: 1}
	var fractions []float64
	f, err := Run(req.Marshal(), frames, txt, func(x float64) { fractions = append(fractions, x) })
	if err != nil {
		t.Fatal(err)
	}
	g, err := gif.DecodeAll(bytes.NewReader(f.Data))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Image) != 5 || !slices.Equal(g.Delay, []int{7, 7, 7, 7, 150}) || g.LoopCount != 0 {
		t.Errorf("%d frames, delays %v, loop count %d", len(g.Image), g.Delay, g.LoopCount)
	}
	// The largest grid sets the frames' size: 4·28 = 112 pixels of plane.
	if f.Name != "govae-timeline-step0-1200.gif" || f.MIME != "image/gif" || f.Frames != 5 ||
		f.Width != 44+112+12 || f.Height != 22+112+38 || g.Config.Width != f.Width || g.Config.Height != f.Height {
		t.Errorf("file %s %s, %d frames of %d×%d (GIF says %d×%d)", f.Name, f.MIME, f.Frames, f.Width, f.Height, g.Config.Width, g.Config.Height)
	}
	if w, h := exportjob.GIFFrameSize(4, 1, false); w != f.Width || h != f.Height {
		t.Errorf("GIFFrameSize(4, 1, false) = %d×%d, the frames are %d×%d", w, h, f.Width, f.Height)
	}
	if len(fractions) < 10 || fractions[len(fractions)-1] != 1 || !slices.IsSorted(fractions) {
		t.Errorf("progress %v: want at least one report per unit, rising to 1", fractions)
	}
}

// GIFFrameSize, which the page uses to state a GIF's size before making
// it, is the size of the frames the worker makes.
func TestGIFFrameSize(t *testing.T) {
	txt := goText(t)
	dots := []timeline.Dot{{Z1: 0.1, Z2: 0.2, Label: 4}}
	for _, c := range []struct {
		grid, scale int
		overlay     bool
	}{{2, 1, false}, {5, 3, false}, {3, 2, true}, {2, 4, true}} {
		req := exportjob.Request{Kind: exportjob.GIF, Delay: 10, PixelScale: c.scale, Overlay: c.overlay}
		f, err := Run(req.Marshal(), []Frame{frame(t, 1, c.grid, dots)}, txt, nil)
		if err != nil {
			t.Fatal(err)
		}
		if w, h := exportjob.GIFFrameSize(c.grid, c.scale, c.overlay); w != f.Width || h != f.Height {
			t.Errorf("%+v: GIFFrameSize %d×%d, frames %d×%d", c, w, h, f.Width, f.Height)
		}
	}
}

// Each defect of a request or of its frames is an error of its own kind,
// never a panic or a picture.
func TestRefused(t *testing.T) {
	txt := goText(t)
	good := frame(t, 10, 2, nil)
	dotted := frame(t, 10, 2, []timeline.Dot{{Z1: 1, Z2: 1, Label: 1}})
	png := func(side, scale float64) string {
		return exportjob.Request{Kind: exportjob.PNG, Side: side, Scale: scale}.Marshal()
	}
	gifReq := func(delay, scale int) string {
		return exportjob.Request{Kind: exportjob.GIF, Delay: delay, PixelScale: scale}.Marshal()
	}
	for _, c := range []struct {
		name    string
		request string
		frames  []Frame
		is      error
		says    string
	}{
		{"no frame", png(100, 1), nil, exportjob.ErrRequest, "one file or snapshot"},
		{"two frames for a PNG", png(100, 1), []Frame{good, frame(t, 11, 2, nil)}, exportjob.ErrRequest, "one file or snapshot"},
		{"65 frames", gifReq(5, 1), slices.Repeat([]Frame{good}, 65), exportjob.ErrRequest, "1–64"},
		{"frame of other pixels", png(100, 1), []Frame{{good.Meta, good.Data[:100]}}, timeline.ErrSnapshot, "frame 0"},
		{"frame without its JSON", png(100, 1), []Frame{{"", good.Data}}, exportjob.ErrRequest, "frame 0"},
		{"label 12", gifReq(5, 1), []Frame{{strings.Replace(dotted.Meta, `"Label":1`, `"Label":12`, 1), dotted.Data}}, timeline.ErrSnapshot, "frame 0"},
		{"unknown kind", `{"kind":"webp"}`, []Frame{good}, exportjob.ErrRequest, "unknown kind"},
		{"steps out of order", gifReq(5, 1), []Frame{frame(t, 20, 2, nil), good}, exportjob.ErrRequest, "after step 20"},
		{"repeated step", gifReq(5, 1), []Frame{good, good}, exportjob.ErrRequest, "frame 1 at step 10"},
		{"scale 9", png(100, 9), []Frame{good}, picture.ErrPlane, "scale"},
		{"negative side", png(-5, 1), []Frame{good}, picture.ErrPlane, "side"},
		{"too large", png(3000, 2), []Frame{good}, picture.ErrTooLarge, "at most 4096"},
		{"delay 1 cs", gifReq(1, 1), []Frame{good}, picture.ErrPlane, "delay"},
		{"pixel scale 5", gifReq(5, 5), []Frame{good}, picture.ErrPlane, "scale"},
	} {
		f, err := Run(c.request, c.frames, txt, nil)
		if f != nil || !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v (file %v); want %v saying %q", c.name, err, f != nil, c.is, c.says)
		}
	}
}

// A safetensors file comes back in core's format bit for bit as the model
// it was written from; a defective one is refused with core's reason.
func TestWeights(t *testing.T) {
	m, err := core.New(core.DefaultArchitecture(), 7)
	if err != nil {
		t.Fatal(err)
	}
	m.Likelihood = core.Likelihood{Kind: core.Gaussian, Sigma: 0.25}
	req := exportjob.Request{Kind: exportjob.Weights}.Marshal()
	st := m.MarshalSafetensors()
	f, err := Run(req, []Frame{{Data: st}}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(f.Data, m.MarshalBinary()) || f.MIME != "application/octet-stream" {
		t.Errorf("converted weights differ from core's format of the model (%d against %d bytes)", len(f.Data), len(m.MarshalBinary()))
	}
	for _, c := range []struct {
		name string
		data []byte
		is   error
	}{
		{"core's format", m.MarshalBinary(), core.ErrSafetensorsHeaderLength},
		{"truncated", st[:len(st)-4], core.ErrSafetensorsPastEnd},
		{"header cut", st[:20], core.ErrSafetensorsHeaderLength},
		{"F16 tensors", bytes.Replace(st, []byte(`"F32"`), []byte(`"F16"`), 1), core.ErrSafetensorsTensorSize},
	} {
		if f, err := Run(req, []Frame{{Data: c.data}}, nil, nil); f != nil || !errors.Is(err, c.is) {
			t.Errorf("%s: %v; want %v", c.name, err, c.is)
		}
	}
}
