//go:build js && wasm

package lab

import (
	"encoding/json"
	"fmt"
	"math"
	"sync"
	"syscall/js"

	"github.com/govae/govae/core"
	"github.com/govae/govae/wasm/view"
)

// labStatusJSON is what window.govae.labStatus() returns.
type labStatusJSON struct {
	Open      bool       `json:"open"`
	Sections  string     `json:"sections"`
	Drawing   bool       `json:"drawing"`
	Mu        []float32  `json:"mu"`
	Logvar    []float32  `json:"logvar"`
	Sigma     []float64  `json:"sigma"`
	Samples   int        `json:"samples"`
	Overlay   overlayJSN `json:"overlay"`
	Armed     string     `json:"armed"`
	A         [2]float64 `json:"a"`
	B         [2]float64 `json:"b"`
	Interp    int        `json:"interp"` // digits decoded on the path
	Toy       *toyJSON   `json:"toy"`
	Encoder   *encJSON   `json:"encoder"`
	Sweep     int        `json:"sweepRuns"`
	SweepErr  string     `json:"sweepError,omitempty"`
	Run       string     `json:"run"`
	Eval      *core.Loss `json:"eval"`
	LoadMsg   string     `json:"loadMessage"`
	LoadClass string     `json:"loadClass"`
}

type overlayJSN struct {
	Shown   bool                         `json:"shown"`
	Draws   int                          `json:"draws"`
	Ellipse bool                         `json:"ellipse"`
	Path    bool                         `json:"path"`
	Rect    struct{ L, T, W, H float64 } `json:"rect"`
}

type statJSON struct {
	Mean float64 `json:"mean"`
	Var  float64 `json:"var"`
}

type toyJSON struct {
	Theta   float64  `json:"theta"`
	N       int      `json:"samples"`
	Reparam statJSON `json:"reparam"`
	Score   statJSON `json:"score"`
}

type encJSON struct {
	Done    bool       `json:"done"`
	N       int        `json:"n"`
	Drawn   int        `json:"drawn"`
	Ms      float64    `json:"ms"` // work time spent drawing them
	Reparam []statJSON `json:"reparam"`
	Score   []statJSON `json:"score"`
}

// labStatus describes the lab for tests.
func (l *Lab) labStatus() labStatusJSON {
	s := l.settings.Lab
	out := labStatusJSON{Open: s.Open, Sections: s.Get("labsec"), Drawing: l.drawing != nil, Mu: l.mu, Logvar: l.lv,
		Samples: s.Post, Armed: [...]string{"", "A", "B"}[l.armed], A: s.A, B: s.B, Interp: l.interpN,
		SweepErr: l.sweepErr, Run: s.Run, Eval: l.evalLoss,
		LoadMsg: l.dom.Text("lab-load-msg"), LoadClass: l.dom.Text("lab-load-msg.class")}
	for _, v := range l.lv {
		out.Sigma = append(out.Sigma, view.SigmaFromLogvar(float64(v)))
	}
	if l.sweep != nil {
		out.Sweep = len(l.sweep.Runs)
	}
	o := &out.Overlay
	o.Shown, o.Draws, o.Ellipse, o.Path = !l.overlay.Get("hidden").Bool(), l.overlayDraws, l.overlayHasEll, l.overlayHasPth
	if geo := l.host.Geometry(); geo.Scale > 0 {
		r := geo.Plane.Rect.Scale(1 / geo.Scale)
		o.Rect.L, o.Rect.T, o.Rect.W, o.Rect.H = r.X, r.Y, r.W, r.H
	}
	if t := l.toy; t != nil {
		out.Toy = &toyJSON{Theta: t.Theta, N: t.N, Reparam: statJSON{t.R.Mean, t.R.Var}, Score: statJSON{t.S.Mean, t.S.Var}}
	}
	if j := l.enc; j != nil {
		e := &encJSON{Done: j.Done(), N: j.N, Drawn: len(j.Reparam), Ms: float64(j.Elapsed.Microseconds()) / 1000}
		if j.Done() {
			st := j.Stats()
			for c := range st[0] {
				e.Reparam = append(e.Reparam, statJSON{st[0][c].Mean, st[0][c].Var})
				e.Score = append(e.Score, statJSON{st[1][c].Mean, st[1][c].Var})
			}
		}
		out.Encoder = e
	}
	return out
}

