//go:build !js

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// The held-out curve's row (issue 11): how fast the held-out −ELBO falls
// in the browser tab from Reset with the default settings — the page's own
// controls, the real MNIST training digits, the held-out curve the page
// evaluates in its own Web Worker. Each point's time is the page's: seconds
// from Reset to the moment the weights it evaluates were taken.

// heldOutTargets are the −ELBO levels the row times, in nats per image on
// the held-out digits (the same-budget comparison's test −ELBO after 1, 3
// and 5 epochs is 171, 160 and 155: README).
var heldOutTargets = []float64{170, 160, 155}

// heldOutAt is when the row reads the curve's value.
const heldOutAt = 60 * time.Second

// Flags of the row: the longest run, in seconds (0: no row), and the runs.
var heldOutSecs, heldOutReps int

// heldOutPoint is one point of the page's held-out curve.
type heldOutPoint struct {
	NegELBO float64 `json:"negElbo"`
	Step    int     `json:"step"`
	At      float64 `json:"at"`
}

// heldOutBench trains from Reset in the page for up to secs seconds per
// run, with the default settings and with training in the page itself
// (workers=0), and adds a row for each.
func heldOutBench(ctx context.Context, t *table, reps, secs int, base string) error {
	for _, c := range []struct{ query, where string }{{"", "default settings"}, {"?workers=0", "workers=0"}} {
		var runs []string
		var at60 sample
		reached := make([]sample, len(heldOutTargets))
		var where string
		for r := 0; r < reps; r++ {
			fmt.Fprintf(os.Stderr, "bench: held-out curve from Reset, %s, up to %d s\n", c.where, secs)
			curve, workers, err := heldOutRun(ctx, base+"/"+c.query, time.Duration(secs)*time.Second)
			if err != nil {
				return fmt.Errorf("held-out curve, %s: %v", c.where, err)
			}
			where = fmt.Sprintf("in %d Web Worker(s)", workers)
			if workers == 0 {
				where = "in the page"
			}
			var pts []string
			v60 := 0.0
			for _, p := range curve {
				pts = append(pts, fmt.Sprintf("%.0f s %.1f", p.At, p.NegELBO))
				if p.At <= heldOutAt.Seconds() {
					v60 = p.NegELBO
				}
			}
			at60 = append(at60, v60)
			for k, target := range heldOutTargets {
				for _, p := range curve {
					if p.NegELBO <= target {
						reached[k] = append(reached[k], p.At)
						break
					}
				}
			}
			runs = append(runs, strings.Join(pts, ", "))
		}
		var cells []string
		for k, target := range heldOutTargets {
			if len(reached[k]) < reps {
				cells = append(cells, fmt.Sprintf("%.0f nats: not within %d s in %d of %d runs", target, secs, reps-len(reached[k]), reps))
				continue
			}
			cells = append(cells, fmt.Sprintf("%.0f nats: %s", target, reached[k].cell("%.0f s", false)))
		}
		t.add(fmt.Sprintf("browser: held-out −ELBO from Reset, %s (training %s)", c.where, where),
			fmt.Sprintf("%s at %.0f s; %s", at60.cell("%.1f nats", false), heldOutAt.Seconds(), strings.Join(cells, "; ")),
			"seconds from Reset to the weights evaluated (the curve's points: the page asks every 5 s at most, and at most a tenth of "+
				"its evaluation worker's time); MNIST training digits, batch 128, Adam at the page's default rate; the best run's curve: "+runs[0])
	}
	return nil
}

// heldOutRun opens url, presses Reset and Train as a visitor does, and
// returns the held-out curve until it passes the last target or timeout
// ends, and how many Web Workers trained.
func heldOutRun(ctx context.Context, url string, timeout time.Duration) ([]heldOutPoint, int, error) {
	c, cancel := context.WithTimeout(ctx, timeout+5*time.Minute)
	defer cancel()
	if err := chromedp.Do(c, chromedp.Navigate(url), chromedp.Evaluate[chromedp.Void](`govae.ready`, chromedp.EvalAwaitPromise)); err != nil {
		return nil, 0, err
	}
	type status struct {
		TestData string        `json:"testData"`
		Weights  string        `json:"weights"`
		Workers  int           `json:"workers"`
		Training bool          `json:"training"`
		HeldOut  *heldOutPoint `json:"heldOut"`
		Error    string        `json:"heldOutError"`
	}
	get := func() (status, error) {
		var s status
		raw, err := chromedp.Run(c, chromedp.Evaluate[string](`govae.status()`))
		if err == nil {
			err = json.Unmarshal([]byte(raw), &s)
		}
		return s, err
	}
	wait := func(what string, limit time.Duration, ok func(status) bool) (status, error) {
		deadline := time.Now().Add(limit)
		for {
			s, err := get()
			if err != nil || ok(s) {
				return s, err
			}
			if s.Error != "" || time.Now().After(deadline) {
				return s, fmt.Errorf("waiting for %s: %+v", what, s)
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
	// The pretrained weights' point first: the evaluation worker is up.
	if _, err := wait("the test digits and the first held-out point", 3*time.Minute, func(s status) bool {
		return s.TestData == "ready" && s.HeldOut != nil
	}); err != nil {
		return nil, 0, err
	}
	if err := chromedp.Do(c, chromedp.Click(chromedp.CSS("#reset"))); err != nil {
		return nil, 0, err
	}
	if _, err := wait("Reset's held-out point", time.Minute, func(s status) bool {
		return s.Weights == "random init" && s.HeldOut != nil && s.HeldOut.Step == 0
	}); err != nil {
		return nil, 0, err
	}
	if err := chromedp.Do(c, chromedp.Click(chromedp.CSS("#train"))); err != nil {
		return nil, 0, err
	}
	var curve []heldOutPoint
	workers := 0
	for {
		s, err := get()
		if err != nil {
			return nil, 0, err
		}
		if s.Error != "" {
			return nil, 0, fmt.Errorf("the held-out curve: %s", s.Error)
		}
		workers = max(workers, s.Workers)
		if p := s.HeldOut; p != nil && (len(curve) == 0 || p.Step != curve[len(curve)-1].Step) {
			curve = append(curve, *p)
			if p.NegELBO <= heldOutTargets[len(heldOutTargets)-1] && p.At >= heldOutAt.Seconds() {
				break
			}
		}
		if len(curve) > 0 && curve[len(curve)-1].At > timeout.Seconds() || c.Err() != nil {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	chromedp.Do(c, chromedp.Click(chromedp.CSS("#pause")))
	return curve, workers, nil
}
