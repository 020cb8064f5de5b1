package digit

import (
	"errors"
	"math"
	"testing"
)

// canvas returns a w×h drawing with the rectangle [x0,x1)×[y0,y1) inked.
func canvas(w, h, x0, y0, x1, y1 int) []float32 {
	p := make([]float32, w*h)
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			p[y*w+x] = 1
		}
	}
	return p
}

func bounds28(img []float32) (x0, y0, x1, y1 int) {
	x0, y0, x1, y1, _ = inkBounds(img, Side, Side)
	return
}

func TestNormalizeCentresByMass(t *testing.T) {
	// A filled square in the top-left corner of a large canvas must end up
	// scaled to 20×20 with its centre of mass at the centre of the field.
	img, err := Normalize(canvas(280, 280, 10, 20, 110, 120), 280, 280)
	if err != nil {
		t.Fatal(err)
	}
	cx, cy := CentreOfMass(img)
	if math.Abs(cx-14) > 0.5 || math.Abs(cy-14) > 0.5 {
		t.Fatalf("centre of mass (%.2f, %.2f), want (14, 14) within half a pixel", cx, cy)
	}
	x0, y0, x1, y1 := bounds28(img)
	if x1-x0 != BoxSide || y1-y0 != BoxSide {
		t.Fatalf("ink box %d×%d, want %d×%d", x1-x0, y1-y0, BoxSide, BoxSide)
	}
}

func TestNormalizeKeepsAspectRatio(t *testing.T) {
	// A 1:3 vertical bar keeps its proportions: 20 tall, about 7 wide.
	img, err := Normalize(canvas(300, 300, 200, 30, 230, 120), 300, 300)
	if err != nil {
		t.Fatal(err)
	}
	x0, y0, x1, y1 := bounds28(img)
	if h := y1 - y0; h != BoxSide {
		t.Fatalf("height %d, want %d", h, BoxSide)
	}
	if w := x1 - x0; w < 6 || w > 8 {
		t.Fatalf("width %d, want about 20/3", w)
	}
}

func TestNormalizeAntiAliasesFractionalEdges(t *testing.T) {
	// A 30-pixel square scales by 2/3: output pixels straddle source pixel
	// edges, but a uniformly inked square stays uniformly 1 inside.
	img, err := Normalize(canvas(100, 100, 35, 35, 65, 65), 100, 100)
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, v := range img {
		if v < 0 || v > 1 {
			t.Fatalf("pixel %v outside [0,1]", v)
		}
		sum += float64(v)
	}
	if math.Abs(sum-BoxSide*BoxSide) > 1e-3 {
		t.Fatalf("total ink %.4f, want %d (box filtering preserves mean intensity)", sum, BoxSide*BoxSide)
	}
}

func TestNormalizeGreyStrokeKeepsIntensity(t *testing.T) {
	// Resampling averages: a square of half-intensity ink stays at 0.5.
	p := canvas(56, 56, 8, 8, 48, 48)
	for i := range p {
		p[i] *= 0.5
	}
	img, err := Normalize(p, 56, 56)
	if err != nil {
		t.Fatal(err)
	}
	if v := img[14*Side+14]; math.Abs(float64(v)-0.5) > 1e-6 {
		t.Fatalf("centre pixel %v, want 0.5", v)
	}
}

func TestNormalizeErrors(t *testing.T) {
	if _, err := Normalize(make([]float32, 100), 10, 10); !errors.Is(err, ErrEmpty) {
		t.Fatalf("blank drawing: %v, want ErrEmpty", err)
	}
	faint := make([]float32, 100)
	faint[55] = InkThreshold / 2
	if _, err := Normalize(faint, 10, 10); !errors.Is(err, ErrEmpty) {
		t.Fatalf("only sub-threshold ink: %v, want ErrEmpty", err)
	}
	if _, err := Normalize(make([]float32, 99), 10, 10); err == nil {
		t.Fatal("99 pixels accepted as a 10×10 drawing")
	}
	if _, err := Normalize(nil, 0, 0); err == nil {
		t.Fatal("empty canvas size accepted")
	}
}

func TestNormalizeSinglePixel(t *testing.T) {
	// One dot becomes a 20×20 blob at the centre; nothing panics or divides by zero.
	p := make([]float32, 9)
	p[4] = 1
	img, err := Normalize(p, 3, 3)
	if err != nil {
		t.Fatal(err)
	}
	cx, cy := CentreOfMass(img)
	if math.Abs(cx-14) > 0.5 || math.Abs(cy-14) > 0.5 {
		t.Fatalf("centre of mass (%.2f, %.2f)", cx, cy)
	}
}
