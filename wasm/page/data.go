//go:build js && wasm

package page

import (
	"time"

	"github.com/govae/govae/core/mnist"
	"github.com/govae/govae/wasm/scene"
)

// dataset is the download state of one MNIST split.
type dataset struct {
	state      string // "", "loading", "parsing", "ready" or "failed"
	got, total int64  // bytes of the images file
	err        string
	n          int    // images, once ready
	want       string // training only: "train" or "step" to do once ready
}

// loadTestData fetches the 10 000 test digits for the reconstructions and
// the overlay. The page works without them.
func (s *session) loadTestData() {
	s.test = dataset{state: "loading"}
	go func() {
		ds, err := s.fetchMNIST(mnist.Test, &s.test)
		s.post(func() {
			s.panelDue = true // show the outcome at once
			s.ex.Invalidate() // the legend and the strip say it too
			if err != nil {
				s.test.state, s.test.err = "failed", err.Error()
				return
			}
			s.test.state, s.test.n = "ready", ds.N
			s.scene.SetTestData(ds)
			s.refresh(scene.PartRecon | scene.PartDots)
		})
	}()
}

// loadTrainData fetches the 60 000 training digits, then does what the
// visitor asked for (train or step).
func (s *session) loadTrainData() {
	s.train.state, s.train.err, s.train.got, s.train.total = "loading", "", 0, 0
	go func() {
		ds, err := s.fetchMNIST(mnist.Train, &s.train)
		s.post(func() {
			s.panelDue = true // show the outcome at once
			if err != nil {
				s.train.state, s.train.err = "failed", err.Error()
				return
			}
			s.train.state, s.train.n = "ready", ds.N
			s.backend.SetData(ds.Pixels, ds.N)
			if s.train.want != "" {
				s.startTraining()
			}
		})
	}()
}

// fetchMNIST downloads and parses one split; it runs on its own goroutine
// and reports progress into d through the game loop.
func (s *session) fetchMNIST(split mnist.Split, d *dataset) (*mnist.Dataset, error) {
	images, err := s.dom.FetchData("data/"+split.ImagesFile(), func(got, total int64) {
		s.post(func() { d.got, d.total = got, total })
	})
	if err != nil {
		return nil, err
	}
	labels, err := s.dom.FetchData("data/"+split.LabelsFile(), func(int64, int64) {})
	if err != nil {
		return nil, err
	}
	s.post(func() { d.state = "parsing" })
	// Parsing holds the thread for a moment: let the browser show
	// "Preparing…" first.
	time.Sleep(50 * time.Millisecond)
	return mnist.FromBytes(images, labels)
}
