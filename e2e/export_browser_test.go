//go:build !(js && wasm)

package e2e

// Browser tests of the timeline and the exports (issue 15), in the one
// harness: train 300 steps, rewind the plane to the first kept snapshot and
// back, save the plane as a PNG at device scale 2 and the timeline as a GIF,
// and take the weights out as safetensors and back in. GOVAE_SCREENSHOTS=dir
// keeps the screenshots, and the exported files beside them.

import (
	"bytes"
	"fmt"
	"image/gif"
	"image/png"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/govae/govae/core"
	"github.com/govae/govae/wasm/exportjob"
)

func TestExportBrowser(t *testing.T) {
	// Under /noexport/ the export worker's wasm is missing.
	b := startBrowser(t, func(_ string, v *siteVariants) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/noexport/export.wasm" {
				http.NotFound(w, r)
				return
			}
			v.ServeHTTP(w, r)
		})
	})
	b.needData(t, "train")
	t.Run("Timeline", b.testTimeline)
	t.Run("TimelineGIF", b.testTimelineGIF)
	t.Run("PlanePNG", b.testPlanePNG)
	t.Run("Safetensors", b.testSafetensors)
	t.Run("ExporterMissing", b.testExporterMissing)
}

// testExporterMissing: without export.wasm an export fails with the reason
// in the panel, and the page works on.
func (b *browserHarness) testExporterMissing(t *testing.T) {
	s, _ := b.open(t, "/noexport/")
	b.click(t, "#export-png")
	var es exportState
	for deadline := time.Now().Add(60 * time.Second); es.Error == ""; es = b.exportState(t) {
		if time.Now().After(deadline) {
			t.Fatalf("no error after 60 s: %+v", es)
		}
		time.Sleep(100 * time.Millisecond)
	}
	msg := b.text(t, "#export-msg")
	t.Logf("without export.wasm: %q", msg)
	if es.Busy || es.Exports != 0 || !strings.Contains(msg, "could not run") || !strings.Contains(msg, "404") {
		t.Errorf("export status %+v, message %q", es, msg)
	}
	b.clickZ(t, s, 0.5, -0.5)
	b.waitSample(t, "a click after the failure", func(*browserSample) bool { return true })
}

