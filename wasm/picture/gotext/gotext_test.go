package gotext

import (
	"image"
	"image/color"
	"math"
	"testing"

	"golang.org/x/image/font/sfnt"

	"github.com/govae/govae/wasm/picture"
)

// inked returns the bounds of the pixels Draw changed from black.
func inked(img *image.RGBA) image.Rectangle {
	var r image.Rectangle
	for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y++ {
		for x := img.Rect.Min.X; x < img.Rect.Max.X; x++ {
			if img.RGBAAt(x, y).R > 0 {
				r = r.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return r
}

// TestDrawPlacesText: text is drawn in its colour, centred vertically on
// y, and its ink starts at x (left), is centred on x (centre) or ends at x
// (right); widths scale with the size; every label character has a glyph.
func TestDrawPlacesText(t *testing.T) {
	txt, err := New()
	if err != nil {
		t.Fatal(err)
	}
	const s, size, x, y = "−1.5 z₁", 20.0, 150.0, 50.0
	w := txt.Width(s, size, false)
	if w < 40 || w > 120 {
		t.Fatalf("width %v of %q at %v px", w, s, size)
	}
	if w2 := txt.Width(s, 2*size, false); math.Abs(w2-2*w) > 1 {
		t.Errorf("width at twice the size %v, want about %v", w2, 2*w)
	}
	if txt.Width(s, size, true) <= w {
		t.Errorf("bold is not wider")
	}
	for _, c := range []struct {
		align       picture.Align
		left, right float64
	}{
		{picture.AlignLeft, x, x + w}, {picture.AlignCenter, x - w/2, x + w/2}, {picture.AlignRight, x - w, x},
	} {
		img := image.NewRGBA(image.Rect(0, 0, 300, 100))
		for i := 3; i < len(img.Pix); i += 4 {
			img.Pix[i] = 255
		}
		txt.Draw(img, s, x, y, size, false, color.RGBA{200, 0, 0, 255}, c.align)
		r := inked(img)
		if r.Empty() {
			t.Fatalf("align %d: nothing drawn", c.align)
		}
		if math.Abs(float64(r.Min.X)-c.left) > 3 || math.Abs(float64(r.Max.X)-c.right) > 3 {
			t.Errorf("align %d: ink from x %d to %d, want about %.0f to %.0f", c.align, r.Min.X, r.Max.X, c.left, c.right)
		}
		if mid := float64(r.Min.Y+r.Max.Y) / 2; math.Abs(mid-y) > size/4 {
			t.Errorf("align %d: ink from y %d to %d, not centred on %v", c.align, r.Min.Y, r.Max.Y, y)
		}
		if g := img.RGBAAt(r.Min.X+1, r.Min.Y+1).G; g != 0 {
			t.Errorf("drawn in another colour (green %d)", g)
		}
	}
	var buf sfnt.Buffer
	for _, f := range []*sfnt.Font{txt.regular, txt.bold} {
		for _, r := range "−×Φ⁻¹z₁₂βσμ·" {
			if i, err := f.GlyphIndex(&buf, r); err != nil || i == 0 {
				t.Errorf("no glyph for %q (%v)", r, err)
			}
		}
		if i, _ := f.GlyphIndex(&buf, '\U0001F600'); i != 0 {
			t.Errorf("the glyph check cannot fail: an emoji has glyph %d", i)
		}
	}
}
