package mnist

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"testing"
	"time"
)

func TestReadImagesSynthetic(t *testing.T) {
	const n, rows, cols = 3, 2, 5
	pixels := patternPixels(n * rows * cols)
	raw := encodeImages(n, rows, cols, pixels)
	for name, input := range map[string][]byte{"raw": raw, "gzip": gzipped(raw)} {
		t.Run(name, func(t *testing.T) {
			im, err := ReadImages(bytes.NewReader(input))
			if err != nil {
				t.Fatal(err)
			}
			if im.N != n || im.Rows != rows || im.Cols != cols {
				t.Fatalf("got %d images of %d×%d, want %d of %d×%d", im.N, im.Rows, im.Cols, n, rows, cols)
			}
			if !bytes.Equal(im.Pixels, pixels) {
				t.Fatalf("pixels = %v, want %v", im.Pixels, pixels)
			}
			if got, want := im.Image(2), pixels[20:30]; !bytes.Equal(got, want) {
				t.Errorf("Image(2) = %v, want %v", got, want)
			}
		})
	}
}

func TestReadLabelsSynthetic(t *testing.T) {
	labels := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 0}
	raw := encodeLabels(labels)
	for name, input := range map[string][]byte{"raw": raw, "gzip": gzipped(raw)} {
		t.Run(name, func(t *testing.T) {
			got, err := ReadLabels(bytes.NewReader(input))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, labels) {
				t.Fatalf("labels = %v, want %v", got, labels)
			}
		})
	}
}

func TestReadEmptyFiles(t *testing.T) {
	im, err := ReadImages(bytes.NewReader(encodeImages(0, 28, 28, nil)))
	if err != nil || im.N != 0 || len(im.Pixels) != 0 {
		t.Errorf("zero images: got %+v, %v; want an empty set", im, err)
	}
	labels, err := ReadLabels(bytes.NewReader(encodeLabels(nil)))
	if err != nil || len(labels) != 0 {
		t.Errorf("zero labels: got %v, %v; want none", labels, err)
	}
}

// A gzip file may consist of several members; their contents concatenate.
func TestReadMultiMemberGzip(t *testing.T) {
	labels := []byte{3, 1, 4, 1, 5, 9, 2, 6}
	raw := encodeLabels(labels)
	input := append(gzipped(raw[:5]), gzipped(raw[5:])...)
	got, err := ReadLabels(bytes.NewReader(input))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, labels) {
		t.Fatalf("labels = %v, want %v", got, labels)
	}
}

type readerFunc func(io.Reader) error

func imagesReader(r io.Reader) error { _, err := ReadImages(r); return err }
func labelsReader(r io.Reader) error { _, err := ReadLabels(r); return err }

