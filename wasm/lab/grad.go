//go:build js && wasm

package lab

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/govae/govae/core"
	"github.com/govae/govae/wasm/bridge"
	"github.com/govae/govae/wasm/view"
)

// Panel 1: the two gradient estimators, on the toy problem and on the
// real encoder.

// toyInterval is the least time between two toy measurements while a
// slider moves (200 000 samples take a moment in WebAssembly).
const toyInterval = 120 * time.Millisecond

func (l *Lab) gradUpdate() {
	s := l.settings.Lab
	d := l.dom
	if l.toyDirty && time.Since(l.toyAt) >= toyInterval {
		l.toyDirty = false
		l.toyAt = time.Now()
		r := RunToy(s.Theta, s.Samples, s.Seed)
		l.toy = &r
		l.drawToy()
		d.SetText("lab-toy-rmean", fmtSig(r.R.Mean))
		d.SetText("lab-toy-rvar", fmtSig(r.R.Var))
		d.SetText("lab-toy-smean", fmtSig(r.S.Mean))
		d.SetText("lab-toy-svar", fmtSig(r.S.Var))
		d.SetText("lab-toy-sexact", fmtSig(r.ExactS))
		d.SetText("lab-toy-ratio", fmt.Sprintf(
			"Both average to the true gradient 2θ = %s. The score-function estimates vary %s× as much "+
				"(exactly (θ⁴ + 14θ² + 15)/4 = %s×): for the same precision it needs %s× as many samples.",
			fmtShort(2*s.Theta), fmtRatio(r.Ratio()), fmtRatio(r.ExactS/r.ExactR), fmtRatio(r.Ratio())))
		d.SetText("lab-seed-text", fmt.Sprintf("seed %d, %d samples each", s.Seed, s.Samples))
	}
	l.encoderUpdate()
}

// drawToy draws the two estimators' histograms on a shared axis.
func (l *Lab) drawToy() {
	r := l.toy
	p := l.plots["lab-toy-hist"]
	if r == nil || !p.Begin() {
		return
	}
	drawHistPair(p, r.Reparam, r.Score, 2*r.Theta, "true gradient 2θ = "+fmtShort(2*r.Theta),
		[2]string{"reparameterized", "score function"}, [2]float64{r.R.Var, r.S.Var})
}

// drawHistPair draws two histograms of samples, one above the other, on
// the same x axis, with a vertical line at the true value.
func drawHistPair(p *bridge.Plot, a, b []float64, truth float64, truthName string, names [2]string, vars [2]float64) {
	lo, hi := view.SharedRange(truth, 0.005, a, b)
	const bins = 60
	left, right, top, bottom := 10.0, p.W-10, 22.0, p.H-22
	rowH := (bottom - top - 10) / 2
	x := func(v float64) float64 { return left + (v-lo)/(hi-lo)*(right-left) }
	for i, xs := range [][]float64{a, b} {
		h := view.NewHistogram(xs, lo, hi, bins)
		y0 := top + float64(i)*(rowH+10)
		col := cssReparam
		if i == 1 {
			col = cssScore
		}
		p.Fill(left, y0+rowH, right-left, 1, cssLine)
		peak := float64(max(h.Max(), 1))
		bw := (right - left) / bins
		for k, c := range h.Counts {
			if c == 0 {
				continue
			}
			bh := float64(c) / peak * (rowH - 16)
			p.Fill(left+float64(k)*bw+0.5, y0+rowH-bh, math.Max(bw-1, 1), bh, col)
		}
		label := fmt.Sprintf("%s: variance %s", names[i], fmtSig(vars[i]))
		if out := h.Below + h.Above; out > 0 {
			label += fmt.Sprintf(" (%d beyond the axis)", out)
		}
		p.Text(label, right, y0+7, 11.5, cssText, "right")
	}
	// The true value and the axis.
	tx := x(truth)
	p.Fill(tx-0.75, top-6, 1.5, bottom-top+6, cssTruth)
	tw := p.TextWidth(truthName, 11.5)
	p.Text(truthName, math.Min(math.Max(tx, left+tw/2), right-tw/2), 9, 11.5, cssTruth, "center")
	ticks, _, _ := view.NiceTicks(lo, hi, max(3, int((right-left)/70)))
	for _, t := range ticks {
		if t < lo || t > hi {
			continue
		}
		p.Fill(x(t)-0.5, bottom, 1, 4, cssMuted)
		label := view.FormatNumber(t, decimalsFor(ticks))
		w := p.TextWidth(label, 11) / 2
		p.Text(label, math.Min(math.Max(x(t), left+w), right-w), bottom+12, 11, cssMuted, "center")
	}
}

