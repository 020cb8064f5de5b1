package importer

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/govae/govae/core/imageset"
	"github.com/govae/govae/internal/fakedata"
	"github.com/govae/govae/wasm/imports"
)

// digits returns n PNG drawings of digits, every third on white paper.
func digits(n int) []imageset.Input {
	var out []imageset.Input
	for i := 0; i < n; i++ {
		out = append(out, imageset.Input{Name: "d" + string(rune('a'+i%26)) + ".png",
			Data: fakedata.DigitPNG(i%10, 90+i, 100, 10+i%13, 5+i%9, i%3 == 0)})
	}
	return out
}

// TestRun: 40 drawings and a text file give 40 images, one file skipped,
// the light ones inverted, split 36/4 with every image in exactly one part
// (in the set's order), a contact sheet showing them white on black, and
// progress along the way.
func TestRun(t *testing.T) {
	files := append(digits(40), imageset.Input{Name: "notes.txt", Data: []byte("not an image")})
	var progress []*imports.Reply
	r, a := New().Run(7, files, func(p *imports.Reply) { progress = append(progress, p) })
	if r.Err != "" || r.Kind != imports.Done || r.Seq != 7 {
		t.Fatalf("reply %+v", r)
	}
	if r.Files != 41 || r.Imported != 40 || r.Skipped != 1 || r.Inverted != 14 || r.Train != 36 || r.HeldOut != 4 {
		t.Errorf("counts %+v", r)
	}
	if !strings.Contains(r.Summary, "1 of 41 files was not images") || len(r.Skips) != 1 || r.Skips[0].Name != "notes.txt" {
		t.Errorf("summary %q, skips %+v", r.Summary, r.Skips)
	}
	if r.LabelCounts[0] != 40 {
		t.Errorf("label counts %v: every image is labelled 0", r.LabelCounts)
	}
	if len(a[imports.TrainImages]) != 36*784 || len(a[imports.HeldImages]) != 4*784 ||
		len(a[imports.TrainLabels]) != 36 || len(a[imports.HeldLabels]) != 4 {
		t.Fatalf("array sizes: train %d/%d, held %d/%d", len(a[imports.TrainImages]), len(a[imports.TrainLabels]),
			len(a[imports.HeldImages]), len(a[imports.HeldLabels]))
	}
	set, _, err := imageset.Import(files, New().Options)
	if err != nil {
		t.Fatal(err)
	}
	held := imageset.HeldOut(40)
	ti, hi := 0, 0
	for i := 0; i < 40; i++ {
		part, k := a[imports.TrainImages], &ti
		if slices.Contains(held, i) {
			part, k = a[imports.HeldImages], &hi
		}
		if !bytes.Equal(part[*k*784:(*k+1)*784], set.Image(i)) {
			t.Fatalf("image %d is not where the split puts it", i)
		}
		*k++
	}
	if r.SheetW != SheetCols*imageset.SheetCell || r.SheetH != 3*imageset.SheetCell || r.SheetShown != 40 ||
		len(a[imports.Sheet]) != r.SheetW*r.SheetH {
		t.Fatalf("sheet %d×%d of %d images, %d pixels", r.SheetW, r.SheetH, r.SheetShown, len(a[imports.Sheet]))
	}
	for i := 0; i < 40; i++ {
		// Each cell's corner is background (0) and the cell holds ink:
		// inverted where the paper was white.
		x0, y0 := (i%SheetCols)*imageset.SheetCell+1, (i/SheetCols)*imageset.SheetCell+1
		corner := a[imports.Sheet][y0*r.SheetW+x0]
		var peak byte
		for y := y0; y < y0+28; y++ {
			peak = max(peak, slices.Max(a[imports.Sheet][y*r.SheetW+x0:y*r.SheetW+x0+28]))
		}
		if corner != 0 || peak < 250 {
			t.Errorf("sheet cell %d: corner %d, brightest %d; want white ink on black", i, corner, peak)
		}
		if inv := a[imports.Inverted][i] == 1; inv != (i%3 == 0) {
			t.Errorf("image %d: inverted %v", i, inv)
		}
	}
	if len(progress) != 41 || progress[40].Files != 41 || progress[40].Total != 41 || progress[0].Imported != 1 {
		t.Errorf("%d progress replies, last %+v", len(progress), progress[len(progress)-1])
	}
}

