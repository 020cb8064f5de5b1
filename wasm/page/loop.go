//go:build js && wasm

package page

import (
	"fmt"
	"sync"
	"time"

	"github.com/govae/govae/wasm/bridge"
	"github.com/govae/govae/wasm/explorer"
	"github.com/govae/govae/wasm/lab"
	"github.com/govae/govae/wasm/train"
)

// sliceBudget is the length of a work slice: the browser regains control
// many times a second (well within 50 ms); a refresh of the pictures shares
// a slice with training while both run.
const sliceBudget = 12 * time.Millisecond

// workLoop does the heavy work — refreshing the pictures, training in the
// page, the lab's measurements — in slices of about sliceBudget, each in a
// browser task of its own. Go in WebAssembly returns control to the
// browser only when every goroutine is blocked, so waiting for the next
// task between slices is what lets the page paint and respond. The loop is
// not tied to animation frames, which a software renderer can make slow,
// and it waits on wake while there is nothing to do — or until a refresh
// of the pictures comes due, which new weights from the workers may not
// announce by a frame soon enough.
type workLoop struct {
	lock  *sync.Mutex // the game's
	fatal *error      // the game's: a panic here stops the game
	s     *session
	lab   *lab.Lab
	ex    *explorer.Explorer
	dom   *bridge.DOM
	wake  chan struct{} // work to do
	timer *time.Timer   // a refresh's due time, while the loop waits
}

// poke wakes the loop from any goroutine, without blocking.
func (w *workLoop) poke() {
	select {
	case w.wake <- struct{}{}:
	default: // already awake, or woken
	}
}

// run is the loop's goroutine.
func (w *workLoop) run() {
	for {
		more, ok := w.slice()
		switch {
		case !ok:
			return // a panic stopped the game
		case more:
			w.dom.NextTask() // the browser's turn
		default:
			w.idle()
			// Woken by Update, inside an animation frame's task, or by new
			// weights: the slice goes in a task of its own, or the frame
			// would wait for it.
			w.dom.NextTask()
		}
	}
}

// idle waits for a wake, or until a refresh of the pictures comes due.
func (w *workLoop) idle() {
	w.lock.Lock()
	d, due := w.s.refreshWait()
	w.lock.Unlock()
	if !due {
		<-w.wake
		return
	}
	if w.timer == nil {
		w.timer = time.NewTimer(d)
	} else {
		w.timer.Reset(d)
	}
	select {
	case <-w.wake:
		w.timer.Stop()
	case <-w.timer.C:
	}
}

// wakeIfDue wakes the loop when there is work: a refresh under way or
// due, training in the page, the lab's measurements. Update calls it.
func (w *workLoop) wakeIfDue() {
	s := w.s
	if s.scene.Busy() || s.training() && train.TrainsHere(s.backend) || s.refreshDue() != 0 || w.lab.Busy() {
		w.poke()
	}
}

// slice runs one work slice and reports whether there is more to do; ok is
// false after a panic, which Update then reports.
func (w *workLoop) slice() (more, ok bool) {
	w.lock.Lock()
	defer w.lock.Unlock()
	defer func() {
		if r := recover(); r != nil {
			*w.fatal, more, ok = fmt.Errorf("internal error: %v", r), false, false
		}
	}()
	start := time.Now()
	more = w.work()
	if w.s.training() {
		w.s.maxSlice = max(w.s.maxSlice, time.Since(start))
	}
	return more, true
}

// work does one slice: a refresh of the pictures when the weights changed
// and the pace allows it (sharing the slice with training), then training.
// It reports whether there is more to do.
func (w *workLoop) work() bool {
	s := w.s
	if s.scene == nil {
		return false
	}
	start := time.Now()
	training := s.training()
	here := training && train.TrainsHere(s.backend) // not in Web Workers
	if parts := s.refreshDue(); parts != 0 {
		s.refresh(parts) // the manifold alone, or the whole scene
	}
	if s.scene.Busy() {
		budget := sliceBudget
		switch {
		case !w.ex.Drawn():
			budget = time.Hour // the first manifold: one batched Decode
		case here:
			budget /= 2
		}
		if parts := s.scene.Work(budget); parts != 0 {
			// A manifold, reconstructions or the overlay's dots: the parts
			// drawn from them (Draw also compares what they show).
			w.ex.ScenePublished(parts)
		}
	}
	if training {
		s.collect(sliceBudget - time.Since(start))
	}
	if w.lab.Busy() {
		w.lab.Work(max(sliceBudget-time.Since(start), time.Millisecond))
	}
	// Training in workers needs no slices here: Update collects its steps,
	// and wakes the loop when a refresh is due.
	return s.scene.Busy() || s.training() && train.TrainsHere(s.backend) || w.lab.Busy()
}
