//go:build js && wasm

package page

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"syscall/js"
	"time"

	"github.com/govae/govae/core"
	"github.com/govae/govae/wasm/lab"
	"github.com/govae/govae/wasm/persist"
)

// Restoring a kept run: the autosave on load (with the notice "Restored
// your training from step … — discard?"), or a checkpoint the visitor
// loads from the lab's Keep and share panel.

// decide acts on the autosave read on load: a damaged one is discarded
// with a notice; one saved over the pretrained weights shipped now is
// restored; one saved over other weights is only offered in the lab.
func (k *keeper) decide(f *found) {
	if f.err != nil {
		k.remove(persist.AutoName, nil)
		k.notice("corrupt", "Your saved training could not be read and was discarded ("+f.err.Error()+
			"). The page starts from the pretrained weights.")
		return
	}
	if persist.Decide(f.rec.Base, k.base) == persist.Offer {
		k.notice("offer", fmt.Sprintf("Your training saved at step %s was made over other pretrained weights than "+
			"this site ships now: it is kept in the lab's Keep and share panel, to load when you want.", persist.FormatCount(f.rec.Step)))
		return
	}
	if err := k.restore(f.c, f.rec.Label); err != nil {
		k.remove(persist.AutoName, nil)
		k.notice("corrupt", "Your saved training could not be restored and was discarded ("+err.Error()+").")
		return
	}
	k.restored = f.c.Steps
	k.g.dom.SetText("restore-text", persist.RestoredNotice(f.c.Steps))
	k.g.dom.SetBool("restore-box", "hidden", false)
}

// restoredLabels are the weights' labels a restored run keeps; any other
// stored label reads as restored training.
var restoredLabels = map[string]bool{weightsFineTuned: true, weightsScratch: true, weightsRandom: true,
	weightsPretrained: true, weightsUntrained: true, lab.WeightsLoaded: true}

// restore makes c's run the one shown and trained: its weights, training
// settings, optimiser state and step, and its loss curve on the chart.
func (k *keeper) restore(c *core.Checkpoint, label string) error {
	s := k.s
	if err := checkPageShape(c.Model); err != nil {
		return err
	}
	cp, ok := s.backend.(interface{ Restore(*core.Checkpoint) error })
	if !ok {
		return errors.New("this training backend cannot resume a run")
	}
	s.pause()
	cfg := c.Config
	values := map[string]string{"lr": strconv.FormatFloat(cfg.LearningRate, 'g', -1, 64), "batch": strconv.Itoa(cfg.BatchSize),
		"beta": strconv.FormatFloat(cfg.Beta, 'g', -1, 64), "warmup": strconv.Itoa(cfg.WarmupSteps), "lik": cfg.Likelihood.Kind.String()}
	if cfg.Likelihood.Kind == core.Gaussian {
		values["sigma"] = strconv.FormatFloat(cfg.Likelihood.Sigma, 'g', -1, 64)
	}
	for _, key := range []string{"lik", "sigma", "lr", "batch", "beta", "warmup"} {
		if v, ok := values[key]; ok && k.g.settings.Get(key) != v {
			k.g.panel.setSetting(key, v)
		}
	}
	points := persist.Points(c.History)
	if err := cp.Restore(c); err != nil {
		return err
	}
	if !restoredLabels[label] {
		label = weightsFineTuned
	}
	s.weights = label
	s.afterLoad()
	s.history.Load(points)
	if n := len(points); n > 0 {
		p := points[n-1]
		s.lastLoss = &core.Loss{NegELBO: p.NegELBO, Recon: p.Recon, KL: p.KL}
	}
	s.ex.ChartChanged()
	s.panelDue = true
	k.auto.Saved(time.Now(), s.backend.Version())
	return nil
}

// discard drops the restored run: the autosave is deleted and the page
// goes back to the pretrained weights (fresh ones when those failed).
func (k *keeper) discard() {
	s := k.s
	k.g.dom.SetBool("restore-box", "hidden", true)
	k.remove(persist.AutoName, nil)
	if s.pretrained != nil {
		s.backToPretrained()
	} else {
		s.reset()
	}
	k.restored = -1
	if s.backend != nil {
		k.auto.Saved(time.Now(), s.backend.Version())
	}
	s.panelDue = true
}

// keeperForLab is the lab's view of the keeper (lab.Keeper).
type keeperForLab struct{ k *keeper }

