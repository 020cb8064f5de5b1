//go:build !(js && wasm)

package e2e

// Browser tests of the explorer: the built site in real headless Chromium,
// through the harness in harness_test.go. Input goes through
// the Chrome DevTools Protocol's Input domain, so clicks, drags and keys
// reach Ebiten exactly as a visitor's do.
//
// The tests skip only when no Chromium binary is found and CI is not
// "true". GOVAE_SCREENSHOTS=dir keeps the screenshots they take.

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/govae/govae/wasm/view"
)

func TestBrowser(t *testing.T) {
	suiteStart := time.Now()
	b := startBrowser(t, nil)

	t.Run("Manifold", b.testManifold)
	t.Run("Clicks", b.testClicks)
	t.Run("Drag", b.testDrag)
	t.Run("DragReleasedOffPlane", b.testDragReleasedOffPlane)
	t.Run("Keys", b.testKeys)
	t.Run("Overlay", b.testOverlay)
	t.Run("Train", b.testTrain)
	t.Run("HiDPI", b.testHiDPI)
	t.Run("PhoneTouch", b.testPhoneTouch)
	t.Run("Preview", b.testPreview)
	t.Run("PreviewProblems", b.testPreviewProblems)
	t.Run("CorruptWeights", b.testCorruptWeights)
	t.Run("MissingWeights", b.testMissingWeights)
	t.Run("AbsurdSettings", b.testAbsurdSettings)
	t.Run("TrainingDataUnavailable", b.testDataUnavailable)
	t.Run("WasmExecMismatch", b.testMismatch)
	t.Run("NoWebGL2", b.testNoWebGL2)
	t.Logf("browser suite: %v", time.Since(suiteStart).Round(time.Millisecond))
}

// planeContent measures the plane's area in a screenshot: the number of
// distinct grey levels and the fraction of bright (ink) pixels.
func planeContent(img image.Image, s browserStatus) (levels int, ink float64) {
	k := s.DeviceScale
	r := image.Rect(int(s.Plane.Left*k)+2, int(s.Plane.Top*k)+2,
		int((s.Plane.Left+s.Plane.Width)*k)-2, int((s.Plane.Top+s.Plane.Height)*k)-2).Intersect(img.Bounds())
	seen := map[uint32]bool{}
	bright, total := 0, 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			seen[(cr>>8)<<16|(cg>>8)<<8|cb>>8] = true
			if (cr+cg+cb)/3 > 0x8000 {
				bright++
			}
			total++
		}
	}
	return len(seen), float64(bright) / float64(max(total, 1))
}

// clickZ clicks the plane where the status says latent point z is, on
// whole CSS pixels, and returns the z of the pixel actually clicked.
func (b *browserHarness) clickZ(t *testing.T, s browserStatus, z1, z2 float64) (x, y, w1, w2 float64) {
	t.Helper()
	pl := s.plane()
	x, y = pl.Pixel(z1, z2)
	x, y = math.Round(x), math.Round(y)
	w1, w2 = pl.Z(x, y)
	b.clickAt(t, x, y)
	return x, y, w1, w2
}

// zTolerance is how far z may be from the clicked pixel's z: a pixel's
// worth on the plane at z (the page may see half-pixel coordinates).
func zTolerance(pl view.Plane, x, y float64) float64 {
	a1, a2 := pl.Z(x-1, y+1)
	b1, b2 := pl.Z(x+1, y-1)
	return math.Max(b1-a1, b2-a2)
}

func meanAbsDiff(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += math.Abs(a[i] - b[i])
	}
	return s / float64(len(a))
}

func (b *browserHarness) testManifold(t *testing.T) {
	s, took := b.open(t, "/govae/")
	t.Logf("navigation → ready: %v (page clock: ready at %.0f ms after navigation start; %s)", took.Round(time.Millisecond), s.ReadyMs,
		b.eval(t, `performance.getEntriesByType("resource").filter((e) => /govae(-simd)?\.wasm|vae\.bin/.test(e.name))
			.map((e) => e.name.split("/").pop() + " loaded by " + Math.round(e.responseEnd) + " ms").join(", ")`))
	if s.Manifolds < 1 || s.Plane.Width < 200 || s.Settings.Grid != 20 {
		t.Fatalf("after ready: %+v", s)
	}
	img := b.screenshot(t, "manifold")
	levels, ink := planeContent(img, s)
	t.Logf("plane: %d distinct colours, %.1f%% bright pixels", levels, 100*ink)
	if levels < 32 || ink < 0.02 || ink > 0.6 {
		t.Errorf("the plane does not look like a manifold of digits: %d colours, %.1f%% bright", levels, 100*ink)
	}
}

