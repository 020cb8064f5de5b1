//go:build js && wasm

package lab

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"syscall/js"
	"time"

	"github.com/govae/govae/core"
	"github.com/govae/govae/core/digit"
	"github.com/govae/govae/wasm/bridge"
	"github.com/govae/govae/wasm/view"
)

// Panel 2: the drawing pad, the posterior of the drawing, its samples.

// The pad is padSide×padSide canvas pixels, drawn with a round pen of
// padPen: a digit drawn across most of the pad, scaled into MNIST's 20×20
// box, gets strokes about 2 pixels wide, like MNIST's.
const (
	padSide     = 280
	padPen      = 21
	padInterval = 80 * time.Millisecond // re-encode at most this often while drawing
)

// pad is the drawing canvas. Its pointer handlers run inside the browser's
// event dispatch and only draw on the canvas and raise changed; the game
// loop reads the pixels.
type pad struct {
	el, ctx      js.Value
	down         bool
	id           int // the pointer drawing
	lastX, lastY float64
	changed      atomicFlag
	encodedAt    time.Time
}

func newPad(d *bridge.DOM) *pad {
	p := &pad{el: d.El("lab-pad")}
	p.ctx = p.el.Call("getContext", "2d", js.ValueOf(map[string]any{"willReadFrequently": true}))
	p.clear()
	pos := func(e js.Value) (float64, float64) {
		r := p.el.Call("getBoundingClientRect")
		w, h := r.Get("width").Float(), r.Get("height").Float()
		if w <= 0 || h <= 0 {
			return 0, 0
		}
		return (e.Get("clientX").Float() - r.Get("left").Float()) * padSide / w,
			(e.Get("clientY").Float() - r.Get("top").Float()) * padSide / h
	}
	on := func(event string, f func(e js.Value)) {
		fn := js.FuncOf(func(_ js.Value, args []js.Value) any {
			f(args[0])
			return nil
		})
		d.Keep(fn)
		p.el.Call("addEventListener", event, fn)
	}
	on("pointerdown", func(e js.Value) {
		if e.Get("button").Int() != 0 {
			return
		}
		e.Call("preventDefault")
		p.el.Call("setPointerCapture", e.Get("pointerId"))
		p.down, p.id = true, e.Get("pointerId").Int()
		p.lastX, p.lastY = pos(e)
		p.stroke(p.lastX, p.lastY, p.lastX, p.lastY)
		p.changed.Store(true)
	})
	on("pointermove", func(e js.Value) {
		if !p.down || e.Get("pointerId").Int() != p.id {
			return
		}
		e.Call("preventDefault")
		x, y := pos(e)
		p.stroke(p.lastX, p.lastY, x, y)
		p.lastX, p.lastY = x, y
		p.changed.Store(true)
	})
	end := func(e js.Value) {
		if p.down && e.Get("pointerId").Int() == p.id {
			p.down = false
			p.changed.Store(true)
		}
	}
	on("pointerup", end)
	on("pointercancel", end)
	return p
}

// stroke draws a segment of the pen's path.
func (p *pad) stroke(x0, y0, x1, y1 float64) {
	c := p.ctx
	c.Set("strokeStyle", "#fff")
	c.Set("lineWidth", padPen)
	c.Set("lineCap", "round")
	c.Set("lineJoin", "round")
	c.Call("beginPath")
	c.Call("moveTo", x0, y0)
	c.Call("lineTo", x1, y1)
	c.Call("stroke")
}

func (p *pad) clear() {
	p.ctx.Set("fillStyle", "#000")
	p.ctx.Call("fillRect", 0, 0, padSide, padSide)
}

// paint shows a 28×28 image (a drawing from a link) enlarged on the pad.
func (p *pad) paint(px []float32) {
	p.clear()
	tmp := js.Global().Get("document").Call("createElement", "canvas")
	tmp.Set("width", digitSide)
	tmp.Set("height", digitSide)
	b := make([]byte, 4*len(px))
	for i, v := range px {
		c := byte(math.Round(float64(min(max(v, 0), 1)) * 255))
		b[4*i], b[4*i+1], b[4*i+2], b[4*i+3] = c, c, c, 255
	}
	arr := js.Global().Get("Uint8ClampedArray").New(len(b))
	js.CopyBytesToJS(arr, b)
	tmp.Call("getContext", "2d").Call("putImageData", js.Global().Get("ImageData").New(arr, digitSide, digitSide), 0, 0)
	p.ctx.Set("imageSmoothingEnabled", true)
	p.ctx.Call("drawImage", tmp, 0, 0, padSide, padSide)
}

// pixels returns the pad's ink, row-major intensities in [0, 1].
func (p *pad) pixels() []float32 {
	data := p.ctx.Call("getImageData", 0, 0, padSide, padSide).Get("data")
	b := make([]byte, data.Get("length").Int())
	js.CopyBytesToGo(b, data)
	out := make([]float32, padSide*padSide)
	for i := range out {
		out[i] = float32(b[4*i]) / 255
	}
	return out
}