// exposeLabHooks installs window.govae.gradVariance, encodeImage, settings
// and labStatus. They run when JavaScript calls them, between the game's
// slices (the game never holds its lock while it waits), so they take the
// lock like Update does.
func (l *Lab) exposeLabHooks(lock sync.Locker) {
	hook := func(name string, f func(args []js.Value) any) { l.dom.Hook(name, lock, f) }
	// gradVariance({samples, theta, seed}) measures both estimators on the
	// toy problem (θ and the seed default to the lab's).
	hook("gradVariance", func(args []js.Value) any {
		n, theta, seed := l.settings.Lab.Samples, l.settings.Lab.Theta, l.settings.Lab.Seed
		if len(args) > 0 && args[0].Type() == js.TypeObject {
			o := args[0]
			if v := o.Get("samples"); v.Type() == js.TypeNumber {
				n = int(min(max(v.Float(), 2), 2e6))
			}
			if v := o.Get("theta"); v.Type() == js.TypeNumber && !math.IsNaN(v.Float()) && !math.IsInf(v.Float(), 0) {
				theta = v.Float()
			}
			if v := o.Get("seed"); v.Type() == js.TypeNumber && v.Float() >= 0 && v.Float() <= view.MaxSeed {
				seed = uint64(v.Float())
			}
		}
		r := RunToy(theta, n, seed)
		return map[string]any{
			"theta": theta, "samples": n, "seed": float64(seed),
			"reparam": map[string]any{"mean": r.R.Mean, "var": r.R.Var},
			"score":   map[string]any{"mean": r.S.Mean, "var": r.S.Var},
			"exact":   map[string]any{"reparam": r.ExactR, "score": r.ExactS},
		}
	})
	// encodeImage(pixels784) returns the posterior {mu, logvar} of a
	// 28×28 image (values in [0, 1]) under the weights the plane shows.
	hook("encodeImage", func(args []js.Value) any {
		now := l.host.Shown()
		if now.Model == nil || !now.Full { // nothing yet, or the preview, which has no encoder
			return map[string]any{"error": "the weights are not loaded yet"}
		}
		if len(args) == 0 || args[0].Get("length").Type() != js.TypeNumber || args[0].Get("length").Int() != view.DigitPixels {
			return map[string]any{"error": "encodeImage needs an array of 784 pixel values in [0, 1]"}
		}
		x := make([]float32, view.DigitPixels)
		for i := range x {
			v := args[0].Index(i).Float()
			if !(v >= 0 && v <= 1) {
				return map[string]any{"error": fmt.Sprintf("pixel %d is %v, not in [0, 1]", i, v)}
			}
			x[i] = float32(v)
		}
		mu, lv := now.Model.Encode(x, 1)
		return map[string]any{"mu": floats(mu), "logvar": floats(lv)}
	})
	hook("settings", func([]js.Value) any { return l.settings.Typed() })
	// labPoints lists the rate–distortion plot's points, in CSS pixels
	// from the plot's top-left corner, for tests that click them.
	hook("labPoints", func([]js.Value) any {
		out := []any{}
		for _, p := range l.rdPoints {
			out = append(out, map[string]any{"x": p.x, "y": p.y, "id": p.id})
		}
		return out
	})
	hook("labStatus", func([]js.Value) any {
		b, err := json.Marshal(l.labStatus())
		if err != nil {
			return fmt.Sprintf(`{"error":%q}`, err.Error())
		}
		return string(b)
	})
}