// testTimeline trains fresh weights 300 steps, then rewinds the plane to
// the first snapshot kept — which differs from the live manifold, and is
// what the screen shows — plays the timeline, and returns to live.
func (b *browserHarness) testTimeline(t *testing.T) {
	b.open(t, "/govae/?batch=32&lr=0.002&grid=12")
	if tl := b.timeline(t); tl.Count != 0 || !strings.Contains(tl.Caption, "Training keeps pictures") {
		t.Errorf("before training: %+v", tl)
	}
	b.click(t, "#reset")
	b.waitStatus(t, "fresh weights", 10*time.Second, func(s browserStatus) bool { return s.Weights == "random init" })
	b.click(t, "#train")
	b.waitStatus(t, "300 steps", 240*time.Second, func(s browserStatus) bool { return s.Step >= 300 })
	b.click(t, "#pause")
	paused := b.waitStatus(t, "the pause", 20*time.Second, func(s browserStatus) bool { return !s.Training })
	// The refresh after the last step is kept too: the newest snapshot is
	// the live manifold.
	deadline := time.Now().Add(30 * time.Second)
	tl := b.timeline(t)
	for tl.Count == 0 || tl.Steps[tl.Count-1] != paused.Step {
		if time.Now().After(deadline) {
			t.Fatalf("the timeline %+v never reached step %d", tl, paused.Step)
		}
		time.Sleep(100 * time.Millisecond)
		tl = b.timeline(t)
	}
	t.Logf("timeline after %d steps: %d snapshots at steps %v, %.1f MB", paused.Step, tl.Count, tl.Steps, float64(tl.Bytes)/1e6)
	if tl.Count < 4 || tl.Shown != -1 || !strings.Contains(tl.Caption, "Live") {
		t.Fatalf("timeline %+v: want several snapshots, live", tl)
	}
	first, last := b.framePixels(t, 0), b.framePixels(t, tl.Count-1)
	if first.Step != tl.Steps[0] || first.Grid != 12 || len(first.Pixels) != 12*12*784 {
		t.Fatalf("first snapshot: step %d, grid %d, %d pixels", first.Step, first.Grid, len(first.Pixels))
	}
	if d := greyDiff(first.Pixels, last.Pixels); d < 5 {
		t.Fatalf("the first snapshot (step %d) differs from the last (step %d) by only %.2f grey levels", first.Step, last.Step, d)
	}
	b.painted(t)
	s := b.status(t)
	live := b.screenshot(t, "timeline-live")
	liveLast, liveFirst := shownDiff(live, s, last), shownDiff(live, s, first)

	// The slider, moved with the keyboard as a visitor can: Home is the first snapshot.
	if err := b.run(t, 10*time.Second, chromedp.Focus(chromedp.CSS("#timeline-range")), chromedp.KeyEvent(kb.Home)); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(10 * time.Second)
	for tl = b.timeline(t); tl.Shown != 0; tl = b.timeline(t) {
		if time.Now().After(deadline) {
			t.Fatalf("Home on the slider: timeline %+v", tl)
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.painted(t)
	rewound := b.screenshot(t, "timeline-first")
	rwFirst, rwLast := shownDiff(rewound, s, first), shownDiff(rewound, s, last)
	caption := b.text(t, "#timeline-text")
	t.Logf("plane against the snapshots (mean |Δgrey|): live %.2f from the last, %.2f from the first; rewound %.2f from the first, %.2f from the last; caption %q",
		liveLast, liveFirst, rwFirst, rwLast, caption)
	if !(liveLast < 8 && rwFirst < 8 && rwLast > 2*rwFirst && liveFirst > 2*liveLast) {
		t.Errorf("the plane does not show the snapshots: live %.2f/%.2f, rewound %.2f/%.2f", liveLast, liveFirst, rwFirst, rwLast)
	}
	if !strings.Contains(caption, fmt.Sprintf("Step %d ·", first.Step)) || !strings.Contains(caption, "−ELBO") ||
		!strings.Contains(caption, fmt.Sprintf("(1 of %d)", tl.Count)) {
		t.Errorf("caption %q", caption)
	}
	// Rewound, the plane's PNG is that snapshot's.
	name, img := b.savePlane(t)
	side, w, h := pngSize(s.Plane.Width, 1)
	if img.Bounds().Dx() != w || img.Bounds().Dy() != h || name != fmt.Sprintf("govae-manifold-step%d.png", first.Step) {
		t.Errorf("rewound PNG %s is %d×%d, want govae-manifold-step%d.png, %d×%d", name, img.Bounds().Dx(), img.Bounds().Dy(), first.Step, w, h)
	}
	inPNG := browserStatus{DeviceScale: 1}
	inPNG.Plane.Left, inPNG.Plane.Top, inPNG.Plane.Width, inPNG.Plane.Height = 44, 22, float64(side), float64(side)
	if d := shownDiff(img, inPNG, first); d > 8 {
		t.Errorf("the rewound PNG's plane is %.2f grey levels from the first snapshot", d)
	}
	// Play runs to the newest snapshot and stops there.
	b.click(t, "#timeline-play")
	deadline = time.Now().Add(60 * time.Second)
	for tl = b.timeline(t); tl.Playing || tl.Shown != tl.Count-1; tl = b.timeline(t) {
		if time.Now().After(deadline) {
			t.Fatalf("Play: timeline %+v", tl)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Live returns to the present.
	b.click(t, "#timeline-live")
	deadline = time.Now().Add(10 * time.Second)
	for tl = b.timeline(t); tl.Shown != -1; tl = b.timeline(t) {
		if time.Now().After(deadline) {
			t.Fatalf("Live: timeline %+v", tl)
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.painted(t)
	again := b.screenshot(t, "timeline-live-again")
	if d := shownDiff(again, s, last); d > 8 {
		t.Errorf("back to live, the plane is %.2f grey levels from the live manifold", d)
	}
}

// testPlanePNG saves the live plane at device scale 2: the PNG is the
// plane's size in device pixels with its axes, and looks as the page does.
func (b *browserHarness) testPlanePNG(t *testing.T) {
	if err := b.run(t, 10*time.Second, chromedp.EmulateViewport(1280, 800, chromedp.EmulateScale(2))); err != nil {
		t.Fatal(err)
	}
	defer b.run(t, 10*time.Second, chromedp.EmulateViewport(1280, 800))
	s, _ := b.open(t, "/govae/?grid=12")
	if s.DeviceScale != 2 {
		t.Fatalf("device scale %v", s.DeviceScale)
	}
	name, img := b.savePlane(t)
	es := b.exportState(t)
	side, w, h := pngSize(s.Plane.Width, 2)
	t.Logf("%s: %d×%d, %d bytes, %.0f ms from the click (plane %.1f CSS pixels)", name, img.Bounds().Dx(), img.Bounds().Dy(), es.Bytes, es.Ms, s.Plane.Width)
	if img.Bounds().Dx() != w || img.Bounds().Dy() != h {
		t.Fatalf("PNG %d×%d, want %d×%d (plane %.1f CSS pixels at scale 2)", img.Bounds().Dx(), img.Bounds().Dy(), w, h, s.Plane.Width)
	}
	if name != "govae-manifold-step0.png" || es.Name != name {
		t.Errorf("file %q (status %q), want govae-manifold-step0.png", name, es.Name)
	}
	// The PNG's plane, pixel for pixel against the screen's.
	b.painted(t)
	shot := b.screenshot(t, "png-page")
	var sum float64
	x0, y0 := int(math.Round(s.Plane.Left*2)), int(math.Round(s.Plane.Top*2))
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			_, g1, _, _ := img.At(88+x, 44+y).RGBA()
			_, g2, _, _ := shot.At(x0+x, y0+y).RGBA()
			sum += math.Abs(float64(g1>>8) - float64(g2>>8))
		}
	}
	if d := sum / float64(side*side); d > 4 {
		t.Errorf("the PNG's plane is %.2f grey levels from the screen's", d)
	} else {
		t.Logf("the PNG's plane is %.2f grey levels from the screen's (the crosshair is only on the screen)", d)
	}
}

// testTimelineGIF saves 5 frames at 70 ms: the GIF has those frames, those
// delays (the last held 1.5 s), the kept snapshots' exact grey levels, and
// the page's main thread stays free while it is made.
func (b *browserHarness) testTimelineGIF(t *testing.T) {
	tl := b.timeline(t)
	if tl.Count < 5 {
		t.Skip("needs the trained timeline of Timeline")
	}
	set := func(id, v string) {
		t.Helper()
		b.eval(t, fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = %q;
			e.dispatchEvent(new Event("change")); return ""; })()`, id, v))
	}
	// A refused value is named beside its field and changes nothing.
	set("#export-delay-text", "5")
	time.Sleep(300 * time.Millisecond)
	if msg := b.text(t, "#export-delay-msg"); !strings.Contains(msg, "20 to 10000") || !strings.Contains(msg, "keeping 120 ms") {
		t.Errorf("delay 5 ms: %q", msg)
	}
	set("#export-delay-text", "70")
	set("#export-frames-text", "5")
	b.catchDownloads(t)
	b.eval(t, `(() => { window.longTasks = []; window.exportClick = 0;
		new PerformanceObserver((l) => { for (const e of l.getEntries()) longTasks.push([Math.round(e.startTime - exportClick), Math.round(e.duration)]); })
			.observe({ type: "longtask" });
		document.querySelector("#export-gif").addEventListener("click", () => { exportClick = performance.now(); longTasks = []; });
		return ""; })()`)
	// The same measurement on the idle page first: what the machine and the
	// renderer cost without an export.
	time.Sleep(2 * time.Second)
	idle := b.eval(t, `JSON.stringify(longTasks)`)
	before := b.exportState(t).Exports
	b.click(t, "#export-gif")
	var phases []string
	for deadline := time.Now().Add(120 * time.Second); ; {
		es := b.exportState(t)
		if es.Exports > before || es.Error != "" {
			break
		}
		if p := es.Phase + fmt.Sprintf(" %.0f%%", 100*es.Fraction); es.Busy && (len(phases) == 0 || phases[len(phases)-1] != p) {
			phases = append(phases, p)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the GIF is not done: %+v", es)
		}
		time.Sleep(20 * time.Millisecond)
	}
	long := b.eval(t, `JSON.stringify(longTasks)`) // before the test's own download reading
	name, data := b.download(t, 10*time.Second)
	es := b.exportState(t)
	t.Logf("%s: %d bytes, %d frames of %d×%d, %.0f ms from the click; longest packing slice %.1f ms; progress seen %v; long tasks [ms after the click, ms] %s (idle page, 2 s before: %s)",
		name, len(data), es.Frames, es.Width, es.Height, es.Ms, es.PackMaxMs, phases, long, idle)
	g, err := gif.DecodeAll(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	picks := exportjob.Pick(5, tl.Count)
	if len(g.Image) != 5 || !slices.Equal(g.Delay, []int{7, 7, 7, 7, 150}) {
		t.Fatalf("%d frames, delays %v; want 5 at 7 cs, the last 150", len(g.Image), g.Delay)
	}
	if want := fmt.Sprintf("govae-timeline-step%d-%d.gif", tl.Steps[picks[0]], tl.Steps[picks[4]]); name != want {
		t.Errorf("file %q, want %q", name, want)
	}
	if w, h := exportjob.GIFFrameSize(12, 1, false); g.Config.Width != w || g.Config.Height != h {
		t.Errorf("frames %d×%d, want %d×%d", g.Config.Width, g.Config.Height, w, h)
	}
	// Each frame's plane holds its snapshot's grey levels exactly (scale 1:
	// one GIF pixel per digit pixel, at 44, 22).
	for k, i := range picks {
		f := b.framePixels(t, i)
		frame, bad := g.Image[k], 0
		for y := 0; y < 12*28; y++ {
			for x := 0; x < 12*28; x++ {
				r, _, _, _ := frame.At(44+x, 22+y).RGBA()
				if uint8(r>>8) != f.Pixels[((y/28)*12+x/28)*784+(y%28)*28+x%28] {
					bad++
				}
			}
		}
		if bad != 0 {
			t.Errorf("frame %d (step %d): %d pixels differ from the snapshot", k, f.Step, bad)
		}
	}
	if len(phases) == 0 {
		t.Error("no progress was shown while the GIF was made")
	}
}

// testSafetensors downloads the weights as safetensors and in core's
// format, checks that they hold the same model bit for bit, loads the
// safetensors file back and downloads core's format again: the same bytes.
func (b *browserHarness) testSafetensors(t *testing.T) {
	b.open(t, "/govae/?lab=1&labsec=interp,beta,keep")
	b.catchDownloads(t)
	b.click(t, "#lab-download")
	binName, bin := b.download(t, 10*time.Second)
	b.click(t, "#lab-download-st")
	stName, st := b.download(t, 10*time.Second)
	if binName != "govae-weights.bin" || stName != "govae-weights.safetensors" {
		t.Errorf("files %q and %q", binName, stName)
	}
	mb, err := core.ParseModel(bin)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := core.ParseSafetensors(st)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ms.MarshalBinary(), bin) {
		t.Fatal("the safetensors download is not the model of the .bin download")
	}
	t.Logf("%s %d bytes, %s %d bytes (%s)", binName, len(bin), stName, len(st), mb.Arch)
	// Load it back: a file other than the shipped weights, so the load is seen.
	p := filepath.Join(t.TempDir(), "trained.safetensors")
	if err := os.WriteFile(p, st, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := b.run(t, 10*time.Second, chromedp.SetUploadFiles(chromedp.CSS("#lab-load"), []string{p})); err != nil {
		t.Fatal(err)
	}
	ls := b.waitLab(t, "the safetensors file loaded", 60*time.Second, func(s labStatus) bool {
		return strings.Contains(s.LoadMsg, "Loaded") || strings.Contains(s.LoadMsg, "refused")
	})
	if !strings.Contains(ls.LoadMsg, "Loaded trained.safetensors") {
		t.Fatalf("loading it back: %q", ls.LoadMsg)
	}
	b.waitStatus(t, "the loaded weights", 10*time.Second, func(s browserStatus) bool { return s.Weights == "loaded from a file" })
	b.click(t, "#lab-download")
	_, again := b.download(t, 10*time.Second)
	if !bytes.Equal(again, bin) {
		t.Error("the weights loaded from safetensors are not bit for bit the ones saved")
	}
	// The lab's pictures as PNGs: a plot at the resolution it is drawn at,
	// a 28-pixel digit strip scaled up.
	for _, c := range []struct{ id, file string }{
		{"lab-schedule", "govae-lab-kl-warmup.png"}, {"lab-interp", "govae-lab-interpolation.png"}} {
		b.eval(t, fmt.Sprintf(`(document.querySelector("#%s").scrollIntoView({block: "center"}), "")`, c.id))
		b.painted(t)
		var cw, ch int
		fmt.Sscan(b.eval(t, fmt.Sprintf(`(() => { const e = document.querySelector("#%s"); return e.width + " " + e.height; })()`, c.id)), &cw, &ch)
		b.click(t, "#"+c.id+"-png")
		name, data := b.download(t, 10*time.Second)
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		k := max(1, (112+ch-1)/ch) // strips under 112 pixels are scaled up
		if name != c.file || img.Bounds().Dx() != cw*k || img.Bounds().Dy() != ch*k {
			t.Errorf("%s: %s %d×%d, want %s %d×%d", c.id, name, img.Bounds().Dx(), img.Bounds().Dy(), c.file, cw*k, ch*k)
		}
		whole := browserStatus{DeviceScale: 1}
		whole.Plane.Width, whole.Plane.Height = float64(img.Bounds().Dx()), float64(img.Bounds().Dy())
		if levels, _ := planeContent(img, whole); levels < 8 {
			t.Errorf("%s: %d colours: blank?", name, levels)
		}
	}
	// A damaged safetensors file is refused with its defect named, and the model stays.
	bad := slices.Clone(st)
	copy(bad[bytes.Index(bad, []byte(`"F32"`)):], `"F16"`)
	if err := os.WriteFile(p, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := b.run(t, 10*time.Second, chromedp.SetUploadFiles(chromedp.CSS("#lab-load"), []string{p})); err != nil {
		t.Fatal(err)
	}
	ls = b.waitLab(t, "the damaged file refused", 60*time.Second, func(s labStatus) bool { return strings.Contains(s.LoadMsg, "refused") })
	if !strings.Contains(ls.LoadMsg, "dtype and shape") || !strings.Contains(ls.LoadMsg, "current model stays") {
		t.Errorf("damaged safetensors: %q", ls.LoadMsg)
	}
}
