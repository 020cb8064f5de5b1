package scene

import (
	"slices"
	"testing"
)

// A still scene draws exactly the kept grey levels: its means are them over
// 255, its picture is what the live scene's conversion makes of those means
// (wantRGBA, pixel by pixel), and the rest follows the live scene.
func TestStill(t *testing.T) {
	const grid = 3
	live := NewScene(smallModel(t, 3), grid)
	live.Refresh(nil, PartManifold, grid, 0)
	for live.Busy() {
		live.Work(0)
	}
	grey := make([]uint8, grid*grid*DigitSide*DigitSide)
	for i := range grey {
		grey[i] = uint8(i * 7 % 256) // every level, tiles all different
	}
	dots := []Dot{{Z1: 0.5, Z2: -1, Label: 3}}
	s := Still(live, grid, grey, dots, -2)
	if !slices.Equal(s.ManifoldRGBA, wantRGBA(s.Manifold, grid)) {
		t.Fatal("the still picture is not its means' picture")
	}
	for i, v := range s.Manifold {
		if v*255 != float32(grey[i]) {
			t.Fatalf("mean %d is %v, want %d/255", i, v, grey[i])
		}
	}
	if s.ManifoldVersion != -2 || s.DotsVersion != -2 || s.Grid != grid || !slices.Equal(s.Dots, dots) || s.Busy() {
		t.Errorf("still scene: version %d/%d, grid %d, dots %v, busy %v", s.ManifoldVersion, s.DotsVersion, s.Grid, s.Dots, s.Busy())
	}
	if s.Model != live.Model {
		t.Error("the still scene does not decode with the live model")
	}
	// The live model changes (a refresh with new weights): Follow keeps up.
	other := smallModel(t, 4)
	live.Refresh(other, PartManifold, grid, 0)
	s.Follow(live)
	if s.Model != other || s.ManifoldVersion != -2 {
		t.Error("Follow did not take the live model, or changed the picture")
	}
}
