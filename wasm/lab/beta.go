//go:build js && wasm

package lab

import (
	"fmt"
	"math"
	"strconv"
	"syscall/js"
	"time"

	"github.com/govae/govae/core"
	"github.com/govae/govae/wasm/view"
)

// Panel 4: β and the warm-up, the loss of the current weights in nats per
// image and per unit, the sum-or-mean arithmetic, and the rate–distortion
// plot of the precomputed runs.

// evalEvery is the least time between two test evaluations while training.
const evalEvery = 3 * time.Second

// loadSweep downloads and checks assets/sweep/sweep.json.
func (l *Lab) loadSweep() {
	data, err := l.dom.FetchData("assets/sweep/sweep.json", func(int64, int64) {})
	var s view.Sweep
	if err == nil {
		s, err = view.ParseSweep(data)
	}
	l.host.Post(func() {
		l := l
		if err != nil {
			l.sweepErr = err.Error()
			l.dom.SetText("lab-run-text", "The precomputed runs could not be loaded: "+l.sweepErr)
			l.dom.SetText("lab-lik-now", "The precomputed runs could not be loaded: "+l.sweepErr)
			return
		}
		l.sweep = &s
		if _, ok := s.Run(l.settings.Lab.Run); !ok {
			l.addNotice(view.Notice{Key: "run", Value: l.settings.Lab.Run,
				Message: fmt.Sprintf("run=%s is not a precomputed run; showing %s", l.settings.Lab.Run, view.DefaultRun)})
			l.settings.Lab.Run = view.DefaultRun
			l.host.URLChanged()
		}
		l.rdDirty, l.runsBuilt = true, false
		l.buildLikelihoodFigures()
	})
}

func (l *Lab) betaUpdate() {
	if l.schedDirty {
		l.schedDirty = false
		l.schedAt = time.Now()
		l.drawSchedule()
	}
	l.evalUpdate()
	if l.sweep != nil && !l.runsBuilt {
		l.buildRunButtons()
	}
	if l.rdDirty {
		l.rdDirty = false
		l.drawRD()
		l.showRun()
	}
	l.trainLine()
	if l.shown["eff"] == "" {
		l.shown["eff"] = "shown"
		l.showEffectiveBeta()
	}
}

// evalUpdate evaluates the weights shown on the first test digits when
// they change (every evalEvery at most while training) and shows it.
func (l *Lab) evalUpdate() {
	d := l.dom
	if l.now.Model == nil || l.now.Test == nil {
		if l.now.TestFailed {
			d.SetText("lab-ev-note", "The test digits could not be downloaded, so the loss cannot be measured here.")
		} else {
			d.SetText("lab-ev-note", "Waiting for the test digits…")
		}
		return
	}
	if l.evalKey != l.modelKey && (l.eval == nil || l.eval.Done()) && (!l.host.Training().Running || time.Since(l.evalAt) >= evalEvery) {
		n := min(labEvalImages, l.now.Test.N)
		l.eval = NewEvalJob(l.now.Model.Clone(), l.now.Test.Pixels, n)
		l.evalKey = l.modelKey
		if st := l.host.Training(); st.Started {
			l.evalStep = st.Steps
		}
	}
	e := l.evalLoss
	if e == nil {
		d.SetText("lab-ev-note", "Evaluating…")
		return
	}
	m := l.now.Model
	b := view.Breakdown(e.Recon, e.KL, m.Arch.Input, m.Arch.Latent)
	d.SetText("lab-ev-recon", fmtSig(b.Recon))
	d.SetText("lab-ev-rpp", fmtSig(b.ReconPerPixel)+" per pixel")
	d.SetText("lab-ev-kl", fmtSig(b.KL))
	d.SetText("lab-ev-kpd", fmtSig(b.KLPerDim)+" per latent dim")
	d.SetText("lab-ev-elbo", fmtSig(b.NegELBO))
	note := fmt.Sprintf("Averaged over the first %d test digits (one z sample each); %s likelihood; weights: %s",
		e.N, likName(m.Likelihood.Kind.String()), l.now.Label)
	if l.host.Training().Started && l.evalStep > 0 {
		note += fmt.Sprintf(", step %d", l.evalStep)
	}
	note += fmt.Sprintf(". Per pixel the reconstruction is %s nats, per latent dimension the KL is %s nats: averaging the "+
		"reconstruction over the 784 pixels but not the KL shrinks it 784-fold next to the KL.", fmtShort(b.ReconPerPixel), fmtShort(b.KLPerDim))
	d.SetText("lab-ev-note", note)
}

