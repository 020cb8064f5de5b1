//go:build js && wasm

package app

import (
	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
)

// inputState tracks a press that started on the plane, by mouse or touch.
type inputState struct {
	dragging     bool // mouse button held since a press on the plane
	touching     bool
	touch        ebiten.TouchID
	touches      []ebiten.TouchID
	lastX, lastY float64
}

// Arrow keys repeat after keyRepeatDelay frames, every keyRepeatEvery.
const (
	keyRepeatDelay = 24
	keyRepeatEvery = 3
)

// handleInput turns clicks, drags, touches and arrow keys into a new z.
// Everything goes through Ebiten's input state, as a visitor's input does.
func (g *Game) handleInput() {
	in := &g.input
	if inpututil.IsMouseButtonJustPressed(ebiten.MouseButtonLeft) {
		if x, y := ebiten.CursorPositionF(); g.plane.Rect.Contains(x, y) {
			in.dragging = true
			g.pick(x, y)
		}
	}
	if in.dragging {
		// After a release the cursor may already have moved on: the drag
		// ends where it was. (A quick click, pressed and released within
		// one frame, was picked above.)
		if inpututil.IsMouseButtonJustReleased(ebiten.MouseButtonLeft) || !ebiten.IsMouseButtonPressed(ebiten.MouseButtonLeft) {
			in.dragging = false
			g.urlDirty = true
		} else if x, y := ebiten.CursorPositionF(); x != in.lastX || y != in.lastY {
			g.pick(x, y) // past the edge, z stays pinned to it
		}
	}

	in.touches = inpututil.AppendJustPressedTouchIDs(in.touches[:0])
	for _, id := range in.touches {
		if x, y := ebiten.TouchPositionF(id); !in.touching && g.plane.Rect.Contains(x, y) {
			in.touching, in.touch = true, id
			g.pick(x, y)
		}
	}
	if in.touching {
		if inpututil.IsTouchJustReleased(in.touch) {
			in.touching = false
			g.urlDirty = true
		} else if x, y := ebiten.TouchPositionF(in.touch); x != in.lastX || y != in.lastY {
			g.pick(x, y)
		}
	}

	var dx, dy float64
	if repeating(ebiten.KeyArrowLeft) {
		dx--
	}
	if repeating(ebiten.KeyArrowRight) {
		dx++
	}
	if repeating(ebiten.KeyArrowUp) {
		dy-- // up the screen: z₂ grows
	}
	if repeating(ebiten.KeyArrowDown) {
		dy++
	}
	if dx != 0 || dy != 0 {
		// A quarter of a tile, or a twentieth with Shift: steps of even
		// size on screen, whatever the quantile scale does to z.
		step := g.plane.Rect.W / float64(g.settings.Grid) / 4
		if ebiten.IsKeyPressed(ebiten.KeyShift) {
			step /= 5
		}
		x, y := g.plane.Pixel(g.settings.Z1, g.settings.Z2)
		g.pick(x+dx*step, y+dy*step)
		g.urlDirty = true
	}
}

func repeating(k ebiten.Key) bool {
	if inpututil.IsKeyJustPressed(k) {
		return true
	}
	d := inpututil.KeyPressDuration(k)
	return d >= keyRepeatDelay && (d-keyRepeatDelay)%keyRepeatEvery == 0
}

// pick selects the latent point under pixel (x, y) and decodes it.
func (g *Game) pick(x, y float64) {
	g.input.lastX, g.input.lastY = x, y
	g.settings.Z1, g.settings.Z2 = g.plane.Z(x, y)
	g.sample = g.scene.Sample(g.settings.Z1, g.settings.Z2, g.sample)
	g.sampleFromInput = true
	g.dirty = true
	g.publishSample()
}
