//go:build js && wasm

package page

import (
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall/js"
	"time"

	"github.com/govae/govae/wasm/bridge"
	"github.com/govae/govae/wasm/explorer"
	"github.com/govae/govae/wasm/exportjob"
	"github.com/govae/govae/wasm/timeline"
	"github.com/govae/govae/wasm/view"
)

// exporter is the train panel's "Export pictures" section (index.html's
// <fieldset id="export">): the plane as a PNG at the device's resolution —
// what the plane shows, live or rewound, optionally with the overlay's
// points and the crosshair — and the timeline as an animated GIF with the
// frame count, frame delay and size the visitor chooses.
//
// The pictures are made by the export worker (export.js and export.wasm,
// started on the first export): the page's own binary links no image
// encoder and no font. The page only copies the snapshots out (their
// fields as JSON, exportjob.Meta, and their grey levels straight into a
// Uint8Array), a few per browser task (packBudget) so that it never holds
// the thread long, and hands the finished file, which stays in JavaScript,
// to the browser as a download. One export runs at a time; Cancel stops it.
type exporter struct {
	dom *bridge.DOM
	s   *session
	rw  *rewind
	ex  *explorer.Explorer
	set *view.Settings

	worker      *bridge.Worker // nil until the first export, and after a failure or Cancel
	workerReady bool           // it has answered
	job         *exportJob     // the export under way, nil when idle
	nextID      int

	// The visitor's GIF options, as last accepted.
	delay, frames, pixelScale int

	last    exportStatus // the last export's outcome, for window.govae.exportStatus()
	changed bool
}

// exportJob is one export under way.
type exportJob struct {
	id        int
	kind      exportjob.Kind
	phase     string // "packing" the frames, "starting" the worker, "drawing" the picture
	packed    int    // frames packed so far
	total     int    // frames
	fraction  float64
	started   time.Time
	estimate  string // what the GIF will be, said while it is made
	cancelled atomic.Bool
	maxSlice  time.Duration // the longest packing slice
}

// packBudget is how long the page packs frames before letting the browser
// run (one frame of a 30×30 grid takes a few milliseconds).
const packBudget = 8 * time.Millisecond

// gifBytesPerPixel is about what a GIF frame takes per pixel: exact grey
// levels compress poorly. Measured on GIFs the page made after in-page
// training: 64 frames of a 20×20 grid (616×620), 13.4 MB, 0.55 bytes per
// pixel; 5 frames of 12×12, 0.53; 16 frames of 10×10 with the overlay, 0.37.
const gifBytesPerPixel = 0.55

// exportStatus is what window.govae.exportStatus() returns.
type exportStatus struct {
	Busy      bool    `json:"busy"`
	Kind      string  `json:"kind,omitempty"`
	Phase     string  `json:"phase,omitempty"`
	Fraction  float64 `json:"fraction"`
	Name      string  `json:"name,omitempty"` // the last file saved
	Bytes     int     `json:"bytes"`
	Width     int     `json:"width"`
	Height    int     `json:"height"`
	Frames    int     `json:"frames"`
	Error     string  `json:"error,omitempty"`
	Ms        float64 `json:"ms"`        // from the click to the download
	PackMaxMs float64 `json:"packMaxMs"` // the longest packing slice
	Exports   int     `json:"exports"`   // files saved so far
}

func newExporter(dom *bridge.DOM, s *session, rw *rewind, ex *explorer.Explorer, set *view.Settings, post func(func()),
	lock sync.Locker) *exporter {
	e := &exporter{dom: dom, s: s, rw: rw, ex: ex, set: set, delay: 12, frames: exportjob.MaxFrames, pixelScale: 1,
		changed: true}
	dom.On("export-png", "click", func(js.Value) { post(e.startPNG) })
	dom.On("export-gif", "click", func(js.Value) { post(e.startGIF) })
	dom.On("export-cancel", "click", func(js.Value) { post(e.cancel) })
	for _, k := range []string{"frames", "delay"} {
		dom.On("export-"+k+"-text", "change", func(t js.Value) {
			v := t.Get("value").String()
			post(func() { e.setOption(k, v) })
		})
	}
	dom.On("export-scale", "change", func(t js.Value) {
		v := t.Get("value").String()
		post(func() { e.setOption("scale", v) })
	})
	for _, k := range []string{"frames", "delay", "scale"} {
		e.showOption(k)
	}
	dom.Hook("exportStatus", lock, func([]js.Value) any {
		st := e.last
		if j := e.job; j != nil {
			st.Busy, st.Kind, st.Phase, st.Fraction = true, string(j.kind), j.phase, j.fraction
		}
		b, _ := json.Marshal(st)
		return string(b)
	})
	return e
}