// TestRunRefused: a 50-megapixel PNG is refused from its header, and too
// few images leave nothing imported, with the reasons in words.
func TestRunRefused(t *testing.T) {
	j := New()
	r, a := j.Run(1, append(digits(3), imageset.Input{Name: "huge.png", Data: fakedata.PNGHeader(10000, 5000)}), nil)
	if r.Err == "" || a != nil || r.Imported != 3 || r.Skipped != 1 {
		t.Fatalf("reply %+v, arrays %v", r, a != nil)
	}
	if !strings.HasPrefix(r.Err, "Too few usable images: 3 of 4 files were usable, at least 16 needed.") || strings.Contains(r.Err, "imageset:") {
		t.Errorf("error %q", r.Err)
	}
	if len(r.Skips) != 1 || !strings.Contains(r.Skips[0].Reason, "10000×5000 pixels (50.0 megapixels) is above the limit of 40 megapixels; not decoded") {
		t.Errorf("skips %+v", r.Skips)
	}
	if s, _ := j.Save(2); s.Err == "" {
		t.Error("Save without a set succeeded")
	}
	if r := j.CheckSizes(3, []int64{600 << 20, 600 << 20}); r == nil || !strings.Contains(r.Err, "1.2 GiB") {
		t.Errorf("1.2 GiB of files: %+v", r)
	}
	if r := j.CheckSizes(3, []int64{1 << 20}); r != nil {
		t.Errorf("1 MiB refused: %+v", r)
	}
}

// TestSaveAndLoad: a saved set read back gives the same images, split the
// same way; a wrong pair is refused with the files named.
func TestSaveAndLoad(t *testing.T) {
	j := New()
	first, a := j.Run(1, digits(20), nil)
	if first.Err != "" {
		t.Fatal(first.Err)
	}
	s, files := j.Save(2)
	if s.Kind != imports.Saved || s.ImagesName != imageset.ImagesFile || s.LabelsName != imageset.LabelsFile || s.Imported != 20 {
		t.Fatalf("saved %+v", s)
	}
	// In either order, with folder names.
	pair := []imageset.Input{{Name: "x/" + s.LabelsName, Data: files[imports.Labels]}, {Name: "x/" + s.ImagesName, Data: files[imports.Images]}}
	r, b := New().Run(3, pair, nil)
	if r.Err != "" || !r.FromIDX || r.Imported != 20 || r.Train != first.Train || r.HeldOut != first.HeldOut {
		t.Fatalf("read back %+v", r)
	}
	for _, k := range []string{imports.TrainImages, imports.HeldImages, imports.TrainLabels, imports.HeldLabels, imports.Sheet} {
		if !bytes.Equal(a[k], b[k]) {
			t.Errorf("%s differs after the round trip", k)
		}
	}
	pair[0].Data = []byte("not gzip, not IDX")
	r, b = New().Run(4, pair, nil)
	if r.Err == "" || b != nil || !strings.Contains(r.Err, "are not a saved image set") || !strings.Contains(r.Err, s.LabelsName) {
		t.Errorf("a broken pair: %+v", r)
	}
}

func TestIDXPair(t *testing.T) {
	for _, c := range []struct {
		names   []string
		im, lb  int
		isAPair bool
	}{
		{[]string{"govae-images-idx3-ubyte.gz", "govae-labels-idx1-ubyte.gz"}, 0, 1, true},
		{[]string{"t10k-labels-idx1-ubyte", "T10K-IMAGES-IDX3-UBYTE"}, 1, 0, true},
		{[]string{"a-images-idx3-ubyte.gz", "b-images-idx3-ubyte.gz"}, 0, 0, false},
		{[]string{"a.png", "b.png"}, 0, 0, false},
		{[]string{"govae-images-idx3-ubyte.gz"}, 0, 0, false},
	} {
		var files []imageset.Input
		for _, n := range c.names {
			files = append(files, imageset.Input{Name: n})
		}
		im, lb, ok := IDXPair(files)
		if ok != c.isAPair || ok && (im != c.im || lb != c.lb) {
			t.Errorf("%v: %d %d %v", c.names, im, lb, ok)
		}
	}
}
