//go:build !(js && wasm)

package e2e

// Browser tests of the lab (issue #5), in the harness of browser_test.go:
// the built site in headless Chromium, driven with real mouse events and
// real file uploads. GOVAE_SCREENSHOTS=dir keeps the screenshots.

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/govae/govae/wasm/view"
)

// labStatus mirrors window.govae.labStatus().
type labStatus struct {
	Open     bool      `json:"open"`
	Sections string    `json:"sections"`
	Drawing  bool      `json:"drawing"`
	Mu       []float64 `json:"mu"`
	Logvar   []float64 `json:"logvar"`
	Sigma    []float64 `json:"sigma"`
	Samples  int       `json:"samples"`
	Overlay  struct {
		Shown   bool `json:"shown"`
		Draws   int  `json:"draws"`
		Ellipse bool `json:"ellipse"`
		Path    bool `json:"path"`
		Rect    struct{ L, T, W, H float64 }
	} `json:"overlay"`
	Armed  string     `json:"armed"`
	A      [2]float64 `json:"a"`
	B      [2]float64 `json:"b"`
	Interp int        `json:"interp"`
	Toy    *struct {
		Theta   float64 `json:"theta"`
		N       int     `json:"samples"`
		Reparam labStat `json:"reparam"`
		Score   labStat `json:"score"`
	} `json:"toy"`
	Encoder *struct {
		Done    bool      `json:"done"`
		N       int       `json:"n"`
		Drawn   int       `json:"drawn"`
		Ms      float64   `json:"ms"`
		Reparam []labStat `json:"reparam"`
		Score   []labStat `json:"score"`
	} `json:"encoder"`
	SweepRuns int    `json:"sweepRuns"`
	SweepErr  string `json:"sweepError"`
	Run       string `json:"run"`
	Eval      *struct {
		NegELBO, Recon, KL float64
		N                  int
	} `json:"eval"`
	LoadMsg   string `json:"loadMessage"`
	LoadClass string `json:"loadClass"`
}

type labStat struct {
	Mean float64 `json:"mean"`
	Var  float64 `json:"var"`
}

func TestLabBrowser(t *testing.T) {
	start := time.Now()
	b := startBrowser(t, nil)
	t.Run("URLSettings", b.testLabURL)
	t.Run("UnknownParams", b.testLabNotices)
	t.Run("Estimators", b.testLabEstimators)
	t.Run("DrawDigit", b.testLabDraw)
	t.Run("Interpolate", b.testLabInterpolate)
	t.Run("RateDistortion", b.testLabRD)
	t.Run("Weights", b.testLabWeights)
	t.Run("Panels", b.testLabPanels)
	t.Run("PhoneTouch", b.testLabPhone)
	t.Logf("lab suite: %v", time.Since(start).Round(time.Millisecond))
}

// shown reports whether an element is rendered (visible() of
// browser_test.go uses offsetParent, which fixed elements lack).
func (b *browserHarness) shown(t *testing.T, sel string) bool {
	t.Helper()
	return b.eval(t, fmt.Sprintf(`String(!!document.querySelector(%q) && document.querySelector(%q).getClientRects().length > 0)`, sel, sel)) == "true"
}

func (b *browserHarness) labStatus(t *testing.T) labStatus {
	t.Helper()
	var s labStatus
	if err := json.Unmarshal([]byte(b.eval(t, `govae.labStatus()`)), &s); err != nil {
		t.Fatalf("labStatus: %v", err)
	}
	return s
}