// padUpdate turns new ink into the normalised digit, at most every
// padInterval while the pen moves and once more when it lifts.
func (l *Lab) padUpdate() {
	p := l.pad
	if !p.changed.Load() || time.Since(p.encodedAt) < padInterval {
		return
	}
	p.changed.Store(false)
	p.encodedAt = time.Now()
	x, err := digit.Normalize(p.pixels(), padSide, padSide)
	if errors.Is(err, digit.ErrEmpty) {
		return
	}
	if err != nil {
		panic(err) // the pad's size is fixed
	}
	// What the link keeps: 16 grey levels. Using exactly that here makes
	// a shared link reproduce these very numbers.
	code, _ := view.EncodeDigit(x)
	l.drawing, _ = view.DecodeDigit(code)
	l.settings.Lab.Digit = code
	l.host.URLChanged()
	l.postDirty = true
}

// clearDrawing empties the pad and forgets the drawing.
func (l *Lab) clearDrawing() {
	l.pad.clear()
	l.pad.changed.Store(false)
	l.drawing, l.mu, l.lv = nil, nil, nil
	l.settings.Lab.Digit = ""
	l.host.URLChanged()
	l.postDirty, l.overlayDirty = true, true
}

// drawPanelUpdate encodes the drawing with the weights shown and decodes
// its posterior samples.
func (l *Lab) drawPanelUpdate() {
	d := l.dom
	cross := [2]float64{l.settings.Z1, l.settings.Z2}
	if l.drawing == nil && cross != l.meanZ {
		l.postDirty = true // the means-versus-samples tiles follow the crosshair
	}
	if !l.postDirty {
		return
	}
	l.postDirty = false
	l.overlayDirty = true
	if l.drawing == nil {
		l.mu, l.lv = nil, nil
		for _, id := range []string{"lab-input", "lab-recon", "lab-samples"} {
			d.ClearCanvas(id)
		}
		// Without a drawing, means versus samples at the crosshair.
		l.meanZ = cross
		m := l.now.Model
		mean := m.Decode(l.planeZ([][2]float64{cross}), 1, m.Likelihood, nil)
		l.showMeanAndSample(mean, "at the crosshair")
		d.SetText("lab-post", "")
		for _, id := range []string{"lab-mu1", "lab-mu2", "lab-lv1", "lab-lv2", "lab-sg1", "lab-sg2"} {
			d.SetText(id, "—")
		}
		l.drawPostZoom(nil)
		d.SetText("lab-pad-hint", "Draw a digit above.")
		return
	}
	d.SetText("lab-pad-hint", "Draw more to add strokes.")
	m := l.now.Model
	l.mu, l.lv = m.Encode(l.drawing, 1)
	s := l.settings.Lab
	pi, pj := l.pairIn(len(l.mu))
	dims := [2]int{pi, pj} // the plane's two dimensions
	sigma := [2]float64{view.SigmaFromLogvar(float64(l.lv[pi])), view.SigmaFromLogvar(float64(l.lv[pj]))}
	z := l.posteriorSamples()
	dec := m.Decode(z, s.Post, m.Likelihood, nil)
	mean := m.Decode(l.mu, 1, m.Likelihood, nil)
	d.PutDigits("lab-input", l.drawing, 1)
	d.PutDigits("lab-recon", mean, 1)
	d.PutDigits("lab-samples", dec, s.Post)
	l.showMeanAndSample(mean, "at μ")
	for j, k := range dims {
		n := fmt.Sprint(j + 1)
		d.SetText("lab-post-z"+n, view.LatentName(k))
		d.SetText("lab-mu"+n, fmtSig(float64(l.mu[k])))
		d.SetText("lab-lv"+n, fmtSig(float64(l.lv[k])))
		d.SetText("lab-sg"+n, fmtSig(sigma[j]))
	}
	small := ""
	if math.Max(sigma[0], sigma[1]) < 0.15 {
		small = " σ is small — the encoder is sure where a clear digit belongs — so on the plane the ellipses are tiny and the samples decode to nearly the same digit."
	}
	d.SetText("lab-post", fmt.Sprintf("KL(q(z|x) ‖ N(0, I)) = %s nats: what this digit costs in the KL term.%s",
		fmtShort(core.KL(l.mu, l.lv)), small))
	l.drawPostZoom(z)
}

