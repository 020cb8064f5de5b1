package mnist

import (
	"bytes"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Expected statistics of the real files, computed independently with
// Python's gzip module from the canonical files.
var realStats = map[Split]struct {
	n            int
	firstLabels  []uint8
	histogram    [10]int
	firstSum     int // sum of the pixel bytes of the first image
	lastSum      int // sum of the pixel bytes of the last image
	totalSum     int // sum of all pixel bytes
	firstNonzero int // number of inked pixels in the first image
}{
	Train: {60000, []uint8{5, 0, 4, 1, 9, 2, 1, 3, 1, 4},
		[10]int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949},
		27525, 20920, 1567298545, 166},
	Test: {10000, []uint8{7, 2, 1, 0, 4, 1, 4, 9, 5, 9},
		[10]int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009},
		18454, 41833, 264923200, 116},
}

func TestLoadReal(t *testing.T) {
	dir := dataDir(t)
	for _, split := range []Split{Train, Test} {
		t.Run(split.String(), func(t *testing.T) {
			want := realStats[split]
			d, err := Load(dir, split)
			if err != nil {
				t.Fatal(err)
			}
			if d.N != want.n || len(d.Labels) != want.n || len(d.Pixels) != want.n*ImageSize {
				t.Fatalf("N=%d, %d labels, %d pixels; want %d, %d, %d",
					d.N, len(d.Labels), len(d.Pixels), want.n, want.n, want.n*ImageSize)
			}
			if !bytes.Equal(d.Labels[:10], want.firstLabels) {
				t.Errorf("first labels = %v, want %v", d.Labels[:10], want.firstLabels)
			}
			var hist [10]int
			for _, l := range d.Labels {
				hist[l]++
			}
			if hist != want.histogram {
				t.Errorf("label histogram = %v, want %v", hist, want.histogram)
			}
			checkPixelStats(t, d, want.firstSum, want.lastSum, want.totalSum, want.firstNonzero)
		})
	}
}

// checkPixelStats recovers the pixel bytes from the [0, 1] floats and
// compares their sums with the known ones.
func checkPixelStats(t *testing.T, d *Dataset, firstSum, lastSum, totalSum, firstNonzero int) {
	t.Helper()
	toByte := func(p float32) int {
		if p < 0 || p > 1 {
			t.Fatalf("pixel %v outside [0, 1]", p)
		}
		return int(math.Round(float64(p) * 255))
	}
	sum := func(img []float32) (s, nonzero int) {
		for _, p := range img {
			b := toByte(p)
			s += b
			if b != 0 {
				nonzero++
			}
		}
		return s, nonzero
	}
	if s, nz := sum(d.Image(0)); s != firstSum || nz != firstNonzero {
		t.Errorf("first image: sum %d with %d inked pixels, want %d with %d", s, nz, firstSum, firstNonzero)
	}
	if s, _ := sum(d.Image(d.N - 1)); s != lastSum {
		t.Errorf("last image: sum %d, want %d", s, lastSum)
	}
	if s, _ := sum(d.Pixels); s != totalSum {
		t.Errorf("all pixels: sum %d, want %d", s, totalSum)
	}
	if maxPixel := d.Pixels[indexOfMax(d.Pixels)]; maxPixel != 1 {
		t.Errorf("brightest pixel = %v, want 1", maxPixel)
	}
}

func indexOfMax(x []float32) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}

// FromBytes on the gzip files must give exactly what Load gives.
func TestFromBytesMatchesLoad(t *testing.T) {
	dir := dataDir(t)
	fromDisk, err := Load(dir, Test)
	if err != nil {
		t.Fatal(err)
	}
	fromBytes, err := FromBytes(realFile(t, Test.ImagesFile()), realFile(t, Test.LabelsFile()))
	if err != nil {
		t.Fatal(err)
	}
	if fromBytes.N != fromDisk.N || !bytes.Equal(fromBytes.Labels, fromDisk.Labels) {
		t.Fatalf("FromBytes: N=%d, labels differ: %v", fromBytes.N, !bytes.Equal(fromBytes.Labels, fromDisk.Labels))
	}
	for i := range fromDisk.Pixels {
		if fromBytes.Pixels[i] != fromDisk.Pixels[i] {
			t.Fatalf("pixel %d: FromBytes %v, Load %v", i, fromBytes.Pixels[i], fromDisk.Pixels[i])
		}
	}
}

func TestFromBytesRealMismatch(t *testing.T) {
	_, err := FromBytes(realFile(t, Test.ImagesFile()), realFile(t, Train.LabelsFile()))
	checkErr(t, err, ErrCountMismatch, "10000 images but 60000 labels")
	_, err = FromBytes(realFile(t, Test.LabelsFile()), realFile(t, Test.ImagesFile()))
	checkErr(t, err, ErrBadMagic, "images: ", "a labels file was given")
}

func TestFromBytesSynthetic(t *testing.T) {
	pixels := patternPixels(3 * ImageSize)
	images := encodeImages(3, Rows, Cols, pixels)
	labels := encodeLabels([]byte{4, 0, 9})
	d, err := FromBytes(images, gzipped(labels))
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 3 || !bytes.Equal(d.Labels, []byte{4, 0, 9}) {
		t.Fatalf("got N=%d labels %v, want 3 [4 0 9]", d.N, d.Labels)
	}
	for i, p := range pixels {
		if want := float32(p) / 255; d.Pixels[i] != want {
			t.Fatalf("pixel %d = %v, want %v", i, d.Pixels[i], want)
		}
	}
	if got := d.Image(1)[0]; got != float32(pixels[ImageSize])/255 {
		t.Errorf("Image(1)[0] = %v, want %v", got, float32(pixels[ImageSize])/255)
	}
}