// showEffectiveBeta answers "sum or mean?" for the calculator's settings.
func (l *Lab) showEffectiveBeta() {
	d := l.dom
	reconMean := d.El("lab-mean-recon").Get("checked").Bool()
	klMean := d.El("lab-mean-kl").Get("checked").Bool()
	w, err := strconv.ParseFloat(d.El("lab-w").Get("value").String(), 64)
	if err != nil || !(w >= 0) || math.IsInf(w, 0) {
		d.SetText("lab-eff", "Type a KL weight w ≥ 0.")
		return
	}
	const pixels = 784
	latent := 2
	if m := l.now.Model; m != nil {
		latent = m.Arch.Latent // the network shown (issue 11: 2 to 16)
	}
	b := view.EffectiveBeta(w, reconMean, klMean, pixels, latent)
	how := ""
	switch {
	case reconMean && klMean:
		how = fmt.Sprintf(" = w × 784 pixels ÷ %d latent dims", latent)
	case reconMean:
		how = " = w × 784 pixels"
	case klMean:
		how = fmt.Sprintf(" = w ÷ %d latent dims", latent)
	}
	effect := "exactly the ELBO."
	switch {
	case b > 1:
		effect = "a stronger KL than the ELBO's: codes are pulled onto N(0, I), digits get blurrier, and for large β the KL can collapse to 0 — the decoder then ignores z."
	case b < 1:
		effect = "a weaker KL than the ELBO's: sharper reconstructions, a less regular latent space (gaps, poor samples)."
	}
	d.SetText("lab-eff", fmt.Sprintf("Trains recon + β·KL (both summed) with β = %s%s: %s With squared error instead of BCE the same weighting "+
		"assumes a Gaussian with σ = √(β/2) = %s pixel units.", fmtShort(b), how, effect, fmtShort(view.ImpliedSigma(b, false, pixels))))
}

// drawSchedule plots the KL weight over the steps, with the current step.
func (l *Lab) drawSchedule() {
	p := l.plots["lab-schedule"]
	if !p.Begin() {
		return
	}
	cfg := l.settings.TrainConfig()
	step := 0
	if st := l.host.Training(); st.Started {
		step = st.Steps
	}
	span := math.Max(math.Max(2*float64(cfg.WarmupSteps), 1000), float64(step)*1.2)
	top := math.Max(cfg.Beta, 0.1) * 1.15
	left, right, y0, y1 := 48.0, p.W-12, 24.0, p.H-20
	x := func(s float64) float64 { return left + s/span*(right-left) }
	y := func(w float64) float64 { return y1 - w/top*(y1-y0) }
	label := "KL weight β·w(t), no warm-up"
	if cfg.WarmupSteps > 0 {
		label = fmt.Sprintf("KL weight β·w(t), warm-up over %d steps", cfg.WarmupSteps)
	}
	p.Text(label, left, 11, 11.5, cssText, "left")
	p.Fill(left, y1, right-left, 1, cssLine)
	p.Fill(left, y0, 1, y1-y0, cssLine)
	var pts [][2]float64
	for i := 0; i <= 200; i++ {
		s := span * float64(i) / 200
		pts = append(pts, [2]float64{x(s), y(cfg.KLWeight(int(s)))})
	}
	p.Polyline(pts, cssTruth, 2, 0)
	p.Text("β = "+fmtShort(cfg.Beta), left-6, y(cfg.Beta), 11, cssMuted, "right")
	p.Text("0", left-6, y1, 11, cssMuted, "right")
	p.Text("step 0", left, y1+11, 11, cssMuted, "left")
	p.Text(fmt.Sprintf("step %.0f", span), right, y1+11, 11, cssMuted, "right")
	if step > 0 {
		sx := x(float64(step))
		p.Fill(sx-0.75, y0, 1.5, y1-y0, cssPost)
		t := fmt.Sprintf("now: step %d, weight %s", step, fmtShort(cfg.KLWeight(step)))
		if sx+5+p.TextWidth(t, 11) > right {
			p.Text(t, sx-5, (y0+y1)/2+8, 11, cssPost, "right")
		} else {
			p.Text(t, sx+5, (y0+y1)/2+8, 11, cssPost, "left")
		}
	}
}

// buildRunButtons makes a button per β run (the plot's keyboard access).
func (l *Lab) buildRunButtons() {
	d := l.dom
	l.runsBuilt = true
	box := d.El("lab-runs")
	box.Set("textContent", "")
	for _, r := range l.sweep.BetaRuns() {
		b := d.Doc.Call("createElement", "button")
		b.Set("type", "button")
		b.Set("id", "lab-run-"+r.ID)
		b.Set("textContent", "β = "+fmtBeta(r.Beta))
		b.Call("setAttribute", "aria-pressed", "false")
		fn := js.FuncOf(func(js.Value, []js.Value) any {
			l.host.Post(func() { l.setLabSetting("run", r.ID) })
			return nil
		})
		d.Keep(fn)
		b.Call("addEventListener", "click", fn)
		box.Call("appendChild", b)
	}
	l.rdDirty = true
}