func (b *browserHarness) testClicks(t *testing.T) {
	s, _ := b.open(t, "/govae/")
	pl := s.plane()
	if got := b.sample(t); got != nil {
		t.Fatalf("lastSample before any input = %+v, want null", got)
	}
	// Lower left, then upper right: z₁ must grow with x, z₂ as y goes up.
	xa, ya, a1, a2 := b.clickZ(t, s, -1, -0.5)
	first := b.waitSample(t, "the first click's digit", func(p *browserSample) bool { return true })
	xb, yb, b1, b2 := b.clickZ(t, s, 1, 1)
	second := b.waitSample(t, "the second click's digit", func(p *browserSample) bool { return p.Z != first.Z })

	for _, c := range []struct {
		got       [2]float64
		want1, w2 float64
		x, y      float64
		name      string
	}{{first.Z, a1, a2, xa, ya, "first"}, {second.Z, b1, b2, xb, yb, "second"}} {
		tol := zTolerance(pl, c.x, c.y)
		if math.Abs(c.got[0]-c.want1) > tol || math.Abs(c.got[1]-c.w2) > tol {
			t.Errorf("%s click at (%v, %v): z = %v, the plane's mapping says (%.4f, %.4f) ± %.4f", c.name, c.x, c.y, c.got, c.want1, c.w2, tol)
		}
	}
	if !(second.Z[0] > first.Z[0]) || !(second.Z[1] > first.Z[1]) {
		t.Errorf("clicking right and up moved z from %v to %v; want both coordinates to grow", first.Z, second.Z)
	}
	if len(first.Pixels) != 784 || len(second.Pixels) != 784 {
		t.Fatalf("samples have %d and %d pixels, want 784", len(first.Pixels), len(second.Pixels))
	}
	for _, p := range append(slices.Clone(first.Pixels), second.Pixels...) {
		if !(p >= 0 && p <= 1) {
			t.Fatalf("pixel value %v outside [0, 1]", p)
		}
	}
	if d := meanAbsDiff(first.Pixels, second.Pixels); d < 0.01 {
		t.Errorf("the two clicks decoded nearly the same digit (mean |Δ| = %.4f)", d)
	}
	if st := b.status(t); st.Settings.Z != second.Z {
		t.Errorf("status z %v, lastSample z %v", st.Settings.Z, second.Z)
	}
	// A click outside the plane changes nothing.
	b.clickAt(t, pl.Rect.X-20, pl.Rect.Y-20)
	time.Sleep(100 * time.Millisecond) // a few frames for a (wrong) reaction
	if got := b.sample(t); got.Z != second.Z {
		t.Errorf("a click outside the plane moved z to %v", got.Z)
	}
	b.screenshot(t, "clicked")
}

