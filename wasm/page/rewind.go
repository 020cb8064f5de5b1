//go:build js && wasm

package page

import (
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"syscall/js"
	"time"

	"github.com/govae/govae/core"
	"github.com/govae/govae/wasm/bridge"
	"github.com/govae/govae/wasm/scene"
	"github.com/govae/govae/wasm/timeline"
	"github.com/govae/govae/wasm/view"
)

// rewind keeps a timeline of the manifold while the model trains (package
// timeline: at most 64 snapshots, thinned as training goes on) and lets the
// visitor go back in it. The slider under the loss chart (index.html's
// #timeline, an HTML block placed over the canvas in the layout's Timeline
// strip) shows any kept snapshot on the plane in place of the live
// manifold, with its step, epoch and −ELBO; "Live" returns to the present;
// "Play" steps through the snapshots at the export panel's frame delay.
//
// A snapshot is a manifold a whole refresh published (the manifold alone is
// refreshed more often, and not kept), never extra decoding: the
// session says when it starts a refresh with new weights (refreshing: the
// step, epoch and training loss of those weights), and the picture is kept
// once that refresh is whole (capture, each frame). While rewound, the
// digit at the crosshair and the reconstructions stay live; the timeline
// resets when other weights are loaded (Reset, Back to pretrained, a file).
type rewind struct {
	dom   *bridge.DOM
	s     *session
	tl    *timeline.Timeline
	delay func() time.Duration // Play's frame delay

	pending *shot // the refresh under way
	live    shot  // what the live manifold shows: the last refresh's weights

	shown    *timeline.Snapshot // the snapshot on the plane; nil: live
	still    *scene.Scene       // the scene made of it
	stillVer int                // the still scenes' versions: −1, −2, …
	playing  bool
	playAt   time.Time

	grey    []uint8 // reused for the grey levels of a capture
	changed bool    // the block is to show a change
	ui      struct {
		max, value int
		placed     view.Rect
		detail     string
	}
}

// shot is what a refresh's weights were when it started.
type shot struct {
	step        int
	epoch       float64
	loss        *core.Loss // nil before any step since the weights were loaded
	manifoldVer int        // the scene's manifold version before the refresh
	dotsVer     int
	dots        bool // the refresh includes the overlay's points
	keep        bool // the timeline keeps its manifold
}

// newRewind binds the timeline's controls and its window.govae hooks
// (timeline, timelinePixels), which run under lock.
func newRewind(dom *bridge.DOM, s *session, post func(func()), lock sync.Locker, delay func() time.Duration) *rewind {
	r := &rewind{dom: dom, s: s, tl: timeline.New(timeline.MaxSnapshots, timeline.DefaultBudget), delay: delay,
		changed: true}
	r.ui.max, r.ui.value = -1, -1
	dom.On("timeline-range", "input", func(t js.Value) {
		i, err := strconv.Atoi(t.Get("value").String())
		if err == nil {
			post(func() {
				r.playing = false
				r.show(i)
			})
		}
	})
	dom.On("timeline-live", "click", func(js.Value) { post(r.goLive) })
	dom.On("timeline-play", "click", func(js.Value) { post(r.togglePlay) })
	r.exposeHooks(lock)
	return r
}

// refreshing is called by the session as it starts a refresh of parts
// (scene.Part…) from the backend's weights: a refresh whole since the last
// call is kept first, then the new one's step, epoch and loss are noted —
// to keep it in the timeline once whole when keep is set (whole refreshes,
// at their slower pace), else only to say what the live manifold shows.
func (r *rewind) refreshing(parts int, keep bool) {
	if r == nil {
		return
	}
	r.capture()
	if parts&scene.PartManifold == 0 {
		return
	}
	s := r.s
	st := s.backend.Status()
	p := &shot{step: st.Steps, epoch: s.passes(st.Examples), manifoldVer: s.scene.ManifoldVersion,
		dotsVer: s.scene.DotsVersion, dots: parts&scene.PartDots != 0 && s.settings.Overlay && s.scene.HasTestData(),
		keep: keep}
	if l := s.lastLoss; l != nil {
		loss := *l
		p.loss = &loss
	}
	r.pending = p
}

// loaded starts a new timeline: other weights are shown and trained.
func (r *rewind) loaded() {
	if r == nil {
		return
	}
	r.tl.Reset()
	r.pending, r.live = nil, shot{}
	r.goLive()
}

