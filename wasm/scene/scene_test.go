package scene

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/govae/govae/wasm/view"
)

// wantRGBA is the manifold as one greyscale picture, pixel by pixel.
func wantRGBA(tiles []float32, grid int) []byte {
	w := grid * DigitSide
	out := make([]byte, 4*w*w)
	for y := 0; y < w; y++ {
		for x := 0; x < w; x++ {
			v := tiles[((y/DigitSide)*grid+x/DigitSide)*DigitSide*DigitSide+(y%DigitSide)*DigitSide+x%DigitSide]
			b := byte(math.Round(float64(min(max(v, 0), 1)) * 255))
			copy(out[4*(y*w+x):], []byte{b, b, b, 255})
		}
	}
	return out
}

// The picture the scene converts slice by slice while decoding is the
// manifold's, and a later refresh — which reuses the buffers of the one
// before — leaves the published manifold alone until it publishes its own.
func TestSceneManifoldRGBA(t *testing.T) {
	const grid = 7
	s := NewScene(smallModel(t, 3), grid)
	s.Refresh(nil, PartManifold, grid, 0)
	s.decodeCost = time.Hour // one tile per slice
	for s.Busy() {
		s.Work(0)
	}
	if !slices.Equal(s.ManifoldRGBA, wantRGBA(s.Manifold, grid)) {
		t.Fatal("the picture is not the manifold's")
	}
	if s.LastCost <= 0 {
		t.Errorf("LastCost %v after a refresh", s.LastCost)
	}
	for i, seed := range []uint64{4, 5, 6} {
		prev, prevRGBA := slices.Clone(s.Manifold), slices.Clone(s.ManifoldRGBA)
		pubManifold, pubRGBA := s.Manifold, s.ManifoldRGBA
		s.Refresh(smallModel(t, seed), PartManifold, grid, 0)
		s.decodeCost = time.Hour
		for s.Busy() {
			if !slices.Equal(pubManifold, prev) || !slices.Equal(pubRGBA, prevRGBA) {
				t.Fatalf("refresh %d: the published manifold changed before the next was complete", i)
			}
			s.Work(0)
		}
		if s.ManifoldVersion != i+2 {
			t.Fatalf("version %d after %d refreshes", s.ManifoldVersion, i+2)
		}
		want := s.Model.Decode(view.GridZ(grid), grid*grid, s.Model.Likelihood, nil)
		if !slices.Equal(s.Manifold, want) || !slices.Equal(s.ManifoldRGBA, wantRGBA(want, grid)) {
			t.Fatalf("refresh %d: not the new model's manifold", i)
		}
	}
	// An abandoned refresh: its replacement still publishes the right picture.
	s.Refresh(smallModel(t, 7), PartManifold, grid, 0)
	s.decodeCost = time.Hour
	s.Work(0)
	s.Refresh(smallModel(t, 8), PartManifold, grid, 0)
	for s.Busy() {
		s.Work(time.Hour)
	}
	want := s.Model.Decode(view.GridZ(grid), grid*grid, s.Model.Likelihood, nil)
	if !slices.Equal(s.Manifold, want) || !slices.Equal(s.ManifoldRGBA, wantRGBA(want, grid)) {
		t.Fatal("after an abandoned refresh: not the new model's manifold")
	}
	// A new grid size gets buffers of its size.
	s.Refresh(nil, PartManifold, grid+2, 0)
	for s.Busy() {
		s.Work(time.Hour)
	}
	if len(s.Manifold) != (grid+2)*(grid+2)*784 || !slices.Equal(s.ManifoldRGBA, wantRGBA(s.Manifold, grid+2)) {
		t.Fatal("a larger grid: wrong picture")
	}
}

// Cost tells what each part of a refresh took when it was last published:
// the manifold's only after a refresh of the manifold alone, and the sum of
// the parts asked for.
func TestSceneCost(t *testing.T) {
	s := NewScene(smallModel(t, 3), 5)
	if c := s.Cost(PartManifold | PartRecon | PartDots); c != 0 {
		t.Fatalf("cost %v before any refresh", c)
	}
	s.Refresh(nil, PartManifold, 5, 0)
	var published int
	for s.Busy() {
		published |= s.Work(time.Hour)
	}
	if published != PartManifold {
		t.Fatalf("published %b, want the manifold only", published)
	}
	m := s.Cost(PartManifold)
	if m <= 0 || s.Cost(PartRecon|PartDots) != 0 || s.Cost(PartManifold|PartRecon) != m {
		t.Fatalf("costs: manifold %v, recon and dots %v", m, s.Cost(PartRecon|PartDots))
	}
	if m > s.LastCost {
		t.Errorf("the manifold cost %v more than the whole refresh, %v", m, s.LastCost)
	}
}