func (b *browserHarness) testDrag(t *testing.T) {
	s := b.onPage(t)
	pl := s.plane()
	x0, y0 := pl.Pixel(-1.2, -1.2)
	x1, y1 := pl.Pixel(1.2, 1.2)
	x0, y0, x1, y1 = math.Round(x0), math.Round(y0), math.Round(x1), math.Round(y1)
	press := func(typ input.DispatchMouseEventType, x, y float64) {
		t.Helper()
		err := b.run(t, 10*time.Second, chromedp.MouseEvent(typ, x, y, chromedp.ButtonLeft, func(p *input.DispatchMouseEventParams) {
			if typ != chromedp.MouseReleased {
				p.Buttons = 1 // the left button is held
			}
			if typ != chromedp.MouseMoved {
				p.ClickCount = 1
			}
		}))
		if err != nil {
			t.Fatalf("mouse %s at (%v, %v): %v", typ, x, y, err)
		}
	}
	press(chromedp.MousePressed, x0, y0)
	prev := b.waitSample(t, "the press to select z", func(p *browserSample) bool {
		w1, w2 := pl.Z(x0, y0)
		return math.Abs(p.Z[0]-w1) < 0.05 && math.Abs(p.Z[1]-w2) < 0.05
	})
	const steps = 8
	for i := 1; i <= steps; i++ {
		x := x0 + (x1-x0)*float64(i)/steps
		y := y0 + (y1-y0)*float64(i)/steps
		press(chromedp.MouseMoved, x, y)
		w1, w2 := pl.Z(x, y)
		tol := zTolerance(pl, x, y)
		cur := b.waitSample(t, fmt.Sprintf("drag step %d to follow the pointer", i), func(p *browserSample) bool {
			return math.Abs(p.Z[0]-w1) <= tol && math.Abs(p.Z[1]-w2) <= tol
		})
		if !(cur.Z[0] > prev.Z[0] && cur.Z[1] > prev.Z[1]) {
			t.Errorf("drag step %d: z %v → %v, want both to grow", i, prev.Z, cur.Z)
		}
		if meanAbsDiff(cur.Pixels, prev.Pixels) == 0 {
			t.Errorf("drag step %d: the digit did not change", i)
		}
		prev = cur
	}
	// Past the edge z stays pinned at it; the release ends the drag.
	outX, outY := pl.Rect.Right()+40, pl.Rect.Y/2 // beyond the top-right corner, still on the canvas
	press(chromedp.MouseMoved, outX, outY)
	edge := b.waitSample(t, "z pinned at the corner", func(p *browserSample) bool { return p.Z[0] > 1.9 && p.Z[1] > 1.9 })
	press(chromedp.MouseReleased, outX, outY)
	press(chromedp.MouseMoved, x0, y0)
	time.Sleep(100 * time.Millisecond)
	if got := b.sample(t); got.Z != edge.Z {
		t.Errorf("moving after the release changed z to %v", got.Z)
	}
}

func (b *browserHarness) testKeys(t *testing.T) {
	s := b.onPage(t)
	b.clickZ(t, s, 0, 0) // focuses the canvas, as a visitor's click does
	start := b.waitSample(t, "the click at the origin", func(p *browserSample) bool { return math.Abs(p.Z[0]) < 0.05 && math.Abs(p.Z[1]) < 0.05 })
	key := func(k string) {
		t.Helper()
		if err := b.run(t, 10*time.Second, chromedp.KeyEvent(k)); err != nil {
			t.Fatal(err)
		}
	}
	key(kb.ArrowRight)
	right := b.waitSample(t, "→ to move z₁", func(p *browserSample) bool { return p.Z[0] > start.Z[0] })
	if math.Abs(right.Z[1]-start.Z[1]) > 1e-9 {
		t.Errorf("→ changed z₂: %v → %v", start.Z, right.Z)
	}
	key(kb.ArrowUp)
	up := b.waitSample(t, "↑ to move z₂", func(p *browserSample) bool { return p.Z[1] > right.Z[1] })
	if math.Abs(up.Z[0]-right.Z[0]) > 1e-9 {
		t.Errorf("↑ changed z₁: %v → %v", right.Z, up.Z)
	}
	key(kb.ArrowLeft)
	key(kb.ArrowDown)
	b.waitSample(t, "← and ↓ to move back", func(p *browserSample) bool {
		return math.Abs(p.Z[0]-start.Z[0]) < 1e-6 && math.Abs(p.Z[1]-start.Z[1]) < 1e-6
	})
}

func (b *browserHarness) testOverlay(t *testing.T) {
	b.needData(t, "t10k")
	b.onPage(t)
	b.waitStatus(t, "the test digits", 60*time.Second, func(s browserStatus) bool { return s.TestData == "ready" && s.Recons > 0 })
	before := b.screenshot(t, "before-overlay")
	if err := b.run(t, 10*time.Second, chromedp.Click(chromedp.CSS("#overlay"))); err != nil {
		t.Fatal(err)
	}
	s := b.waitStatus(t, "the overlay's encoder means", 60*time.Second, func(s browserStatus) bool { return s.Settings.Overlay && s.Dots == s.Settings.Dots })
	if loc := b.eval(t, `location.search`); !strings.Contains(loc, "overlay=1") {
		// The URL is written at most twice a second.
		time.Sleep(600 * time.Millisecond)
		if loc = b.eval(t, `location.search`); !strings.Contains(loc, "overlay=1") {
			t.Errorf("the URL %q does not keep the overlay setting", loc)
		}
	}
	after := b.screenshot(t, "overlay")
	// The digits are grey and the crosshair was there before: new colour
	// comes from the dots.
	added := colouredPixels(after, s) - colouredPixels(before, s)
	t.Logf("overlay: %d dots, %d more coloured pixels", s.Dots, added)
	if added < 1000 {
		t.Errorf("only %d more coloured pixels on the plane with the overlay of %d dots on", added, s.Dots)
	}
}