// decimalsFor returns the decimals tick labels need.
func decimalsFor(ticks []float64) int {
	if len(ticks) < 2 {
		return 0
	}
	step := ticks[1] - ticks[0]
	if step >= 1 {
		return 0
	}
	return int(math.Ceil(-math.Log10(step) - 1e-9))
}

// encoderUpdate starts a measurement on the real encoder when its inputs
// changed (not while training: the weights change under it) and shows its
// progress and results.
func (l *Lab) encoderUpdate() {
	s, d := l.settings.Lab, l.dom
	if l.now.Model == nil {
		d.SetText("lab-enc-progress", "Waiting for the weights…")
		return
	}
	x, what := l.gradDigit()
	key := encKey{model: l.modelKey, digit: s.GradDigit, n: s.Samples, seed: s.Seed, likKind: l.now.Model.Likelihood.Kind}
	if s.GradDigit == view.GradDigitDrawn {
		key.drawing = s.Digit
	}
	if x == nil {
		l.enc, l.encKey = nil, encKey{}
		d.SetText("lab-enc-progress", what)
		d.SetText("lab-enc-rows", "")
		if p := l.plots["lab-enc-hist"]; p.Begin() {
			p.Text(what, p.W/2, p.H/2, 12.5, cssMuted, "center")
		}
		return
	}
	// While training the weights change several times a second: a new
	// measurement then starts only when something else changed too.
	other := key
	other.model = l.encKey.model
	if key != l.encKey && (l.enc == nil || !l.host.Training().Running || other != l.encKey) {
		// A snapshot: the job must not see the weights change mid-way.
		l.enc = NewEncoderGradJob(l.now.Model.Clone(), x, l.now.Model.Likelihood, s.Samples, s.Seed)
		l.encKey = key
		l.encShown = -1
	}
	j := l.enc
	if j == nil {
		return
	}
	if !j.Done() {
		d.SetText("lab-enc-progress", fmt.Sprintf("Measuring on %s: %d of %d single-sample estimates…", what, len(j.Reparam), j.N))
	} else {
		note := ""
		if l.encKey.model != l.modelKey {
			note = " (the weights have changed since: training is running; it is measured again when training pauses)"
		}
		st := j.Stats()
		c := l.gradIndex(s.Comp, len(j.Mu))
		ratio := st[1][c].Var / st[0][c].Var
		mu, lv := l.onPlane(j.Mu), l.onPlane(j.Logvar) // the plane's two dimensions
		d.SetText("lab-enc-progress", fmt.Sprintf("%s (μ = (%s, %s), log σ² = (%s, %s)): %d single-sample estimates per estimator, seed %d. "+
			"For %s the score-function estimates vary %s× as much, so on a shared axis the reparameterized ones are a spike.%s",
			capitalise(what), fmtShort(mu[0]), fmtShort(mu[1]), fmtShort(lv[0]), fmtShort(lv[1]), j.N, j.Seed,
			gradName(c, len(j.Mu)), fmtRatio(ratio), note))
	}
	// Redraw as the estimates come in, a few times a second.
	if n := len(j.Reparam); n != l.encShown && (j.Done() || time.Since(l.encDrawn) > 300*time.Millisecond) {
		l.encShown, l.encDrawn = n, time.Now()
		l.drawEncoder()
	}
}

