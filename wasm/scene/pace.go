package scene

import "time"

// Pace says when to refresh a scene from weights that keep changing (while
// training), at two paces: the manifold alone — what visitors watch
// sharpen, the cheap part — often, and the whole scene (the manifold, the
// reconstructions and the overlay, which the page's slower followers such
// as the timeline and the lab take along) at a slower pace. Each pace is
// bounded by a least interval and by a share of the thread: a refresh
// starts no sooner than Share times what the last such refresh cost
// (Scene.Cost) after the last one began. Versions are the backend's
// weights' versions; times are passed in, so the rules are tested without
// a clock. The zero value is not usable: set the intervals and shares.
type Pace struct {
	// ManifoldEvery and ManifoldShare pace refreshes of the manifold.
	ManifoldEvery time.Duration
	ManifoldShare int
	// FullEvery and FullShare pace whole refreshes.
	FullEvery time.Duration
	FullShare int

	manifoldAt, fullAt   time.Time // when the last refresh of each kind began
	manifoldVer, fullVer uint64    // the versions they show
}

// Full returns the parts of a whole refresh: with the overlay's dots when
// overlay is on.
func Full(overlay bool) int {
	if overlay {
		return PartManifold | PartRecon | PartDots
	}
	return PartManifold | PartRecon
}

// Started records a refresh of parts from weights of version v that began
// at now: a refresh with the manifold counts for the manifold's pace, one
// with the reconstructions for the whole scene's.
func (p *Pace) Started(now time.Time, v uint64, parts int) {
	if parts&PartManifold != 0 {
		p.manifoldAt, p.manifoldVer = now, v
	}
	if parts&PartRecon != 0 {
		p.fullAt, p.fullVer = now, v
	}
}

// Shown records that the scene shows weights of version v whole, without
// a refresh: the weights it was made from.
func (p *Pace) Shown(v uint64) { p.manifoldVer, p.fullVer = v, v }

// Forget makes every part stale: the next version seen differs from what
// the scene shows (other weights, another backend).
func (p *Pace) Forget() { p.manifoldVer, p.fullVer = 0, 0 }

// Stale reports whether the scene shows weights older than version v: a
// refresh is due now or will be.
func (p *Pace) Stale(v uint64) bool { return v != p.manifoldVer || v != p.fullVer }

// FullVersion returns the version the last whole refresh took its weights
// from: what the reconstructions and the overlay show.
func (p *Pace) FullVersion() uint64 { return p.fullVer }

// manifoldWait and fullWait return how long, from now, until each pace
// allows a refresh (≤ 0: it does).
func (p *Pace) manifoldWait(now time.Time, s *Scene) time.Duration {
	return max(p.ManifoldEvery, time.Duration(p.ManifoldShare)*s.Cost(PartManifold)) - now.Sub(p.manifoldAt)
}

func (p *Pace) fullWait(now time.Time, s *Scene, parts int) time.Duration {
	return max(p.FullEvery, time.Duration(p.FullShare)*s.Cost(parts)) - now.Sub(p.fullAt)
}

// Due returns the parts of s to refresh at now from weights of version v
// (0: none): nothing while a refresh is under way; the whole scene (full,
// from Full) when the reconstructions show older weights and both paces
// allow it; else the manifold alone when it shows older weights and its
// pace allows it. A whole refresh waits for the manifold's pace too, so
// the manifold is never refreshed faster than that.
func (p *Pace) Due(now time.Time, v uint64, s *Scene, full int) int {
	if s.Busy() || !p.Stale(v) || p.manifoldWait(now, s) > 0 {
		return 0
	}
	if v != p.fullVer && p.fullWait(now, s, full) <= 0 {
		return full
	}
	if v != p.manifoldVer {
		return PartManifold
	}
	return 0
}

// Wait returns how long from now until Due may return parts without newer
// weights than version v, and false when it will not (the scene is busy,
// or shows v whole): the page sleeps that long rather than waiting for its
// next frame.
func (p *Pace) Wait(now time.Time, v uint64, s *Scene, full int) (time.Duration, bool) {
	if s.Busy() || !p.Stale(v) {
		return 0, false
	}
	m := p.manifoldWait(now, s)
	if v != p.manifoldVer {
		return max(m, 0), true
	}
	return max(m, p.fullWait(now, s, full), 0), true
}
