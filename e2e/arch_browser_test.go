//go:build !(js && wasm)

package e2e

// Browser tests of issue 11: the architecture editor, a latent space of 4
// shown as a 2-D slice with its KL per dimension, and the held-out curve —
// the built site in headless Chromium, driven with real input (typing,
// clicks) through the harness in harness_test.go.

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/govae/govae/core"
	"github.com/govae/govae/wasm/view"
)

// archJSON mirrors status().arch.
type archJSON struct {
	Spec      string    `json:"spec"`
	Words     string    `json:"words"`
	Latent    int       `json:"latent"`
	Note      string    `json:"note"`
	Dims      [2]int    `json:"dims"`
	Ref       string    `json:"ref"`
	RefZ      []float64 `json:"refZ"`
	SliceNote string    `json:"sliceNote"`
	KLPerDim  []float64 `json:"klPerDim"`
	KLStep    int       `json:"klStep"`
	KLBars    int       `json:"klBars"`
}

// heldOutJSON mirrors status().heldOut.
type heldOutJSON struct {
	NegELBO float64 `json:"negElbo"`
	Recon   float64 `json:"recon"`
	KL      float64 `json:"kl"`
	Step    int     `json:"step"`
	Images  int     `json:"images"`
	Points  int     `json:"points"`
	At      float64 `json:"at"`
}

// typeInto replaces a text field's value by typing v, key by key.
func (b *browserHarness) typeInto(t *testing.T, sel, v string) {
	t.Helper()
	b.eval(t, fmt.Sprintf(`(document.querySelector(%q).value = "", "")`, sel))
	if err := b.run(t, 10*time.Second, chromedp.SendKeys(chromedp.CSS(sel), v)); err != nil {
		t.Fatalf("typing %q into %s: %v", v, sel, err)
	}
}

// choose selects an option of a <select> as a visitor's choice does: the
// value changes, then the input and change events follow.
func (b *browserHarness) choose(t *testing.T, sel, value string) {
	t.Helper()
	if err := b.run(t, 10*time.Second, chromedp.SetValue(chromedp.CSS(sel), value)); err != nil {
		t.Fatalf("choosing %s in %s: %v", value, sel, err)
	}
	b.eval(t, fmt.Sprintf(`(() => { const e = document.querySelector(%q);
		e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true})); return ""; })()`, sel))
}

