//go:build js && wasm

package page

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/govae/govae/core"
	"github.com/govae/govae/wasm/bridge"
	"github.com/govae/govae/wasm/persist"
	"github.com/govae/govae/wasm/train"
	"github.com/govae/govae/wasm/view"
)

// keeper keeps the training run in the browser's IndexedDB (issue 13), so
// that a reload, a closed tab or a lost GPU context loses nothing: the
// weights, the optimiser's state, the step and epoch, the loss history and
// the settings, as core's checkpoint file. It saves them every few seconds
// while they change (persist.Autosave), at once when the page may go away
// (leave.go), restores them on load (restore.go), and keeps the checkpoints
// a visitor names in the lab. When the browser refuses storage or it is
// full, it says so once and the page works on without it.
type keeper struct {
	g *Game
	s *session

	db    *bridge.IDB // nil while opening, or when storage does not work
	state string      // "opening", "ready" or "refused"
	why   string      // why storage does not work

	auto  *persist.Autosave // nil until the page is ready
	base  uint32            // core.WeightsChecksum of the shipped pretrained weights (0: none)
	found *found            // the autosave read on load, until decided

	request *saveRequest // the checkpoint asked of the backend
	next    *saveRequest // a checkpoint to keep by name once request is done
	last    *train.Saved // the newest checkpoint of the run (leave.go puts newer weights over it)
	lastRun int          // the run (session.run) last is of

	restored int // the step restored on load, -1 when none
	saves    int // checkpoints stored since load
	lastSave saveReport
	kept     []bridge.Record // the stored records, newest first
	noticed  map[string]bool // notices shown once
}

// found is the autosave record read on load: its checkpoint, or why it
// could not be read.
type found struct {
	rec bridge.Record
	c   *core.Checkpoint
	err error
}

// saveRequest is a checkpoint asked of the backend, to store under name.
type saveRequest struct {
	name    string // persist.AutoName for the autosave
	label   string // what the weights are
	started time.Time
	done    func(msg string, ok bool) // nil for the autosave
	backend train.Backend             // asked of
	run     int                       // session.run when asked

	history  []float64 // the loss curve when asked (persist.Flatten)
	settings string    // the URL's settings when asked
}

// saveReport describes the last store, for window.govae.persist().
type saveReport struct {
	Name  string  `json:"name"`
	Step  int     `json:"step"`
	Bytes int     `json:"bytes"`
	Ms    float64 `json:"ms"` // how long the store took
	// Thread is where it was written: "worker" (off the page's thread) or
	// "page" (bridge.IDB.PutThread).
	Thread string `json:"thread"`
	Err    string `json:"error,omitempty"`
}

// idbName is the database of the site at scope (bridge.ScopeName).
func idbName(scope string) string { return "govae:" + scope }

func newKeeper(g *Game) *keeper {
	k := &keeper{g: g, s: g.session, state: "opening", restored: -1, noticed: map[string]bool{}}
	go k.open()
	g.dom.OnLeave(func(reason string) {
		g.lock.Lock()
		defer g.lock.Unlock()
		k.leave(reason)
	})
	g.dom.OnContextLost(5000, func(reload func()) {
		g.lock.Lock()
		defer g.lock.Unlock()
		k.contextLost(reload)
	})
	k.exposeHooks()
	return k
}

// open opens the database and reads the autosave (on its own goroutine).
func (k *keeper) open() {
	db, err := bridge.OpenIDB(idbName(bridge.ScopeName()))
	if err != nil {
		k.g.queue.post(func() { k.refuse(err) })
		return
	}
	rec, ok, err := db.Get(persist.AutoName)
	f := &found{rec: rec, err: err}
	if ok && err == nil {
		f.c, f.err = persist.Open(rec.Data, rec.Weights, rec.WeightsStep, rec.History, rec.Settings)
	}
	if !ok && err == nil {
		f = nil
	}
	list, _ := db.List()
	k.g.queue.post(func() {
		k.db, k.state, k.found = db, "ready", f
		k.setList(list)
	})
}

// refuse records that storage does not work and says so once.
func (k *keeper) refuse(err error) {
	k.db, k.state, k.why = nil, "refused", err.Error()
	k.notice("storage", "This browser does not let the page keep your training ("+k.why+
		"). Everything else works; a reload will start again from the pretrained weights.")
}

// notice adds a notice to the panel's list, once per key.
func (k *keeper) notice(key, msg string) {
	if k.noticed[key] {
		return
	}
	k.noticed[key] = true
	k.g.panel.addNotice(view.Notice{Message: msg})
}

// update runs every frame once the page is ready: it decides on the
// autosave read on load, collects a checkpoint the backend delivered, and
// starts the next autosave when one is due.
func (k *keeper) update() {
	s := k.s
	if s.backend == nil {
		return
	}
	if k.auto == nil {
		k.auto = persist.NewAutosave(s.backend.Version())
		if s.pretrained != nil {
			k.base = core.WeightsChecksum(s.pretrained.MarshalBinary())
		}
	}
	if k.found != nil {
		f := k.found
		k.found = nil
		k.decide(f)
	}
	k.collect()
	if n := k.next; n != nil && k.request == nil {
		k.next = nil
		k.ask(n.name, n.done)
	}
	if k.db != nil && k.request == nil && k.auto.Due(time.Now(), s.backend.Version()) {
		k.autosave()
	}
}

