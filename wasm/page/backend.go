//go:build js && wasm

package page

import (
	"github.com/govae/govae/core"
	"github.com/govae/govae/core/mnist"
	"github.com/govae/govae/wasm/train"
	"github.com/govae/govae/wasm/view"
)

// Choosing, switching and watching the training backend.

// workerCount resolves the workers setting: 0 trains in the page.
func (s *session) workerCount() int {
	n := s.settings.Workers
	if n == view.AutoWorkers {
		n = s.autoWorkers() // measured: tune.go
	}
	if !train.WorkersAvailable() {
		return 0
	}
	return n
}

// newBackend returns the backend the settings ask for, training m: Web
// Workers when the browser has them, else the page itself.
func (s *session) newBackend(m *core.Model) train.Backend {
	cfg := s.settings.TrainConfig() // validated when parsed
	if n := s.workerCount(); n > 0 {
		w, err := train.NewWorkers(m, cfg, n, train.StartWorkerPool)
		if err == nil {
			w.OnWeights(s.wake) // a refresh of the pictures may be due
			return w
		}
	}
	l, err := train.NewLocal(m, cfg)
	if err != nil {
		panic(err)
	}
	return l
}

// switchBackend moves training to the backend the workers setting asks for,
// keeping the weights and the step count (the optimiser restarts) and going
// on training if it was.
func (s *session) switchBackend() {
	if s.backend == nil {
		return // becomeReady reads the setting
	}
	want := s.workerCount()
	if w, ok := s.backend.(*train.Workers); ok && w.Count() == want || !ok && want == 0 {
		return
	}
	s.replaceBackend(s.newBackend(s.backend.Snapshot(nil)))
}

// replaceBackend makes b the backend, going on from the old one: the step
// count continues, and training (or the images' download) resumes where b
// trains.
func (s *session) replaceBackend(b train.Backend) {
	old := s.backend
	st := old.Status()
	if w, ok := old.(*train.Workers); ok {
		w.Close()
	}
	train.ContinueFrom(b, st)
	s.backend = b
	s.pace.Forget() // redraw from the new backend's weights
	want := s.train.want
	switch {
	case st.Running:
		want = "train"
	case st.Pending > 0:
		want = "step"
	}
	had := s.train.state == "ready" || s.train.state == "loading"
	s.train = dataset{want: want}
	switch {
	case want != "":
		s.startTraining() // fetches the images first
	case had:
		s.fetchTrainData() // from the browser's cache
	}
	s.panelDue = true
}

// fetchTrainData downloads the training images where the backend trains:
// in every worker, or in the page.
func (s *session) fetchTrainData() {
	w, ok := s.backend.(*train.Workers)
	if !ok {
		s.loadTrainData()
		return
	}
	if s.train.state == "loading" {
		return
	}
	s.train.state, s.train.err, s.train.got, s.train.total = "loading", "", 0, 0
	if f := s.data.files(mnist.Train); f.bytes != nil {
		w.SetDataBytes(f.bytes, f.n) // the visitor's images
	} else {
		w.FetchData(f.images)
	}
}

// watchBackend runs every frame: it shows the workers' download, starts
// what the visitor asked for once the images are in, and falls back to
// training in the page when the workers fail.
func (s *session) watchBackend() {
	w, ok := s.backend.(*train.Workers)
	if !ok {
		return
	}
	if err := w.Err(); err != nil {
		for _, r := range w.Tick(0) { // steps that ended before the failure
			s.stepDone(r)
		}
		s.dom.ShowError("Training in Web Workers is not available; training runs in the page instead", err.Error())
		// The setting stays (a reload, or choosing it again, tries the
		// workers anew); the panel says where training runs.
		l, err := train.NewLocal(w.Snapshot(nil), s.settings.TrainConfig())
		if err != nil {
			panic(err) // the settings were validated when set
		}
		s.replaceBackend(l)
		return
	}
	if !s.training() {
		for _, r := range w.Tick(0) { // a step that ended after a pause
			s.stepDone(r)
		}
	}
	state, got, total, n, msg := w.DataState()
	switch {
	case state == "loading" && s.train.state == "loading":
		s.train.got, s.train.total = got, total
	case state == "ready" && s.train.state != "ready":
		s.train.state, s.train.n, s.panelDue = "ready", n, true
		if s.train.want != "" {
			s.startTraining()
		}
	case state == "failed" && s.train.state == "loading":
		s.train.state, s.train.err, s.panelDue = "failed", msg, true
		s.train.file, s.train.status = s.data.files(mnist.Train).images, w.DataStatus()
	}
}

// activeWorkers returns how many workers train (0: the page itself).
func (s *session) activeWorkers() int {
	if w, ok := s.backend.(*train.Workers); ok {
		return w.Count()
	}
	return 0
}