func TestFromBytesErrors(t *testing.T) {
	threeLabels := encodeLabels([]byte{1, 2, 3})
	tests := []struct {
		name           string
		images, labels []byte
		want           error
		text           string
	}{
		{"count mismatch", encodeImages(2, 28, 28, make([]byte, 2*784)), threeLabels, ErrCountMismatch, "2 images but 3 labels"},
		{"not 28×28", encodeImages(3, 2, 3, make([]byte, 18)), threeLabels, ErrDims, "images are 2×3, want 28×28"},
		{"empty", encodeImages(0, 28, 28, nil), encodeLabels(nil), ErrDims, "no images"},
		{"bad label", encodeImages(3, 28, 28, make([]byte, 3*784)), encodeLabels([]byte{1, 10, 3}), ErrLabelRange, "labels: "},
		{"truncated images", encodeImages(3, 28, 28, make([]byte, 784)), threeLabels, ErrTruncated, "images: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := FromBytes(tt.images, tt.labels)
			if d != nil {
				t.Errorf("got a dataset with an error")
			}
			checkErr(t, err, tt.want, tt.text)
		})
	}
}

// writeSynthetic writes a 28×28 split of n images into dir under the given
// names, gzip-compressing when the name ends in .gz.
func writeSynthetic(t *testing.T, dir, imagesName, labelsName string, n int, labels []byte) {
	t.Helper()
	write := func(name string, b []byte) {
		if strings.HasSuffix(name, ".gz") {
			b = gzipped(b)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(imagesName, encodeImages(n, Rows, Cols, patternPixels(n*ImageSize)))
	write(labelsName, encodeLabels(labels))
}

func TestLoadUngzippedNames(t *testing.T) {
	dir := t.TempDir()
	writeSynthetic(t, dir, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 2, []byte{3, 8})
	d, err := Load(dir, Test)
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 2 || !bytes.Equal(d.Labels, []byte{3, 8}) {
		t.Fatalf("got N=%d labels %v, want 2 [3 8]", d.N, d.Labels)
	}
}

func TestLoadPrefersGzipNames(t *testing.T) {
	dir := t.TempDir()
	writeSynthetic(t, dir, "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", 1, []byte{6})
	writeSynthetic(t, dir, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", 2, []byte{1, 2})
	d, err := Load(dir, Train)
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 1 || d.Labels[0] != 6 {
		t.Fatalf("got N=%d labels %v, want the .gz files' 1 [6]", d.N, d.Labels)
	}
}

func TestLoadErrors(t *testing.T) {
	t.Run("missing", func(t *testing.T) {
		dir := t.TempDir()
		_, err := Load(dir, Train)
		checkErr(t, err, fs.ErrNotExist, "train-images-idx3-ubyte.gz", dir, "make data")
	})
	t.Run("labels missing", func(t *testing.T) {
		dir := t.TempDir()
		writeSynthetic(t, dir, Test.ImagesFile(), "unrelated", 1, []byte{1})
		_, err := Load(dir, Test)
		checkErr(t, err, fs.ErrNotExist, "t10k-labels-idx1-ubyte.gz")
	})
	t.Run("count mismatch", func(t *testing.T) {
		dir := t.TempDir()
		writeSynthetic(t, dir, Test.ImagesFile(), Test.LabelsFile(), 3, []byte{1, 2})
		_, err := Load(dir, Test)
		checkErr(t, err, ErrCountMismatch, "3 images but 2 labels", Test.ImagesFile())
	})
	t.Run("swapped files", func(t *testing.T) {
		dir := t.TempDir()
		writeSynthetic(t, dir, Test.LabelsFile(), Test.ImagesFile(), 2, []byte{1, 2})
		_, err := Load(dir, Test)
		checkErr(t, err, ErrBadMagic, filepath.Join(dir, Test.ImagesFile()), "a labels file was given")
	})
	t.Run("directory as file", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, Test.ImagesFile()), 0o755); err != nil {
			t.Fatal(err)
		}
		writeSynthetic(t, dir, "unused", Test.LabelsFile(), 1, []byte{1})
		_, err := Load(dir, Test)
		if err == nil || wrapsSentinel(err) || !strings.Contains(err.Error(), Test.ImagesFile()) {
			t.Fatalf("error = %v, want an I/O error naming %s", err, Test.ImagesFile())
		}
	})
}

func TestSplitNames(t *testing.T) {
	for _, c := range []struct {
		split                 Split
		str, images, labelsFn string
	}{
		{Train, "train", "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"},
		{Test, "test", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"},
	} {
		if c.split.String() != c.str || c.split.ImagesFile() != c.images || c.split.LabelsFile() != c.labelsFn {
			t.Errorf("%d: got %q %q %q, want %q %q %q", int(c.split),
				c.split.String(), c.split.ImagesFile(), c.split.LabelsFile(), c.str, c.images, c.labelsFn)
		}
	}
}

func TestOpenFindsTheDataDir(t *testing.T) {
	dir, err := Dir()
	if errors.Is(err, ErrNoData) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	want, err := Load(dir, Test)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Open(Test)
	if err != nil {
		t.Fatal(err)
	}
	if got.N != want.N || got.Labels[0] != want.Labels[0] || got.Pixels[1000] != want.Pixels[1000] {
		t.Fatalf("Open(Test) gave %d images, Load(Dir(), Test) %d", got.N, want.N)
	}
}
