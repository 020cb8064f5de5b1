//go:build !(js && wasm)

package e2e

import (
	"encoding/json"
	"image"
	"strconv"
	"testing"
	"time"
)

// redrawStats is window.govae.redrawStats(): the page's full redraws, its
// partial ones (only the parts that changed) and the partial ones that
// turned full.
type redrawStats struct {
	Full, Partial, Fallback int
}

func (b *browserHarness) redrawStats(t *testing.T) redrawStats {
	t.Helper()
	var s redrawStats
	if err := json.Unmarshal([]byte(b.eval(t, `govae.redrawStats()`)), &s); err != nil {
		t.Fatalf("redrawStats: %v", err)
	}
	return s
}

// TestRedrawBrowser checks that the screen the page builds from partial
// redraws — the crosshair moved by clicks, new manifolds while training,
// the chart alone — is the screen a full redraw gives: no region is left
// stale. It also keeps screenshots with the lab closed and open.
func TestRedrawBrowser(t *testing.T) {
	b := startBrowser(t, nil)
	b.needData(t, "train")
	b.needData(t, "t10k")
	s, _ := b.open(t, "/govae/?batch=16")
	s = b.waitStatus(t, "the test digits", 60*time.Second, func(s browserStatus) bool { return s.TestData == "ready" && s.Recons > 0 })
	before := b.redrawStats(t)
	b.clickZ(t, s, -1, 0.8)
	b.waitSample(t, "the clicked sample", func(x *browserSample) bool { return x != nil && x.Z[0] < -0.5 })
	b.click(t, "#train")
	s = b.waitStatus(t, "steps and a refreshed manifold", 120*time.Second, func(x browserStatus) bool {
		return x.Step >= 5 && x.Manifolds >= s.Manifolds+2
	})
	b.clickZ(t, s, 1.2, -0.6) // while training
	time.Sleep(1500 * time.Millisecond)
	b.click(t, "#pause")
	b.waitStatus(t, "the pause", 10*time.Second, func(x browserStatus) bool { return !x.Training })
	// Until nothing changes any more: the last refresh and chart are drawn.
	// (A refresh under way changes no count until it is published, and on a
	// loaded machine it can take longer than the wait: status says it.)
	var last redrawStats
	var lastStatus browserStatus
	for stable := 0; stable < 4; {
		time.Sleep(400 * time.Millisecond)
		st, rs := b.status(t), b.redrawStats(t)
		if !st.Refreshing && rs == last && st.Manifolds == lastStatus.Manifolds && st.Recons == lastStatus.Recons && st.Dots == lastStatus.Dots {
			stable++
		} else {
			stable = 0
		}
		last, lastStatus = rs, st
	}
	t.Logf("redraws: before training %+v, after %+v", before, last)
	if last.Partial-before.Partial < 3 {
		t.Errorf("only %d partial redraws while training and clicking", last.Partial-before.Partial)
	}
	partial := b.screenshot(t, "redraw-partial")
	b.eval(t, `String(govae.redrawAll())`)
	deadline := time.Now().Add(10 * time.Second)
	for b.redrawStats(t).Full == last.Full {
		if time.Now().After(deadline) {
			t.Fatal("redrawAll() did not redraw")
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.painted(t)
	full := b.screenshot(t, "redraw-full")
	// The canvas left of the control panel (the panel's figures may change).
	left, err := strconv.ParseFloat(b.eval(t, `String(document.querySelector("#panel").getBoundingClientRect().left)`), 64)
	if err != nil {
		t.Fatal(err)
	}
	r := image.Rect(0, 0, int(left*lastStatus.DeviceScale), full.Bounds().Dy()).Intersect(full.Bounds())
	diff, first := 0, image.Point{-1, -1}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, _ := partial.At(x, y).RGBA()
			r2, g2, b2, _ := full.At(x, y).RGBA()
			if absDiff(r1, r2) > 2<<8 || absDiff(g1, g2) > 2<<8 || absDiff(b1, b2) > 2<<8 {
				if diff == 0 {
					first = image.Pt(x, y)
				}
				diff++
			}
		}
	}
	if diff > 0 {
		t.Errorf("the screen built by partial redraws differs from a full redraw in %d pixels (the first at %v): compare redraw-partial.png and redraw-full.png in %s",
			diff, first, b.shots)
	}

	// The lab open beside the page: a narrower column.
	b.open(t, "/govae/?lab=1")
	b.painted(t)
	b.screenshot(t, "redraw-lab")
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}