// autosave asks the backend for the run's checkpoint, or, when the run was
// put back to the pretrained weights untrained, forgets the autosave.
func (k *keeper) autosave() {
	s := k.s
	if s.weights == weightsPretrained && s.backend.Status().Steps == 0 {
		k.auto.Done(time.Now(), nil)
		k.remove(persist.AutoName, nil)
		return
	}
	k.ask(persist.AutoName, nil)
}

// ask requests the run's checkpoint, to be stored under name.
func (k *keeper) ask(name string, done func(string, bool)) {
	s := k.s
	cp, ok := s.backend.(train.Checkpointer)
	if !ok {
		if done != nil {
			done("This training backend cannot be saved.", false)
		}
		return
	}
	// The loss curve and the settings go beside the checkpoint, not into it:
	// a run's checkpoints then all have one size, and the buffers that carry
	// them from the worker and into IndexedDB are reused, not garbage.
	cp.RequestCheckpoint(nil, nil)
	k.request = &saveRequest{name: name, label: s.weights, started: time.Now(), done: done, backend: s.backend, run: s.run,
		history: persist.Flatten(s.history.Points()), settings: s.settings.Query()}
}

// collect stores the checkpoint the backend delivered.
func (k *keeper) collect() {
	req := k.request
	if req == nil {
		return
	}
	if req.backend != k.s.backend || req.run != k.s.run {
		// Training moved to another backend, or another run is shown: ask
		// again (a kept name at once, the autosave when next due).
		k.request = nil
		k.auto.Cancel()
		if req.done != nil {
			k.next = req
		}
		return
	}
	cp := k.s.backend.(train.Checkpointer)
	saved, ok := cp.TakeCheckpoint()
	if !ok {
		if time.Since(req.started) > persist.DefaultTimeout {
			k.request = nil
			k.finish(req, bridge.Record{}, errors.New("the training workers did not answer"), 0)
		}
		return
	}
	k.request = nil
	if saved.Err != nil {
		k.finish(req, bridge.Record{}, saved.Err, 0)
		return
	}
	k.last, k.lastRun = &saved, req.run
	rec := bridge.Record{Name: req.name, SavedAt: bridge.DateNow(), Step: saved.Steps, Epoch: saved.Epoch,
		Base: k.base, Label: req.label, Bytes: len(saved.Data), Data: saved.Data, History: req.history, Settings: req.settings}
	db := k.db
	go func() {
		t0 := bridge.PerformanceNow()
		err := db.Put(rec)
		ms := bridge.PerformanceNow() - t0
		thread := db.PutThread()
		list, _ := db.List()
		k.g.queue.post(func() {
			k.finish(req, rec, err, ms)
			k.lastSave.Thread = thread
			if err == nil {
				k.setList(list)
			}
		})
	}()
}

// finish records the outcome of a save.
func (k *keeper) finish(req *saveRequest, rec bridge.Record, err error, ms float64) {
	k.lastSave = saveReport{Name: req.name, Step: rec.Step, Bytes: rec.Bytes, Ms: ms}
	if err != nil {
		k.lastSave.Err = err.Error()
	} else {
		k.saves++
	}
	if req.name == persist.AutoName {
		k.auto.Done(time.Now(), err)
		if err != nil {
			k.notice("save", "Your training could not be saved in this browser ("+err.Error()+
				"). The page works on; the page tries again in half a minute, and a reload now would start from the pretrained weights.")
		}
	}
	if req.done != nil {
		if err != nil {
			req.done(fmt.Sprintf("%q could not be kept: %v.", req.name, err), false)
		} else {
			req.done(fmt.Sprintf("Kept %q: step %s, %s.", req.name, persist.FormatCount(rec.Step), view.FormatBytes(int64(rec.Bytes))), true)
		}
	}
}

// remove deletes a stored record, then calls done (when not nil) on the
// game loop.
func (k *keeper) remove(name string, done func(error)) {
	db := k.db
	if db == nil {
		if done != nil {
			done(errors.New("storage does not work in this browser"))
		}
		return
	}
	go func() {
		err := db.Delete(name)
		list, _ := db.List()
		k.g.queue.post(func() {
			k.setList(list)
			if done != nil {
				done(err)
			}
		})
	}()
}

// setList takes the stored records and shows them in the lab.
func (k *keeper) setList(list []bridge.Record) {
	k.kept = sortRecords(list)
	k.showKept()
}

// sortRecords orders records newest first, the autosave first of all.
func sortRecords(list []bridge.Record) []bridge.Record {
	out := slices.Clone(list)
	slices.SortStableFunc(out, func(a, b bridge.Record) int {
		if (a.Name == persist.AutoName) != (b.Name == persist.AutoName) {
			if a.Name == persist.AutoName {
				return -1
			}
			return 1
		}
		return cmp.Compare(b.SavedAt, a.SavedAt)
	})
	return out
}
