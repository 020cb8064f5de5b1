//go:build js && wasm

package app

import "time"

// refreshShare bounds the share of the page's thread that refreshing the
// pictures takes while training: a refresh starts no sooner than
// refreshShare times what the last one cost after it began. On a fast
// machine refreshInterval is the limit; on a slow or busy one (a refresh
// of the 20×20 manifold takes 25 ms on an idle 2-core machine and 100 ms
// while a worker trains beside it) refreshes come less often, and drawing
// and input keep most of the thread.
const refreshShare = 5

// refreshDue reports whether the pictures should be refreshed from the
// backend's weights now: they changed, no refresh is under way, and the
// last one began long enough ago.
func (g *Game) refreshDue() bool {
	if g.backend == nil || g.scene == nil || g.scene.Busy() || g.backend.Version() == g.sceneVersion {
		return false
	}
	return time.Since(g.lastRefresh) >= max(refreshInterval, refreshShare*g.scene.LastCost)
}
