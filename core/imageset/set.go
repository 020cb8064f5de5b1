package imageset

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"math/rand/v2"

	"github.com/govae/govae/core/mnist"
)

// File names under which a set is saved, in MNIST's naming scheme.
const (
	ImagesFile = "govae-images-idx3-ubyte.gz"
	LabelsFile = "govae-labels-idx1-ubyte.gz"
)

// HeldOutFraction is the share of a set Split holds out.
const HeldOutFraction = 0.1

// Set is an imported image set.
type Set struct {
	// Images holds Len()×ImageSize pixel bytes, image after image, each
	// 28×28 row-major, 0 background and 255 ink: MNIST's convention.
	Images []uint8
	// Labels holds one label 0–9 per image.
	Labels []uint8
	// Names holds each image's file name ("archive.zip: 3/a.png"), or
	// "image N" for a set read back from IDX files.
	Names []string
	// Inverted tells, per image, whether its light background was inverted.
	Inverted []bool
}

func (s *Set) add(name string, pixels []uint8, label uint8, inverted bool) {
	s.Images = append(s.Images, pixels...)
	s.Labels = append(s.Labels, label)
	s.Names = append(s.Names, name)
	s.Inverted = append(s.Inverted, inverted)
}

// Len returns the number of images.
func (s *Set) Len() int { return len(s.Labels) }

// Image returns the ImageSize pixel bytes of image i, a slice of s.Images.
func (s *Set) Image(i int) []uint8 { return s.Images[i*ImageSize : (i+1)*ImageSize : (i+1)*ImageSize] }

// idx returns the set as mnist.Images.
func (s *Set) idx() *mnist.Images {
	return &mnist.Images{N: s.Len(), Rows: mnist.Rows, Cols: mnist.Cols, Pixels: s.Images}
}

// Dataset returns all images as an mnist.Dataset (pixels scaled to [0, 1]),
// ready for the trainer.
func (s *Set) Dataset() (*mnist.Dataset, error) { return mnist.NewDataset(s.idx(), s.Labels) }

// HeldOut returns the indices of the images Split holds out, in increasing
// order: max(1, round(HeldOutFraction·n)) of them, chosen by a fixed-seed
// permutation, so that the same set always splits the same way.
func HeldOut(n int) []int {
	k := max(1, int(math.Round(HeldOutFraction*float64(n))))
	if n < 2 {
		return nil
	}
	held := make([]bool, n)
	for _, i := range rand.New(rand.NewPCG(0x676f766165, 12)).Perm(n)[:k] {
		held[i] = true
	}
	var out []int
	for i, h := range held {
		if h {
			out = append(out, i)
		}
	}
	return out
}

// Split returns the set's training part (90 %) and held-out part (10 %, at
// least one image) as mnist.Datasets, each in the set's order; see HeldOut.
// A set of fewer than two images cannot be split (ErrTooFew).
func (s *Set) Split() (train, heldOut *mnist.Dataset, err error) {
	if s.Len() < 2 {
		return nil, nil, fmt.Errorf("imageset: %w: %d images cannot be split", ErrTooFew, s.Len())
	}
	held := HeldOut(s.Len())
	var tr, ho Set
	j := 0
	for i := 0; i < s.Len(); i++ {
		part := &tr
		if j < len(held) && held[j] == i {
			part, j = &ho, j+1
		}
		part.add(s.Names[i], s.Image(i), s.Labels[i], s.Inverted[i])
	}
	if train, err = tr.Dataset(); err != nil {
		return nil, nil, err
	}
	if heldOut, err = ho.Dataset(); err != nil {
		return nil, nil, err
	}
	return train, heldOut, nil
}

// WriteIDX saves the set as an IDX pair, gzip-compressed: the images to
// images (ImagesFile), the labels to labels (LabelsFile). ReadIDX reads them
// back. Errors are the writers'.
func (s *Set) WriteIDX(images, labels io.Writer) error {
	zi := gzip.NewWriter(images)
	if err := mnist.WriteImages(zi, s.idx()); err != nil {
		return err
	}
	if err := zi.Close(); err != nil {
		return fmt.Errorf("imageset: %w", err)
	}
	zl := gzip.NewWriter(labels)
	if err := mnist.WriteLabels(zl, s.Labels); err != nil {
		return err
	}
	if err := zl.Close(); err != nil {
		return fmt.Errorf("imageset: %w", err)
	}
	return nil
}

// ReadIDX reads a set saved by WriteIDX (or any IDX pair of 28×28 images
// with labels 0–9, gzip-compressed or raw) with core/mnist's validating
// readers. Beyond their errors (mnist.ErrBadMagic, ErrTruncated, …) it
// refuses, wrapping ErrSet, images that are not 28×28, counts that differ,
// and sets of fewer than lim.MinImages or more than lim.MaxImages images
// (the zero Limits means DefaultLimits). Names are "image 1", "image 2", …
func ReadIDX(images, labels []byte, lim Limits) (*Set, error) {
	if lim == (Limits{}) {
		lim = DefaultLimits()
	}
	im, err := mnist.ReadImages(bytes.NewReader(images))
	if err != nil {
		return nil, fmt.Errorf("imageset: %w", err)
	}
	lb, err := mnist.ReadLabels(bytes.NewReader(labels))
	if err != nil {
		return nil, fmt.Errorf("imageset: %w", err)
	}
	switch {
	case im.Rows != mnist.Rows || im.Cols != mnist.Cols:
		return nil, fmt.Errorf("imageset: %w: images are %d×%d, want 28×28", ErrSet, im.Rows, im.Cols)
	case im.N != len(lb):
		return nil, fmt.Errorf("imageset: %w: %d images but %d labels", ErrSet, im.N, len(lb))
	case im.N < lim.MinImages || im.N > lim.MaxImages:
		return nil, fmt.Errorf("imageset: %w: %d images, want %d to %d", ErrSet, im.N, lim.MinImages, lim.MaxImages)
	}
	s := &Set{Images: im.Pixels, Labels: lb, Names: make([]string, im.N), Inverted: make([]bool, im.N)}
	for i := range s.Names {
		s.Names[i] = fmt.Sprintf("image %d", i+1)
	}
	return s, nil
}

// Contact-sheet geometry: each image is drawn at 28×28 in a cell of
// SheetCell×SheetCell pixels, the gap between cells in SheetGapGrey.
const (
	SheetCell    = 30
	SheetGapGrey = 48
)

// ContactSheet draws the first min(Len, maxImages) images in a grid cols
// cells wide, white ink on black as the model sees them: a
// (cols·SheetCell)×(rows·SheetCell) grey image, image i in cell (i mod cols,
// i div cols) at offset (1, 1) within it. The page shows it to confirm
// what was imported; Inverted tells which images were inverted.
func (s *Set) ContactSheet(cols, maxImages int) *image.Gray {
	n := min(s.Len(), max(0, maxImages))
	cols = max(1, cols)
	rows := max(1, (n+cols-1)/cols)
	sheet := image.NewGray(image.Rect(0, 0, cols*SheetCell, rows*SheetCell))
	for i := range sheet.Pix {
		sheet.Pix[i] = SheetGapGrey
	}
	for i := 0; i < n; i++ {
		x0, y0 := (i%cols)*SheetCell+1, (i/cols)*SheetCell+1
		img := s.Image(i)
		for y := 0; y < mnist.Rows; y++ {
			for x := 0; x < mnist.Cols; x++ {
				sheet.SetGray(x0+x, y0+y, color.Gray{Y: img[y*mnist.Cols+x]})
			}
		}
	}
	return sheet
}
