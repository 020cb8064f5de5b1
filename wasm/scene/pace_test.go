package scene

import (
	"testing"
	"time"
)

// testPace is a pacing like the page's (wasm/page/session.go).
func testPace() *Pace {
	return &Pace{ManifoldEvery: 80 * time.Millisecond, ManifoldShare: 4, FullEvery: 250 * time.Millisecond, FullShare: 5}
}

// A scene that is not refreshing, whose parts last cost these times.
func costedScene(manifold, recon, dots time.Duration) *Scene {
	s := NewScene(nil, 20)
	s.cost = [numParts]time.Duration{manifold, recon, dots}
	return s
}

func TestPaceSteps(t *testing.T) {
	p, s := testPace(), costedScene(10*time.Millisecond, time.Millisecond, 0)
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	full := Full(false)
	step := func(ms int, v uint64, want int) {
		t.Helper()
		if got := p.Due(at(ms), v, s, full); got != want {
			t.Fatalf("at %d ms, version %d: due %b, want %b", ms, v, got, want)
		}
		if want != 0 {
			p.Started(at(ms), v, want)
		}
	}
	step(0, 1, full) // new weights: the whole scene
	if p.Stale(1) {
		t.Fatal("stale after refreshing the version shown")
	}
	step(50, 2, 0) // within the manifold's interval
	if d, ok := p.Wait(at(50), 2, s, full); !ok || d != 30*time.Millisecond {
		t.Fatalf("wait %v %v, want 30ms", d, ok)
	}
	step(80, 2, PartManifold) // the manifold alone: the whole scene's interval is 250 ms
	step(160, 3, PartManifold)
	step(250, 4, full) // both paces allow it
	if p.FullVersion() != 4 {
		t.Fatalf("full version %d", p.FullVersion())
	}
	// Training stops at version 5, shown by the manifold only: the rest
	// follows once its pace allows, and Wait says when.
	step(330, 5, PartManifold)
	step(420, 5, 0)
	if d, ok := p.Wait(at(420), 5, s, full); !ok || d != 80*time.Millisecond {
		t.Fatalf("wait %v %v, want 80ms (the whole scene's interval from 250 ms)", d, ok)
	}
	step(500, 5, full)
	step(600, 5, 0) // everything shows version 5
	if _, ok := p.Wait(at(600), 5, s, full); ok || p.Stale(5) {
		t.Fatal("a wait or stale parts after everything was refreshed")
	}
	step(700, 6, PartManifold) // 200 ms since the last whole refresh
	step(780, 7, full)
	if Full(true) != PartManifold|PartRecon|PartDots {
		t.Fatal("Full(true) lacks the overlay's dots")
	}
	// Busy: nothing is due, and no wait.
	s.job = &sceneJob{parts: PartManifold}
	if p.Due(at(2000), 7, s, full) != 0 {
		t.Fatal("due while a refresh is under way")
	}
	if _, ok := p.Wait(at(2000), 7, s, full); ok {
		t.Fatal("a wait while a refresh is under way")
	}
	s.job = nil
	p.Forget()
	if !p.Stale(6) {
		t.Fatal("not stale after Forget")
	}
}

// The paces bound the share of the thread: costly refreshes come less
// often than the intervals allow.
func TestPaceShare(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	p, s := testPace(), costedScene(40*time.Millisecond, 5*time.Millisecond, 15*time.Millisecond)
	p.Started(t0, 1, Full(true))
	if d, _ := p.Wait(t0, 2, s, Full(true)); d != 160*time.Millisecond {
		t.Fatalf("manifold wait %v, want 4 × 40 ms", d)
	}
	if p.Due(at(159), 2, s, Full(true)) != 0 || p.Due(at(160), 2, s, Full(true)) != PartManifold {
		t.Fatal("the manifold not due at 4 × its cost")
	}
	// A cheap manifold, costly reconstructions and dots: the whole scene
	// waits 5 × 60 ms, the manifold 80 ms.
	p, s = testPace(), costedScene(10*time.Millisecond, 35*time.Millisecond, 15*time.Millisecond)
	p.Started(t0, 1, Full(true))
	p.Started(at(160), 2, PartManifold)
	if d, _ := p.Wait(at(240), 2, s, Full(true)); d != 60*time.Millisecond {
		t.Fatalf("whole-scene wait %v, want 60 ms (300 ms from the start)", d)
	}
	if p.Due(at(299), 2, s, Full(true)) != 0 || p.Due(at(300), 2, s, Full(true)) != Full(true) {
		t.Fatal("the whole scene not due at 5 × its cost")
	}
}

// Simulated training — new weights every 70 ms for 10 s, the page asking
// every 5 ms, each refresh taking its cost — refreshes the manifold at
// least 10 times a second while the whole scene keeps at most 4.
func TestPaceRates(t *testing.T) {
	p, s := testPace(), costedScene(9*time.Millisecond, time.Millisecond, 0)
	t0 := time.Unix(1000, 0)
	var v uint64 = 1
	manifolds, fulls := 0, 0
	busyUntil := t0
	for ms := 0; ms < 10000; ms += 5 {
		now := t0.Add(time.Duration(ms) * time.Millisecond)
		v = 1 + uint64(ms/70)
		if now.Before(busyUntil) {
			continue
		}
		parts := p.Due(now, v, s, Full(false))
		if parts == 0 {
			continue
		}
		p.Started(now, v, parts)
		busyUntil = now.Add(s.Cost(parts))
		manifolds++
		if parts&PartRecon != 0 {
			fulls++
		}
	}
	t.Logf("in 10 s: %d manifolds, %d whole refreshes", manifolds, fulls)
	if manifolds < 100 || fulls > 40 || fulls < 20 {
		t.Errorf("in 10 s: %d manifolds (want ≥ 100), %d whole refreshes (want 20–40)", manifolds, fulls)
	}
}