// drawPostZoom draws the drawing's posterior magnified, with equal scales
// on both axes: the 1σ and 2σ ellipses, σ₁ and σ₂ as half-axes, μ and the
// samples z.
func (l *Lab) drawPostZoom(z []float32) {
	p := l.plots["lab-post-zoom"]
	if !p.Begin() {
		return
	}
	if l.mu == nil {
		p.Text("The posterior of your digit appears here.", p.W/2, p.H/2, 12, cssMuted, "center")
		return
	}
	mu := l.onPlane(l.mu)
	lv := l.onPlane(l.lv)
	sg := [2]float64{view.SigmaFromLogvar(lv[0]), view.SigmaFromLogvar(lv[1])}
	r := 2.6 * math.Max(sg[0], sg[1]) // half the box, in z units
	left, top, bottom := 46.0, 20.0, p.H-18
	side := math.Min(p.W-left-8, bottom-top)
	x0 := left + (p.W-left-8-side)/2
	scale := side / (2 * r)
	cx, cy := x0+side/2, top+side/2
	at := func(q [2]float64) [2]float64 { return [2]float64{cx + (q[0]-mu[0])*scale, cy - (q[1]-mu[1])*scale} }
	p.Text("q(z|x) magnified: 1σ and 2σ (dashed)", 4, 9, 11.5, cssText, "left")
	p.Fill(x0, top, side, side, "#0a0d12")
	for axis := 0; axis < 2; axis++ {
		ticks, _, _ := view.NiceTicks(mu[axis]-r, mu[axis]+r, 4)
		for _, t := range ticks {
			if t < mu[axis]-r || t > mu[axis]+r {
				continue
			}
			label := view.FormatNumber(t, decimalsFor(ticks))
			if axis == 0 {
				x := at([2]float64{t, mu[1]})[0]
				p.Fill(x-0.5, top, 1, side, "#1c2128")
				p.Text(label, x, bottom+9, 10.5, cssMuted, "center")
			} else {
				y := at([2]float64{mu[0], t})[1]
				p.Fill(x0, y-0.5, side, 1, "#1c2128")
				p.Text(label, x0-4, y, 10.5, cssMuted, "right")
			}
		}
	}
	for _, k := range []float64{2, 1} {
		ell := view.Ellipse(mu, sg, k, 96)
		pts := make([][2]float64, len(ell))
		for i, q := range ell {
			pts[i] = at(q)
		}
		if k == 2 {
			p.Polyline(pts, cssPost, 1.5, 5)
		} else {
			p.Polyline(pts, cssPost, 2, 0)
		}
	}
	c := at(mu)
	e1, e2 := at([2]float64{mu[0] + sg[0], mu[1]}), at([2]float64{mu[0], mu[1] + sg[1]})
	p.Polyline([][2]float64{c, e1}, cssText, 1.2, 0)
	p.Polyline([][2]float64{c, e2}, cssText, 1.2, 0)
	d := len(l.mu)
	pi, pj := l.pairIn(d)
	p.Text("σ"+subscript(pi), e1[0]+3, c[1]+8, 11, cssText, "left")
	p.Text("σ"+subscript(pj), c[0]-4, e2[1]-2, 11, cssText, "right")
	for i := 0; i+d <= len(z); i += d {
		q := at(l.onPlane(z[i : i+d]))
		if q[0] >= x0 && q[0] <= x0+side && q[1] >= top && q[1] <= top+side {
			p.Circle(q[0], q[1], 3, "#c9f6ff", cssBG, 1)
		}
	}
	p.Circle(c[0], c[1], 4, cssPost, cssBG, 1.2)
	p.Text("μ", c[0]-6, c[1]+8, 11.5, cssPost, "right")
}

// showMeanAndSample shows a decoder mean next to one sample of p(x|z)
// at the same z (where names it).
func (l *Lab) showMeanAndSample(mean []float32, where string) {
	d, m := l.dom, l.now.Model
	lik := m.Likelihood
	obsSigma := lik.Sigma
	if lik.Kind == core.GaussianLearned {
		obsSigma = math.Exp(m.LogSigma())
	}
	rng := rand.New(rand.NewPCG(l.settings.Lab.PostSeed, 0x0b5))
	d.PutDigits("lab-mean-tile", mean, 1)
	d.PutDigits("lab-obs-tile", view.SampleObservation(lik.Kind, mean, obsSigma, rng), 1)
	d.SetText("lab-mean-caption", "the mean E[x|z] "+where)
	captions := map[core.LikelihoodKind]string{
		core.Bernoulli:           "a sample x ~ p(x|z): Bernoulli pixels are 0 or 1",
		core.Gaussian:            fmt.Sprintf("a sample x ~ p(x|z): mean + %s·noise", fmtShort(obsSigma)),
		core.GaussianLearned:     fmt.Sprintf("a sample x ~ p(x|z): mean + %s·noise (learned σ)", fmtShort(obsSigma)),
		core.ContinuousBernoulli: "a sample x ~ p(x|z) (continuous Bernoulli)",
	}
	d.SetText("lab-obs-caption", captions[lik.Kind])
}

// posteriorSamples returns the lab's samples z = μ + σ·ε of the drawing's
// posterior (Post of them, noise from PostSeed), Latent values each,
// flattened.
func (l *Lab) posteriorSamples() []float32 {
	s := l.settings.Lab
	if l.mu == nil {
		return nil
	}
	rng := rand.New(rand.NewPCG(s.PostSeed, 0x5a3))
	z := make([]float32, 0, len(l.mu)*s.Post)
	for k := 0; k < s.Post; k++ {
		for j := range l.mu {
			z = append(z, l.mu[j]+float32(view.SigmaFromLogvar(float64(l.lv[j]))*rng.NormFloat64()))
		}
	}
	return z
}
