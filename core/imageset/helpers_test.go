package imageset

import (
	"archive/zip"
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/govae/govae/core/digit"
)

// seven draws a thick "7" (a top bar and a diagonal stroke) of colour ink
// on a w×h picture of colour paper, its box starting at (x0, y0) and s
// pixels on a side.
func seven(w, h, x0, y0, s int, paper, ink color.Color) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, paper)
		}
	}
	t := max(2, s/8) // stroke thickness
	for y := y0; y < y0+t; y++ {
		for x := x0; x < x0+s; x++ {
			img.Set(x, y, ink)
		}
	}
	for y := y0; y < y0+s; y++ {
		// The diagonal runs from the bar's right end to the bottom middle.
		cx := x0 + s - 1 - (y-y0)/2
		for x := cx - t/2; x < cx+t/2+1; x++ {
			img.Set(x, y, ink)
		}
	}
	return img
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeGIF(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gif.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// sevens returns n PNG files of sevens, alternately black on white and
// white on black, at different places and sizes.
func sevens(t testing.TB, n int) []Input {
	t.Helper()
	var out []Input
	for i := 0; i < n; i++ {
		paper, ink := color.Color(color.White), color.Color(color.Black)
		if i%2 == 1 {
			paper, ink = ink, paper
		}
		img := seven(120+i, 100, 10+i%7, 5+i%11, 60+i%20, paper, ink)
		out = append(out, Input{Name: "seven" + string(rune('a'+i%26)) + ".png", Data: encodePNG(t, img)})
	}
	return out
}

// zipOf returns a zip archive of the given entries, deflated; an entry
// whose name ends in / is a folder.
func zipOf(t testing.TB, entries ...Input) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range entries {
		w, err := zw.Create(e.Name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.Data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// unit returns the image's pixels scaled to [0, 1].
func unit(p []uint8) []float32 {
	out := make([]float32, len(p))
	for i, v := range p {
		out[i] = float32(v) / 255
	}
	return out
}

// checkMNISTLike fails t unless img (28×28 bytes) has a black background,
// full-intensity ink, its centre of mass at (14, 14) ± 0.5 and its ink
// within a 20×20 box touching 20 on one side.
func checkMNISTLike(t *testing.T, name string, img []uint8) {
	t.Helper()
	if len(img) != ImageSize {
		t.Fatalf("%s: %d pixels", name, len(img))
	}
	for _, corner := range []int{0, 27, 27 * 28, 28*28 - 1} {
		if img[corner] != 0 {
			t.Errorf("%s: corner pixel %d = %d, want background 0", name, corner, img[corner])
		}
	}
	hi := uint8(0)
	x0, y0, x1, y1 := 28, 28, 0, 0
	for i, v := range img {
		hi = max(hi, v)
		if float32(v)/255 > digit.InkThreshold {
			x, y := i%28, i/28
			x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x+1), max(y1, y+1)
		}
	}
	if hi < 250 {
		t.Errorf("%s: brightest pixel %d, want ink near 255", name, hi)
	}
	if w, h := x1-x0, y1-y0; max(w, h) != digit.BoxSide || w > digit.BoxSide || h > digit.BoxSide {
		t.Errorf("%s: ink box %d×%d, want the longer side %d", name, w, h, digit.BoxSide)
	}
	cx, cy := digit.CentreOfMass(unit(img))
	if d := max(abs(cx-14), abs(cy-14)); d > 0.5 {
		t.Errorf("%s: centre of mass (%.3f, %.3f), want (14, 14) ± 0.5", name, cx, cy)
	}
}

func abs(x float64) float64 { return max(x, -x) }