// capture keeps the pending refresh's manifold once it is whole: the
// snapshot of a training step (a refresh of weights no step has changed
// since they were loaded has no loss, and is not kept).
func (r *rewind) capture() {
	p, sc := r.pending, r.s.scene
	if p == nil || sc == nil || sc.Busy() || sc.ManifoldVersion == p.manifoldVer {
		return
	}
	r.pending, r.live = nil, *p
	if !p.keep || p.loss == nil || !r.tl.Want(p.step) {
		return
	}
	r.grey = timeline.GreyLevels(r.grey, sc.Manifold)
	snap := timeline.Snapshot{Step: p.step, Epoch: p.epoch, NegELBO: p.loss.NegELBO, Recon: p.loss.Recon, KL: p.loss.KL,
		Grid: sc.Grid, Pixels: r.grey}
	if p.dots && sc.DotsVersion != p.dotsVer {
		snap.Dots = make([]timeline.Dot, len(sc.Dots))
		for i, d := range sc.Dots {
			snap.Dots[i] = timeline.Dot{Z1: d.Z1, Z2: d.Z2, Label: d.Label}
		}
	}
	if r.tl.Add(snap) == nil { // a non-finite loss or point is not kept: training stopped, saying why
		r.changed = true
	}
}

// scene returns what the plane shows: the snapshot rewound to, or live.
func (r *rewind) scene(live *scene.Scene) *scene.Scene {
	if r == nil || r.still == nil || live == nil {
		return live
	}
	r.still.Follow(live)
	return r.still
}

// show puts snapshot i on the plane.
func (r *rewind) show(i int) {
	live := r.s.scene
	if i < 0 || i >= r.tl.Len() || live == nil {
		return
	}
	snap := r.tl.At(i)
	if snap == r.shown {
		return
	}
	dots := make([]scene.Dot, len(snap.Dots))
	for k, d := range snap.Dots {
		dots[k] = scene.Dot{Z1: d.Z1, Z2: d.Z2, Label: d.Label}
	}
	r.stillVer--
	r.shown, r.still = snap, scene.Still(live, snap.Grid, snap.Pixels, dots, r.stillVer)
	r.changed = true
}

// goLive shows the live manifold again.
func (r *rewind) goLive() {
	r.shown, r.still, r.playing = nil, nil, false
	r.changed = true
}

// togglePlay plays the timeline from its start (or from the snapshot
// shown), or stops playing.
func (r *rewind) togglePlay() {
	r.changed = true
	if r.playing || r.tl.Len() < 2 {
		r.playing = false
		return
	}
	if i := r.index(); i < 0 || i == r.tl.Len()-1 {
		r.show(0)
	}
	r.playing, r.playAt = true, time.Now()
}

// index returns the position of the snapshot shown in the timeline (the
// nearest kept step when thinning dropped it), or −1 when live.
func (r *rewind) index() int {
	if r.shown == nil {
		return -1
	}
	for i := 0; i < r.tl.Len(); i++ {
		if r.tl.At(i) == r.shown {
			return i
		}
	}
	return r.tl.Nearest(r.shown.Step)
}

// update runs every frame: it keeps a finished refresh, plays, and shows
// the timeline's state.
func (r *rewind) update() {
	if r.s.scene == nil {
		return
	}
	r.capture()
	if r.playing && time.Since(r.playAt) >= r.delay() {
		if i := r.index() + 1; i < r.tl.Len() {
			r.show(i)
			r.playAt = time.Now()
		} else {
			r.playing = false // the end: the newest snapshot stays on the plane
		}
		r.changed = true
	}
	if r.changed && r.s.backend != nil {
		r.changed = false
		r.showState()
	}
}