func fmtBeta(b float64) string { return strconv.FormatFloat(b, 'g', -1, 64) }

// drawRD plots reconstruction against KL for the β runs, and the current
// weights when they use the same (Bernoulli) likelihood.
func (l *Lab) drawRD() {
	p := l.plots["lab-rd"]
	if !p.Begin() {
		return
	}
	if l.sweep == nil {
		msg := "Loading the precomputed runs…"
		if l.sweepErr != "" {
			msg = "The precomputed runs could not be loaded."
		}
		p.Text(msg, p.W/2, p.H/2, 12.5, cssMuted, "center")
		return
	}
	runs := l.sweep.BetaRuns()
	xs, ys := []float64{}, []float64{}
	for _, r := range runs {
		xs, ys = append(xs, r.KL), append(ys, r.Recon)
	}
	var now *core.Loss
	if l.evalLoss != nil && l.now.Model != nil && l.now.Model.Likelihood.Kind == core.Bernoulli {
		now = l.evalLoss
		xs, ys = append(xs, now.KL), append(ys, now.Recon)
	}
	xt, x0, x1 := view.NiceTicks(minOf(xs), maxOf(xs), 6)
	yt, y0, y1 := view.NiceTicks(minOf(ys), maxOf(ys), 5)
	left, right, top, bottom := 50.0, p.W-14, 12.0, p.H-36
	px := func(v float64) float64 { return left + (v-x0)/(x1-x0)*(right-left) }
	py := func(v float64) float64 { return bottom - (v-y0)/(y1-y0)*(bottom-top) }
	for _, t := range xt {
		p.Fill(px(t)-0.5, top, 1, bottom-top, "#1c2128")
		p.Text(view.FormatNumber(t, decimalsFor(xt)), px(t), bottom+11, 11, cssMuted, "center")
	}
	for _, t := range yt {
		p.Fill(left, py(t)-0.5, right-left, 1, "#1c2128")
		p.Text(view.FormatNumber(t, decimalsFor(yt)), left-6, py(t), 11, cssMuted, "right")
	}
	p.Text("KL = rate (nats per image) →", (left+right)/2, bottom+26, 11.5, cssText, "center")
	p.Ctx.Call("save")
	p.Ctx.Call("translate", 12, (top+bottom)/2)
	p.Ctx.Call("rotate", -math.Pi/2)
	p.Text("reconstruction = distortion →", 0, 0, 11.5, cssText, "center")
	p.Ctx.Call("restore")
	var line [][2]float64
	for _, r := range runs {
		line = append(line, [2]float64{px(r.KL), py(r.Recon)})
	}
	p.Polyline(line, cssMuted, 1.5, 0)
	l.rdPoints = l.rdPoints[:0]
	for _, r := range runs {
		x, y := px(r.KL), py(r.Recon)
		sel := r.ID == l.settings.Lab.Run
		if sel {
			p.Circle(x, y, 10, "", cssText, 2)
		}
		p.Circle(x, y, 6, cssReparam, cssBG, 1.5)
		align, dx := "left", 12.0
		if x > right-60 {
			align, dx = "right", -12
		}
		p.Text("β = "+fmtBeta(r.Beta), x+dx, y-9, 11.5, cssText, align)
		l.rdPoints = append(l.rdPoints, rdPoint{x, y, r.ID})
	}
	if now != nil {
		x, y := px(now.KL), py(now.Recon)
		p.Circle(x, y, 6, "", cssTruth, 2.5)
		align, dx := "left", 11.0
		if x > right-170 {
			align, dx = "right", -11
		}
		p.Text("the weights shown ("+l.now.Label+")", x+dx, y+11, 11, cssTruth, align)
	}
}

func minOf(v []float64) float64 {
	m := math.Inf(1)
	for _, x := range v {
		m = math.Min(m, x)
	}
	return m
}

func maxOf(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = math.Max(m, x)
	}
	return m
}

// bindRDClicks selects the run nearest a click on the plot.
func (l *Lab) bindRDClicks() {
	el := l.dom.El("lab-rd")
	fn := js.FuncOf(func(_ js.Value, args []js.Value) any {
		x, y := args[0].Get("offsetX").Float(), args[0].Get("offsetY").Float()
		l.host.Post(func() {
			best, bestD := "", 16.0
			for _, p := range l.rdPoints {
				if d := math.Hypot(p.x-x, p.y-y); d < bestD {
					best, bestD = p.id, d
				}
			}
			if best != "" {
				l.setLabSetting("run", best)
			}
		})
		return nil
	})
	l.dom.Keep(fn)
	el.Call("addEventListener", "click", fn)
}