// pageURL returns the address bar once it holds want (it is written at
// most twice a second).
func (b *browserHarness) pageURL(t *testing.T, want string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		loc := b.eval(t, `location.href`)
		if strings.Contains(loc, want) {
			return loc
		}
		if time.Now().After(deadline) {
			t.Fatalf("the URL %s does not hold %q", loc, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The editor's architecture for the tests: LeakyReLU, batch norm, dropout
// 0.2 and a latent space of 4 on the reference model's hidden layers.
const (
	editedSpec  = "256-128-z4-128-256-leakyrelu-bn-dropout0.2"
	editedWords = "784-256-128-(4,4) | 4-128-256-784 LeakyReLU, batch norm, dropout 0.2"
)

func TestArchBrowser(t *testing.T) {
	b := startBrowser(t, nil)
	b.needData(t, "t10k")
	b.needData(t, "train")
	t.Run("Editor", b.testArchEditor)
	t.Run("Reload", b.testArchReload)
	t.Run("Slice", b.testArchSlice)
	t.Run("Lab", b.testArchLab)
	t.Run("Refused", b.testArchRefused)
	t.Run("LoadFile", b.testArchLoadFile)
}

// testArchEditor sets LeakyReLU, batch norm, dropout 0.2 and latent 4 in the
// editor: Apply builds them (status, words, URL), and training lowers the
// held-out −ELBO.
func (b *browserHarness) testArchEditor(t *testing.T) {
	b.open(t, "/govae/?batch=32")
	s := b.waitStatus(t, "the pretrained weights' held-out point", 90*time.Second, func(s browserStatus) bool { return s.HeldOut != nil })
	if s.Arch.Spec != view.FormatArch(core.DefaultArchitecture()) || s.Arch.Latent != 2 || s.Arch.Dims != [2]int{1, 2} {
		t.Fatalf("pretrained: %+v", s.Arch)
	}
	// The shipped weights: 138.66 nats on the held-out digits (README, cmd/eval -heldout).
	if h := s.HeldOut; h.Images != core.HeldOutSize || math.Abs(h.NegELBO-138.66) > 0.05 || len(s.Arch.KLPerDim) != 2 || s.Arch.KLBars != 2 {
		t.Errorf("pretrained held-out point %+v, KL %v in %d bars; want 138.66 nats on 1000 digits", *h, s.Arch.KLPerDim, s.Arch.KLBars)
	}
	b.click(t, "#arch-box > summary")
	b.choose(t, "#arch-act", "leakyrelu")
	b.click(t, "#arch-bn")
	b.typeInto(t, "#arch-dropout", "0.2")
	b.typeInto(t, "#arch-latent", "4")
	b.waitStatus(t, "the draft", 5*time.Second, func(browserStatus) bool { return strings.Contains(b.text(t, "#arch-draft"), editedWords) })
	if a := b.status(t); a.Arch.Spec != s.Arch.Spec || a.Arch.Latent != 2 {
		t.Fatalf("the editor changed the model before Apply: %+v", a.Arch)
	}
	b.screenshot(t, "arch-editor")
	b.click(t, "#arch-apply")
	s = b.waitStatus(t, "the new network", 20*time.Second, func(s browserStatus) bool {
		return s.Arch.Spec == editedSpec && b.text(t, "#arch-words") == editedWords
	})
	if s.Arch.Words != editedWords || s.Arch.Latent != 4 || s.Weights != "random init" {
		t.Errorf("after Apply: %+v, weights %q", s.Arch, s.Weights)
	}
	if w := b.text(t, "#arch-words"); w != editedWords {
		t.Errorf("the panel says %q", w)
	}
	b.pageURL(t, "arch="+editedSpec)

	first := b.waitStatus(t, "the fresh weights' held-out point", 60*time.Second, func(s browserStatus) bool {
		return s.HeldOut != nil && s.HeldOut.Step == 0 && s.Arch.Spec == editedSpec && len(s.Arch.KLPerDim) == 4
	})
	t.Logf("fresh %s: held-out −ELBO %.2f nats (recon %.2f, KL %.2f)", editedWords, first.HeldOut.NegELBO, first.HeldOut.Recon, first.HeldOut.KL)
	b.click(t, "#train")
	last := b.waitStatus(t, "the held-out −ELBO to fall", 240*time.Second, func(s browserStatus) bool {
		return s.HeldOut != nil && s.HeldOut.Step > 0 && s.HeldOut.Points >= 2 && s.HeldOut.NegELBO < first.HeldOut.NegELBO-20
	})
	t.Logf("after %d steps (%.0f s after the first point): held-out −ELBO %.2f nats (recon %.2f, KL %.2f), %d points",
		last.HeldOut.Step, last.HeldOut.At, last.HeldOut.NegELBO, last.HeldOut.Recon, last.HeldOut.KL, last.HeldOut.Points)
	if !strings.Contains(b.text(t, "#stat-heldout"), fmt.Sprintf("%.2f", last.HeldOut.NegELBO)) &&
		!strings.Contains(b.text(t, "#heldout-text"), "held-out") {
		t.Errorf("the panel shows %q, %q", b.text(t, "#stat-heldout"), b.text(t, "#heldout-text"))
	}
	b.click(t, "#pause")
	b.waitStatus(t, "the pause", 30*time.Second, func(s browserStatus) bool { return !s.Training })
	b.screenshot(t, "arch-trained")
}

// testArchReload opens the link the address bar holds: the same network,
// fresh weights, and the page says why.
func (b *browserHarness) testArchReload(t *testing.T) {
	link := b.pageURL(t, "arch="+editedSpec)
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	b.open(t, u.Path+"?"+u.RawQuery)
	s := b.status(t)
	if s.Arch.Spec != editedSpec || s.Arch.Words != editedWords || s.Arch.Latent != 4 || s.Weights != "random init" {
		t.Fatalf("reloaded: %+v, weights %q", s.Arch, s.Weights)
	}
	if !strings.Contains(s.Arch.Note, "link asks for this network") || !strings.Contains(b.text(t, "#arch-note"), "fresh random weights") {
		t.Errorf("the page does not say why the weights are fresh: %q", s.Arch.Note)
	}
	if got := b.eval(t, `document.querySelector("#arch-latent").value + " " + document.querySelector("#arch-act").value +
		" " + document.querySelector("#arch-bn").checked + " " + document.querySelector("#arch-dropout").value`); got != "4 leakyrelu true 0.2" {
		t.Errorf("the editor shows %q", got)
	}
}

// testArchSlice checks the plane's slice at latent 4: the default pair is
// the two dimensions with the largest KL, the chart has 4 bars, and a click
// decodes z with the other two dimensions at the reference — the encoder
// mean of a drawing given in the link.
func (b *browserHarness) testArchSlice(t *testing.T) {
	b.onPage(t)
	code, drawing := drawnSeven(t)
	link := b.pageURL(t, "arch="+editedSpec)
	u, _ := url.Parse(link)
	b.open(t, u.Path+"?"+u.RawQuery+"&ref=drawing&digit="+code)

	s := b.waitStatus(t, "the KL per dimension", 90*time.Second, func(s browserStatus) bool {
		return len(s.Arch.KLPerDim) == 4 && s.Arch.KLBars == 4 && s.Arch.Ref == "drawing"
	})
	i, j, err := core.DefaultPair(s.Arch.KLPerDim)
	if err != nil {
		t.Fatal(err)
	}
	s = b.waitStatus(t, "the default pair", 10*time.Second, func(s browserStatus) bool { return s.Arch.Dims == [2]int{i + 1, j + 1} })
	t.Logf("KL per dimension %v nats: the plane shows z%d and z%d", s.Arch.KLPerDim, i+1, j+1)
	// The reference is the encoder mean of the drawing, under the weights shown.
	var enc struct {
		Mu []float64 `json:"mu"`
	}
	arr, _ := json.Marshal(drawing)
	if err := json.Unmarshal([]byte(b.eval(t, `JSON.stringify(govae.encodeImage(`+string(arr)+`))`)), &enc); err != nil || len(enc.Mu) != 4 {
		t.Fatalf("encodeImage: %v %v", enc, err)
	}
	for k := range enc.Mu {
		if math.Abs(s.Arch.RefZ[k]-enc.Mu[k]) > 1e-6 {
			t.Fatalf("reference %v, the drawing's μ %v", s.Arch.RefZ, enc.Mu)
		}
	}
	// A click decodes the plane's point in the slice.
	bs := b.status(t)
	_, _, w1, w2 := b.clickZ(t, bs, 0.8, -0.6)
	onDrawing := b.waitSample(t, "the click's digit", func(p *browserSample) bool { return math.Abs(p.Z[0]-w1) < 0.05 })
	checkSliced := func(p *browserSample, ref []float64, what string) {
		t.Helper()
		if len(p.Latent) != 4 {
			t.Fatalf("%s: latent %v", what, p.Latent)
		}
		for k, v := range p.Latent {
			want := ref[k]
			switch k {
			case i:
				want = p.Z[0]
			case j:
				want = p.Z[1]
			}
			if math.Abs(v-want) > 1e-6 {
				t.Errorf("%s: decoded z = %v; want dimensions %d, %d at the plane's %v and the others at %v", what, p.Latent, i+1, j+1, p.Z, ref)
				return
			}
		}
	}
	checkSliced(onDrawing, enc.Mu, "reference at the drawing")
	if math.Abs(onDrawing.Z[1]-w2) > 0.05 {
		t.Errorf("clicked z %v, the plane's mapping says (%v, %v)", onDrawing.Z, w1, w2)
	}
	b.screenshot(t, "arch-slice-drawing")
	// The origin as reference: the same point decodes to another digit.
	b.choose(t, "#slice-ref", "origin")
	b.waitStatus(t, "the origin as reference", 10*time.Second, func(s browserStatus) bool { return s.Arch.Ref == "origin" })
	b.pageURL(t, "ref=origin")
	b.clickZ(t, bs, 0.8, -0.6)
	onOrigin := b.waitSample(t, "the digit in the origin's slice", func(p *browserSample) bool {
		for k, v := range p.Latent {
			if len(p.Latent) != 4 || k != i && k != j && v != 0 {
				return false
			}
		}
		return true
	})
	checkSliced(onOrigin, make([]float64, 4), "reference at the origin")
	// Fresh weights decode nearly alike everywhere (their decoder barely
	// uses z), but not identically.
	if d := meanAbsDiff(onOrigin.Pixels, onDrawing.Pixels); d < 1e-5 {
		t.Errorf("the same plane point decodes alike through the drawing's μ and the origin (mean |Δ| %.6f)", d)
	} else {
		t.Logf("the same plane point through the drawing's μ and the origin: mean |Δpixel| %.4f", d)
	}
	// Choosing the horizontal dimension: the pair and the URL follow.
	other := 0
	for other == i || other == j {
		other++
	}
	// The manifolds published before the choice: the new pair's may be
	// drawn within the frame that reports the pair (a 20×20 decode takes
	// about 7 ms), so counting from the pair's status could miss it.
	before := b.status(t).Manifolds
	b.choose(t, "#slice-i", fmt.Sprint(other))
	s = b.waitStatus(t, "the chosen pair", 10*time.Second, func(s browserStatus) bool { return s.Arch.Dims == [2]int{other + 1, j + 1} })
	b.pageURL(t, fmt.Sprintf("dims=%d%%2C%d", other+1, j+1))
	if b.eval(t, `String(document.querySelector("#slice-auto").checked)`) != "false" {
		t.Error("the automatic pair is still ticked")
	}
	b.waitStatus(t, "the manifold of the new pair", 30*time.Second, func(a browserStatus) bool { return a.Manifolds > before && !a.Refreshing })
	b.screenshot(t, "arch-slice-chosen")
}

// drawnSeven returns a drawn "7" — a bar along the top, a stroke down to
// the left — as the URL's digit code and its pixels.
func drawnSeven(t *testing.T) (string, []float32) {
	t.Helper()
	px := make([]float32, view.DigitPixels)
	for x := 7; x <= 20; x++ {
		px[6*28+x], px[7*28+x] = 1, 1
	}
	for y := 8; y <= 22; y++ {
		x := 20 - (y-8)*8/14
		px[y*28+x], px[y*28+x-1] = 1, 1
	}
	code, err := view.EncodeDigit(px)
	if err != nil {
		t.Fatal(err)
	}
	drawing, _ := view.DecodeDigit(code)
	return code, drawing
}

// testArchLab opens the lab at latent 4: the drawing's posterior has four
// dimensions, its table, ellipse and the interpolation use the plane's
// pair, and the encoder's estimators measure all eight gradient
// components, named after the pair.
func (b *browserHarness) testArchLab(t *testing.T) {
	b.onPage(t)
	code, _ := drawnSeven(t)
	u, _ := url.Parse(b.pageURL(t, "arch="+editedSpec))
	b.open(t, u.Path+"?"+u.RawQuery+"&lab=1&gdigit=drawn&gcomp=lv2&digit="+code)
	s := b.waitStatus(t, "the pair", 90*time.Second, func(s browserStatus) bool { return len(s.Arch.KLPerDim) == 4 })
	i, j := s.Arch.Dims[0]-1, s.Arch.Dims[1]-1
	ls := b.waitLab(t, "the lab at latent 4", 120*time.Second, func(l labStatus) bool {
		return l.Drawing && len(l.Mu) == 4 && l.Overlay.Ellipse && l.Overlay.Path && l.Interp > 0 &&
			l.Encoder != nil && l.Encoder.Done && len(l.Encoder.Reparam) == 8
	})
	if h1, h2 := b.text(t, "#lab-post-z1"), b.text(t, "#lab-post-z2"); h1 != view.LatentName(i) || h2 != view.LatentName(j) {
		t.Errorf("the posterior's table shows %s, %s; the plane z%d, z%d", h1, h2, i+1, j+1)
	}
	if got, want := b.eval(t, `document.querySelector("#lab-gcomp").selectedOptions[0].textContent`), "∂/∂log σ"+strings.TrimPrefix(view.LatentName(j), "z")+"²"; got != want {
		t.Errorf("the estimators' component menu shows %q, want %q", got, want)
	}
	if p := b.text(t, "#lab-enc-progress"); !strings.Contains(p, "∂/∂log σ"+strings.TrimPrefix(view.LatentName(j), "z")+"²") {
		t.Errorf("the estimators' summary %q does not name the plane's vertical dimension", p)
	}
	if errs := b.text(t, "#errors"); errs != "" {
		t.Errorf("page errors: %q", errs)
	}
	t.Logf("the drawing at latent 4: μ %v, σ %v", ls.Mu, ls.Sigma)
	b.screenshot(t, "arch-lab")
}

// testArchRefused types the absurd values issue 11 names into the editor:
// each is refused beside its field, Apply changes nothing, and the model is
// untouched (the same plane point decodes to the same pixels).
func (b *browserHarness) testArchRefused(t *testing.T) {
	b.onPage(t)
	u, _ := url.Parse(b.pageURL(t, "arch="+editedSpec))
	st, _ := b.open(t, u.Path+"?"+u.RawQuery+"&lab=0&dims=auto") // the train panel, not the lab; the default pair
	// Settled: the KL is in, the plane shows its pair, no manifold is on its way.
	b.waitStatus(t, "the KL and its pair", 90*time.Second, func(s browserStatus) bool {
		i, j, err := core.DefaultPair(s.Arch.KLPerDim)
		return err == nil && s.Arch.Dims == [2]int{i + 1, j + 1}
	})
	before := b.status(t)
	for settled := time.Now(); time.Since(settled) < time.Second; {
		time.Sleep(100 * time.Millisecond)
		if now := b.status(t); now.Manifolds != before.Manifolds {
			before, settled = now, time.Now()
		}
	}
	b.clickZ(t, st, -0.4, 0.3)
	ref := b.waitSample(t, "a digit before", func(p *browserSample) bool { return math.Abs(p.Z[0]+0.4) < 0.05 })
	if b.eval(t, `String(document.querySelector("#arch-box").open)`) != "true" {
		b.click(t, "#arch-box > summary")
	}
	for _, c := range []struct{ field, value, msg string }{
		{"#arch-enc-1", "0", "encoder layer 1: width 0 out of range [8, 1024]"},
		{"#arch-enc-2", "1000000", "encoder layer 2: width 1000000 out of range [8, 1024]"},
		{"#arch-dec-1", "abc", `decoder layer 1: width "abc" is not a whole number`},
		{"#arch-latent", "1", "latent size 1 out of range [2, 16]"},
		{"#arch-latent", "99", "latent size 99 out of range [2, 16]"},
		{"#arch-dropout", "1.5", "dropout rate 1.5 out of range [0, 0.9]"},
	} {
		b.typeInto(t, c.field, c.value)
		deadline := time.Now().Add(5 * time.Second)
		for b.text(t, c.field+"-msg") != c.msg && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		msg := b.text(t, c.field+"-msg")
		if msg != c.msg || !b.visible(t, c.field+"-msg") || b.eval(t, fmt.Sprintf(`document.querySelector(%q).getAttribute("aria-invalid")`, c.field)) != "true" {
			t.Errorf("%s = %s: message %q (visible %v), want %q", c.field, c.value, msg, b.visible(t, c.field+"-msg"), c.msg)
		}
	}
	b.click(t, "#arch-apply")
	time.Sleep(time.Second)
	if m := b.text(t, "#arch-msg"); !strings.Contains(m, "Not applied") || !strings.Contains(m, "unchanged") {
		t.Errorf("Apply with refused fields says %q", m)
	}
	after := b.status(t)
	if after.Arch.Spec != before.Arch.Spec || after.Manifolds != before.Manifolds || after.Weights != before.Weights {
		t.Errorf("refused values changed the model: %+v → %+v", before.Arch, after.Arch)
	}
	b.screenshot(t, "arch-refused")
	b.clickZ(t, st, 0.5, 0.5)
	b.waitSample(t, "another point", func(p *browserSample) bool { return p.Z != ref.Z })
	b.clickZ(t, st, -0.4, 0.3)
	again := b.waitSample(t, "the same point again", func(p *browserSample) bool { return p.Z == ref.Z })
	if d := meanAbsDiff(again.Pixels, ref.Pixels); d != 0 {
		t.Errorf("the same point decodes differently after the refused edits (mean |Δ| %v): the weights changed", d)
	}
	// Undo restores the network trained, without messages.
	b.click(t, "#arch-revert")
	b.waitStatus(t, "the undo", 5*time.Second, func(browserStatus) bool {
		return b.eval(t, `document.querySelector("#arch-latent").value`) == fmt.Sprint(before.Arch.Latent) && b.text(t, "#arch-latent-msg") == ""
	})
	if b.text(t, "#arch-enc-1-msg") != "" || b.text(t, "#arch-msg") != "" {
		t.Errorf("messages after the undo: %q, %q", b.text(t, "#arch-enc-1-msg"), b.text(t, "#arch-msg"))
	}
}

// testArchLoadFile loads weights files in the lab (panel 6): one of
// another network switches the editor, the status and the URL to it; one
// beyond the editor's limits is refused; back to pretrained switches back.
func (b *browserHarness) testArchLoadFile(t *testing.T) {
	b.open(t, "/govae/?lab=1&labsec=keep")
	a := core.Architecture{Input: 784, Encoder: []int{64}, Decoder: []int{48}, Latent: 3, Activation: core.Tanh, Dropout: 0.1}
	m, err := core.New(a, 3)
	if err != nil {
		t.Fatal(err)
	}
	big := core.Architecture{Input: 784, Encoder: []int{16}, Decoder: []int{16}, Latent: 20, Activation: core.ReLU}
	mb, err := core.New(big, 3)
	if err != nil {
		t.Fatal(err)
	}
	upload := func(name string, data []byte) string {
		t.Helper()
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		prev := b.labStatus(t).LoadMsg
		if err := b.run(t, 10*time.Second, chromedp.SetUploadFiles(chromedp.CSS("#lab-load"), []string{p})); err != nil {
			t.Fatal(err)
		}
		return b.waitLab(t, "the verdict on "+name, 20*time.Second, func(s labStatus) bool { return s.LoadMsg != prev && s.LoadMsg != "" }).LoadMsg
	}
	if msg := upload("latent3.bin", m.MarshalBinary()); !strings.Contains(msg, "Loaded latent3.bin") {
		t.Fatalf("a latent-3 file: %q", msg)
	}
	spec := view.FormatArch(a)
	// The status follows the model at once; the editor's words at its next
	// panel update.
	s := b.waitStatus(t, "the loaded network", 10*time.Second, func(s browserStatus) bool {
		return s.Arch.Spec == spec && b.text(t, "#arch-words") == a.String()
	})
	if s.Arch.Latent != 3 || s.Weights != "loaded from a file" || b.text(t, "#arch-words") != a.String() {
		t.Errorf("after loading: %+v, weights %q, panel %q", s.Arch, s.Weights, b.text(t, "#arch-words"))
	}
	if got := b.eval(t, `document.querySelector("#arch-latent").value + " " + document.querySelector("#arch-act").value + " " +
		document.querySelector("#arch-enc-1").value + " " + document.querySelector("#arch-dec-1").value`); got != "3 tanh 64 48" {
		t.Errorf("the editor shows %q", got)
	}
	b.pageURL(t, "arch="+spec)
	if msg := upload("latent20.bin", mb.MarshalBinary()); !strings.Contains(msg, "latent20.bin was refused") || !strings.Contains(msg, "latent size 20 out of range [2, 16]") {
		t.Errorf("a latent-20 file: %q", msg)
	}
	if s := b.status(t); s.Arch.Spec != spec {
		t.Errorf("the refused file changed the network to %s", s.Arch.Spec)
	}
	b.click(t, "#lab-close")
	b.click(t, "#pretrained")
	def := view.FormatArch(core.DefaultArchitecture())
	b.waitStatus(t, "the pretrained network", 10*time.Second, func(s browserStatus) bool {
		return s.Arch.Spec == def && s.Weights == "pretrained" && b.eval(t, `document.querySelector("#arch-latent").value`) == "2"
	})
	b.pageURL(t, "arch="+def)
}
