//go:build js && wasm

package page

import (
	"errors"
	"fmt"
	"time"

	"github.com/govae/govae/core/mnist"
	"github.com/govae/govae/wasm/bridge"
	"github.com/govae/govae/wasm/scene"
)

// dataset is the download state of one split of the data set shown.
type dataset struct {
	state      string // "", "loading", "parsing", "ready" or "failed"
	got, total int64  // bytes of the images file
	err        string
	file       string // of a failed download: the site path asked for
	status     int    // of a failed download: the HTTP status, 0 for a network failure
	n          int    // images, once ready
	want       string // training only: "train" or "step" to do once ready
}

// fail records a failed download or parse.
func (d *dataset) fail(err error, file string) {
	d.state, d.err, d.file, d.status = "failed", err.Error(), file, bridge.HTTPStatus(err)
	var fe *bridge.FetchError
	if errors.As(err, &fe) {
		d.file = fe.URL
	}
}

// loadTestData fetches the test images of the data set shown, for the
// reconstructions and the overlay. The page works without them.
func (s *session) loadTestData() {
	s.test = dataset{state: "loading"}
	f := s.data.files(mnist.Test)
	go func() {
		ds, err := s.fetchMNIST(f, &s.test)
		s.post(func() {
			if !s.data.current(f) {
				return // another data set was chosen meanwhile
			}
			s.panelDue = true // show the outcome at once
			s.ex.Invalidate() // the legend and the strip say it too
			if err != nil {
				s.test.fail(err, f.images)
				return
			}
			s.test.state, s.test.n = "ready", ds.N
			s.scene.SetTestData(ds)
			s.refresh(scene.PartRecon | scene.PartDots)
		})
	}()
}

// loadTrainData fetches the training images of the data set shown, then
// does what the visitor asked for (train or step).
func (s *session) loadTrainData() {
	s.train.state, s.train.err, s.train.got, s.train.total = "loading", "", 0, 0
	f := s.data.files(mnist.Train)
	go func() {
		ds, err := s.fetchMNIST(f, &s.train)
		s.post(func() {
			if !s.data.current(f) {
				return
			}
			s.panelDue = true // show the outcome at once
			if err != nil {
				s.train.fail(err, f.images)
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

// fetchMNIST downloads and parses one split (or takes the visitor's images
// from memory); it runs on its own goroutine and reports progress into d
// through the game loop.
func (s *session) fetchMNIST(f dataFiles, d *dataset) (*mnist.Dataset, error) {
	if f.mem != nil {
		return f.mem()
	}
	images, err := s.dom.FetchData(f.images, func(got, total int64) {
		s.post(func() {
			if s.data.current(f) {
				d.got, d.total = got, total
			}
		})
	})
	if err != nil {
		return nil, err
	}
	labels, err := s.dom.FetchData(f.labels, func(int64, int64) {})
	if err != nil {
		return nil, err
	}
	s.post(func() {
		if s.data.current(f) {
			d.state = "parsing"
		}
	})
	// Parsing holds the thread for a moment: let the browser show
	// "Preparing…" first.
	time.Sleep(50 * time.Millisecond)
	ds, err := mnist.FromBytes(images, labels)
	if err != nil {
		return nil, fmt.Errorf("%s, %s: %w", f.images, f.labels, err)
	}
	return ds, nil
}