// frameDelay is the chosen frame delay, for the timeline's Play too.
func (e *exporter) frameDelay() time.Duration { return time.Duration(e.delay) * 10 * time.Millisecond }

// setOption takes a GIF option from its field; a refused value is named
// beside it and the last good one kept.
func (e *exporter) setOption(key, value string) {
	var err error
	switch key {
	case "frames":
		var n int
		if n, err = exportjob.ParseFrames(value); err == nil {
			e.frames = n
		}
	case "delay":
		var cs int
		if cs, err = exportjob.ParseDelay(value); err == nil {
			e.delay = cs
		}
	case "scale":
		n, perr := strconv.Atoi(value)
		if perr != nil || n < 1 || n > 4 {
			err = fmt.Errorf("the size must be 1 to 4 pixels per digit pixel")
		} else {
			e.pixelScale = n
		}
	}
	if err != nil {
		e.dom.SetText("export-"+key+"-msg", fmt.Sprintf("%v — keeping %s.", err, e.optionText(key)))
		return
	}
	e.showOption(key)
	e.changed = true
}

func (e *exporter) optionText(key string) string {
	switch key {
	case "frames":
		return strconv.Itoa(e.frames)
	case "delay":
		return strconv.Itoa(10*e.delay) + " ms"
	}
	return strconv.Itoa(e.pixelScale)
}

// showOption writes an option's accepted value into its field.
func (e *exporter) showOption(key string) {
	switch key {
	case "frames":
		e.dom.SetValue("export-frames-text", strconv.Itoa(e.frames))
	case "delay":
		e.dom.SetValue("export-delay-text", strconv.Itoa(10*e.delay))
	case "scale":
		e.dom.SetValue("export-scale", strconv.Itoa(e.pixelScale))
	}
	e.dom.SetText("export-"+key+"-msg", "")
}

// checked reports whether a checkbox of the section is ticked.
func (e *exporter) checked(id string) bool { return e.dom.El(id).Get("checked").Bool() }

// startPNG exports what the plane shows: the snapshot rewound to, or the
// live manifold (with the step of the weights it was decoded from).
func (e *exporter) startPNG() {
	sc := e.s.scene
	if e.job != nil || sc == nil || sc.Manifold == nil {
		return
	}
	snap := e.rw.shown
	if snap == nil {
		live := e.rw.live
		snap = &timeline.Snapshot{Step: live.step, Epoch: live.epoch, Grid: sc.Grid,
			Pixels: timeline.GreyLevels(nil, sc.Manifold)}
		if l := live.loss; l != nil {
			snap.NegELBO, snap.Recon, snap.KL = l.NegELBO, l.Recon, l.KL
		}
		if e.set.Overlay {
			for _, d := range sc.Dots {
				snap.Dots = append(snap.Dots, timeline.Dot{Z1: d.Z1, Z2: d.Z2, Label: d.Label})
			}
		}
	}
	plane, scale := e.ex.Plane()
	if !(scale > 0) {
		return
	}
	req := exportjob.Request{Kind: exportjob.PNG, Side: plane.Rect.W / scale, Scale: scale,
		Overlay:   e.checked("export-overlay") && e.set.Overlay && len(snap.Dots) > 0, // as the plane shows them
		Crosshair: e.checked("export-crosshair"), Z1: e.set.Z1, Z2: e.set.Z2}
	f, err := frameOf(snap)
	if err != nil {
		e.fail(fmt.Sprintf("The plane could not be exported: %v.", err))
		return
	}
	j := e.begin(exportjob.PNG, 1)
	j.packed, j.phase = 1, "starting"
	e.send(j, req, []any{f})
}

