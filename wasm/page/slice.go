//go:build js && wasm

package page

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"syscall/js"

	"github.com/govae/govae/core"
	"github.com/govae/govae/wasm/bridge"
	"github.com/govae/govae/wasm/scene"
	"github.com/govae/govae/wasm/view"
)

// slicePanel is the train panel's "Latent dimensions" block (issue 11): a
// bar chart of the KL of each latent dimension in nats, so that inactive
// ("collapsed") dimensions show, and — beyond latent size 2 — the choice
// of the two dimensions the plane shows and of where the others are held,
// which it passes to the scene (scene.SetSlice). The overlay, the large
// digit, the clicks and the lab's marks follow the same slice.
//
// The bars are an HTML canvas beside the controls (bridge.Plot), not a part
// of the Ebiten drawing: they sit by the controls they explain, change only
// every few seconds, and so cost the plane's renderer nothing — under a
// software renderer every Ebiten redraw is paid pixel by pixel.
type slicePanel struct {
	*panel // the train panel it is a block of: the DOM, settings, session, explorer, URL
	bars   *bridge.Plot

	pushed   string // the pair and reference last given to the scene
	used     string // the reference used: origin, digitK or drawing
	note     string // why the chosen pair or reference is not used
	drawn    string // what the bars were last drawn for
	barCount int
}

// inactiveKL is the KL in nats per image below which a dimension counts
// as inactive (collapsed: its posterior is about the prior whatever the
// digit). Measured (README, cmd/eval -heldout): at latent 16 and β = 4 the
// ten inactive dimensions carry 0.00–0.07 nats, the six active ones
// 0.70–1.56.
const inactiveKL = 0.1

func newSlicePanel(pn *panel) *slicePanel {
	dom, post := pn.dom, pn.post
	p := &slicePanel{panel: pn, bars: dom.NewPlot("kl-bars"), pushed: sliceKey(2, 0, 1, "")}
	pick := func(id string, which int) {
		dom.On(id, "change", func(t js.Value) {
			k, err := strconv.Atoi(t.Get("value").String())
			if err == nil {
				post(func() { p.choose(which, k) })
			}
		})
	}
	pick("slice-i", 0)
	pick("slice-j", 1)
	dom.On("slice-auto", "change", func(t js.Value) {
		on := t.Get("checked").Bool()
		post(func() { p.setAuto(on) })
	})
	dom.On("slice-ref", "change", func(t js.Value) {
		v := t.Get("value").String()
		post(func() { p.set("ref", v) })
	})
	return p
}

// sliceKey identifies a slice given to the scene; the reference does not
// matter at latent size 2.
func sliceKey(d, i, j int, ref string) string {
	if d == 2 {
		ref = ""
	}
	return fmt.Sprint(i, ",", j, ",", ref)
}

func (p *slicePanel) set(key, value string) {
	if p.settings.Set(key, value) == nil {
		p.url.changed()
		p.update()
	}
}

// choose makes dimension k (0-based) the plane's horizontal (which 0) or
// vertical (1) axis; choosing the other axis's dimension swaps them.
func (p *slicePanel) choose(which, k int) {
	i, j := p.pair()
	if which == 0 {
		if k == j {
			j = i
		}
		i = k
	} else {
		if k == i {
			i = j
		}
		j = k
	}
	p.set("dims", fmt.Sprintf("%d,%d", i+1, j+1))
}

func (p *slicePanel) setAuto(on bool) {
	if on {
		p.set("dims", "auto")
		return
	}
	i, j := p.pair()
	p.set("dims", fmt.Sprintf("%d,%d", i+1, j+1))
}

// model returns the full weights shown, or nil before they are in.
func (p *slicePanel) model() *core.Model {
	if p.s.backend == nil || p.s.scene == nil {
		return nil
	}
	return p.s.scene.Model
}

// pair returns the dimensions the plane is to show.
func (p *slicePanel) pair() (i, j int) {
	m := p.model()
	if m == nil {
		return 0, 1
	}
	kl, _ := p.s.heldOut.klOf(m.Arch.Latent)
	i, j, _ = p.settings.Slice.Pair(m.Arch.Latent, kl)
	return i, j
}