// showState writes the slider, the buttons and the caption.
func (r *rewind) showState() {
	d, n, i := r.dom, r.tl.Len(), r.index()
	d.SetBool("timeline", "hidden", false)
	d.SetBool("timeline-range", "disabled", n < 2)
	d.SetBool("timeline-play", "disabled", n < 2)
	d.SetBool("timeline-live", "disabled", r.shown == nil)
	play, class := "▶ Play", ""
	if r.playing {
		play = "■ Stop"
	}
	if r.shown != nil {
		class = "rewound" // page.css marks the block while the plane is in the past
	}
	d.SetText("timeline-play", play)
	d.SetClass("timeline", class)
	value := n - 1 // live: the slider at the newest
	if i >= 0 {
		value = i
	}
	if r.ui.max != n-1 {
		r.ui.max = n - 1
		d.El("timeline-range").Set("max", max(n-1, 0))
	}
	if r.ui.value != value {
		r.ui.value = value
		d.SetValue("timeline-range", strconv.Itoa(max(value, 0)))
	}
	d.SetText("timeline-text", r.caption(i))
	detail := ""
	if s := r.shown; s != nil {
		detail = fmt.Sprintf("Training loss at step %d: −ELBO %s = recon %s + β·KL (KL %s nats); the digit at the crosshair and the reconstructions are live.",
			s.Step, view.FormatNumber(s.NegELBO, 2), view.FormatNumber(s.Recon, 2), view.FormatNumber(s.KL, 2))
	}
	if detail != r.ui.detail {
		r.ui.detail = detail
		d.El("timeline-text").Set("title", detail)
	}
}

// caption says what the plane shows.
func (r *rewind) caption(i int) string {
	n := r.tl.Len()
	switch {
	case r.shown != nil:
		s := r.shown
		return fmt.Sprintf("Step %d · epoch %s · −ELBO %s (%d of %d)", s.Step, view.FormatNumber(s.Epoch, 2),
			view.FormatNumber(s.NegELBO, 1), i+1, n)
	case n == 0:
		return "Training keeps pictures of the plane here, to rewind, play and export."
	case n == 1:
		return fmt.Sprintf("Live · 1 snapshot kept (step %d)", r.tl.At(0).Step)
	}
	return fmt.Sprintf("Live · %d snapshots kept, steps %d–%d", n, r.tl.At(0).Step, r.tl.At(n-1).Step)
}

// place puts the timeline's block in the layout's Timeline strip under the
// chart: free is the part of the window the panels leave, in CSS pixels.
func (r *rewind) place(free view.Rect, scale float64) {
	if !(scale > 0) {
		return
	}
	rect := view.ComputeLayout(free.Scale(scale), scale).Timeline.Scale(1 / scale)
	if rect == r.ui.placed {
		return
	}
	r.ui.placed = rect
	st := r.dom.El("timeline").Get("style")
	for k, v := range map[string]float64{"left": rect.X, "top": rect.Y, "width": rect.W, "height": rect.H} {
		st.Set(k, strconv.FormatFloat(v, 'f', 1, 64)+"px")
	}
}

// timelineJSON is what window.govae.timeline() returns.
type timelineJSON struct {
	Count   int    `json:"count"`
	Steps   []int  `json:"steps"`
	Shown   int    `json:"shown"` // the index shown, −1 when live
	Playing bool   `json:"playing"`
	Bytes   int64  `json:"bytes"` // what the snapshots take
	Caption string `json:"caption"`
}

// framePixelsJSON is what window.govae.timelinePixels(i) returns.
type framePixelsJSON struct {
	Step   int     `json:"step"`
	Epoch  float64 `json:"epoch"`
	Grid   int     `json:"grid"`
	Pixels []byte  `json:"pixels"` // grey levels, base64 in JSON
	Dots   int     `json:"dots"`
}

// exposeHooks installs window.govae.timeline(), the timeline's state, and
// window.govae.timelinePixels(i), snapshot i's pixels (null when there is
// none), for the browser tests.
func (r *rewind) exposeHooks(lock sync.Locker) {
	r.dom.Hook("timeline", lock, func([]js.Value) any {
		i := r.index()
		out := timelineJSON{Count: r.tl.Len(), Steps: r.tl.Steps(), Shown: i, Playing: r.playing, Bytes: r.tl.Bytes(),
			Caption: r.caption(i)}
		b, _ := json.Marshal(out)
		return string(b)
	})
	r.dom.Hook("timelinePixels", lock, func(args []js.Value) any {
		if len(args) == 0 || args[0].Type() != js.TypeNumber || args[0].Int() < 0 || args[0].Int() >= r.tl.Len() {
			return "null"
		}
		s := r.tl.At(args[0].Int())
		b, _ := json.Marshal(framePixelsJSON{Step: s.Step, Epoch: s.Epoch, Grid: s.Grid, Pixels: s.Pixels, Dots: len(s.Dots)})
		return string(b)
	})
}
