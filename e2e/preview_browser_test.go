//go:build !(js && wasm)

package e2e

import (
	"image"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/govae/govae/core"
)

// testPreview holds the full weights back: the first manifold must appear
// from the preview alone, the full weights must not be requested before it,
// and once they are released the page becomes ready with them.
func (b *browserHarness) testPreview(t *testing.T) {
	hold := make(chan struct{})
	b.variants.holdWeights = hold
	released := false
	release := func() {
		if !released {
			released = true
			close(hold)
		}
	}
	defer release()
	if err := b.run(t, 60*time.Second, chromedp.Navigate(b.base+"/slowweights/")); err != nil {
		t.Fatal(err)
	}
	if err := b.run(t, 90*time.Second, chromedp.Evaluate[chromedp.Void](`govae.firstPaint`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatalf("window.govae.firstPaint: %v; page errors: %q", err, b.text(t, "#errors"))
	}
	s := b.waitStatus(t, "the preview's manifold", 30*time.Second, func(s browserStatus) bool { return s.FirstPaintMs > 0 })
	if s.Ready || s.Preview != "shown" || s.Weights != "pretrained, 8-bit preview" {
		t.Fatalf("with the full weights held back: ready %v, preview %q, weights %q", s.Ready, s.Preview, s.Weights)
	}
	if got := b.eval(t, `document.querySelector("#loading").hidden ? "hidden" : "shown"`); got != "hidden" {
		t.Errorf("the loading screen is %s over the preview", got)
	}
	// The plane's geometry is published once the page is ready: the
	// screenshot is checked then (same viewport, same layout).
	shot := b.screenshot(t, "preview")
	release()
	if err := b.run(t, 90*time.Second, chromedp.Evaluate[chromedp.Void](`govae.ready`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatalf("window.govae.ready after releasing the weights: %v; page errors: %q", err, b.text(t, "#errors"))
	}
	s = b.status(t)
	if s.Weights != "pretrained" || s.Preview != "shown" || s.ReadyMs < s.FirstPaintMs {
		t.Fatalf("after the full weights: weights %q, preview %q, first paint %.0f ms, ready %.0f ms", s.Weights, s.Preview, s.FirstPaintMs, s.ReadyMs)
	}
	// The page asked for the full weights only after the first paint.
	asked := b.eval(t, `String(performance.getEntriesByType("resource").filter((e) => e.name.endsWith("/assets/vae.bin")).map((e) => e.startTime)[0])`)
	if at, err := strconv.ParseFloat(asked, 64); err != nil || at < s.FirstPaintMs {
		t.Errorf("assets/vae.bin requested at %s ms, the first paint was at %.0f ms", asked, s.FirstPaintMs)
	}
	if levels, ink := planeContent(shot, s); levels < 32 || ink < 0.02 || ink > 0.6 {
		t.Errorf("the preview's plane does not look like a manifold of digits: %d colours, %.1f%% bright", levels, 100*ink)
	}
	full := b.screenshot(t, "preview-replaced")
	if d := planeDiff(shot, full, s); d > 0.02 {
		t.Errorf("the preview's plane and the full weights' differ by %.3f per pixel: want a close preview", d)
	} else {
		t.Logf("preview vs full weights on screen: mean |Δ| %.4f per channel", d)
	}
	t.Logf("first paint at %.0f ms, ready at %.0f ms (page clock; weights held back by the test)", s.FirstPaintMs, s.ReadyMs)
}

// testPreviewProblems: a missing, corrupt or mismatched preview costs only
// speed. The page becomes ready with the full weights, raises no error, and
// status() says what happened to the preview.
func (b *browserHarness) testPreviewProblems(t *testing.T) {
	other, err := core.New(core.DefaultArchitecture(), 99)
	if err != nil {
		t.Fatal(err)
	}
	b.variants.otherPreview = other.MarshalPreview()
	for _, c := range []struct{ path, want string }{
		{"/nopreview/", "not used: "},
		{"/badpreview/", "not used: preview: core: "},
		{"/otherpreview/", "made from other weights"},
	} {
		s, _ := b.open(t, c.path)
		if !strings.Contains(s.Preview, c.want) || s.Weights != "pretrained" || s.WeightsError != "" {
			t.Errorf("%s: preview %q (want %q), weights %q, error %q", c.path, s.Preview, c.want, s.Weights, s.WeightsError)
		}
		if errs := b.text(t, "#errors"); errs != "" {
			t.Errorf("%s: the page shows errors for a preview problem: %q", c.path, errs)
		}
		t.Logf("%s: status says the preview was %q", c.path, s.Preview)
	}
}

// planeDiff is the mean absolute difference of two screenshots over the
// plane, per colour channel, in [0, 1].
func planeDiff(a, b image.Image, s browserStatus) float64 {
	k := s.DeviceScale
	r := image.Rect(int(s.Plane.Left*k)+2, int(s.Plane.Top*k)+2,
		int((s.Plane.Left+s.Plane.Width)*k)-2, int((s.Plane.Top+s.Plane.Height)*k)-2).Intersect(a.Bounds()).Intersect(b.Bounds())
	var sum float64
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			sum += math.Abs(float64(r1)-float64(r2)) + math.Abs(float64(g1)-float64(g2)) + math.Abs(float64(b1)-float64(b2))
			n += 3
		}
	}
	if n == 0 {
		return math.Inf(1)
	}
	return sum / float64(n) / 0xffff
}