// gradDigit returns the image the encoder estimators use and how to name it.
func (l *Lab) gradDigit() ([]float32, string) {
	s := l.settings.Lab
	if s.GradDigit == view.GradDigitDrawn {
		if l.drawing == nil {
			return nil, "Draw a digit in panel 2 (or pick a test digit) to measure the encoder's estimators."
		}
		return l.drawing, "your drawing"
	}
	t := l.now.Test
	if t == nil {
		if l.now.TestFailed {
			return nil, "The test digits could not be downloaded; draw a digit in panel 2 and choose “my drawing”."
		}
		return nil, "Waiting for the test digits…"
	}
	if s.GradDigit >= t.N {
		return nil, fmt.Sprintf("There is no test image %d.", s.GradDigit)
	}
	return t.Image(s.GradDigit), fmt.Sprintf("test image %d (a %d)", s.GradDigit, t.Labels[s.GradDigit])
}

func (l *Lab) drawEncoder() {
	j := l.enc
	p := l.plots["lab-enc-hist"]
	if j == nil || len(j.Reparam) < 2 || !p.Begin() {
		return
	}
	c := l.gradIndex(l.settings.Lab.Comp, len(j.Mu))
	a, b := j.Component(0, c), j.Component(1, c)
	ra, rb := core.Summarize(a), core.Summarize(b)
	// The truth is unknown here; both means estimate it, the
	// reparameterised one far more precisely.
	drawHistPair(p, a, b, ra.Mean, "reparameterized mean", [2]string{"reparameterized", "score function"}, [2]float64{ra.Var, rb.Var})
	if !j.Done() {
		return
	}
	st := j.Stats()
	tbody := l.dom.El("lab-enc-rows")
	tbody.Set("textContent", "")
	for k := range st[0] {
		tr := l.dom.Doc.Call("createElement", "tr")
		cells := []string{gradName(k, len(j.Mu)), fmtSig(st[0][k].Mean), fmtSig(st[0][k].Var), fmtSig(st[1][k].Mean), fmtSig(st[1][k].Var),
			fmtRatio(st[1][k].Var/st[0][k].Var) + "×"}
		for _, s := range cells {
			td := l.dom.Doc.Call("createElement", "td")
			td.Set("textContent", s)
			tr.Call("appendChild", td)
		}
		tbody.Call("appendChild", tr)
	}
	l.dom.Wrote("lab-enc-rows", "rows")
}

// gdigitOptions fills the estimator's digit menu: the visitor's drawing
// and the first test image of each class (and the URL's image, if another).
func (l *Lab) gdigitOptions() {
	d := l.dom
	key := "gdigit-options"
	haveTest := l.now.Model != nil && l.now.Test != nil
	want := fmt.Sprintf("%v %d %p", haveTest, l.settings.Lab.GradDigit, l.now.Test)
	if l.shown[key] == want {
		return
	}
	l.shown[key] = want
	sel := d.El("lab-gdigit")
	sel.Set("textContent", "")
	add := func(value, label string) {
		o := d.Doc.Call("createElement", "option")
		o.Set("value", value)
		o.Set("textContent", label)
		sel.Call("appendChild", o)
	}
	add("drawn", "my drawing (panel 2)")
	seen := map[int]bool{}
	if haveTest {
		if l.firstOf != l.now.Test {
			t := l.now.Test
			l.firstDigits, l.firstOf = nil, t
			for digit := uint8(0); digit < 10; digit++ {
				for i, lab := range t.Labels {
					if lab == digit {
						l.firstDigits = append(l.firstDigits, i)
						break
					}
				}
			}
		}
		for _, i := range l.firstDigits {
			add(strconv.Itoa(i), fmt.Sprintf("test image %d (a %d)", i, l.now.Test.Labels[i]))
			seen[i] = true
		}
	}
	if gd := l.settings.Lab.GradDigit; gd >= 0 && !seen[gd] {
		add(strconv.Itoa(gd), fmt.Sprintf("test image %d", gd))
	}
	sel.Set("value", l.settings.Lab.Get("gdigit"))
}

func fmtSig(v float64) string   { return view.FormatSig(v) }
func fmtShort(v float64) string { return view.FormatShort(v) }
func fmtRatio(r float64) string { return view.FormatRatio(r) }

// capitalise upper-cases the first letter of s (ASCII).
func capitalise(s string) string {
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}