// colouredPixels counts the plane's pixels whose channels differ clearly.
func colouredPixels(img image.Image, s browserStatus) int {
	k := s.DeviceScale
	n := 0
	for y := int(s.Plane.Top * k); y < int((s.Plane.Top+s.Plane.Height)*k); y++ {
		for x := int(s.Plane.Left * k); x < int((s.Plane.Left+s.Plane.Width)*k); x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if max(r, g, bl)-min(r, g, bl) > 0x4000 {
				n++
			}
		}
	}
	return n
}

func (b *browserHarness) testTrain(t *testing.T) {
	b.needData(t, "train")
	// Small batches so that a few hundred steps fit the test's time.
	b.open(t, "/govae/?batch=16&lr=0.002")
	b.click(t, "#reset")
	b.waitStatus(t, "fresh weights", 10*time.Second, func(s browserStatus) bool { return s.Weights == "random init" })
	b.click(t, "#train")
	s := b.waitStatus(t, "the training digits and the first steps", 120*time.Second, func(s browserStatus) bool {
		return s.TrainData == "ready" && s.Step >= 3 && s.NegELBO != nil
	})
	first, firstStep := *s.NegELBO, s.Step
	// From now on, record the main thread's long tasks (over 50 ms, the
	// Long Tasks API's threshold): the page must hand control back sooner.
	b.eval(t, `(() => { window.longTasks = []; window.longTasksFrom = performance.now();
		new PerformanceObserver((l) => { for (const e of l.getEntries()) longTasks.push(e.duration); })
			.observe({ type: "longtask" });
		return ""; })()`)
	const target = 300
	var elbos []float64
	start := time.Now()
	for s.Step < target {
		if time.Since(start) > 150*time.Second {
			t.Fatalf("only %d steps after %v: %+v", s.Step, time.Since(start), s)
		}
		time.Sleep(200 * time.Millisecond)
		s = b.status(t)
		if !s.Training {
			t.Fatalf("training stopped: %+v; page errors %q", s, b.text(t, "#errors"))
		}
		if s.Step > target-30 && s.NegELBO != nil {
			elbos = append(elbos, *s.NegELBO)
		}
	}
	fps := b.evalAsync(t, `new Promise((done) => { let n = 0; const t0 = performance.now();
		const f = () => { n++; if (performance.now() - t0 < 2000) requestAnimationFrame(f); else done(String(n / 2)); };
		requestAnimationFrame(f); })`)
	long := b.eval(t, `JSON.stringify([longTasks.length, Math.max(0, ...longTasks),
		longTasks.reduce((a, b) => a + b, 0), performance.now() - longTasksFrom])`)
	b.click(t, "#pause")
	paused := b.waitStatus(t, "the pause", 10*time.Second, func(s browserStatus) bool { return !s.Training })
	last := slices.Min(elbos)
	t.Logf("−ELBO %.1f at step %d → %.1f near step %d (batch 16); %.0f examples/s; %s frames/s; longest work slice %.1f ms",
		first, firstStep, last, paused.Step, s.ExamplesPerSec, fps, paused.MaxSliceMs)
	if !(last < first-30) {
		t.Errorf("−ELBO did not drop: %.1f at step %d, %.1f near step %d", first, firstStep, last, paused.Step)
	}
	var lt [4]float64 // count, longest, total, window (ms)
	if err := json.Unmarshal([]byte(long), &lt); err != nil {
		t.Fatal(err)
	}
	t.Logf("long tasks (> 50 ms) while training: %.0f, longest %.0f ms, %.1f%% of %.1f s", lt[0], lt[1], 100*lt[2]/lt[3], lt[3]/1000)
	// The page's slices are sized to about 12 ms (at most one minimum-size
	// slice more): on an idle machine a few percent of the time goes to
	// tasks over 50 ms. A loaded machine stretches every task, so no length
	// is asserted; the test fails only on what no load explains: the page
	// monopolising the thread (the frames' rate and the slices' lengths are
	// logged above).
	if lt[2] > 0.5*lt[3] {
		t.Errorf("the main thread was busy too long while training")
	}
	if paused.Manifolds < 3 {
		t.Errorf("the manifold was refreshed only %d times while training", paused.Manifolds)
	}
	b.screenshot(t, "trained")
	// Step takes exactly one step, then stops.
	b.click(t, "#step")
	b.waitStatus(t, "one step", 30*time.Second, func(s browserStatus) bool { return s.Step == paused.Step+1 && !s.Training })
	// Back to pretrained restores the starting point.
	b.click(t, "#pretrained")
	b.waitStatus(t, "the pretrained weights", 10*time.Second, func(s browserStatus) bool { return s.Weights == "pretrained" && s.Step == 0 })
}

