package main

// Browser tests: the built site, served by serve.go's handler on a loopback
// port, in real headless Chromium driven with chromedp. Input goes through
// the Chrome DevTools Protocol's Input domain, so clicks, drags and keys
// reach Ebiten exactly as a visitor's do.
//
// The tests skip only when no Chromium binary is found and CI is not
// "true". GOVAE_SCREENSHOTS=dir keeps the screenshots they take.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/govae/govae/wasm/view"
)

// browserStatus mirrors what window.govae.status() returns.
type browserStatus struct {
	Phase          string   `json:"phase"`
	Ready          bool     `json:"ready"`
	ReadyMs        float64  `json:"readyMs"`
	Training       bool     `json:"training"`
	Step           int      `json:"step"`
	Epoch          int      `json:"epoch"`
	Examples       int64    `json:"examples"`
	ExamplesPerSec float64  `json:"examplesPerSec"`
	NegELBO        *float64 `json:"negElbo"`
	Recon          *float64 `json:"recon"`
	KL             *float64 `json:"kl"`
	Settings       struct {
		LR      float64    `json:"lr"`
		Batch   int        `json:"batch"`
		Beta    float64    `json:"beta"`
		Warmup  int        `json:"warmup"`
		Lik     string     `json:"lik"`
		Sigma   float64    `json:"sigma"`
		Grid    int        `json:"grid"`
		Overlay bool       `json:"overlay"`
		Dots    int        `json:"dots"`
		Z       [2]float64 `json:"z"`
	} `json:"settings"`
	Plane struct {
		Left, Top, Width, Height, PMin, PMax float64
	} `json:"plane"`
	DeviceScale  float64  `json:"deviceScale"`
	Weights      string   `json:"weights"`
	WeightsError string   `json:"weightsError"`
	TrainError   string   `json:"trainError"`
	TestData     string   `json:"testData"`
	TrainData    string   `json:"trainData"`
	Notices      []string `json:"notices"`
	Manifolds    int      `json:"manifolds"`
	Dots         int      `json:"dots"`
	Recons       int      `json:"recons"`
	MaxWorkMs    float64  `json:"maxWorkMs"`
}

// plane returns the manifold's mapping between CSS pixels and z.
func (s browserStatus) plane() view.Plane {
	p := s.Plane
	return view.Plane{Rect: view.Rect{X: p.Left, Y: p.Top, W: p.Width, H: p.Height}, PMin: p.PMin, PMax: p.PMax}
}

type browserSample struct {
	Z      [2]float64 `json:"z"`
	Pixels []float64  `json:"pixels"`
}

// chromiumPath finds the browser: $CHROMIUM, then the usual names.
func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// buildSite runs the Makefile's build into a temporary directory, so the
// tests load exactly what `make build` deploys.
func buildSite(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "site")
	start := time.Now()
	out, err := exec.Command("make", "-s", "build", "DIST="+dir).CombinedOutput()
	if err != nil {
		t.Fatalf("make build: %v\n%s", err, out)
	}
	t.Logf("make build: %v", time.Since(start).Round(time.Millisecond))
	return dir
}

// siteVariants serves the site under several sub-paths (as GitHub Pages
// serves a project under /<repo>/), some with a file replaced or missing.
type siteVariants struct {
	site         http.Handler
	trainMissing atomic.Bool // /nodata/: the training files answer 404 while set
}

func (v *siteVariants) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	prefix, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	switch {
	case prefix == "corrupt" && rest == "assets/vae.bin":
		w.Write([]byte("GOVAEWT\nthis is not a weights file"))
		return
	case prefix == "missing" && rest == "assets/vae.bin":
		http.NotFound(w, r)
		return
	case prefix == "nodata" && strings.HasPrefix(rest, "data/train-") && v.trainMissing.Load():
		http.NotFound(w, r)
		return
	case prefix == "mismatch" && rest == "wasm_exec.js":
		// An import the wasm needs, renamed: what an older or newer
		// wasm_exec.js looks like to the Go runtime.
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/wasm_exec.js"
		rec := &bufferWriter{header: http.Header{}}
		r2.Header.Del("Accept-Encoding")
		v.site.ServeHTTP(rec, r2)
		w.Header().Set("Content-Type", "text/javascript")
		w.Write(bytes.ReplaceAll(rec.buf.Bytes(), []byte(`"runtime.wasmExit"`), []byte(`"runtime.wasmExitRenamed"`)))
		return
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/" + rest
	r2.URL.RawPath = ""
	v.site.ServeHTTP(w, r2)
}

type bufferWriter struct {
	header http.Header
	buf    bytes.Buffer
}

func (b *bufferWriter) Header() http.Header         { return b.header }
func (b *bufferWriter) Write(p []byte) (int, error) { return b.buf.Write(p) }
func (b *bufferWriter) WriteHeader(int)             {}

// browserHarness is one Chromium tab and the test server.
type browserHarness struct {
	t        *testing.T
	ctx      context.Context // the tab
	base     string          // http://127.0.0.1:port
	variants *siteVariants
	shots    string
}

