package imports

import (
	"fmt"

	"github.com/govae/govae/core/mnist"
)

// Set is the images of a Done reply as the page keeps them. The training
// images stay bytes (what the training workers take) until training in the
// page needs them as values: 60 000 images are 47 MB as bytes, 188 MB as
// float32.
type Set struct {
	TrainImages, TrainLabels []uint8 // Train×784 pixel bytes and their labels
	Train                    int
	HeldOut                  *mnist.Dataset
	// Shown is what the page shows as the data set's test images
	// (reconstructions, overlay, the lab): the held-out images, then
	// training images, up to the maxShown given to NewSet.
	Shown  *mnist.Dataset
	Labels [10]bool // the labels used
	train  *mnist.Dataset
}

// NewSet builds a Set from a Done reply and its arrays, checking that
// their sizes agree with its counts.
func NewSet(r *Reply, a map[string][]byte, maxShown int) (*Set, error) {
	part := func(images, labels []byte, n int) (*mnist.Dataset, error) {
		if len(images) != n*mnist.ImageSize || len(labels) != n {
			return nil, fmt.Errorf("%d images in %d bytes with %d labels", n, len(images), len(labels))
		}
		return mnist.NewDataset(&mnist.Images{N: n, Rows: mnist.Rows, Cols: mnist.Cols, Pixels: images}, labels)
	}
	ti, tl := a[TrainImages], a[TrainLabels]
	if len(ti) != r.Train*mnist.ImageSize || len(tl) != r.Train {
		return nil, fmt.Errorf("%d training images in %d bytes with %d labels", r.Train, len(ti), len(tl))
	}
	held, err := part(a[HeldImages], a[HeldLabels], r.HeldOut)
	if err != nil {
		return nil, fmt.Errorf("held-out images: %w", err)
	}
	k := min(r.Train, max(0, maxShown-r.HeldOut)) // training images shown after the held-out ones
	shown, err := part(append(append([]byte{}, a[HeldImages]...), ti[:k*mnist.ImageSize]...),
		append(append([]byte{}, a[HeldLabels]...), tl[:k]...), r.HeldOut+k)
	if err != nil {
		return nil, err
	}
	s := &Set{TrainImages: ti, TrainLabels: tl, Train: r.Train, HeldOut: held, Shown: shown}
	for _, l := range append(append([]byte{}, tl...), a[HeldLabels]...) {
		s.Labels[l] = true // labels are 0–9: the reads above checked them
	}
	return s, nil
}

// Len returns the number of images, training and held-out.
func (s *Set) Len() int { return s.Train + s.HeldOut.N }

// TrainSet returns the training images as values, made on first use.
func (s *Set) TrainSet() (*mnist.Dataset, error) {
	if s.train == nil {
		ds, err := mnist.NewDataset(&mnist.Images{N: s.Train, Rows: mnist.Rows, Cols: mnist.Cols, Pixels: s.TrainImages}, s.TrainLabels)
		if err != nil {
			return nil, err
		}
		s.train = ds
	}
	return s.train, nil
}

// SheetRGBA returns the contact sheet of a Done reply (its Sheet array,
// grey) as RGBA pixels, the cells of the images whose light background was
// inverted (its Inverted array) framed in the colour frame: their outermost
// ring of pixels, which is the sheet's gap around the image. Nil when the
// array does not match the reply's size.
func SheetRGBA(r *Reply, grey, inverted []byte, frame [3]byte) []byte {
	w, h, cell := r.SheetW, r.SheetH, r.SheetCell
	if len(grey) != w*h || w <= 0 || r.SheetCols <= 0 || cell <= 0 {
		return nil
	}
	rgba := make([]byte, 4*w*h)
	for i, v := range grey {
		rgba[4*i], rgba[4*i+1], rgba[4*i+2], rgba[4*i+3] = v, v, v, 255
	}
	for i, inv := range inverted {
		if inv == 0 {
			continue
		}
		x0, y0 := (i%r.SheetCols)*cell, (i/r.SheetCols)*cell
		for k := 0; k < cell; k++ {
			for _, p := range [][2]int{{x0 + k, y0}, {x0 + k, y0 + cell - 1}, {x0, y0 + k}, {x0 + cell - 1, y0 + k}} {
				if p[0] < w && p[1] < h {
					copy(rgba[4*(p[1]*w+p[0]):], frame[:])
				}
			}
		}
	}
	return rgba
}