// showRun shows the selected run's manifold and figures.
func (l *Lab) showRun() {
	d := l.dom
	if l.sweep == nil {
		return
	}
	r, ok := l.sweep.Run(l.settings.Lab.Run)
	if !ok {
		return
	}
	for _, b := range l.sweep.BetaRuns() {
		if e := d.El("lab-run-" + b.ID); e.Truthy() {
			e.Call("setAttribute", "aria-pressed", strconv.FormatBool(b.ID == r.ID))
		}
	}
	img := d.El("lab-run-img")
	src := "assets/sweep/" + r.Manifold
	if img.Call("getAttribute", "src").String() != src {
		img.Set("src", src)
		d.El("lab-run-link").Set("href", src)
	}
	img.Set("alt", fmt.Sprintf("Manifold of the precomputed run at β = %s, %s likelihood: decoder means on a %d×%d grid",
		fmtBeta(r.Beta), r.Likelihood, l.sweep.GridSize, l.sweep.GridSize))
	m := 784.0
	d.SetText("lab-run-text", fmt.Sprintf("β = %s, %s, %d epochs (%d steps of %d): test −ELBO %s = recon %s + KL %s nats per image; "+
		"%s nats per pixel, %s per latent dim. The manifold on the left is its %d×%d grid of decoder means.",
		fmtBeta(r.Beta), likName(r.Likelihood), r.Epochs, r.Steps, l.sweep.BatchSize, fmtShort(r.NegELBO), fmtShort(r.Recon), fmtShort(r.KL),
		fmtShort(r.Recon/m), fmtShort(r.KLPerDim), l.sweep.GridSize, l.sweep.GridSize))
	d.SetText("lab-rerun", fmt.Sprintf("Re-run β = %s live", fmtBeta(r.Beta)))
}

func likName(s string) string {
	switch s {
	case "bernoulli":
		return "Bernoulli"
	case "gaussian":
		return "Gaussian (fixed σ)"
	case "gaussian-learned":
		return "Gaussian (learned σ)"
	case "continuous-bernoulli":
		return "continuous Bernoulli"
	}
	return s
}

// rerunSelected re-trains the selected run from scratch in this tab.
func (l *Lab) rerunSelected() {
	if l.sweep == nil {
		return
	}
	if r, ok := l.sweep.Run(l.settings.Lab.Run); ok {
		l.rerun(r)
	}
}

// rerun sets β and the likelihood of a precomputed run and trains fresh
// weights with them, with the train panel's backend and other settings.
func (l *Lab) rerun(r view.SweepRun) {
	if !l.host.Training().Started {
		l.dom.SetText("lab-train-line", "The page is still starting; try again in a moment.")
		return
	}
	l.host.SetSetting("lik", r.Likelihood)
	if r.Sigma > 0 {
		l.host.SetSetting("sigma", fmtBeta(r.Sigma))
	}
	l.host.SetSetting("beta", fmtBeta(r.Beta))
	l.setLabSetting("run", r.ID)
	l.host.Retrain()
	l.trainDirty = true
}

// trainLine reports the backend's training in the lab.
func (l *Lab) trainLine() {
	d := l.dom
	st := l.host.Training()
	if !st.Started {
		return
	}
	running := st.Running
	d.SetBool("lab-train-pause", "disabled", !running && !st.Wanted)
	d.SetBool("lab-train-resume", "disabled", running || st.DataLoading)
	cfg := l.settings.TrainConfig()
	var msg string
	switch {
	case st.DataLoading:
		msg = "Downloading the training digits… " + st.DataText
	case st.DataFailed:
		msg = st.DataText
	case running:
		msg = fmt.Sprintf("Training (%s): step %d, epoch %d, β = %s, %s likelihood, KL weight now %s.",
			l.now.Label, st.Steps, st.Epoch, fmtBeta(cfg.Beta), likName(cfg.Likelihood.Kind.String()), fmtShort(cfg.KLWeight(st.Steps)))
	case st.Steps > 0:
		msg = fmt.Sprintf("Paused at step %d (%s).", st.Steps, l.now.Label)
	default:
		msg = fmt.Sprintf("Not training; the weights are %s.", l.now.Label)
	}
	if l := st.Last; l != nil && st.Steps > 0 {
		msg += fmt.Sprintf(" Last batch: −ELBO %s = recon %s + KL %s nats.", fmtShort(l.NegELBO), fmtShort(l.Recon), fmtShort(l.KL))
	}
	d.SetText("lab-train-line", msg)
	if running && time.Since(l.schedAt) > time.Second {
		l.schedDirty = true
	}
}