// waitLab polls labStatus() until ok accepts it.
func (b *browserHarness) waitLab(t *testing.T, what string, timeout time.Duration, ok func(labStatus) bool) labStatus {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := b.labStatus(t)
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s; lab status %+v; page errors %q", timeout, what, s, b.text(t, "#errors"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// painted waits until the page has painted twice and every image in the
// lab has decoded, so a screenshot shows what was just scrolled to.
func (b *browserHarness) painted(t *testing.T) {
	t.Helper()
	b.evalAsync(t, `(async () => {
		await Promise.all([...document.querySelectorAll("#lab img")].map((i) => i.decode().catch(() => {})));
		await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
		return ""; })()`)
}

// rect returns an element's bounding box in CSS pixels, after scrolling it
// into view.
func (b *browserHarness) rect(t *testing.T, sel string) (x, y, w, h float64) {
	t.Helper()
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.scrollIntoView({block: "center"});
		const r = e.getBoundingClientRect(); return JSON.stringify([r.left, r.top, r.width, r.height]); })()`, sel)
	var r [4]float64
	if err := json.Unmarshal([]byte(b.eval(t, js)), &r); err != nil {
		t.Fatal(err)
	}
	return r[0], r[1], r[2], r[3]
}

// mouse dispatches one real mouse event (the left button held unless
// released).
func (b *browserHarness) mouse(t *testing.T, typ input.DispatchMouseEventType, x, y float64) {
	t.Helper()
	err := b.run(t, 10*time.Second, chromedp.MouseEvent(typ, x, y, chromedp.ButtonLeft, func(p *input.DispatchMouseEventParams) {
		if typ != chromedp.MouseReleased {
			p.Buttons = 1
		}
		if typ != chromedp.MouseMoved {
			p.ClickCount = 1
		}
	}))
	if err != nil {
		t.Fatalf("mouse %s at (%v, %v): %v", typ, x, y, err)
	}
}

// drawStroke draws a polyline on the pad with real mouse events; points
// are in [0, 1]² of the pad.
func (b *browserHarness) drawStroke(t *testing.T, pts [][2]float64) {
	t.Helper()
	x0, y0, w, h := b.rect(t, "#lab-pad")
	at := func(p [2]float64) (float64, float64) { return x0 + p[0]*w, y0 + p[1]*h }
	x, y := at(pts[0])
	b.mouse(t, chromedp.MousePressed, x, y)
	for i := 1; i < len(pts); i++ {
		ax, ay := at(pts[i-1])
		bx, by := at(pts[i])
		for k := 1; k <= 4; k++ { // intermediate moves, as a real pointer sends
			f := float64(k) / 4
			b.mouse(t, chromedp.MouseMoved, ax+(bx-ax)*f, ay+(by-ay)*f)
		}
	}
	x, y = at(pts[len(pts)-1])
	b.mouse(t, chromedp.MouseReleased, x, y)
}

// settingsJS returns window.govae.settings() as Go values.
func (b *browserHarness) settingsJS(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(b.eval(t, `JSON.stringify(govae.settings())`)), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// sameSetting compares a settings() value with the URL's text for key.
func sameSetting(key string, got any, want string) bool {
	switch v := got.(type) {
	case bool:
		return (want == "1" || want == "true") == v
	case float64:
		var w float64
		if _, err := fmt.Sscan(want, &w); err != nil {
			return false
		}
		return math.Abs(v-w) <= 1e-9*math.Max(1, math.Abs(w))
	case string:
		if key == "ia" || key == "ib" {
			a, err1 := view.ParsePoint(v)
			c, err2 := view.ParsePoint(want)
			return err1 == nil && err2 == nil && a == c
		}
		return v == want
	}
	return false
}

func (b *browserHarness) testLabURL(t *testing.T) {
	code, err := view.EncodeDigit(testSeven())
	if err != nil {
		t.Fatal(err)
	}
	params := [][2]string{
		{"lr", "0.002"}, {"batch", "64"}, {"beta", "2"}, {"warmup", "1500"}, {"lik", "gaussian"}, {"sigma", "0.2"},
		{"grid", "15"}, {"overlay", "1"}, {"dots", "700"}, {"z1", "0.5"}, {"z2", "-1.25"},
		{"lab", "1"}, {"labsec", "grad,draw,interp"}, {"theta", "3"}, {"gn", "1500"}, {"gseed", "7"}, {"gdigit", "drawn"},
		{"gcomp", "lv1"}, {"pn", "5"}, {"pseed", "3"}, {"ia", "-1.2,0.4"}, {"ib", "0.9,-0.7"}, {"isteps", "6"},
		{"run", "beta-bernoulli-beta2"}, {"digit", code},
	}
	q := url.Values{}
	var raw []string
	for _, p := range params {
		q.Set(p[0], p[1])
		raw = append(raw, p[0]+"="+url.QueryEscape(p[1]))
	}
	st, _ := b.open(t, "/govae/?"+strings.Join(raw, "&"))
	if len(st.Notices) > 0 {
		t.Errorf("notices for a valid URL: %v", st.Notices)
	}
	got := b.settingsJS(t)
	for _, p := range params {
		if !sameSetting(p[0], got[p[0]], p[1]) {
			t.Errorf("settings().%s = %v, the URL said %q", p[0], got[p[0]], p[1])
		}
	}
	if len(got) != len(view.Keys) {
		t.Errorf("settings() has %d keys, want %d", len(got), len(view.Keys))
	}
	// The page follows them: the lab is open, the drawing is encoded, the
	// interpolation decoded with 6 digits.
	ls := b.waitLab(t, "the drawing from the URL to be encoded", 20*time.Second, func(s labStatus) bool {
		return s.Open && len(s.Mu) == 2 && s.Interp == 6
	})
	if ls.Samples != 5 || ls.A != [2]float64{-1.2, 0.4} || ls.Sections != "grad,draw,interp" {
		t.Errorf("lab status %+v", ls)
	}
	if !b.shown(t, "#lab") || b.shown(t, "#panel") {
		t.Error("lab=1: the lab is not shown in the controls' place")
	}
	if b.eval(t, `String(document.querySelector("#lab-sec-beta").open)`) != "false" {
		t.Error("labsec without beta: the β section is open")
	}
	// And the address bar keeps them: the page rewrites it (at most twice
	// a second) with the same settings.
	want, _ := view.ParseQuery(strings.Join(raw, "&"))
	b.eval(t, `(history.replaceState(null, "", "?stale=1"), "")`)
	b.click(t, "#lab-sec-beta > summary") // a change, so the page writes the URL
	want.Lab.SetSection("beta", true)
	deadline := time.Now().Add(5 * time.Second)
	for {
		loc := b.eval(t, `location.search`)
		back, notices := view.ParseQuery(loc)
		if len(notices) == 0 && back == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the address bar says %q:\n%+v (notices %v)\nthe URL said\n%+v", loc, back, notices, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// threeStroke is a "3" drawn in one stroke, in pad coordinates.
var threeStroke = [][2]float64{{0.3, 0.2}, {0.45, 0.14}, {0.62, 0.17}, {0.68, 0.28}, {0.6, 0.4}, {0.45, 0.46},
	{0.62, 0.52}, {0.7, 0.64}, {0.64, 0.78}, {0.47, 0.84}, {0.3, 0.78}}

// testSeven is a 28×28 "7": a bar and a diagonal.
func testSeven() []float32 {
	px := make([]float32, 784)
	for x := 8; x < 21; x++ {
		px[6*28+x], px[7*28+x] = 1, 1
	}
	for y := 8; y < 23; y++ {
		x := 20 - (y-8)*8/15
		px[y*28+x], px[y*28+x-1] = 1, 0.6
	}
	return px
}

func (b *browserHarness) testLabNotices(t *testing.T) {
	st, _ := b.open(t, "/govae/?lab=1&bogus=1&theta=abc&gn=3&labsec=grad,nope&run=nonexistent-run&ia=9,9")
	notices := strings.Join(st.Notices, "\n")
	for _, frag := range []string{`unknown parameter "bogus"`, "theta=abc refused", "gn=3 refused", "unknown section", "ia=9,9 refused"} {
		if !strings.Contains(notices, frag) {
			t.Errorf("notices lack %q:\n%s", frag, notices)
		}
	}
	// The lab is open, so its own copy of the notices must be visible,
	// including the run id that only sweep.json can refuse.
	b.waitStatus(t, "the unknown run's notice", 20*time.Second, func(browserStatus) bool {
		return strings.Contains(b.text(t, "#lab-notices"), "nonexistent-run")
	})
	if !b.shown(t, "#lab-notices-box") || !strings.Contains(b.text(t, "#lab-notices"), `"bogus"`) {
		t.Errorf("the lab does not show the notices: %q", b.text(t, "#lab-notices"))
	}
	s := b.settingsJS(t)
	if s["theta"] != 2.0 || s["gn"] != 2000.0 || s["run"] != view.DefaultRun || s["ia"] != "-1.500,-1.000" {
		t.Errorf("refused settings are not the defaults: %v", s)
	}
	b.screenshot(t, "lab-notices")
}

func (b *browserHarness) testLabEstimators(t *testing.T) {
	b.open(t, "/govae/?lab=1&labsec=grad&theta=2&gn=1000")
	// The hook: seeded, so the factor is reproducible; at θ = 2 the exact
	// ratio is 87/4 = 21.75.
	var r struct {
		Reparam, Score labStat
		Exact          struct{ Reparam, Score float64 }
	}
	if err := json.Unmarshal([]byte(b.eval(t, `JSON.stringify(govae.gradVariance({samples: 20000, theta: 2}))`)), &r); err != nil {
		t.Fatal(err)
	}
	ratio := r.Score.Var / r.Reparam.Var
	t.Logf("toy θ = 2, 20 000 samples: reparam mean %.3f var %.3f; score mean %.3f var %.2f; ratio %.1f (exact 21.75)",
		r.Reparam.Mean, r.Reparam.Var, r.Score.Mean, r.Score.Var, ratio)
	if ratio < 12 || math.Abs(r.Reparam.Var-4) > 0.3 || math.Abs(r.Reparam.Mean-4) > 0.1 || math.Abs(r.Score.Mean-4) > 0.5 {
		t.Errorf("estimators: %+v, ratio %v", r, ratio)
	}
	if r.Exact.Score != 87 || r.Exact.Reparam != 4 {
		t.Errorf("exact variances %+v", r.Exact)
	}
	// θ from the lab's setting when not given; a different seed changes
	// the draw but not the conclusion.
	var r3 struct{ Reparam, Score labStat }
	json.Unmarshal([]byte(b.eval(t, `JSON.stringify(govae.gradVariance({samples: 20000, seed: 99}))`)), &r3)
	if r3.Score.Var/r3.Reparam.Var < 12 || r3.Score.Var == r.Score.Var {
		t.Errorf("seed 99: %+v", r3)
	}
	// The panel shows the same kind of measurement, from its settings.
	ls := b.waitLab(t, "the toy measurement", 10*time.Second, func(s labStatus) bool { return s.Toy != nil && s.Toy.N == 1000 })
	if ls.Toy.Score.Var < 5*ls.Toy.Reparam.Var {
		t.Errorf("panel toy: %+v", ls.Toy)
	}
	if txt := b.text(t, "#lab-toy-ratio"); !strings.Contains(txt, "21.8×") && !strings.Contains(txt, "22×") {
		t.Errorf("the ratio text does not state the exact ratio: %q", txt)
	}
	// The real encoder on a test digit: both estimators agree on the mean,
	// the score function varies far more.
	ls = b.waitLab(t, "the encoder estimators on test image 0", 90*time.Second, func(s labStatus) bool {
		return s.Encoder != nil && s.Encoder.Done && len(s.Encoder.Score) == 4
	})
	t.Logf("encoder estimates: %d per estimator in %.0f ms of work (%.2f ms per pair)", ls.Encoder.N, ls.Encoder.Ms, ls.Encoder.Ms/float64(ls.Encoder.N))
	names := []string{"μ₁", "μ₂", "log σ₁²", "log σ₂²"}
	for c, n := range names {
		rp, sf := ls.Encoder.Reparam[c], ls.Encoder.Score[c]
		t.Logf("encoder ∂/∂%s on test image 0 (%d estimates): reparam mean %.3g var %.3g | score mean %.3g var %.3g | ratio %.0f",
			n, ls.Encoder.N, rp.Mean, rp.Var, sf.Mean, sf.Var, sf.Var/rp.Var)
		if !(sf.Var > 10*rp.Var) {
			t.Errorf("∂/∂%s: score variance %v vs reparameterized %v", n, sf.Var, rp.Var)
		}
	}
	// The table is written by the page's next update after the status says done.
	b.waitStatus(t, "the encoder table's 4 rows", 10*time.Second, func(browserStatus) bool {
		return b.eval(t, `String(document.querySelectorAll("#lab-enc-rows tr").length)`) == "4"
	})
	b.screenshot(t, "lab-estimators")
}

func (b *browserHarness) testLabDraw(t *testing.T) {
	st, _ := b.open(t, "/govae/?lab=1&labsec=draw,interp")
	if ls := b.labStatus(t); ls.Drawing || ls.Overlay.Ellipse {
		t.Fatalf("before drawing: %+v", ls)
	}
	// A "7" with real mouse events: a bar, then the diagonal.
	b.drawStroke(t, [][2]float64{{0.25, 0.22}, {0.72, 0.22}, {0.5, 0.8}})
	ls := b.waitLab(t, "the drawing's posterior on the plane", 20*time.Second, func(s labStatus) bool {
		return s.Drawing && len(s.Mu) == 2 && s.Overlay.Ellipse && s.Overlay.Shown
	})
	for j := 0; j < 2; j++ {
		if math.IsNaN(ls.Mu[j]) || math.IsNaN(ls.Logvar[j]) || !(ls.Sigma[j] > 0 && ls.Sigma[j] < 1) ||
			math.Abs(ls.Sigma[j]-math.Exp(ls.Logvar[j]/2)) > 1e-6 {
			t.Errorf("posterior μ %v, log σ² %v, σ %v", ls.Mu, ls.Logvar, ls.Sigma)
		}
	}
	t.Logf("drawn 7: μ = %.3f, log σ² = %.3f, σ = %.3f", ls.Mu, ls.Logvar, ls.Sigma)
	// The overlay sits exactly on the plane and has the ellipse's colour
	// where μ is.
	pl := st.plane()
	if r := ls.Overlay.Rect; math.Abs(r.L-pl.Rect.X) > 0.5 || math.Abs(r.W-pl.Rect.W) > 0.5 {
		t.Errorf("overlay at %+v, plane at %+v", r, pl.Rect)
	}
	b.eval(t, `(document.querySelector("#lab-sec-draw").scrollIntoView(), "")`)
	img := b.screenshot(t, "lab-draw")
	cx, cy := pl.Pixel(ls.Mu[0], ls.Mu[1])
	k := st.DeviceScale
	cyan := 0
	for y := int((cy - 40) * k); y < int((cy+40)*k); y++ {
		for x := int((cx - 40) * k); x < int((cx+40)*k); x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if bl>>8 > 200 && g>>8 > 150 && r>>8 < 140 {
				cyan++
			}
		}
	}
	if cyan < 30 {
		t.Errorf("only %d ellipse-coloured pixels around μ on the plane", cyan)
	}
	// The same image through the hook gives the same posterior; the
	// normalised input is in the URL.
	loc := b.eval(t, `location.search`)
	b.waitStatus(t, "the URL to keep the drawing", 5*time.Second, func(browserStatus) bool {
		loc = b.eval(t, `location.search`)
		return strings.Contains(loc, "digit=") && !strings.Contains(loc, "digit=&")
	})
	// The first posterior may come from the stroke in progress; once the
	// stroke is done, the URL's digit and the lab's posterior must agree.
	var enc struct{ Mu, Logvar []float64 }
	agree := func() bool {
		loc = b.eval(t, `location.search`)
		s, _ := view.ParseQuery(loc)
		px, err := view.DecodeDigit(s.Lab.Digit)
		if err != nil {
			t.Fatal(err)
		}
		pj, _ := json.Marshal(px)
		json.Unmarshal([]byte(b.eval(t, fmt.Sprintf(`JSON.stringify(govae.encodeImage(%s))`, pj))), &enc)
		ls = b.labStatus(t)
		return len(enc.Mu) == 2 && len(ls.Mu) == 2 &&
			math.Abs(enc.Mu[0]-ls.Mu[0]) <= 1e-5 && math.Abs(enc.Logvar[1]-ls.Logvar[1]) <= 1e-5
	}
	deadline := time.Now().Add(10 * time.Second)
	for !agree() {
		if time.Now().After(deadline) {
			t.Errorf("encodeImage of the URL's digit: %+v, the lab shows μ %v log σ² %v", enc, ls.Mu, ls.Logvar)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if bad := b.eval(t, `JSON.stringify(govae.encodeImage([1, 2, 3]))`); !strings.Contains(bad, "784") {
		t.Errorf("encodeImage of 3 pixels: %s", bad)
	}
	// Clear removes it from the plane and the URL.
	b.click(t, "#lab-clear")
	b.waitLab(t, "the cleared drawing", 5*time.Second, func(s labStatus) bool { return !s.Drawing && !s.Overlay.Ellipse })
}

func (b *browserHarness) testLabInterpolate(t *testing.T) {
	st := b.status(t) // the page of the previous test, lab open
	pl := st.plane()
	pick := func(btn string, z1, z2 float64) [2]float64 {
		t.Helper()
		b.click(t, btn)
		b.waitLab(t, "the pick mode", 5*time.Second, func(s labStatus) bool { return s.Armed != "" })
		x, y := pl.Pixel(z1, z2)
		x, y = math.Round(x), math.Round(y)
		w1, w2 := pl.Z(x, y)
		b.clickAt(t, x, y)
		return [2]float64{w1, w2}
	}
	before := b.status(t).Settings.Z
	wa := pick("#lab-pick-a", -1, 1)
	ls := b.waitLab(t, "A", 5*time.Second, func(s labStatus) bool { return s.Armed == "" && math.Abs(s.A[0]-wa[0]) < 0.02 })
	wb := pick("#lab-pick-b", 1.2, -0.8)
	ls = b.waitLab(t, "B", 5*time.Second, func(s labStatus) bool { return s.Armed == "" && math.Abs(s.B[0]-wb[0]) < 0.02 })
	tol := zTolerance(pl, pl.Rect.X+pl.Rect.W/2, pl.Rect.Y+pl.Rect.H/2) * 3
	if math.Abs(ls.A[1]-wa[1]) > tol || math.Abs(ls.B[1]-wb[1]) > tol {
		t.Errorf("A %v B %v, clicked %v and %v", ls.A, ls.B, wa, wb)
	}
	if got := b.status(t).Settings.Z; got != before {
		t.Errorf("picking A and B moved the crosshair from %v to %v", before, got)
	}
	if ls.Interp != 10 || !ls.Overlay.Path {
		t.Errorf("interpolation: %d digits, path drawn %v", ls.Interp, ls.Overlay.Path)
	}
	if w := b.eval(t, `String(document.querySelector("#lab-interp").width)`); w != fmt.Sprint(10*30-2) {
		t.Errorf("the strip is %s pixels wide", w)
	}
	b.eval(t, `(document.querySelector("#lab-sec-interp").scrollIntoView(), "")`)
	b.screenshot(t, "lab-interp")
}

func (b *browserHarness) testLabRD(t *testing.T) {
	b.open(t, "/govae/?lab=1&labsec=beta&batch=16")
	b.waitLab(t, "sweep.json", 20*time.Second, func(s labStatus) bool { return s.SweepRuns >= 8 })
	// Click the β = 4 point of the plot with the mouse.
	var pts []struct {
		X, Y float64
		ID   string
	}
	x0, y0, _, _ := b.rect(t, "#lab-rd")
	b.waitStatus(t, "the plot's points", 10*time.Second, func(browserStatus) bool {
		json.Unmarshal([]byte(b.eval(t, `JSON.stringify(govae.labPoints ? govae.labPoints() : [])`)), &pts)
		return len(pts) == 5
	})
	x0, y0, _, _ = b.rect(t, "#lab-rd")
	var target string
	for _, p := range pts {
		if strings.HasSuffix(p.ID, "beta4") {
			b.clickAt(t, x0+p.X, y0+p.Y)
			target = p.ID
		}
	}
	b.waitLab(t, "the clicked run", 5*time.Second, func(s labStatus) bool { return s.Run == target })
	b.waitStatus(t, "its manifold", 10*time.Second, func(browserStatus) bool {
		return b.eval(t, `String(document.querySelector("#lab-run-img").naturalWidth > 0 && document.querySelector("#lab-run-img").src.endsWith("beta-bernoulli-beta4.png"))`) == "true"
	})
	if txt := b.text(t, "#lab-run-text"); !strings.Contains(txt, "β = 4") || !strings.Contains(txt, "156") {
		t.Errorf("run text %q", txt)
	}
	// The readout of the current weights, and the sum-or-mean arithmetic.
	ls := b.waitLab(t, "the test evaluation", 60*time.Second, func(s labStatus) bool { return s.Eval != nil })
	t.Logf("pretrained on %d test digits: recon %.2f, KL %.2f nats", ls.Eval.N, ls.Eval.Recon, ls.Eval.KL)
	if !(ls.Eval.Recon > 100 && ls.Eval.Recon < 200 && ls.Eval.KL > 2 && ls.Eval.KL < 15) {
		t.Errorf("evaluation %+v", ls.Eval)
	}
	if eff := b.text(t, "#lab-eff"); !strings.Contains(eff, "β = 784") {
		t.Errorf("mean recon at w = 1: %q", eff)
	}
	b.click(t, "#lab-mean-kl")
	b.waitStatus(t, "β = 392", 5*time.Second, func(browserStatus) bool { return strings.Contains(b.text(t, "#lab-eff"), "β = 392") })
	// Re-run it live: β and the likelihood are set, fresh weights train.
	b.click(t, "#lab-rerun")
	s := b.waitStatus(t, "the re-run to train", 120*time.Second, func(s browserStatus) bool {
		return s.Settings.Beta == 4 && s.Weights == "trained from scratch" && s.Step >= 2
	})
	if s.Settings.Lik != "bernoulli" {
		t.Errorf("re-run under %s", s.Settings.Lik)
	}
	b.click(t, "#lab-train-pause")
	b.waitStatus(t, "the pause", 10*time.Second, func(s browserStatus) bool { return !s.Training })
	if line := b.text(t, "#lab-train-line"); !strings.Contains(line, "Paused") {
		t.Errorf("training line %q", line)
	}
	b.eval(t, `(document.querySelector("#lab-sec-beta").scrollIntoView(), "")`)
	b.screenshot(t, "lab-beta")
}

func (b *browserHarness) testLabWeights(t *testing.T) {
	st, _ := b.open(t, "/govae/?lab=1&labsec=keep")
	// The current model decodes a point, and encodes the test seven.
	b.clickZ(t, st, 0.4, -0.3)
	before := b.waitSample(t, "a click", func(*browserSample) bool { return true })
	seven, _ := json.Marshal(testSeven())
	encode := func() (e struct{ Mu, Logvar []float64 }) {
		t.Helper()
		if err := json.Unmarshal([]byte(b.eval(t, fmt.Sprintf(`JSON.stringify(govae.encodeImage(%s))`, seven))), &e); err != nil || len(e.Mu) != 2 {
			t.Fatalf("encodeImage: %+v, %v", e, err)
		}
		return e
	}
	encBefore := encode()
	dir := t.TempDir()
	upload := func(name string, data []byte, size int64) labStatus {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if size > 0 {
			if err := os.Truncate(p, size); err != nil { // sparse: no disk used
				t.Fatal(err)
			}
		}
		prev := b.labStatus(t).LoadMsg
		if err := b.run(t, 10*time.Second, chromedp.SetUploadFiles(chromedp.CSS("#lab-load"), []string{p})); err != nil {
			t.Fatal(err)
		}
		return b.waitLab(t, "the verdict on "+name, 20*time.Second, func(s labStatus) bool { return s.LoadMsg != prev && s.LoadMsg != "" })
	}
	ls := upload("corrupt<b>.bin", []byte("GOVAEWT\n\x01\x00\x00\x00garbage that is not a model"), 0)
	t.Logf("corrupt file: %q", ls.LoadMsg)
	if !strings.Contains(ls.LoadMsg, "corrupt<b>.bin was refused") || !strings.Contains(ls.LoadMsg, "current model stays") || strings.Contains(ls.LoadClass, "ok") {
		t.Errorf("corrupt file: %q (%s)", ls.LoadMsg, ls.LoadClass)
	}
	if html := b.eval(t, `document.querySelector("#lab-load-msg").innerHTML`); !strings.Contains(html, "&lt;b&gt;") {
		t.Errorf("the file name was not inserted as text: %q", html)
	}
	ls = upload("huge.bin", nil, 65<<20)
	if !strings.Contains(ls.LoadMsg, "huge.bin was refused") || !strings.Contains(ls.LoadMsg, "67.1 MB") {
		t.Errorf("oversized file: %q", ls.LoadMsg)
	}
	// The previous model keeps working, unchanged.
	s := b.status(t)
	if s.Weights != "pretrained" {
		t.Errorf("weights %q after refused files", s.Weights)
	}
	b.clickZ(t, s, 1, 1)
	b.waitSample(t, "another click", func(p *browserSample) bool { return p.Z != before.Z })
	b.clickZ(t, s, 0.4, -0.3)
	again := b.waitSample(t, "the first point again", func(p *browserSample) bool { return p.Z == before.Z })
	if meanAbsDiff(again.Pixels, before.Pixels) != 0 {
		t.Error("the model changed after refused files")
	}
	if enc := encode(); fmt.Sprint(enc) != fmt.Sprint(encBefore) {
		t.Errorf("encodeImage changed: %+v → %+v", encBefore, enc)
	}
	// Download: the Blob holds core's format; loading it back works.
	b.eval(t, `(() => { window.downloaded = null; const click = HTMLAnchorElement.prototype.click;
		HTMLAnchorElement.prototype.click = function () { if (this.download) { window.downloaded = [this.download, this.href]; } else click.call(this); };
		return ""; })()`)
	b.click(t, "#lab-download")
	got := b.evalAsync(t, `(async () => { for (let i = 0; i < 100 && !window.downloaded; i++) await new Promise(r => setTimeout(r, 20));
		const [name, href] = window.downloaded; const buf = new Uint8Array(await (await fetch(href)).arrayBuffer());
		return JSON.stringify([name, href.slice(0, 5), buf.length, String.fromCharCode(...buf.slice(0, 7))]); })()`)
	var dl []any
	json.Unmarshal([]byte(got), &dl)
	if len(dl) != 4 || dl[0] != "govae-weights.bin" || dl[1] != "blob:" || dl[2].(float64) < 1e6 || dl[3] != "GOVAEWT" {
		t.Errorf("download: %s", got)
	}
	weights, err := os.ReadFile(filepath.Join("..", "assets", "vae.bin"))
	if err != nil {
		t.Fatal(err)
	}
	ls = upload("good.bin", weights, 0)
	if !strings.Contains(ls.LoadMsg, "Loaded good.bin") {
		t.Errorf("a good file: %q", ls.LoadMsg)
	}
	b.waitStatus(t, "the loaded weights", 10*time.Second, func(s browserStatus) bool { return s.Weights == "loaded from a file" })
	b.eval(t, `(document.querySelector("#lab-sec-keep").scrollIntoView(), "")`)
	b.screenshot(t, "lab-keep")
}

// testLabPanels opens every section with a drawing and takes the
// screenshots of each panel (kept with GOVAE_SCREENSHOTS).
func (b *browserHarness) testLabPanels(t *testing.T) {
	b.open(t, "/govae/?lab=1&ia=-1.5,-1&ib=1.5,1.2&gdigit=drawn&gn=1000")
	b.drawStroke(t, threeStroke)
	b.waitLab(t, "everything", 90*time.Second, func(s labStatus) bool {
		return s.Drawing && s.Overlay.Ellipse && s.Encoder != nil && s.Encoder.Done && s.Eval != nil && s.SweepRuns > 0
	})
	for _, id := range view.LabSections {
		b.eval(t, fmt.Sprintf(`(document.querySelector("#lab-sec-%s").scrollIntoView(), "")`, id))
		b.painted(t)
		b.screenshot(t, "lab-panel-"+id)
	}
	// The parts further down the long sections.
	for _, sel := range []string{"lab-enc-hist", "lab-samples", "lab-ev-note", "lab-rd", "lab-liks"} {
		b.eval(t, fmt.Sprintf(`(document.querySelector("#%s").scrollIntoView({block: "center"}), "")`, sel))
		b.painted(t)
		b.screenshot(t, "lab-part-"+strings.TrimPrefix(sel, "lab-"))
	}
	// The picture for docs/lab.png: device scale 2, the drawing panel.
	if err := b.run(t, 10*time.Second, chromedp.EmulateViewport(1280, 800, chromedp.EmulateScale(2))); err != nil {
		t.Fatal(err)
	}
	defer b.run(t, 10*time.Second, chromedp.EmulateViewport(1280, 800))
	b.waitLab(t, "the overlay at device scale 2", 10*time.Second, func(s labStatus) bool { return s.Overlay.Ellipse })
	b.eval(t, `(document.querySelector("#lab-sec-draw").scrollIntoView(), "")`)
	b.painted(t)
	if img := b.screenshot(t, "lab-docs"); img.Bounds().Dx() != 2560 {
		t.Errorf("docs screenshot %d pixels wide", img.Bounds().Dx())
	}
	b.eval(t, `(document.querySelector("#lab").scrollTop = 0, "")`)
}

// testLabPhone draws on the pad with a finger on a phone-sized screen,
// where the lab is a bottom sheet under the plane.
func (b *browserHarness) testLabPhone(t *testing.T) {
	if err := b.run(t, 10*time.Second, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateTouch)); err != nil {
		t.Fatal(err)
	}
	defer b.run(t, 10*time.Second, chromedp.EmulateViewport(1280, 800))
	st, _ := b.open(t, "/govae/?lab=1&labsec=draw")
	var top float64
	fmt.Sscan(b.eval(t, `String(document.querySelector("#lab").getBoundingClientRect().top)`), &top)
	if pl := st.plane(); pl.Rect.Bottom() > top || pl.Rect.W < 200 {
		t.Errorf("phone: plane %+v, lab sheet from y = %v", pl.Rect, top)
	}
	x0, y0, w, h := b.rect(t, "#lab-pad")
	touch := func(typ input.DispatchTouchEventType, p [2]float64) {
		t.Helper()
		params := input.DispatchTouchEventParams{Type: typ, TouchPoints: []*input.TouchPoint{}}
		if typ != input.DispatchTouchEventTypeTouchEnd {
			id := 0.0
			params.TouchPoints = append(params.TouchPoints, &input.TouchPoint{X: x0 + p[0]*w, Y: y0 + p[1]*h, ID: &id})
		}
		err := b.run(t, 10*time.Second, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, input.DispatchTouchEvent, params)
			return err
		}))
		if err != nil {
			t.Fatalf("touch %s: %v", typ, err)
		}
	}
	touch(input.DispatchTouchEventTypeTouchStart, threeStroke[0])
	for i := 1; i < len(threeStroke); i++ {
		a, c := threeStroke[i-1], threeStroke[i]
		for k := 1; k <= 3; k++ {
			f := float64(k) / 3
			touch(input.DispatchTouchEventTypeTouchMove, [2]float64{a[0] + (c[0]-a[0])*f, a[1] + (c[1]-a[1])*f})
		}
	}
	touch(input.DispatchTouchEventTypeTouchEnd, [2]float64{})
	ls := b.waitLab(t, "the finger's digit on the plane", 20*time.Second, func(s labStatus) bool {
		return s.Drawing && len(s.Mu) == 2 && s.Overlay.Ellipse
	})
	t.Logf("touch-drawn 3: μ = %.3f, σ = %.3f", ls.Mu, ls.Sigma)
	b.screenshot(t, "lab-phone")
}