// reference returns the image whose encoder mean holds the other
// dimensions (nil: the origin), what it is, and why the chosen one is not
// available yet.
func (p *slicePanel) reference() (img []float32, used, note string) {
	sl := p.settings.Slice
	switch sl.Ref {
	case view.RefDigit:
		t := p.s.scene.TestSet()
		if t == nil {
			return nil, "origin", "the test digits are not in yet: the origin meanwhile"
		}
		for i, l := range t.Labels {
			if int(l) == sl.Digit {
				return t.Image(i), sl.Get("ref"), ""
			}
		}
		return nil, "origin", fmt.Sprintf("the test set has no %d: the origin instead", sl.Digit)
	case view.RefDrawing:
		px, err := view.DecodeDigit(p.settings.Lab.Digit)
		if err != nil {
			return nil, "origin", "no drawing yet (draw a digit in the lab's panel 2): the origin meanwhile"
		}
		return px, "drawing", ""
	}
	return nil, "origin", ""
}

// update runs with the panel's readouts: it gives the scene the slice
// when it changed and redraws the block.
func (p *slicePanel) update() {
	m := p.model()
	if m == nil {
		return
	}
	d := m.Arch.Latent
	kl, step := p.s.heldOut.klOf(d)
	i, j, pairNote := p.settings.Slice.Pair(d, kl)
	img, used, refNote := p.reference()
	refKey := used
	if used == "drawing" {
		refKey += ":" + p.settings.Lab.Digit // a new drawing, a new reference
	}
	key := sliceKey(d, i, j, refKey)
	if key != p.pushed {
		p.pushed = key
		p.s.scene.SetSlice(i, j, img)
		parts := scene.PartManifold
		if p.settings.Overlay {
			parts |= scene.PartDots
		}
		p.s.scene.Refresh(nil, parts, p.settings.Grid, p.settings.Dots)
		p.ex.Resample()
		p.ex.Invalidate()
	}
	p.used, p.note = used, strings.Join(nonEmpty(pairNote, refNote), "; ")
	p.showControls(d, i, j)
	p.showText(d, i, j, kl, step)
	if k := fmt.Sprint(kl, i, j, d, p.bars.El.Get("clientWidth").Float()); k != p.drawn && p.drawBars(kl, d, i, j) {
		p.drawn = k
	}
}