// Keep implements lab.Keeper.
func (l keeperForLab) Keep(name string, done func(string, bool)) {
	k := l.k
	name, err := persist.CheckName(name)
	switch {
	case err != nil:
		done(err.Error()+".", false)
		return
	case k.db == nil:
		done("This browser does not let the page keep checkpoints ("+k.why+").", false)
		return
	case k.s.backend == nil:
		done("The page is still starting; try again in a moment.", false)
		return
	}
	n, exists := 0, false
	for _, r := range k.kept {
		if r.Name != persist.AutoName {
			n++
		}
		exists = exists || r.Name == name
	}
	if !exists && n >= persist.MaxKept {
		done(fmt.Sprintf("At most %d checkpoints are kept: delete one first.", persist.MaxKept), false)
		return
	}
	if k.request != nil { // after the save under way
		k.next = &saveRequest{name: name, done: done}
		return
	}
	k.ask(name, done)
}

// Restore implements lab.Keeper.
func (l keeperForLab) Restore(name string, done func(string, bool)) {
	k := l.k
	db := k.db
	if db == nil || k.s.backend == nil {
		done("Nothing can be loaded yet.", false)
		return
	}
	go func() {
		rec, ok, err := db.Get(name)
		var c *core.Checkpoint
		if err == nil && !ok {
			err = errors.New("it is no longer stored")
		}
		if err == nil {
			c, err = persist.Open(rec.Data, rec.Weights, rec.WeightsStep, rec.History, rec.Settings)
		}
		k.g.queue.post(func() {
			if err == nil {
				err = k.restore(c, rec.Label)
			}
			if err != nil {
				done(fmt.Sprintf("%q could not be loaded: %v. The current model stays.", name, err), false)
				return
			}
			done(fmt.Sprintf("Loaded %q: step %s. Press Train to go on.", name, persist.FormatCount(c.Steps)), true)
		})
	}()
}

// Delete implements lab.Keeper.
func (l keeperForLab) Delete(name string, done func(string, bool)) {
	l.k.remove(name, func(err error) {
		if err != nil {
			done(fmt.Sprintf("%q could not be deleted: %v.", name, err), false)
			return
		}
		done(fmt.Sprintf("Deleted %q.", name), true)
	})
}

// showKept lists the stored records in the lab.
func (k *keeper) showKept() {
	if k.g.kept == nil {
		return
	}
	list := make([]lab.Kept, len(k.kept))
	for i, r := range k.kept {
		list[i] = lab.Kept{Name: r.Name, Auto: r.Name == persist.AutoName, Step: r.Step, Epoch: r.Epoch,
			SavedAt: r.SavedAt, Bytes: r.Bytes, Label: r.Label}
	}
	note := ""
	if k.state == "refused" {
		note = "This browser does not let the page keep checkpoints (" + k.why + ")."
	}
	k.g.kept.Show(list, note)
}

// persistJSON is what window.govae.persist() returns.
type persistJSON struct {
	Storage  string     `json:"storage"` // "opening", "ready" or "refused"
	Why      string     `json:"why,omitempty"`
	Restored int        `json:"restored"` // the step restored on load, -1 when none
	Saves    int        `json:"saves"`
	LastSave saveReport `json:"lastSave"`
	Kept     []string   `json:"kept"`
	Dirty    bool       `json:"dirty"`   // the weights changed since the last save
	History  int        `json:"history"` // points on the loss chart
}

// exposeHooks installs window.govae.persist() and weightsChecksum().
func (k *keeper) exposeHooks() {
	k.g.dom.Hook("persist", &k.g.lock, func([]js.Value) any {
		out := persistJSON{Storage: k.state, Why: k.why, Restored: k.restored, Saves: k.saves, LastSave: k.lastSave, Kept: []string{},
			History: len(k.s.history.Points())}
		for _, r := range k.kept {
			out.Kept = append(out.Kept, r.Name)
		}
		if k.auto != nil && k.s.backend != nil {
			out.Dirty = k.auto.Dirty(k.s.backend.Version())
		}
		b, _ := json.Marshal(out)
		return string(b)
	})
	k.g.dom.Hook("weightsChecksum", &k.g.lock, func([]js.Value) any {
		b, _ := json.Marshal(k.weightsChecksum())
		return string(b)
	})
}

// bindRestoreBox connects the restore notice's Discard button.
func (k *keeper) bindRestoreBox() {
	k.g.dom.On("restore-discard", "click", func(js.Value) { k.g.queue.post(k.discard) })
}
