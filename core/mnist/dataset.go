package mnist

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Image geometry of MNIST, which a Dataset enforces.
const (
	// Rows is the height of an MNIST image in pixels.
	Rows = 28
	// Cols is the width of an MNIST image in pixels.
	Cols = 28
	// ImageSize is the number of pixels in an MNIST image.
	ImageSize = Rows * Cols
)

// Split selects the training or the test part of MNIST.
type Split int

const (
	// Train is the 60000-image training set.
	Train Split = iota
	// Test is the 10000-image test set.
	Test
)

// String returns "train" or "test".
func (s Split) String() string {
	switch s {
	case Train:
		return "train"
	case Test:
		return "test"
	default:
		return fmt.Sprintf("Split(%d)", int(s))
	}
}

// ImagesFile returns the canonical gzip file name of the split's images,
// such as "train-images-idx3-ubyte.gz".
func (s Split) ImagesFile() string { return s.prefix() + "-images-idx3-ubyte.gz" }

// LabelsFile returns the canonical gzip file name of the split's labels,
// such as "train-labels-idx1-ubyte.gz".
func (s Split) LabelsFile() string { return s.prefix() + "-labels-idx1-ubyte.gz" }

func (s Split) prefix() string {
	if s == Test {
		return "t10k"
	}
	return "train"
}

// Dataset is a set of 28×28 MNIST images with their labels, ready for
// training.
type Dataset struct {
	// N is the number of images.
	N int
	// Pixels holds N*ImageSize values, image after image, each image
	// row-major; each value is the pixel byte divided by 255, in [0, 1]
	// with 0 the background.
	Pixels []float32
	// Labels holds the N digits, 0–9.
	Labels []uint8
}

// Image returns the ImageSize pixels of image i, a slice of d.Pixels.
func (d *Dataset) Image(i int) []float32 {
	return d.Pixels[i*ImageSize : (i+1)*ImageSize : (i+1)*ImageSize]
}

// Load reads the split's images and labels from dir. It looks for the
// canonical .gz names and, failing those, the same names without .gz; the
// content may be gzip-compressed or raw in either case. The images must be
// 28×28 and as many as the labels.
func Load(dir string, split Split) (*Dataset, error) {
	imagesPath, err := findFile(dir, split.ImagesFile())
	if err != nil {
		return nil, fmt.Errorf("mnist: loading %v set: %w", split, err)
	}
	labelsPath, err := findFile(dir, split.LabelsFile())
	if err != nil {
		return nil, fmt.Errorf("mnist: loading %v set: %w", split, err)
	}
	images, err := readFile(imagesPath, readImages)
	if err != nil {
		return nil, err
	}
	labels, err := readFile(labelsPath, readLabels)
	if err != nil {
		return nil, err
	}
	d, err := newDataset(images, labels)
	if err != nil {
		return nil, fmt.Errorf("mnist: %s and %s: %w", imagesPath, labelsPath, err)
	}
	return d, nil
}

// FromBytes builds a Dataset from the contents of an images file and a
// labels file, gzip-compressed or raw. It is meant for the browser, which
// fetches the files over HTTP. The same checks as Load apply.
func FromBytes(images, labels []byte) (*Dataset, error) {
	im, err := readImages(bytes.NewReader(images))
	if err != nil {
		return nil, fmt.Errorf("mnist: images: %w", err)
	}
	lb, err := readLabels(bytes.NewReader(labels))
	if err != nil {
		return nil, fmt.Errorf("mnist: labels: %w", err)
	}
	d, err := newDataset(im, lb)
	if err != nil {
		return nil, fmt.Errorf("mnist: %w", err)
	}
	return d, nil
}

// findFile returns the path of name in dir, or of name without its .gz
// suffix when only that exists.
func findFile(dir, name string) (string, error) {
	candidates := []string{name, name[:len(name)-len(".gz")]}
	for _, c := range candidates {
		path := filepath.Join(dir, c)
		if _, err := os.Stat(path); err == nil {
			return path, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("neither %s nor %s in %s (run `make data`, with DATASET=ID for a data set other than MNIST): %w",
		candidates[0], candidates[1], dir, fs.ErrNotExist)
}

// readFile opens path and parses it with read, naming the file in errors.
func readFile[T any](path string, read func(r io.Reader) (T, error)) (T, error) {
	f, err := os.Open(path)
	if err != nil {
		var zero T
		return zero, fmt.Errorf("mnist: %w", err)
	}
	defer f.Close()
	v, err := read(f)
	if err != nil {
		return v, fmt.Errorf("mnist: %s: %w", path, err)
	}
	return v, nil
}

// NewDataset builds a Dataset from images already read (or built) and their
// labels, with the checks Load applies: the images must be 28×28, at least
// one, and as many as the labels (errors wrap ErrDims or ErrCountMismatch).
// The pixels are scaled to [0, 1]; images and labels are not modified.
func NewDataset(images *Images, labels []uint8) (*Dataset, error) {
	d, err := newDataset(images, labels)
	if err != nil {
		return nil, fmt.Errorf("mnist: %w", err)
	}
	return d, nil
}

// newDataset checks that images and labels fit together and scales the
// pixels to [0, 1].
func newDataset(images *Images, labels []uint8) (*Dataset, error) {
	if images.Rows != Rows || images.Cols != Cols {
		return nil, fmt.Errorf("%w: images are %d×%d, want %d×%d", ErrDims, images.Rows, images.Cols, Rows, Cols)
	}
	if images.N != len(labels) {
		return nil, fmt.Errorf("%w: %d images but %d labels", ErrCountMismatch, images.N, len(labels))
	}
	if images.N == 0 {
		return nil, fmt.Errorf("%w: the files hold no images", ErrDims)
	}
	return &Dataset{N: images.N, Pixels: scale(images.Pixels), Labels: labels}, nil
}

// byteToUnit maps a pixel byte to its value in [0, 1]; a table is exact and
// faster than dividing 47 million times.
var byteToUnit = func() (t [256]float32) {
	for i := range t {
		t[i] = float32(i) / 255
	}
	return t
}()

func scale(pixels []uint8) []float32 {
	out := make([]float32, len(pixels))
	for i, p := range pixels {
		out[i] = byteToUnit[p]
	}
	return out
}

// Open loads split of MNIST from the directory Dir finds: what the native
// tools call to get their data. It is MNIST.Open(split).
func Open(split Split) (*Dataset, error) { return MNIST.Open(split) }