func (b *browserHarness) testHiDPI(t *testing.T) {
	b.needData(t, "t10k") // for the overlay
	if err := b.run(t, 10*time.Second, chromedp.EmulateViewport(1280, 800, chromedp.EmulateScale(2))); err != nil {
		t.Fatal(err)
	}
	defer b.run(t, 10*time.Second, chromedp.EmulateViewport(1280, 800))
	s, _ := b.open(t, "/govae/?grid=15&overlay=1")
	if s.DeviceScale != 2 || s.Settings.Grid != 15 {
		t.Fatalf("device scale %v, grid %d; want 2 and 15", s.DeviceScale, s.Settings.Grid)
	}
	pl := s.plane()
	x, y, w1, w2 := b.clickZ(t, s, 0.7, -0.4)
	got := b.waitSample(t, "the click", func(*browserSample) bool { return true })
	if tol := zTolerance(pl, x, y); math.Abs(got.Z[0]-w1) > tol || math.Abs(got.Z[1]-w2) > tol {
		t.Errorf("at device scale 2 a click at (%v, %v) gave z %v, want (%.4f, %.4f) ± %.4f", x, y, got.Z, w1, w2, tol)
	}
	b.waitStatus(t, "the overlay", 60*time.Second, func(s browserStatus) bool { return s.Dots > 0 && s.Recons > 0 })
	img := b.screenshot(t, "hidpi")
	if img.Bounds().Dx() != 2560 {
		t.Errorf("screenshot is %d pixels wide, want 2560", img.Bounds().Dx())
	}
	if levels, _ := planeContent(img, s); levels < 32 {
		t.Errorf("hidpi plane has %d colours", levels)
	}
}

// testPhoneTouch checks the narrow layout (controls below the plane) and
// touch input: a finger pressed on the plane and dragged.
func (b *browserHarness) testPhoneTouch(t *testing.T) {
	if err := b.run(t, 10*time.Second, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateTouch)); err != nil {
		t.Fatal(err)
	}
	defer b.run(t, 10*time.Second, chromedp.EmulateViewport(1280, 800))
	s, _ := b.open(t, "/govae/")
	pl := s.plane()
	panelTop, _ := strconv.ParseFloat(b.eval(t, `String(document.querySelector("#panel").getBoundingClientRect().top)`), 64)
	if pl.Rect.X < 0 || pl.Rect.Right() > 390 || pl.Rect.Bottom() > panelTop || pl.Rect.W < 250 {
		t.Errorf("phone layout: plane %+v, panel from y=%v", pl.Rect, panelTop)
	}
	touch := func(typ input.DispatchTouchEventType, x, y float64) {
		t.Helper()
		p := input.DispatchTouchEventParams{Type: typ, TouchPoints: []*input.TouchPoint{}}
		if typ != input.DispatchTouchEventTypeTouchEnd {
			id := 0.0
			p.TouchPoints = append(p.TouchPoints, &input.TouchPoint{X: x, Y: y, ID: &id})
		}
		err := b.run(t, 10*time.Second, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, input.DispatchTouchEvent, p)
			return err
		}))
		if err != nil {
			t.Fatalf("touch %s: %v", typ, err)
		}
	}
	x0, y0 := pl.Pixel(-1, 1)
	x1, y1 := pl.Pixel(1, -1)
	x0, y0, x1, y1 = math.Round(x0), math.Round(y0), math.Round(x1), math.Round(y1)
	near := func(x, y float64) func(*browserSample) bool {
		w1, w2 := pl.Z(x, y)
		tol := zTolerance(pl, x, y)
		return func(p *browserSample) bool { return math.Abs(p.Z[0]-w1) <= tol && math.Abs(p.Z[1]-w2) <= tol }
	}
	touch(input.DispatchTouchEventTypeTouchStart, x0, y0)
	b.waitSample(t, "the touch to select z", near(x0, y0))
	touch(input.DispatchTouchEventTypeTouchMove, (x0+x1)/2, (y0+y1)/2)
	b.waitSample(t, "the finger's move to follow", near((x0+x1)/2, (y0+y1)/2))
	touch(input.DispatchTouchEventTypeTouchMove, x1, y1)
	b.waitSample(t, "the finger's move to follow", near(x1, y1))
	touch(input.DispatchTouchEventTypeTouchEnd, 0, 0)
	b.screenshot(t, "phone")
	// Folding the controls away gives the canvas the whole screen.
	b.click(t, "#panel-toggle")
	b.waitStatus(t, "the layout to use the freed space", 10*time.Second, func(s browserStatus) bool {
		return s.Plane.Width > pl.Rect.W
	})
	b.screenshot(t, "phone-folded")
}