// startGIF exports the timeline: at most the chosen number of frames, evenly
// picked from the snapshots kept (the first and the newest always), packed
// a few per browser task.
func (e *exporter) startGIF() {
	if e.job != nil {
		return
	}
	all := e.rw.tl.All() // snapshots never change: packing may go on while training adds more
	if len(all) < 2 {
		e.fail("A GIF needs at least two snapshots: train for a moment first.")
		return
	}
	picks := exportjob.Pick(e.frames, len(all))
	snaps := make([]*timeline.Snapshot, len(picks))
	grid, dots := 0, false
	for i, k := range picks {
		snaps[i] = all[k]
		grid, dots = max(grid, all[k].Grid), dots || len(all[k].Dots) > 0
	}
	overlay := e.checked("export-overlay") && dots
	req := exportjob.Request{Kind: exportjob.GIF, Delay: e.delay, LastDelay: exportjob.LastDelay(e.delay),
		PixelScale: e.pixelScale, Overlay: overlay}
	j := e.begin(exportjob.GIF, len(snaps))
	w, h := exportjob.GIFFrameSize(grid, e.pixelScale, overlay)
	j.estimate = fmt.Sprintf("%d frames of %d×%d pixels, about %s", len(snaps), w, h,
		view.FormatBytes(int64(gifBytesPerPixel*float64(w*h*len(snaps)))))
	go func() {
		frames := make([]any, 0, len(snaps))
		for i := 0; i < len(snaps); {
			t0 := time.Now()
			for ; i < len(snaps) && time.Since(t0) < packBudget; i++ {
				f, err := frameOf(snaps[i])
				if err != nil {
					e.s.post(func() { e.failJob(j, fmt.Sprintf("Snapshot %d could not be exported: %v.", i, err)) })
					return
				}
				frames = append(frames, f)
			}
			took, done := time.Since(t0), i
			e.s.post(func() {
				j.maxSlice, j.packed = max(j.maxSlice, took), done
				j.fraction = 0.1 * float64(done) / float64(len(snaps))
				e.changed = true
			})
			bridge.Yield()
			if j.cancelled.Load() {
				return
			}
		}
		e.s.post(func() {
			if e.job == j {
				j.phase = "starting"
				e.send(j, req, frames)
			}
		})
	}()
}

// frameOf is a snapshot as the worker takes it: {meta, data}.
func frameOf(s *timeline.Snapshot) (map[string]any, error) {
	meta, err := exportjob.Meta(s)
	if err != nil {
		return nil, err
	}
	return map[string]any{"meta": meta, "data": bridge.BytesToJS(s.Pixels)}, nil
}

// begin starts a job of kind with total frames.
func (e *exporter) begin(kind exportjob.Kind, total int) *exportJob {
	e.nextID++
	e.job = &exportJob{id: e.nextID, kind: kind, phase: "packing", total: total, started: time.Now()}
	e.last.Error = ""
	e.dom.SetText("export-msg", "")
	e.changed = true
	return e.job
}

// send hands a packed job to the export worker, starting it when needed.
func (e *exporter) send(j *exportJob, req exportjob.Request, frames []any) {
	if e.worker == nil {
		e.worker, e.workerReady = bridge.StartWorker("export.js", func(data js.Value) {
			e.receive(data)
		}, func(reason string) {
			e.s.post(func() { e.workerFailed(reason) })
		}), false
	}
	transfer := make([]any, len(frames))
	for i, f := range frames {
		transfer[i] = f.(map[string]any)["data"].(js.Value).Get("buffer")
	}
	e.worker.Post(map[string]any{"id": j.id, "request": req.Marshal(), "frames": frames}, transfer)
	e.changed = true
}

// receive reads a message of the worker (in its event handler) and hands
// it to the game loop.
func (e *exporter) receive(data js.Value) {
	id := data.Get("id").Int()
	e.s.post(func() { e.workerReady = true })
	switch {
	case data.Get("progress").Type() == js.TypeNumber:
		x := data.Get("progress").Float()
		e.s.post(func() {
			if j := e.job; j != nil && j.id == id {
				j.phase, j.fraction = "drawing", 0.1+0.9*x
				e.changed = true
			}
		})
	case data.Get("error").Type() == js.TypeString:
		msg := data.Get("error").String()
		e.s.post(func() {
			if j := e.job; j != nil && j.id == id {
				e.failJob(j, "The picture could not be made: "+msg+".")
			}
		})
	default:
		f := exportStatus{Name: data.Get("name").String(), Bytes: data.Get("bytes").Length(),
			Width: data.Get("width").Int(), Height: data.Get("height").Int(), Frames: data.Get("frames").Int()}
		mime, bytes := data.Get("mime").String(), data.Get("bytes")
		e.s.post(func() { e.finish(id, f, mime, bytes) })
	}
}