func TestReadErrors(t *testing.T) {
	images := encodeImages(2, 2, 3, patternPixels(12))
	labels := encodeLabels([]byte{7, 2, 1})
	gzImages := gzipped(images)
	badCRC := bytes.Clone(gzImages)
	badCRC[len(badCRC)-6] ^= 0xff // inside the CRC-32 of the trailer
	badFlags := bytes.Clone(gzImages)
	badFlags[2] = 7 // compression method 7 is not deflate

	tests := []struct {
		name  string
		read  readerFunc
		input []byte
		want  error
		text  []string
	}{
		{"empty images", imagesReader, nil, ErrTruncated, []string{"magic number", "expected 4 bytes, found 0"}},
		{"empty labels", labelsReader, nil, ErrTruncated, []string{"expected 4 bytes, found 0"}},
		{"magic cut", imagesReader, images[:3], ErrTruncated, []string{"expected 4 bytes, found 3"}},
		{"header cut", imagesReader, images[:11], ErrTruncated, []string{"images header", "expected 12 bytes, found 7"}},
		{"labels header cut", labelsReader, labels[:6], ErrTruncated, []string{"expected 4 bytes, found 2"}},
		{"pixels cut", imagesReader, images[:20], ErrTruncated, []string{"2 images of 2×3", "expected 12 bytes, found 4"}},
		{"labels cut", labelsReader, labels[:10], ErrTruncated, []string{"expected 3 bytes, found 2"}},
		{"wrong magic", imagesReader, append([]byte("PK\x03\x04"), images[4:]...), ErrBadMagic,
			[]string{"found 0x504b0304 (not an IDX file)", "want 0x00000803 (IDX images)"}},
		{"labels as images", imagesReader, labels, ErrBadMagic,
			[]string{"found 0x00000801 (IDX labels)", "a labels file was given where an images file was expected"}},
		{"images as labels", labelsReader, images, ErrBadMagic,
			[]string{"found 0x00000803 (IDX images)", "an images file was given where a labels file was expected"}},
		{"gzip labels as images", imagesReader, gzipped(labels), ErrBadMagic, []string{"a labels file was given"}},
		{"byte-swapped", imagesReader, idxHeader(0x03080000, 0, 0, 0), ErrBadMagic, []string{"byte-swapped"}},
		{"float IDX", imagesReader, idxHeader(0x00000d03, 0, 0, 0), ErrBadMagic, []string{"element type 0x0d"}},
		{"gzip twice", imagesReader, gzipped(gzipped(images)), ErrBadMagic, []string{"compressed twice"}},
		{"negative count", imagesReader, idxHeader(imagesMagic, 0xffffffff, 28, 28), ErrDims, []string{"negative number of images (-1)"}},
		{"negative labels", labelsReader, idxHeader(labelsMagic, 0x80000000), ErrDims, []string{"negative"}},
		{"zero rows", imagesReader, idxHeader(imagesMagic, 1, 0, 28), ErrDims, []string{"0×28"}},
		{"negative cols", imagesReader, idxHeader(imagesMagic, 1, 28, 0xfffffffe), ErrDims, []string{"28×-2"}},
		{"too many images", imagesReader, idxHeader(imagesMagic, MaxCount+1, 28, 28), ErrTooLarge, []string{"1000001 images"}},
		{"too many labels", labelsReader, idxHeader(labelsMagic, MaxCount+1), ErrTooLarge, []string{"1000001 labels"}},
		{"huge images", imagesReader, idxHeader(imagesMagic, 1, math.MaxInt32, math.MaxInt32), ErrTooLarge, []string{"limit"}},
		{"too many pixels", imagesReader, idxHeader(imagesMagic, MaxCount, 29, 28), ErrTooLarge, []string{"limit of 784000000"}},
		{"trailing raw", imagesReader, append(bytes.Clone(images), 0), ErrTrailing, []string{"after the 12 bytes"}},
		{"trailing labels", labelsReader, append(bytes.Clone(labels), 1, 2), ErrTrailing, nil},
		{"trailing inside gzip", imagesReader, gzipped(append(bytes.Clone(images), 9)), ErrTrailing, nil},
		{"garbage after gzip", imagesReader, append(bytes.Clone(gzImages), "junk"...), ErrTrailing, []string{"after the end of the gzip stream"}},
		{"label 10", labelsReader, encodeLabels([]byte{1, 2, 10, 3, 11}), ErrLabelRange,
			[]string{"label 10 at index 2", "2 bad labels"}},
		{"gzip bad checksum", imagesReader, badCRC, ErrCorrupt, []string{"checksum"}},
		{"gzip bad header", imagesReader, badFlags, ErrCorrupt, []string{"gzip header"}},
		{"gzip header cut", imagesReader, gzImages[:5], ErrTruncated, []string{"gzip header"}},
		{"gzip body cut", imagesReader, gzImages[:len(gzImages)-12], ErrTruncated, nil},
		{"gzip trailer cut", imagesReader, gzImages[:len(gzImages)-3], ErrTruncated, []string{"trailer"}},
		{"gzip data ends early", imagesReader, gzipped(images[:20]), ErrTruncated, []string{"expected 12 bytes, found 4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.read(bytes.NewReader(tt.input))
			checkErr(t, err, tt.want, tt.text...)
		})
	}
}

// Corrupting the deflate data of a real file must be detected, whether as
// an invalid code or as a checksum failure.
func TestReadCorruptRealGzip(t *testing.T) {
	for _, name := range []string{"t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"} {
		gz := realFile(t, name)
		// Skip the gzip header: its embedded file name is not checksummed.
		for _, at := range []int{40, len(gz) / 3, len(gz) / 2, len(gz) - 20} {
			t.Run(fmt.Sprintf("%s@%d", name, at), func(t *testing.T) {
				bad := bytes.Clone(gz)
				bad[at] ^= 0x55
				err := imagesReader(bytes.NewReader(bad))
				if name == "t10k-labels-idx1-ubyte.gz" {
					err = labelsReader(bytes.NewReader(bad))
				}
				if err == nil {
					t.Fatal("corrupted file read without error")
				}
				if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrTrailing) {
					t.Errorf("error = %v, want ErrCorrupt, ErrTruncated or ErrTrailing", err)
				}
			})
		}
	}
}

