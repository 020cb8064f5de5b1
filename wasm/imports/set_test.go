package imports_test

import (
	"bytes"
	"testing"

	"github.com/govae/govae/core/imageset"
	"github.com/govae/govae/internal/fakedata"
	"github.com/govae/govae/wasm/importer"
	"github.com/govae/govae/wasm/imports"
)

// done imports n drawings (every third on white paper, labelled by the
// folder of every fifth) with the worker's own code.
func done(t *testing.T, n int) (*imports.Reply, map[string][]byte) {
	t.Helper()
	var files []imageset.Input
	for i := 0; i < n; i++ {
		name := "d.png"
		if i%5 == 0 {
			name = "3/d.png"
		}
		files = append(files, imageset.Input{Name: name, Data: fakedata.DigitPNG(i%10, 60, 70, 2+i%9, 2+i%7, i%3 == 0)})
	}
	r, a := importer.New().Run(1, files, nil)
	if r.Err != "" {
		t.Fatal(r.Err)
	}
	return r, a
}

// TestNewSet: the page's set holds the training part as bytes, values
// made on demand equal to bytes/255, the held-out part, and shows the
// held-out images first, bounded by maxShown.
func TestNewSet(t *testing.T) {
	r, a := done(t, 40)
	s, err := imports.NewSet(r, a, 10)
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 40 || s.Train != 36 || s.HeldOut.N != 4 || s.Shown.N != 10 {
		t.Fatalf("set of %d: %d train, %d held out, %d shown", s.Len(), s.Train, s.HeldOut.N, s.Shown.N)
	}
	if s.Labels != [10]bool{0: true, 3: true} {
		t.Errorf("labels used: %v", s.Labels)
	}
	for i := 0; i < 4; i++ {
		if s.Shown.Image(i)[400] != s.HeldOut.Image(i)[400] || s.Shown.Labels[i] != s.HeldOut.Labels[i] {
			t.Fatalf("shown image %d is not held-out image %d", i, i)
		}
	}
	if !bytes.Equal(a[imports.TrainImages][:6*784], quantised(s.Shown.Pixels[4*784:10*784])) {
		t.Error("the shown images after the held-out ones are not the first training images")
	}
	tr, err := s.TrainSet()
	if err != nil {
		t.Fatal(err)
	}
	if tr.N != 36 || !bytes.Equal(quantised(tr.Pixels), s.TrainImages) {
		t.Error("the training values are not the training bytes / 255")
	}
	if again, _ := s.TrainSet(); again != tr {
		t.Error("TrainSet made the values twice")
	}
	if all, _ := imports.NewSet(r, a, 100_000); all.Shown.N != 40 {
		t.Errorf("shown %d of 40 with room for all", all.Shown.N)
	}
	a[imports.TrainLabels] = a[imports.TrainLabels][:35]
	if _, err := imports.NewSet(r, a, 10); err == nil {
		t.Error("a label short: accepted")
	}
}

// quantised turns values back into bytes.
func quantised(p []float32) []byte {
	out := make([]byte, len(p))
	for i, v := range p {
		out[i] = byte(v*255 + 0.5)
	}
	return out
}

// TestSheetRGBA: grey becomes opaque RGBA; an inverted image's cell gets
// the frame on its outer ring only.
func TestSheetRGBA(t *testing.T) {
	r, a := done(t, 20)
	frame := [3]byte{255, 166, 87}
	px := imports.SheetRGBA(r, a[imports.Sheet], a[imports.Inverted], frame)
	if len(px) != 4*r.SheetW*r.SheetH {
		t.Fatalf("%d bytes for %d×%d", len(px), r.SheetW, r.SheetH)
	}
	at := func(x, y int) []byte { return px[4*(y*r.SheetW+x) : 4*(y*r.SheetW+x)+4] }
	for i := 0; i < 20; i++ {
		x0, y0 := (i%r.SheetCols)*r.SheetCell, (i/r.SheetCols)*r.SheetCell
		framed := bytes.Equal(at(x0, y0+9)[:3], frame[:]) && bytes.Equal(at(x0+r.SheetCell-1, y0+20)[:3], frame[:])
		if framed != (a[imports.Inverted][i] == 1) || framed != (i%3 == 0) {
			t.Errorf("cell %d: framed %v, inverted %d", i, framed, a[imports.Inverted][i])
		}
		g := a[imports.Sheet][(y0+5)*r.SheetW+x0+5]
		if in := at(x0+5, y0+5); in[0] != g || in[1] != g || in[2] != g || in[3] != 255 {
			t.Errorf("cell %d: inside pixel %v, grey %d", i, in, g)
		}
	}
	if imports.SheetRGBA(r, a[imports.Sheet][1:], nil, frame) != nil {
		t.Error("a sheet of the wrong size was drawn")
	}
}