func (b *browserHarness) testCorruptWeights(t *testing.T) {
	s, _ := b.open(t, "/corrupt/")
	errs := b.text(t, "#errors")
	if s.Weights != "untrained" || s.WeightsError == "" || !strings.Contains(errs, "could not be loaded") {
		t.Fatalf("corrupt weights: weights %q, error %q, page errors %q", s.Weights, s.WeightsError, errs)
	}
	t.Logf("shown: %q", errs)
	img := b.screenshot(t, "corrupt")
	if levels, _ := planeContent(img, s); levels < 16 {
		t.Errorf("with corrupt weights the plane has only %d colours: blank?", levels)
	}
	// Still usable: a click decodes.
	b.clickZ(t, s, 0.5, 0.5)
	b.waitSample(t, "a click on the untrained model", func(*browserSample) bool { return true })
}

func (b *browserHarness) testMissingWeights(t *testing.T) {
	s, _ := b.open(t, "/missing/")
	if !strings.Contains(s.WeightsError, "404") || !strings.Contains(b.text(t, "#errors"), "404") {
		t.Errorf("missing weights: error %q, page errors %q", s.WeightsError, b.text(t, "#errors"))
	}
	if b.eval(t, `String(document.querySelector("#pretrained").disabled)`) != "true" {
		t.Error("“Back to pretrained” is enabled without pretrained weights")
	}
}