// Cutting a real file anywhere, in the header or the body, compressed or
// not, must report truncation.
func TestReadTruncatedRealFiles(t *testing.T) {
	cases := []struct {
		name  string
		read  readerFunc
		input []byte
	}{
		{"labels.gz", labelsReader, realFile(t, "t10k-labels-idx1-ubyte.gz")},
		{"labels", labelsReader, realRaw(t, "t10k-labels-idx1-ubyte.gz")},
		{"images.gz", imagesReader, realFile(t, "t10k-images-idx3-ubyte.gz")},
		{"images", imagesReader, realRaw(t, "t10k-images-idx3-ubyte.gz")},
	}
	for _, c := range cases {
		n := len(c.input)
		for _, cut := range []int{0, 1, 2, 3, 4, 7, 8, 10, 15, 16, 17, n / 2, n - 9, n - 8, n - 1} {
			t.Run(fmt.Sprintf("%s[:%d]", c.name, cut), func(t *testing.T) {
				err := c.read(bytes.NewReader(c.input[:cut]))
				checkErr(t, err, ErrTruncated)
			})
		}
	}
	// The raw body of the test images is 7840000 bytes; cut in the middle.
	raw := realRaw(t, "t10k-images-idx3-ubyte.gz")
	err := imagesReader(bytes.NewReader(raw[:16+5000]))
	checkErr(t, err, ErrTruncated, "10000 images of 28×28", "expected 7840000 bytes, found 5000")
}

// A header claiming 2^31−1 images, or the maximum count, with only a few
// bytes of body must fail fast without allocating for the claimed size.
func TestHugeHeaderAllocatesLittle(t *testing.T) {
	const limit = 512 << 10
	body := patternPixels(100)
	cases := []struct {
		name  string
		read  readerFunc
		input []byte
		want  error
	}{
		{"2^31-1 images", imagesReader, append(idxHeader(imagesMagic, math.MaxInt32, 28, 28), body...), ErrTooLarge},
		{"2^31-1 labels", labelsReader, append(idxHeader(labelsMagic, math.MaxInt32), body...), ErrTooLarge},
		{"MaxCount images", imagesReader, append(idxHeader(imagesMagic, MaxCount, 28, 28), body...), ErrTruncated},
		{"MaxCount labels", labelsReader, append(idxHeader(labelsMagic, MaxCount), body...), ErrTruncated},
		{"MaxCount images gzip", imagesReader, gzipped(append(idxHeader(imagesMagic, MaxCount, 28, 28), body...)), ErrTruncated},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			start := time.Now()
			allocated := allocatedBytes(func() { err = c.read(bytes.NewReader(c.input)) })
			checkErr(t, err, c.want)
			t.Logf("allocated %d bytes", allocated)
			if allocated > limit {
				t.Errorf("allocated %d bytes, want at most %d", allocated, limit)
			}
			if elapsed := time.Since(start); elapsed > time.Second {
				t.Errorf("took %v, want well under a second", elapsed)
			}
		})
	}
}

// A gzip bomb, a small file that decompresses to far more than its header
// declares, must be stopped after the declared size plus one byte.
func TestGzipBomb(t *testing.T) {
	const bombSize = 64 << 20
	raw := append(encodeImages(1, 28, 28, patternPixels(784)), make([]byte, bombSize)...)
	bomb := gzipped(raw)
	if len(bomb) > bombSize/100 {
		t.Fatalf("bomb is %d bytes, not a bomb", len(bomb))
	}
	var err error
	allocated := allocatedBytes(func() { _, err = ReadImages(bytes.NewReader(bomb)) })
	checkErr(t, err, ErrTrailing)
	if allocated > 1<<20 {
		t.Errorf("allocated %d bytes reading a %d-byte bomb, want at most 1 MiB", allocated, len(bomb))
	}
}

type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) { return 0, r.err }

// An I/O error from the source is passed on, not disguised as bad data.
func TestReadPassesOnIOErrors(t *testing.T) {
	ioErr := errors.New("disk on fire")
	images := encodeImages(2, 2, 3, patternPixels(12))
	for name, r := range map[string]io.Reader{
		"at start":  failingReader{ioErr},
		"mid-body":  io.MultiReader(bytes.NewReader(images[:18]), failingReader{ioErr}),
		"mid-gzip":  io.MultiReader(bytes.NewReader(gzipped(images)[:12]), failingReader{ioErr}),
		"after end": io.MultiReader(bytes.NewReader(images), failingReader{ioErr}),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ReadImages(r)
			if !errors.Is(err, ioErr) {
				t.Fatalf("error = %v, want it to wrap %v", err, ioErr)
			}
			if wrapsSentinel(err) {
				t.Errorf("I/O error %v classified as bad data", err)
			}
		})
	}
}
