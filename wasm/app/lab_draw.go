//go:build js && wasm

package app

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"syscall/js"
	"time"

	"github.com/govae/govae/core"
	"github.com/govae/govae/core/digit"
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

func newPad(g *Game) *pad {
	p := &pad{el: g.dom.el("lab-pad")}
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
		g.dom.funcs = append(g.dom.funcs, fn)
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
	tmp.Set("width", labDigit)
	tmp.Set("height", labDigit)
	b := make([]byte, 4*len(px))
	for i, v := range px {
		c := byte(math.Round(float64(min(max(v, 0), 1)) * 255))
		b[4*i], b[4*i+1], b[4*i+2], b[4*i+3] = c, c, c, 255
	}
	arr := js.Global().Get("Uint8ClampedArray").New(len(b))
	js.CopyBytesToJS(arr, b)
	tmp.Call("getContext", "2d").Call("putImageData", js.Global().Get("ImageData").New(arr, labDigit, labDigit), 0, 0)
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
func (g *Game) padUpdate() {
	l := g.lab
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
	g.settings.Lab.Digit = code
	g.urlDirty = true
	l.postDirty = true
}

// clearDrawing empties the pad and forgets the drawing.
func (g *Game) clearDrawing() {
	l := g.lab
	l.pad.clear()
	l.pad.changed.Store(false)
	l.drawing, l.mu, l.lv = nil, nil, nil
	g.settings.Lab.Digit = ""
	g.urlDirty = true
	l.postDirty, l.overlayDirty = true, true
}

// drawPanelUpdate encodes the drawing with the weights shown and decodes
// its posterior samples.
func (g *Game) drawPanelUpdate() {
	l, d := g.lab, g.dom
	if !l.postDirty {
		return
	}
	l.postDirty = false
	l.overlayDirty = true
	if l.drawing == nil {
		l.mu, l.lv = nil, nil
		for _, id := range []string{"lab-input", "lab-recon", "lab-mean-tile", "lab-obs-tile", "lab-samples"} {
			d.clearCanvas(id)
		}
		d.setText("lab-post", "")
		d.setText("lab-pad-hint", "Draw a digit above.")
		return
	}
	d.setText("lab-pad-hint", "Keep drawing to add strokes.")
	m := g.scene.Model
	l.mu, l.lv = m.Encode(l.drawing, 1)
	s := g.settings.Lab
	sigma := [2]float64{view.SigmaFromLogvar(float64(l.lv[0])), view.SigmaFromLogvar(float64(l.lv[1]))}
	z := g.posteriorSamples()
	dec := m.Decode(z, s.Post, m.Likelihood, nil)
	mean := m.Decode(l.mu, 1, m.Likelihood, nil)
	d.putDigits("lab-input", l.drawing, 1)
	d.putDigits("lab-recon", mean, 1)
	d.putDigits("lab-mean-tile", mean, 1)
	d.putDigits("lab-samples", dec, s.Post)
	lik := m.Likelihood
	obsSigma := lik.Sigma
	if lik.Kind == core.GaussianLearned {
		obsSigma = math.Exp(m.LogSigma())
	}
	rng := rand.New(rand.NewPCG(s.PostSeed, 0x0b5))
	d.putDigits("lab-obs-tile", view.SampleObservation(lik.Kind, mean, obsSigma, rng), 1)
	captions := map[core.LikelihoodKind]string{
		core.Bernoulli:           "a sample x ~ p(x|z=μ): Bernoulli pixels are 0 or 1",
		core.Gaussian:            fmt.Sprintf("a sample x ~ p(x|z=μ): mean + %s·noise", fmtShort(obsSigma)),
		core.GaussianLearned:     fmt.Sprintf("a sample x ~ p(x|z=μ): mean + %s·noise (learned σ)", fmtShort(obsSigma)),
		core.ContinuousBernoulli: "a sample x ~ p(x|z=μ) (continuous Bernoulli)",
	}
	d.setText("lab-obs-caption", captions[lik.Kind])
	d.setText("lab-post", fmt.Sprintf("μ = (%s, %s)   log σ² = (%s, %s)   σ = exp(½·log σ²) = (%s, %s).  "+
		"KL(q(z|x) ‖ N(0, I)) = %s nats. The dots on the plane are the %d samples below.",
		fmtShort(float64(l.mu[0])), fmtShort(float64(l.mu[1])), fmtShort(float64(l.lv[0])), fmtShort(float64(l.lv[1])),
		fmtShort(sigma[0]), fmtShort(sigma[1]), fmtShort(core.KL(l.mu, l.lv)), s.Post))
}

// posteriorSamples returns the lab's samples z = μ + σ·ε of the drawing's
// posterior (Post of them, noise from PostSeed), flattened.
func (g *Game) posteriorSamples() []float32 {
	l, s := g.lab, g.settings.Lab
	if l.mu == nil {
		return nil
	}
	rng := rand.New(rand.NewPCG(s.PostSeed, 0x5a3))
	z := make([]float32, 0, 2*s.Post)
	for k := 0; k < s.Post; k++ {
		for j := 0; j < 2; j++ {
			z = append(z, l.mu[j]+float32(view.SigmaFromLogvar(float64(l.lv[j]))*rng.NormFloat64()))
		}
	}
	return z
}
