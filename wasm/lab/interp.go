//go:build js && wasm

package lab

import (
	"fmt"

	"github.com/govae/govae/wasm/view"
)

// Panel 3: the decoded straight path between two latent points.

func (l *Lab) interpUpdate() {
	s, d := l.settings.Lab, l.dom
	if !l.interpDirty {
		return
	}
	l.interpDirty = false
	l.overlayDirty = true
	pts := view.Interpolate(s.A, s.B, s.Steps)
	z := l.planeZ(pts) // the plane's slice through the path's points
	m := l.now.Model
	d.PutDigits("lab-interp", m.Decode(z, len(pts), m.Likelihood, nil), len(pts))
	l.interpN = len(pts)
	hint := ""
	switch l.armed {
	case 1:
		hint = " Now click the plane to place A."
	case 2:
		hint = " Now click the plane to place B."
	}
	d.SetText("lab-interp-text", fmt.Sprintf("A = (%s, %s) → B = (%s, %s): %d decoder means, evenly spaced on the line (pink on the plane).%s",
		view.FormatNumber(s.A[0], 2), view.FormatNumber(s.A[1], 2), view.FormatNumber(s.B[0], 2), view.FormatNumber(s.B[1], 2), len(pts), hint))
}

// armPick makes the next press on the plane set A (1) or B (2); pressing
// the armed button again disarms it.
func (l *Lab) armPick(which int) {
	if l.armed == which {
		l.armed = 0
	} else {
		l.armed = which
	}
	l.interpDirty = true
}

// endpointFromDrawing sets A (1) or B (2) to the drawing's posterior mean.
func (l *Lab) endpointFromDrawing(which int) {
	if l.mu == nil {
		return
	}
	mu := l.onPlane(l.mu)
	p := [2]float64{clampZ(mu[0]), clampZ(mu[1])}
	if which == 1 {
		l.settings.Lab.A = p
	} else {
		l.settings.Lab.B = p
	}
	l.interpDirty = true
	l.host.URLChanged()
}

func clampZ(v float64) float64 { return round3(min(max(v, -view.MaxAbsZ), view.MaxAbsZ)) }

func (l *Lab) swapEndpoints() {
	s := &l.settings.Lab
	s.A, s.B = s.B, s.A
	l.interpDirty = true
	l.host.URLChanged()
}
