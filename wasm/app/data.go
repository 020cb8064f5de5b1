//go:build js && wasm

package app

import (
	"fmt"
	"time"

	"github.com/govae/govae/core/mnist"
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
func (g *Game) loadTestData() {
	g.test = dataset{state: "loading"}
	go func() {
		ds, err := g.fetchMNIST(mnist.Test, &g.test)
		g.post(func() {
			g.lastStats = time.Time{} // show the outcome at once
			g.dirty = true            // the legend and the strip say it too
			if err != nil {
				g.test.state, g.test.err = "failed", err.Error()
				return
			}
			g.test.state, g.test.n = "ready", ds.N
			g.scene.SetTestData(ds)
			g.refresh(PartRecon | PartDots)
		})
	}()
}

// loadTrainData fetches the 60 000 training digits, then does what the
// visitor asked for (train or step).
func (g *Game) loadTrainData() {
	g.train.state, g.train.err, g.train.got, g.train.total = "loading", "", 0, 0
	go func() {
		ds, err := g.fetchMNIST(mnist.Train, &g.train)
		g.post(func() {
			g.lastStats = time.Time{} // show the outcome at once
			if err != nil {
				g.train.state, g.train.err = "failed", err.Error()
				return
			}
			g.train.state, g.train.n = "ready", ds.N
			g.backend.SetData(ds.Pixels, ds.N)
			if g.train.want != "" {
				g.startTraining()
			}
		})
	}()
}

// fetchMNIST downloads and parses one split; it runs on its own goroutine
// and reports progress into d through the game loop.
func (g *Game) fetchMNIST(split mnist.Split, d *dataset) (*mnist.Dataset, error) {
	images, err := g.dom.fetchData("data/"+split.ImagesFile(), func(got, total int64) {
		g.post(func() { d.got, d.total = got, total })
	})
	if err != nil {
		return nil, err
	}
	labels, err := g.dom.fetchData("data/"+split.LabelsFile(), func(int64, int64) {})
	if err != nil {
		return nil, err
	}
	g.post(func() { d.state = "parsing" })
	// Parsing holds the thread for a moment: let the browser show
	// "Preparing…" first.
	time.Sleep(50 * time.Millisecond)
	return mnist.FromBytes(images, labels)
}

// showData writes a download's state into its panel line.
func (g *Game) showData(d *dataset, id, what string) {
	var msg string
	switch d.state {
	case "":
		if id == "train-data" {
			msg = "Training digits (60 000, 9.9 MB) are downloaded when you train."
		} else {
			msg = what + ": not loaded yet"
		}
	case "loading":
		msg = fmt.Sprintf("%s: downloading, %s", what, formatBytes(d.got))
		if d.total > 0 {
			msg += " of " + formatBytes(d.total)
		}
	case "parsing":
		msg = what + ": preparing…"
	case "ready":
		msg = fmt.Sprintf("%s: %d images loaded", what, d.n)
	case "failed":
		msg = fmt.Sprintf("%s could not be downloaded: %s. Everything else keeps working; retry when the connection is back.", what, d.err)
	}
	g.dom.setText(id+"-text", msg)
	cls := ""
	if d.state == "failed" {
		cls = "failed"
	}
	g.dom.setClass(id+"-text", cls)
	g.dom.setBool(id+"-bar", "hidden", d.state != "loading" && d.state != "parsing")
	if d.state == "loading" {
		g.dom.setProgress(id+"-bar", d.got, d.total)
	} else if d.state == "parsing" {
		g.dom.setProgress(id+"-bar", 1, 1)
	}
	g.dom.setBool(id+"-retry", "hidden", d.state != "failed")
}