func (b *browserHarness) testAbsurdSettings(t *testing.T) {
	s, _ := b.open(t, "/govae/?lr=1e9&batch=-5&grid=100000&lik=nonsense&overlay=maybe&dots=abc&beta=1e99&warmup=-1&z1=NaN&bogus=1")
	want := map[string]any{"lr": view.DefaultLearningRate, "batch": 128, "grid": 20, "lik": "bernoulli", "beta": 1.0, "warmup": 0}
	got := map[string]any{"lr": s.Settings.LR, "batch": s.Settings.Batch, "grid": s.Settings.Grid,
		"lik": s.Settings.Lik, "beta": s.Settings.Beta, "warmup": s.Settings.Warmup}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("setting %s = %v after an absurd URL value, want the default %v", k, got[k], v)
		}
	}
	notices := strings.Join(s.Notices, "\n")
	for _, frag := range []string{"[1e-06, 1]", "[1, 4096]", "[10, 30]", "unknown likelihood", "unknown parameter \"bogus\"", "not a whole number"} {
		if !strings.Contains(notices, frag) {
			t.Errorf("notices do not mention %q:\n%s", frag, notices)
		}
	}
	if !b.visible(t, "#notices-box") || !strings.Contains(b.text(t, "#notices"), "[10, 30]") {
		t.Error("the notices are not shown in the page")
	}
	// A refused value typed into a field: a message names the range, the
	// setting keeps its value.
	type1 := func(sel, v string) {
		t.Helper()
		b.eval(t, fmt.Sprintf(`document.querySelector(%q).value = ""`, sel))
		if err := b.run(t, 10*time.Second, chromedp.SendKeys(chromedp.CSS(sel), v+kb.Enter)); err != nil {
			t.Fatal(err)
		}
	}
	type1("#lr-text", "5")
	b.waitStatus(t, "the refusal", 5*time.Second, func(browserStatus) bool { return strings.Contains(b.text(t, "#lr-msg"), "[1e-06, 1]") })
	if !b.visible(t, "#lr-msg") || b.status(t).Settings.LR != view.DefaultLearningRate {
		t.Errorf("lr 5: message %q (visible %v), lr %v", b.text(t, "#lr-msg"), b.visible(t, "#lr-msg"), b.status(t).Settings.LR)
	}
	type1("#batch-text", "1e400")
	b.waitStatus(t, "the refusal", 5*time.Second, func(browserStatus) bool { return b.text(t, "#batch-msg") != "" })
	// A value other than the default (view.DefaultLearningRate), so that the
	// wait sees it taken rather than the value that was kept.
	type1("#lr-text", "0.002")
	b.waitStatus(t, "the accepted value", 5*time.Second, func(s browserStatus) bool { return s.Settings.LR == 0.002 })
	if m := b.text(t, "#lr-msg"); m != "" {
		t.Errorf("message %q stays after a valid value", m)
	}
	// The likelihood menu switches the trainer's likelihood, and the URL
	// keeps it.
	if err := b.run(t, 10*time.Second, chromedp.SetValue(chromedp.CSS("#lik"), "continuous-bernoulli")); err != nil {
		t.Fatal(err)
	}
	b.waitStatus(t, "the likelihood", 5*time.Second, func(s browserStatus) bool {
		return s.Settings.Lik == "continuous-bernoulli" && strings.Contains(b.eval(t, `location.search`), "lik=continuous-bernoulli")
	})
	// And the page still works.
	b.clickZ(t, s, -0.3, 0.8)
	b.waitSample(t, "a click", func(*browserSample) bool { return true })
}

// testDataUnavailable: a training file the site does not have (HTTP 404)
// is named, without a Retry that could not help (a network failure offers
// one: data_browser_test.go's NetworkFailure).
func (b *browserHarness) testDataUnavailable(t *testing.T) {
	b.needData(t, "train")
	b.variants.trainMissing.Store(true)
	defer b.variants.trainMissing.Store(false)
	s, _ := b.open(t, "/nodata/?batch=16")
	b.click(t, "#train")
	b.waitStatus(t, "the failed download to be shown", 30*time.Second, func(s browserStatus) bool {
		return s.TrainData == "failed" && strings.Contains(b.text(t, "#train-data-text"), "does not have")
	})
	msg := b.text(t, "#train-data-text")
	if !strings.Contains(msg, "data/train-images-idx3-ubyte.gz (HTTP 404)") || b.visible(t, "#train-data-retry") {
		t.Fatalf("after a missing file: %q, retry visible %v", msg, b.visible(t, "#train-data-retry"))
	}
	// Everything else keeps working.
	b.clickZ(t, s, 1, -1)
	b.waitSample(t, "a click after the failure", func(*browserSample) bool { return true })
}

func (b *browserHarness) testMismatch(t *testing.T) {
	errs := b.openFailing(t, "/mismatch/")
	if !strings.Contains(errs, "wasm_exec.js does not match the Go version") {
		t.Errorf("a mismatched wasm_exec.js shows %q", errs)
	}
}

func (b *browserHarness) testNoWebGL2(t *testing.T) {
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	id, err := chromedp.Run(ctx, chromedp.Action[page.ScriptIdentifier](func(ctx context.Context, tg *chromedp.Target) (page.ScriptIdentifier, error) {
		r, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: `HTMLCanvasElement.prototype.getContext = ((get) => function (type, ...rest) {
				return /webgl2/i.test(type) ? null : get.call(this, type, ...rest); })(HTMLCanvasElement.prototype.getContext);`,
		})
		return r.Identifier, err
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer b.run(t, 10*time.Second, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.RemoveScriptToEvaluateOnNewDocument, page.RemoveScriptToEvaluateOnNewDocumentParams{Identifier: id})
		return err
	}))
	errs := b.openFailing(t, "/govae/")
	if !strings.Contains(errs, "WebGL2") {
		t.Errorf("without WebGL2 the page shows %q", errs)
	}
}