func TestBrowser(t *testing.T) {
	exe := chromiumPath()
	if exe == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no Chromium binary found (chromium, chromium-browser, google-chrome or $CHROMIUM), and CI=true")
		}
		t.Skip("skipping browser tests: no Chromium binary found (install chromium, or set $CHROMIUM)")
	}
	suiteStart := time.Now()
	site := buildSite(t)
	h, err := newSiteHandler(site)
	if err != nil {
		t.Fatal(err)
	}
	variants := &siteVariants{site: h}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(ln.Addr().String(), variants)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("use-gl", "angle"),
		chromedp.Flag("use-angle", "swiftshader"),
		chromedp.Flag("enable-unsafe-swiftshader", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatalf("starting %s: %v", exe, err)
	}
	b := &browserHarness{t: t, ctx: ctx, base: "http://" + ln.Addr().String(), variants: variants, shots: os.Getenv("GOVAE_SCREENSHOTS")}
	if b.shots == "" {
		b.shots = t.TempDir()
	}

	t.Run("Manifold", b.testManifold)
	t.Logf("browser suite: %v", time.Since(suiteStart).Round(time.Millisecond))
}

// open navigates to a variant of the site and waits for window.govae.ready.
func (b *browserHarness) open(t *testing.T, path string) (browserStatus, time.Duration) {
	t.Helper()
	start := time.Now()
	if err := b.run(t, 60*time.Second, chromedp.Navigate(b.base+path)); err != nil {
		t.Fatalf("navigate %s: %v", path, err)
	}
	if err := b.run(t, 90*time.Second, chromedp.Evaluate[chromedp.Void](`govae.ready`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatalf("%s: window.govae.ready: %v; page errors: %q", path, err, b.text(t, "#errors"))
	}
	took := time.Since(start)
	return b.status(t), took
}

// run runs actions on the tab with a timeout.
func (b *browserHarness) run(t *testing.T, timeout time.Duration, actions ...chromedp.Action[chromedp.Void]) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	return chromedp.Do(ctx, actions...)
}

func (b *browserHarness) eval(t *testing.T, expr string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return s
}

func (b *browserHarness) status(t *testing.T) browserStatus {
	t.Helper()
	var s browserStatus
	if err := json.Unmarshal([]byte(b.eval(t, `govae.status()`)), &s); err != nil {
		t.Fatalf("status: %v", err)
	}
	return s
}

func (b *browserHarness) sample(t *testing.T) *browserSample {
	t.Helper()
	var s *browserSample
	if err := json.Unmarshal([]byte(b.eval(t, `govae.lastSample()`)), &s); err != nil {
		t.Fatalf("lastSample: %v", err)
	}
	return s
}

// text returns an element's textContent ("" when absent).
func (b *browserHarness) text(t *testing.T, sel string) string {
	t.Helper()
	return b.eval(t, fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ""`, sel))
}

// waitStatus polls status() until ok accepts it.
func (b *browserHarness) waitStatus(t *testing.T, what string, timeout time.Duration, ok func(browserStatus) bool) browserStatus {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := b.status(t)
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s; status: %+v; page errors: %q", timeout, what, s, b.text(t, "#errors"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitSample polls lastSample() until ok accepts it.
func (b *browserHarness) waitSample(t *testing.T, what string, ok func(*browserSample) bool) *browserSample {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s := b.sample(t)
		if s != nil && ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; last sample: %v", what, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// screenshot captures the viewport at device resolution.
func (b *browserHarness) screenshot(t *testing.T, name string) image.Image {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(buf))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	return img
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

// clickAt presses and releases the left button at CSS pixel (x, y).
func (b *browserHarness) clickAt(t *testing.T, x, y float64) {
	t.Helper()
	if err := b.run(t, 10*time.Second, chromedp.MouseClickXY(x, y)); err != nil {
		t.Fatalf("click at (%v, %v): %v", x, y, err)
	}
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
	t.Logf("navigation → ready: %v (page clock: ready at %.0f ms after navigation start)", took.Round(time.Millisecond), s.ReadyMs)
	if s.Manifolds < 1 || s.Plane.Width < 200 || s.Settings.Grid != 20 {
		t.Fatalf("after ready: %+v", s)
	}
	t.Log(b.eval(t, `JSON.stringify(performance.getEntries().filter(e => e.entryType != 'paint').map(e => [e.name.split('/').pop(), Math.round(e.startTime), Math.round(e.duration||0)]))`))
	img := b.screenshot(t, "manifold")
	levels, ink := planeContent(img, s)
	t.Logf("plane: %d distinct colours, %.1f%% bright pixels", levels, 100*ink)
	if levels < 32 || ink < 0.02 || ink > 0.6 {
		t.Errorf("the plane does not look like a manifold of digits: %d colours, %.1f%% bright", levels, 100*ink)
	}
}

var _ = errors.New
var _ = slices.Sort[[]int]
var _ = input.MouseButtonLeft
var _ = page.CaptureScreenshot
var _ = kb.ArrowRight
