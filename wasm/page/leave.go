//go:build js && wasm

package page

import (
	"time"

	"github.com/govae/govae/core"
	"github.com/govae/govae/wasm/bridge"
	"github.com/govae/govae/wasm/persist"
	"github.com/govae/govae/wasm/train"
	dp "github.com/govae/govae/wasm/worker/dataparallel"
)

// Saving when the page may go away (pagehide, a hidden tab, a lost WebGL
// context): there is no time to ask a Web Worker for the optimiser's
// state, so the record is the newest checkpoint the workers gave (a few
// seconds old at most) with the weights shown now put over it, and the loss
// curve as it is now (persist.Open puts them together).

// leave saves the run at once when it changed since the last save. It
// returns the IndexedDB transaction (null when nothing was written).
func (k *keeper) leave(reason string) (written bool) {
	s := k.s
	if k.db == nil || s.backend == nil || k.auto == nil || !k.auto.Dirty(s.backend.Version()) {
		return false
	}
	if s.weights == weightsPretrained && s.backend.Status().Steps == 0 {
		return false // the autosave was forgotten; nothing to keep
	}
	rec, err := k.recordNow()
	if err == nil {
		_, err = k.db.PutNow(rec)
	}
	k.lastSave = saveReport{Name: persist.AutoName + " (" + reason + ")", Step: rec.Step, Bytes: rec.Bytes}
	if err != nil {
		k.lastSave.Err = err.Error()
		return false
	}
	k.saves++
	k.auto.Saved(time.Now(), s.backend.Version())
	return true
}

// recordNow builds the autosave record of the run as it is now, without
// waiting for a worker.
func (k *keeper) recordNow() (bridge.Record, error) {
	s := k.s
	rec := bridge.Record{Name: persist.AutoName, SavedAt: bridge.DateNow(), Base: k.base, Label: s.weights,
		History: persist.Flatten(s.history.Points()), Settings: s.settings.Query()}
	w, ok := s.backend.(*train.Workers)
	if !ok {
		cp := s.backend.(train.Checkpointer)
		cp.RequestCheckpoint(nil, nil) // the page's own trainer: at once
		saved, _ := cp.TakeCheckpoint()
		k.request = nil // a request under way was answered by this one
		rec.Data, rec.Step, rec.Epoch = saved.Data, saved.Steps, saved.Epoch
		rec.Bytes = len(rec.Data)
		return rec, saved.Err
	}
	m, step := w.Snapshot(nil), w.WeightsStep()
	last := k.last
	if k.lastRun != s.run {
		last = nil // of a run no longer shown
	}
	switch {
	case last != nil && last.Steps >= step:
		rec.Data, rec.Step, rec.Epoch = last.Data, last.Steps, last.Epoch
	case last != nil:
		rec.Data, rec.Step, rec.Epoch = last.Data, step, last.Epoch
		rec.Weights, rec.WeightsStep = m.MarshalBinary(), step
	default:
		// No checkpoint from the workers yet: the weights, a fresh optimiser.
		st := w.Status()
		c, err := dp.CheckpointOf(nil, nil, m, st.Config, step, st.Epoch, nil, nil)
		var data []byte
		if err == nil {
			data, err = c.Marshal()
		}
		if err != nil {
			return rec, err
		}
		rec.Data, rec.Step, rec.Epoch = data, step, st.Epoch
	}
	rec.Bytes = len(rec.Data) + len(rec.Weights)
	return rec, nil
}

// contextLost saves the run before the page reloads (Ebiten's answer to a
// lost WebGL context) and reloads once IndexedDB has it. Training is paused
// first, and the save waits (at most contextLostWait) for the steps under
// way to finish, so that what is saved is what the page ends with. It runs
// on a goroutine of its own: Ebiten's loop may stop with the context.
func (k *keeper) contextLost(reload func()) {
	k.s.pause()
	go func() {
		deadline := time.Now().Add(contextLostWait)
		for {
			time.Sleep(50 * time.Millisecond)
			k.g.lock.Lock()
			stopped := !k.s.training() || time.Now().After(deadline)
			if stopped {
				if k.s.backend != nil {
					k.s.collect(0) // the steps that finished: their losses join the chart
				}
				written := k.leave("webglcontextlost")
				db := k.db
				k.g.lock.Unlock()
				if written {
					db.List() // a read after the write waits for its commit
				}
				reload()
				return
			}
			k.g.lock.Unlock()
		}
	}()
}

// contextLostWait bounds the wait for the steps under way when the WebGL
// context is lost (the reload waits at most 5 s in all: bridge.OnContextLost).
const contextLostWait = 3 * time.Second

// weightsChecksum is window.govae.weightsChecksum(): the CRC-32C of the
// weights shown (core.WeightsChecksum of their weights file) and the step
// they are from, for tests that compare the weights across a reload.
func (k *keeper) weightsChecksum() map[string]any {
	s := k.s
	if s.backend == nil {
		return map[string]any{"step": 0, "crc": 0, "ready": false}
	}
	m := s.backend.Snapshot(nil)
	step := s.backend.Status().Steps
	if w, ok := s.backend.(*train.Workers); ok {
		step = w.WeightsStep()
	}
	return map[string]any{"step": step, "crc": float64(core.WeightsChecksum(m.MarshalBinary())), "ready": true}
}
