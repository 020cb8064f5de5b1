//go:build !(js && wasm)

package e2e

// The one harness of the browser tests: the site built by `make build` into
// a temporary directory, served by internal/site (behind siteVariants, which
// adds broken or slow copies of some files under sub-paths) on a loopback
// port, and one headless Chromium tab (internal/headless's options) driven
// with chromedp.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/govae/govae/internal/headless"
	"github.com/govae/govae/internal/site"
	"github.com/govae/govae/wasm/view"
)

// browserStatus mirrors what window.govae.status() returns.
type browserStatus struct {
	Phase          string   `json:"phase"`
	Ready          bool     `json:"ready"`
	ReadyMs        float64  `json:"readyMs"`
	FirstPaintMs   float64  `json:"firstPaintMs"`
	Preview        string   `json:"preview"`
	Training       bool     `json:"training"`
	Step           int      `json:"step"`
	Epoch          int      `json:"epoch"`
	Examples       int64    `json:"examples"`
	ExamplesPerSec float64  `json:"examplesPerSec"`
	NegELBO        *float64 `json:"negElbo"`
	Refreshing     bool     `json:"refreshing"`
	Kernels        string   `json:"kernels"`
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
	MaxSliceMs   float64  `json:"maxSliceMs"`
	// Issue 11: the network, the plane's slice, the held-out curve
	// (arch_browser_test.go).
	Arch         archJSON     `json:"arch"`
	HeldOut      *heldOutJSON `json:"heldOut"`
	HeldOutError string       `json:"heldOutError"`
}

// plane returns the manifold's mapping between CSS pixels and z.
func (s browserStatus) plane() view.Plane {
	p := s.Plane
	return view.Plane{Rect: view.Rect{X: p.Left, Y: p.Top, W: p.Width, H: p.Height}, PMin: p.PMin, PMax: p.PMax}
}

type browserSample struct {
	Z      [2]float64 `json:"z"`
	Latent []float64  `json:"latent"` // the full latent point decoded (issue 11)
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

// buildSite runs the Makefile's build (in the repository root, the parent
// of this package) into a temporary directory, so the tests load exactly
// what `make build` deploys.
func buildSite(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "site")
	start := time.Now()
	out, err := exec.Command("make", "-s", "-C", "..", "build", "DIST="+dir).CombinedOutput()
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
	// /slowweights/: assets/vae.bin is held back until this channel is
	// closed (preview_browser_test.go).
	holdWeights chan struct{}
	// /otherpreview/: a valid preview of other weights.
	otherPreview []byte
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
	case prefix == "slowweights" && rest == "assets/vae.bin" && v.holdWeights != nil:
		select {
		case <-v.holdWeights:
		case <-r.Context().Done():
			return
		}
	case prefix == "badpreview" && rest == "assets/vae.preview.bin":
		w.Write([]byte("GOVAEPV\nnot a preview"))
		return
	case prefix == "nopreview" && rest == "assets/vae.preview.bin":
		http.NotFound(w, r)
		return
	case prefix == "otherpreview" && rest == "assets/vae.preview.bin" && v.otherPreview != nil:
		w.Write(v.otherPreview)
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

func (b *bufferWriter) Header() http.Header { return b.header }

func (b *bufferWriter) Write(p []byte) (int, error) { return b.buf.Write(p) }

func (b *bufferWriter) WriteHeader(int) {}

// browserHarness is one Chromium tab and the test server.
type browserHarness struct {
	t        *testing.T      // the test that started the browser
	ctx      context.Context // the tab
	base     string          // http://127.0.0.1:port
	variants *siteVariants
	shots    string // where screenshots go
	site     string // the built site
}

// requireChromium returns the browser binary; without one it skips, or
// under CI=true fails, the test.
func requireChromium(t *testing.T) string {
	t.Helper()
	exe := chromiumPath()
	if exe == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no Chromium binary found (chromium, chromium-browser, google-chrome or $CHROMIUM), and CI=true")
		}
		t.Skip("skipping browser tests: no Chromium binary found (install chromium, or set $CHROMIUM)")
	}
	return exe
}

// startBrowser builds the site, serves it on a free loopback port and opens
// one headless Chromium tab on it. wrap, when not nil, may put a handler of
// the test's own in front of the site's variants.
func startBrowser(t *testing.T, wrap func(site string, v *siteVariants) http.Handler) *browserHarness {
	t.Helper()
	exe := requireChromium(t)
	dir := buildSite(t)
	h, err := site.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	variants := &siteVariants{site: h}
	var handler http.Handler = variants
	if wrap != nil {
		handler = wrap(dir, variants)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := site.NewServer(ln.Addr().String(), handler)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), headless.Options(exe, t.TempDir())...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatalf("starting %s: %v", exe, err)
	}
	b := &browserHarness{t: t, ctx: ctx, base: "http://" + ln.Addr().String(), variants: variants,
		shots: os.Getenv("GOVAE_SCREENSHOTS"), site: dir}
	if b.shots == "" {
		b.shots = t.TempDir()
	}
	return b
}