func nonEmpty(s ...string) []string {
	var out []string
	for _, v := range s {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// showControls fills the pair's menus for d dimensions (hidden at 2).
func (p *slicePanel) showControls(d, i, j int) {
	dm := p.dom
	dm.SetBool("slice-pick", "hidden", d <= 2)
	if d <= 2 {
		return
	}
	options := make([]bridge.Option, d)
	for k := range d {
		options[k] = bridge.Option{Value: strconv.Itoa(k), Text: view.LatentName(k)}
	}
	dm.SetOptions("slice-i", options, strconv.Itoa(i))
	dm.SetOptions("slice-j", options, strconv.Itoa(j))
	dm.SetBool("slice-auto", "checked", p.settings.Slice.Auto)
	if v := p.settings.Slice.Get("ref"); dm.El("slice-ref").Get("value").String() != v {
		dm.SetValue("slice-ref", v)
	}
}

// showText says what the plane shows and what the bars measure.
func (p *slicePanel) showText(d, i, j int, kl []float64, step int) {
	dm := p.dom
	switch {
	case kl == nil && p.s.test.state == "ready":
		dm.SetText("kl-text", "KL per latent dimension: evaluating on the held-out test digits…")
	case kl == nil:
		dm.SetText("kl-text", "KL per latent dimension: measured on the held-out test digits once they are in.")
	default:
		total := 0.0
		var inactive []string
		for k, v := range kl {
			total += v
			if v < inactiveKL {
				inactive = append(inactive, view.LatentName(k))
			}
		}
		msg := fmt.Sprintf("KL per latent dimension in nats per image, on %d held-out test digits at step %d; total %.2f.",
			core.HeldOutSize, step, total)
		switch {
		case len(inactive) == d:
			msg += fmt.Sprintf(" Every dimension carries less than %g nats: the posterior is about the prior whatever the digit — "+
				"fresh weights that have learnt nothing yet, or a collapsed posterior.", inactiveKL)
		case len(inactive) > 0:
			verb := "carries"
			if len(inactive) > 1 {
				verb = "carry"
			}
			msg += fmt.Sprintf(" %s %s less than %g nats: inactive (collapsed).", strings.Join(inactive, ", "), verb, inactiveKL)
		}
		dm.SetText("kl-text", msg)
	}
	if d <= 2 {
		dm.SetText("slice-text", "")
		return
	}
	var others []string
	for k := range d {
		if k != i && k != j {
			others = append(others, view.LatentName(k))
		}
	}
	at := map[string]string{"origin": "0"}[p.used]
	switch {
	case p.used == "drawing":
		at = "the encoder mean μ of your drawing"
	case strings.HasPrefix(p.used, "digit"):
		at = "the encoder mean μ of the first test " + strings.TrimPrefix(p.used, "digit")
	}
	why := "chosen"
	if p.settings.Slice.Auto {
		why = "the two with the largest KL"
	}
	msg := fmt.Sprintf("The plane shows %s → and %s ↑ (%s); %s held at %s.", view.LatentName(i), view.LatentName(j), why,
		strings.Join(others, ", "), at)
	if p.note != "" {
		msg += " Note: " + p.note + "."
	}
	dm.SetText("slice-text", msg)
}

// drawBars draws the KL of each dimension as a bar, the plane's two in the
// accent colour, the inactive ones dimmed; it reports whether the canvas
// is shown.
func (p *slicePanel) drawBars(kl []float64, d, i, j int) bool {
	pl := p.bars
	if !pl.Begin() {
		return false
	}
	p.barCount = 0
	if kl == nil {
		pl.Text("waiting for the held-out evaluation…", pl.W/2, pl.H/2, 12, cssMutedText, "center")
		return true
	}
	top, bottom, left := 14.0, pl.H-16, 34.0
	hi := 0.0
	for _, v := range kl {
		hi = math.Max(hi, v)
	}
	ticks, _, to := view.NiceTicks(0, math.Max(hi, inactiveKL), 3)
	y := func(v float64) float64 { return bottom - v/to*(bottom-top) }
	for _, t := range ticks {
		pl.Fill(left, y(t)-0.5, pl.W-left-4, 1, "#21262d")
		pl.Text(view.FormatNumber(t, decimalsOf(ticks)), left-4, y(t), 10.5, cssMutedText, "right")
	}
	slot := (pl.W - left - 4) / float64(d)
	w := math.Max(slot*0.68, 2)
	fs := math.Min(11, slot*0.55)
	for k, v := range kl {
		col := "#8b949e"
		switch {
		case k == i || k == j:
			col = "#58a6ff"
		case v < inactiveKL:
			col = "#484f58"
		}
		x := left + float64(k)*slot + (slot-w)/2
		h := math.Max(bottom-y(math.Max(v, 0)), 1)
		pl.Fill(x, bottom-h, w, h, col)
		pl.Text(view.LatentName(k), x+w/2, bottom+8, fs, cssMutedText, "center")
		if d <= 8 {
			pl.Text(view.FormatShort(v), x+w/2, bottom-h-6, 10, "#e6edf3", "center")
		}
		p.barCount++
	}
	return true
}

// cssMutedText is the page's muted text colour (page.css --muted).
const cssMutedText = "#8b949e"

// decimalsOf returns the decimals that tell ticks apart.
func decimalsOf(ticks []float64) int {
	if len(ticks) > 1 && ticks[1]-ticks[0] < 1 {
		return int(math.Ceil(-math.Log10(ticks[1] - ticks[0])))
	}
	return 0
}

// archJSON is status().arch: the network shown, the plane's slice of its
// latent space and the KL of each latent dimension.
type archJSON struct {
	Spec   string `json:"spec"`  // Settings.Arch, as in the URL
	Words  string `json:"words"` // core.Architecture.String of the model shown
	Latent int    `json:"latent"`
	Note   string `json:"note,omitempty"` // why the network is not the pretrained one
	// Dims are the plane's latent dimensions, from 1: horizontal, vertical.
	Dims [2]int `json:"dims"`
	Ref  string `json:"ref"` // where the others are held: origin, digitK or drawing
	// RefZ is the reference point (Latent values): the plane's point (z₁,
	// z₂) is the latent point RefZ with Dims set to them.
	RefZ      []float32 `json:"refZ"`
	SliceNote string    `json:"sliceNote,omitempty"`
	KLPerDim  []float64 `json:"klPerDim"` // nats per image on the held-out digits, latest
	KLStep    int       `json:"klStep"`
	KLBars    int       `json:"klBars"` // bars drawn in the chart
}

// networkStatus returns status()'s arch, heldOut and heldOutError.
func (s *session) networkStatus() (archJSON, *heldOutJSON, string) {
	out := archJSON{Spec: s.settings.Arch, Note: s.archNote}
	if m := s.scene.Model; m != nil {
		out.Words, out.Latent = m.Arch.String(), m.Arch.Latent
	}
	sl := s.scene.Slice
	out.Dims, out.RefZ = [2]int{sl.I + 1, sl.J + 1}, sl.Ref
	if p := s.slices; p != nil {
		out.Ref, out.SliceNote, out.KLBars = p.used, p.note, p.barCount
	}
	out.KLPerDim, out.KLStep = s.heldOut.klPerDim()
	h, err := s.heldOut.status()
	return out, h, err
}
