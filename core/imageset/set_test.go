package imageset

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/govae/govae/core/mnist"
)

// synthetic returns a set of n distinct images labelled i mod 10.
func synthetic(n int) *Set {
	s := &Set{}
	for i := 0; i < n; i++ {
		img := make([]uint8, ImageSize)
		for j := range img {
			img[j] = uint8(i + j)
		}
		s.add("img", img, uint8(i%10), i%3 == 0)
	}
	return s
}

func TestSplit(t *testing.T) {
	s := synthetic(100)
	train, held, err := s.Split()
	if err != nil {
		t.Fatal(err)
	}
	if train.N != 90 || held.N != 10 {
		t.Fatalf("split %d/%d, want 90/10", train.N, held.N)
	}
	// Deterministic, disjoint, complete, order kept.
	idx := HeldOut(100)
	if !slices.Equal(idx, HeldOut(100)) || !slices.IsSorted(idx) || len(idx) != 10 {
		t.Fatalf("held-out indices %v", idx)
	}
	for k, i := range idx {
		if held.Labels[k] != s.Labels[i] || held.Image(k)[0] != float32(s.Image(i)[0])/255 {
			t.Fatalf("held-out image %d is not the set's image %d", k, i)
		}
	}
	seen := map[float32]bool{}
	for _, d := range []*mnist.Dataset{train, held} {
		for i := 0; i < d.N; i++ {
			seen[d.Image(i)[0]] = true
		}
	}
	if len(seen) != 100 {
		t.Errorf("%d distinct images across the two parts, want 100", len(seen))
	}
	// The smallest importable set still holds one out.
	for n, want := range map[int]int{16: 2, 2: 1, 14: 1, 15: 2, 60000: 6000} {
		if got := len(HeldOut(n)); got != want {
			t.Errorf("HeldOut(%d) has %d, want %d", n, got, want)
		}
	}
	if _, _, err := synthetic(1).Split(); !errors.Is(err, ErrTooFew) {
		t.Errorf("splitting one image: %v", err)
	}
}

func TestIDXRoundTrip(t *testing.T) {
	s := synthetic(20)
	var images, labels bytes.Buffer
	if err := s.WriteIDX(&images, &labels); err != nil {
		t.Fatal(err)
	}
	if b := images.Bytes(); b[0] != 0x1f || b[1] != 0x8b {
		t.Errorf("images not gzip-compressed")
	}
	got, err := ReadIDX(images.Bytes(), labels.Bytes(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Images, s.Images) || !bytes.Equal(got.Labels, s.Labels) || got.Names[19] != "image 20" || got.Len() != 20 {
		t.Fatalf("round trip differs")
	}
	d, err := got.Dataset()
	if err != nil || d.N != 20 {
		t.Fatalf("Dataset: %v", err)
	}
}

func TestReadIDXRejects(t *testing.T) {
	write := func(im *mnist.Images, labels []uint8) ([]byte, []byte) {
		var a, b bytes.Buffer
		if err := mnist.WriteImages(&a, im); err != nil {
			t.Fatal(err)
		}
		if err := mnist.WriteLabels(&b, labels); err != nil {
			t.Fatal(err)
		}
		return a.Bytes(), b.Bytes()
	}
	labels := make([]uint8, 20)
	small, lb := write(&mnist.Images{N: 20, Rows: 2, Cols: 2, Pixels: make([]uint8, 80)}, labels)
	if _, err := ReadIDX(small, lb, Limits{}); !errors.Is(err, ErrSet) {
		t.Errorf("2×2 images: %v", err)
	}
	im, lb19 := write(&mnist.Images{N: 20, Rows: 28, Cols: 28, Pixels: make([]uint8, 20*784)}, labels[:19])
	if _, err := ReadIDX(im, lb19, Limits{}); !errors.Is(err, ErrSet) {
		t.Errorf("20 images, 19 labels: %v", err)
	}
	im10, lb10 := write(&mnist.Images{N: 10, Rows: 28, Cols: 28, Pixels: make([]uint8, 10*784)}, labels[:10])
	if _, err := ReadIDX(im10, lb10, Limits{}); !errors.Is(err, ErrSet) {
		t.Errorf("10 images: %v", err)
	}
	if _, err := ReadIDX(lb10, im10, Limits{}); !errors.Is(err, mnist.ErrBadMagic) {
		t.Errorf("swapped files: %v", err)
	}
	if _, err := ReadIDX(im[:1000], lb, Limits{}); !errors.Is(err, mnist.ErrTruncated) {
		t.Errorf("truncated: %v", err)
	}
}

func TestContactSheet(t *testing.T) {
	s := synthetic(7)
	sheet := s.ContactSheet(3, 5)
	if b := sheet.Bounds(); b.Dx() != 3*SheetCell || b.Dy() != 2*SheetCell {
		t.Fatalf("sheet %v, want 3×2 cells", b)
	}
	// Image 4 is in cell (1, 1); its pixel (5, 9) at offset (1, 1).
	if got, want := sheet.GrayAt(SheetCell+1+5, SheetCell+1+9).Y, s.Image(4)[9*28+5]; got != want {
		t.Errorf("pixel %d, want %d", got, want)
	}
	// Cell 5 is empty: only 5 images drawn.
	if got := sheet.GrayAt(2*SheetCell+10, SheetCell+10).Y; got != SheetGapGrey {
		t.Errorf("empty cell pixel %d", got)
	}
	if got := sheet.GrayAt(SheetCell, 0).Y; got != SheetGapGrey {
		t.Errorf("gap pixel %d", got)
	}
	if e := (&Set{}).ContactSheet(0, 10).Bounds(); e.Dx() != SheetCell || e.Dy() != SheetCell {
		t.Errorf("empty set sheet %v", e)
	}
}
