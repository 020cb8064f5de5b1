//go:build js && wasm

package page

import (
	"fmt"
	"time"

	"github.com/govae/govae/wasm/bridge"
	"github.com/govae/govae/wasm/train"
	"github.com/govae/govae/wasm/view"
)

// The workers setting "auto": how many Web Workers train is measured, not
// taken from navigator.hardwareConcurrency (train.Tuner). A number the
// visitor chose is kept as it is.

// autoWorkers returns how many workers train under "auto": the tuner's
// count once the page is ready, one before.
func (s *session) autoWorkers() int {
	if s.tuner == nil {
		return 1
	}
	return s.tuner.Workers()
}

// tuneWorkers feeds the tuner while training under "auto" and moves
// training to the count it asks for. It runs every frame.
func (s *session) tuneWorkers() {
	if s.settings.Workers != view.AutoWorkers || s.backend == nil || !train.WorkersAvailable() {
		return
	}
	if s.tuner == nil {
		s.tuner = train.NewTuner(train.DefaultWorkers(bridge.HardwareConcurrency()))
	}
	st := s.backend.Status()
	if !st.Running || s.train.state != "ready" || s.tuner.Done() {
		return
	}
	now := s.activeWorkers()
	if want := s.tuner.Observe(time.Now(), now, st.Examples); want != now && now > 0 {
		s.switchBackend()
	}
}

// tuneText says what the tuner found, for the panel.
func (s *session) tuneText() string {
	if s.settings.Workers != view.AutoWorkers || s.tuner == nil {
		return ""
	}
	text := ""
	for _, m := range s.tuner.Measurements() {
		text += fmt.Sprintf(" %d: %.0f examples/s.", m.Workers, m.ExamplesPerSec)
	}
	if !s.tuner.Done() {
		return " Measuring the speed of each count (auto)…" + text
	}
	return " Chosen by measuring (auto):" + text
}
