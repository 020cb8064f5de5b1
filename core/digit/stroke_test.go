package digit

import (
	"math"
	"testing"
)

// Tests with drawings made like the page's pad makes them: round pen
// strokes on a 280×280 canvas.

// strokes renders polylines (points in [0, 1]² of the shape's box, placed
// at (ox, oy) with side size on a w×w canvas) with a round pen of width
// pen, anti-aliased by 4×4 supersampling.
func strokes(w int, ox, oy, size, pen float64, lines ...[][2]float64) []float32 {
	img := make([]float32, w*w)
	r := pen / 2
	for y := 0; y < w; y++ {
		for x := 0; x < w; x++ {
			hit := 0
			for sy := 0; sy < 4; sy++ {
				for sx := 0; sx < 4; sx++ {
					px, py := float64(x)+(float64(sx)+0.5)/4, float64(y)+(float64(sy)+0.5)/4
					if nearLine(px, py, ox, oy, size, r, lines) {
						hit++
					}
				}
			}
			img[y*w+x] = float32(hit) / 16
		}
	}
	return img
}

func nearLine(px, py, ox, oy, size, r float64, lines [][][2]float64) bool {
	for _, l := range lines {
		for i := 1; i < len(l); i++ {
			ax, ay := ox+l[i-1][0]*size, oy+l[i-1][1]*size
			bx, by := ox+l[i][0]*size, oy+l[i][1]*size
			dx, dy := bx-ax, by-ay
			t := 0.0
			if d := dx*dx + dy*dy; d > 0 {
				t = math.Max(0, math.Min(1, ((px-ax)*dx+(py-ay)*dy)/d))
			}
			if math.Hypot(px-(ax+t*dx), py-(ay+t*dy)) <= r {
				return true
			}
		}
	}
	return false
}

var seven = [][2]float64{{0.1, 0.05}, {0.9, 0.05}, {0.45, 0.95}}

func diff(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += math.Abs(float64(a[i] - b[i]))
	}
	return s / float64(len(a))
}

// TestNormalizeIgnoresPlacement: the same digit drawn in any part of the
// pad gives the same 28×28 image (up to the sub-pixel phase of the
// resampling grid).
func TestNormalizeIgnoresPlacement(t *testing.T) {
	centre, err := Normalize(strokes(280, 70, 70, 140, 20, seven), 280, 280)
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range [][2]float64{{8, 10}, {130, 12}, {15, 128}, {131, 129}} {
		img, err := Normalize(strokes(280, at[0], at[1], 140, 20, seven), 280, 280)
		if err != nil {
			t.Fatal(err)
		}
		if d := diff(img, centre); d > 0.01 {
			t.Errorf("drawn at %v: mean |Δ| %.4f from the centred drawing", at, d)
		}
	}
}

// TestNormalizeIgnoresSize: a small and a large drawing of the same shape
// (with a pen scaled alike) normalise to nearly the same image, with the
// ink box 20 pixels on its long side and the mass centred.
func TestNormalizeIgnoresSize(t *testing.T) {
	big, err := Normalize(strokes(280, 20, 20, 240, 30, seven), 280, 280)
	if err != nil {
		t.Fatal(err)
	}
	small, err := Normalize(strokes(280, 100, 100, 80, 10, seven), 280, 280)
	if err != nil {
		t.Fatal(err)
	}
	if d := diff(big, small); d > 0.03 {
		t.Errorf("small and large sevens differ by %.4f per pixel", d)
	}
	for name, img := range map[string][]float32{"big": big, "small": small} {
		x0, y0, x1, y1 := bounds28(img)
		if max(x1-x0, y1-y0) != BoxSide {
			t.Errorf("%s: ink box %d×%d, want %d on the long side", name, x1-x0, y1-y0, BoxSide)
		}
		cx, cy := CentreOfMass(img)
		if math.Abs(cx-14) > 0.5 || math.Abs(cy-14) > 0.5 {
			t.Errorf("%s: centre of mass (%.2f, %.2f)", name, cx, cy)
		}
	}
}

// TestNormalizePenWidthLikeMNIST: the pad's pen (21 pixels on a 280 pad)
// on a digit drawn across most of the pad gives strokes about 2 pixels
// wide at 28×28, MNIST's pen, with anti-aliased grey edges.
func TestNormalizePenWidthLikeMNIST(t *testing.T) {
	img, err := Normalize(strokes(280, 40, 30, 210, 21, [][2]float64{{0.5, 0}, {0.5, 1}}, [][2]float64{{0.2, 0.1}, {0.5, 0}}), 280, 280)
	if err != nil {
		t.Fatal(err)
	}
	// The vertical bar's width on row 18: the ink summed across the row.
	var ink float64
	grey := 0
	for x := 0; x < Side; x++ {
		v := float64(img[18*Side+x])
		ink += v
		if v > 0.05 && v < 0.95 {
			grey++
		}
	}
	if ink < 1.5 || ink > 3 {
		t.Errorf("the stroke is %.2f pixels wide at 28×28, want about 2", ink)
	}
	if grey == 0 {
		t.Error("no anti-aliased edge pixels")
	}
}

// TestNormalizeOffCentreMass: a digit whose mass is lopsided (a "7" has
// most of its ink at the top) is placed by its centre of mass, not by its
// box, as MNIST was: the box is then off-centre.
func TestNormalizeOffCentreMass(t *testing.T) {
	heavyTop := [][2]float64{{0, 0}, {1, 0}, {1, 0.08}, {0, 0.08}}
	img, err := Normalize(strokes(280, 40, 40, 200, 20, heavyTop, [][2]float64{{0.8, 0.05}, {0.45, 1}}), 280, 280)
	if err != nil {
		t.Fatal(err)
	}
	cx, cy := CentreOfMass(img)
	_, y0, _, y1 := bounds28(img)
	if math.Abs(cx-14) > 0.5 || math.Abs(cy-14) > 0.5 {
		t.Errorf("centre of mass (%.2f, %.2f)", cx, cy)
	}
	if boxMid := float64(y0+y1) / 2; boxMid < 15 {
		t.Errorf("the box's middle is at y = %.1f: placed by its box, not its mass", boxMid)
	}
}