// finish saves a finished file.
func (e *exporter) finish(id int, f exportStatus, mime string, bytes js.Value) {
	j := e.job
	if j == nil || j.id != id {
		return // cancelled
	}
	e.dom.Download(f.Name, mime, bytes)
	took := time.Since(j.started)
	e.last.Name, e.last.Bytes, e.last.Width, e.last.Height, e.last.Frames = f.Name, f.Bytes, f.Width, f.Height, f.Frames
	e.last.Ms, e.last.PackMaxMs = float64(took.Microseconds())/1000, float64(j.maxSlice.Microseconds())/1000
	e.last.Exports++
	e.job, e.changed = nil, true
	what := fmt.Sprintf("%d×%d pixels", f.Width, f.Height)
	if f.Frames > 1 {
		what = fmt.Sprintf("%d frames of %s", f.Frames, what)
	}
	e.dom.SetText("export-msg", fmt.Sprintf("Saved %s (%s, %s) in %.1f s.", f.Name, what,
		view.FormatBytes(int64(f.Bytes)), took.Seconds()))
	e.dom.SetClass("export-msg", "msg ok")
}

// failJob ends job j with a message.
func (e *exporter) failJob(j *exportJob, msg string) {
	if e.job != j {
		return
	}
	j.cancelled.Store(true)
	e.job = nil
	e.fail(msg)
}

// fail shows why an export did not happen; nothing else changes.
func (e *exporter) fail(msg string) {
	e.last.Error = msg
	e.dom.SetText("export-msg", msg)
	e.dom.SetClass("export-msg", "msg")
	e.changed = true
}

// workerFailed drops an export worker that could not run; the next export
// starts a new one.
func (e *exporter) workerFailed(reason string) {
	if e.worker != nil {
		e.worker.Terminate()
		e.worker = nil
	}
	e.workerReady = false
	if j := e.job; j != nil {
		e.failJob(j, "The exporter could not run ("+reason+"); the page works on. Try again, or reload the page.")
	}
}

// cancel stops the export under way; the worker, stopped mid-picture, is
// started anew by the next export.
func (e *exporter) cancel() {
	j := e.job
	if j == nil {
		return
	}
	j.cancelled.Store(true)
	e.job = nil
	if j.phase != "packing" && e.worker != nil {
		e.worker.Terminate()
		e.worker, e.workerReady = nil, false
	}
	e.dom.SetText("export-msg", "Cancelled: nothing was saved.")
	e.dom.SetClass("export-msg", "msg")
	e.changed = true
}

// update runs every frame: the section's buttons, progress and limits.
func (e *exporter) update() {
	if e.s.backend == nil {
		return
	}
	if !e.changed {
		return
	}
	e.changed = false
	d, j, n := e.dom, e.job, e.rw.tl.Len()
	d.SetBool("export", "disabled", false)
	d.SetBool("export-png", "disabled", j != nil)
	d.SetBool("export-gif", "disabled", j != nil || n < 2)
	d.SetBool("export-cancel", "hidden", j == nil)
	d.SetBool("export-bar", "hidden", j == nil)
	if j == nil {
		d.SetText("export-text", e.limits(n))
		return
	}
	starting := "Drawing the plane…"
	if !e.workerReady {
		starting = "Starting the exporter (1.6 MB the first time)…"
	}
	switch {
	case j.kind == exportjob.PNG:
		d.SetText("export-text", starting)
		d.El("export-bar").Call("removeAttribute", "value") // indeterminate
		return
	case j.phase == "packing":
		d.SetText("export-text", fmt.Sprintf("Preparing frame %d of %d (%s)…", j.packed, j.total, j.estimate))
	case j.phase == "starting":
		d.SetText("export-text", fmt.Sprintf("%s (%s)", starting, j.estimate))
	default:
		d.SetText("export-text", fmt.Sprintf("Drawing the GIF: %.0f %% (%s)…", 100*j.fraction, j.estimate))
	}
	d.SetProgress("export-bar", int64(1000*j.fraction), 1000)
}

// limits states what the exports will be and their bounds.
func (e *exporter) limits(kept int) string {
	s := "PNG: the plane at this screen's resolution, at most 4096×4096 pixels. GIF: "
	if kept < 2 {
		return s + "the snapshots training keeps (at most 64); train first."
	}
	frames := min(e.frames, kept)
	grid := e.s.settings.Grid
	w, h := exportjob.GIFFrameSize(grid, e.pixelScale, false)
	return s + fmt.Sprintf("%d of the %d snapshots kept, frames of %d×%d pixels for a %d×%d grid, about %s (exact grey levels compress poorly; at most 64 frames, 4096×4096).",
		frames, kept, w, h, grid, grid, view.FormatBytes(int64(gifBytesPerPixel*float64(w*h*frames))))
}