// needData skips (or under CI fails) a test that needs an MNIST split the
// build found no copy of (make data downloads them).
func (b *browserHarness) needData(t *testing.T, split string) {
	t.Helper()
	for _, kind := range []string{"images-idx3", "labels-idx1"} {
		name := filepath.Join(b.site, "data", split+"-"+kind+"-ubyte.gz")
		if _, err := os.Stat(name); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("the site has no %s: run make data", name)
			}
			t.Skipf("skipping: the site has no %s (run make data, or set MNIST_DIR)", filepath.Base(name))
		}
	}
}

// onPage makes sure the tab shows the ready page, for tests that continue
// on the previous test's page but may run alone.
func (b *browserHarness) onPage(t *testing.T) browserStatus {
	t.Helper()
	if b.eval(t, `String(typeof govae === "object" && JSON.parse(govae.status()).ready === true)`) != "true" {
		s, _ := b.open(t, "/govae/")
		return s
	}
	return b.status(t)
}

// open navigates to a variant of the site and waits for window.govae.ready,
// the page starting afresh: the training run the previous page kept in
// IndexedDB is cleared first (persist_browser_test.go's reopen keeps it).
func (b *browserHarness) open(t *testing.T, path string) (browserStatus, time.Duration) {
	t.Helper()
	b.clearKept(t)
	return b.navigate(t, path)
}

// navigate opens a variant of the site and waits for window.govae.ready.
func (b *browserHarness) navigate(t *testing.T, path string) (browserStatus, time.Duration) {
	t.Helper()
	start := time.Now()
	if err := b.run(t, 60*time.Second, chromedp.Navigate(b.base+path)); err != nil {
		t.Fatalf("navigate %s: %v", path, err)
	}
	// The evaluation may reach the new document before its script has run
	// (seen once, 0.09 s after navigating): wait for window.govae first.
	if err := b.run(t, 90*time.Second, chromedp.Evaluate[chromedp.Void](`new Promise((resolve) => {
		const check = () => (typeof govae === "object" ? resolve(govae.ready) : setTimeout(check, 20));
		check();
	})`, chromedp.EvalAwaitPromise)); err != nil {
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

// evalAsync evaluates an expression that gives a promise of a string.
func (b *browserHarness) evalAsync(t *testing.T, expr string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
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
			last := "null"
			if s != nil {
				last = fmt.Sprint(s.Z)
			}
			t.Fatalf("timed out waiting for %s; last sample's z: %s", what, last)
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

// clickAt presses and releases the left button at CSS pixel (x, y).
func (b *browserHarness) clickAt(t *testing.T, x, y float64) {
	t.Helper()
	if err := b.run(t, 10*time.Second, chromedp.MouseClickXY(x, y)); err != nil {
		t.Fatalf("click at (%v, %v): %v", x, y, err)
	}
}

// click clicks an element the way a visitor does: at its centre, once it
// is in view and has stayed in place for two animation frames, and is the
// element at that point. (chromedp.Click reads the box and then clicks: a
// panel that grew above the element in between — a note, the KL bars —
// moved the element away, and the click went to its neighbour.)
func (b *browserHarness) click(t *testing.T, sel string) {
	t.Helper()
	var spot struct {
		X, Y float64
		Hit  bool
	}
	where := fmt.Sprintf(`new Promise((resolve) => {
		const e = document.querySelector(%q);
		if (!e) { resolve(null); return; }
		e.scrollIntoViewIfNeeded(true);
		const box = () => { const r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; };
		const a = box();
		requestAnimationFrame(() => requestAnimationFrame(() => {
			const c = box();
			const at = document.elementFromPoint(c[0], c[1]);
			resolve(c[0] === a[0] && c[1] === a[1] ? {X: c[0], Y: c[1], Hit: !!at && (at === e || e.contains(at))} : {X: 0, Y: 0, Hit: false});
		}));
	})`, sel)
	deadline := time.Now().Add(10 * time.Second)
	for {
		out := b.evalAsync(t, `(`+where+`).then((v) => JSON.stringify(v))`)
		if out == "null" {
			t.Fatalf("click %s: no such element", sel)
		}
		if err := json.Unmarshal([]byte(out), &spot); err != nil {
			t.Fatalf("click %s: %v", sel, err)
		}
		if spot.Hit {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("click %s: it did not stay in place, in view and uncovered for 10 s", sel)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := b.run(t, 10*time.Second, chromedp.MouseClickXY(spot.X, spot.Y)); err != nil {
		t.Fatalf("click %s: %v", sel, err)
	}
}

// visible reports whether an element is displayed.
func (b *browserHarness) visible(t *testing.T, sel string) bool {
	t.Helper()
	return b.eval(t, fmt.Sprintf(`String(!!(document.querySelector(%q) || {}).offsetParent)`, sel)) == "true"
}

// openFailing navigates to a page that must not become ready and returns
// the text of its error boxes.
func (b *browserHarness) openFailing(t *testing.T, path string) string {
	t.Helper()
	if err := b.run(t, 60*time.Second, chromedp.Navigate(b.base+path)); err != nil {
		t.Fatalf("navigate %s: %v", path, err)
	}
	err := b.run(t, 90*time.Second, chromedp.Evaluate[chromedp.Void](`govae.ready`, chromedp.EvalAwaitPromise))
	if err == nil {
		t.Fatalf("%s: window.govae.ready resolved; want it rejected", path)
	}
	return b.text(t, "#errors")
}
