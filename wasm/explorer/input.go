//go:build js && wasm

package explorer

import (
	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"

	"github.com/govae/govae/wasm/bridge"
)

// inputState tracks a press that started on the plane, by mouse or touch.
type inputState struct {
	dragging     bool   // mouse button held since a press on the plane
	ups          uint64 // bridge.PrimaryButtonUps at the press
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

// handleInput turns clicks, drags, touches and arrow keys into a new z,
// and reports whether the address bar should follow (a drag or touch
// ended, a key moved z). Everything goes through Ebiten's input state, as
// a visitor's input does.
func (e *Explorer) handleInput() (urlChanged bool) {
	in := &e.in
	if inpututil.IsMouseButtonJustPressed(ebiten.MouseButtonLeft) {
		if x, y := ebiten.CursorPositionF(); e.plane.Rect.Contains(x, y) {
			in.dragging, in.ups = true, bridge.PrimaryButtonUps()
			e.pick(x, y)
		}
	}
	if in.dragging {
		// After a release the cursor may already have moved on: the drag
		// ends where it was. (A quick click, pressed and released within
		// one frame, was picked above.) A release off the canvas, over the
		// panel, never reaches Ebiten: the window's count of releases says it.
		if inpututil.IsMouseButtonJustReleased(ebiten.MouseButtonLeft) || !ebiten.IsMouseButtonPressed(ebiten.MouseButtonLeft) ||
			bridge.PrimaryButtonUps() != in.ups {
			in.dragging = false
			urlChanged = true
		} else if x, y := ebiten.CursorPositionF(); x != in.lastX || y != in.lastY {
			e.pick(x, y) // past the edge, z stays pinned to it
		}
	}

	in.touches = inpututil.AppendJustPressedTouchIDs(in.touches[:0])
	for _, id := range in.touches {
		if x, y := ebiten.TouchPositionF(id); !in.touching && e.plane.Rect.Contains(x, y) {
			in.touching, in.touch = true, id
			e.pick(x, y)
		}
	}
	if in.touching {
		if inpututil.IsTouchJustReleased(in.touch) {
			in.touching = false
			urlChanged = true
		} else if x, y := ebiten.TouchPositionF(in.touch); x != in.lastX || y != in.lastY {
			e.pick(x, y)
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
		step := e.plane.Rect.W / float64(e.set.Grid) / 4
		if ebiten.IsKeyPressed(ebiten.KeyShift) {
			step /= 5
		}
		x, y := e.plane.Pixel(e.set.Z1, e.set.Z2)
		e.pick(x+dx*step, y+dy*step)
		urlChanged = true
	}
	return urlChanged
}

// justPressed returns where the mouse's left button or a touch was pressed
// this frame.
func justPressed() (x, y float64, ok bool) {
	if inpututil.IsMouseButtonJustPressed(ebiten.MouseButtonLeft) {
		x, y = ebiten.CursorPositionF()
		return x, y, true
	}
	if ids := inpututil.AppendJustPressedTouchIDs(nil); len(ids) > 0 {
		x, y = ebiten.TouchPositionF(ids[0])
		return x, y, true
	}
	return 0, 0, false
}

func repeating(k ebiten.Key) bool {
	if inpututil.IsKeyJustPressed(k) {
		return true
	}
	d := inpututil.KeyPressDuration(k)
	return d >= keyRepeatDelay && (d-keyRepeatDelay)%keyRepeatEvery == 0
}

// pick selects the latent point under pixel (x, y) and decodes it.
func (e *Explorer) pick(x, y float64) {
	e.in.lastX, e.in.lastY = x, y
	e.set.Z1, e.set.Z2 = e.plane.Z(x, y)
	e.sample = e.sc.Sample(e.set.Z1, e.set.Z2, e.sample)
	e.sampleFromInput = true
	e.dirty = true
	e.publishSample()
}
