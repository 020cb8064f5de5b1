package mnist

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
)

// Sentinel errors returned, wrapped with details, by the readers and loaders
// of this package. Use errors.Is to test for them.
var (
	// ErrBadMagic reports an IDX magic number other than the one expected,
	// for instance a labels file given to ReadImages.
	ErrBadMagic = errors.New("bad magic number")

	// ErrTruncated reports input that ends before the size its header
	// declares, including a compressed stream that ends early.
	ErrTruncated = errors.New("truncated data")

	// ErrDims reports a header count or dimension that is negative or zero,
	// or images whose size is not the 28×28 a Dataset needs.
	ErrDims = errors.New("bad dimensions")

	// ErrLabelRange reports a label outside 0–9.
	ErrLabelRange = errors.New("label out of range")

	// ErrTooLarge reports a header declaring more items or bytes than
	// MaxCount or MaxImageBytes allow.
	ErrTooLarge = errors.New("declared size too large")

	// ErrTrailing reports bytes after the data the header declares.
	ErrTrailing = errors.New("trailing data")

	// ErrCorrupt reports a gzip stream that is malformed or fails its
	// checksum.
	ErrCorrupt = errors.New("corrupt compressed data")

	// ErrCountMismatch reports an images file and a labels file that hold
	// different numbers of items.
	ErrCountMismatch = errors.New("image and label counts differ")
)

// Limits on what a header may declare. They keep a hostile or corrupt header
// from requesting an absurd amount of memory; buffers are further grown only
// as real bytes arrive.
const (
	// MaxCount is the largest number of images or labels accepted.
	MaxCount = 1_000_000

	// MaxImageBytes is the largest total pixel payload accepted:
	// MaxCount images of 28×28.
	MaxImageBytes = MaxCount * Rows * Cols
)

// IDX magic numbers: two zero bytes, element type 0x08 (unsigned byte),
// number of dimensions.
const (
	imagesMagic = 0x00000803
	labelsMagic = 0x00000801
)

// firstChunk is the initial buffer size for a body; it doubles from there.
const firstChunk = 64 << 10

// Images holds a set of grey-scale images as stored in an IDX file.
type Images struct {
	// N is the number of images.
	N int
	// Rows and Cols are the height and width of every image.
	Rows, Cols int
	// Pixels holds N*Rows*Cols bytes, image after image, each image
	// row-major; 0 is background and 255 is ink.
	Pixels []uint8
}

// Image returns the pixels of image i, a slice of im.Pixels.
func (im *Images) Image(i int) []uint8 {
	size := im.Rows * im.Cols
	return im.Pixels[i*size : (i+1)*size : (i+1)*size]
}

// ReadImages reads an IDX images file (magic 0x00000803) from r, which may be
// gzip-compressed or raw. Images of any positive size are accepted; Load and
// FromBytes additionally require 28×28. Errors wrap ErrBadMagic,
// ErrTruncated, ErrDims, ErrTooLarge, ErrTrailing or ErrCorrupt, or the error
// returned by r.
func ReadImages(r io.Reader) (*Images, error) {
	im, err := readImages(r)
	if err != nil {
		return nil, fmt.Errorf("mnist: reading images: %w", err)
	}
	return im, nil
}

// ReadLabels reads an IDX labels file (magic 0x00000801) from r, which may be
// gzip-compressed or raw, and returns one label in 0–9 per item. Errors wrap
// ErrBadMagic, ErrTruncated, ErrDims, ErrTooLarge, ErrTrailing, ErrCorrupt
// or ErrLabelRange, or the error returned by r.
func ReadLabels(r io.Reader) ([]uint8, error) {
	labels, err := readLabels(r)
	if err != nil {
		return nil, fmt.Errorf("mnist: reading labels: %w", err)
	}
	return labels, nil
}

func readImages(r io.Reader) (*Images, error) {
	src, err := decompressed(r)
	if err != nil {
		return nil, err
	}
	if err := readMagic(src, imagesMagic); err != nil {
		return nil, err
	}
	dims, err := readInt32s(src, 3, "images header")
	if err != nil {
		return nil, err
	}
	size, err := imagesSize(dims[0], dims[1], dims[2])
	if err != nil {
		return nil, err
	}
	what := fmt.Sprintf("pixels of %d images of %d×%d", dims[0], dims[1], dims[2])
	pixels, err := readBody(src, size, what)
	if err != nil {
		return nil, err
	}
	if err := expectEnd(src, size); err != nil {
		return nil, err
	}
	return &Images{N: int(dims[0]), Rows: int(dims[1]), Cols: int(dims[2]), Pixels: pixels}, nil
}

func readLabels(r io.Reader) ([]uint8, error) {
	src, err := decompressed(r)
	if err != nil {
		return nil, err
	}
	if err := readMagic(src, labelsMagic); err != nil {
		return nil, err
	}
	dims, err := readInt32s(src, 1, "labels header")
	if err != nil {
		return nil, err
	}
	count, err := checkCount(dims[0], "labels")
	if err != nil {
		return nil, err
	}
	labels, err := readBody(src, count, fmt.Sprintf("%d labels", count))
	if err != nil {
		return nil, err
	}
	if err := expectEnd(src, count); err != nil {
		return nil, err
	}
	if err := checkLabels(labels); err != nil {
		return nil, err
	}
	return labels, nil
}

// decompressed returns a reader of the IDX bytes in r, decompressing them
// when r starts with the gzip magic bytes 1f 8b.
func decompressed(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(2)
	if !isGzip(head) {
		if err != nil && err != io.EOF {
			return nil, err
		}
		// Short input falls through as raw IDX; the header read reports it.
		return br, nil
	}
	z, err := gzip.NewReader(br)
	switch {
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		return nil, fmt.Errorf("%w: the gzip header is incomplete", ErrTruncated)
	case errors.Is(err, gzip.ErrHeader):
		return nil, fmt.Errorf("%w: invalid gzip header", ErrCorrupt)
	case err != nil:
		return nil, fmt.Errorf("gzip header: %w", err)
	}
	z.Multistream(false)
	return &gzipStream{src: br, z: z}, nil
}

func isGzip(head []byte) bool {
	return len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b
}

// errAfterGzip marks bytes after the last gzip member that are not another
// member; compress/gzip would report them as a bad header.
var errAfterGzip = fmt.Errorf("%w: bytes after the end of the gzip stream", ErrTrailing)

// gzipStream decompresses a gzip stream of one or more members, telling
// garbage after the last member apart from a corrupt member.
type gzipStream struct {
	src *bufio.Reader
	z   *gzip.Reader
}

func (g *gzipStream) Read(p []byte) (int, error) {
	for {
		n, err := g.z.Read(p)
		if n > 0 {
			// Report the end of a member on the next call, which may
			// continue with the next member.
			return n, nil
		}
		if err != io.EOF {
			return 0, err
		}
		next, err := g.src.Peek(2)
		switch {
		case len(next) == 0 && (err == nil || err == io.EOF):
			return 0, io.EOF
		case len(next) == 0:
			return 0, err
		case !isGzip(next):
			return 0, errAfterGzip
		}
		if err := g.z.Reset(g.src); err != nil {
			return 0, err
		}
		g.z.Multistream(false)
	}
}

// classify turns a failed read of want bytes, of which got arrived, into an
// error wrapping the matching sentinel.
func classify(err error, what string, want, got int64) error {
	var corrupt flate.CorruptInputError
	var internal flate.InternalError
	switch {
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, ErrTrailing):
		// A gzip stream that ends (or turns into garbage) early is truncated.
		return fmt.Errorf("%w: %s: expected %d bytes, found %d", ErrTruncated, what, want, got)
	case errors.As(err, &corrupt), errors.As(err, &internal),
		errors.Is(err, gzip.ErrHeader), errors.Is(err, gzip.ErrChecksum):
		return fmt.Errorf("%w: %s, after %d of %d bytes: %v", ErrCorrupt, what, got, want, err)
	default:
		return fmt.Errorf("%s, after %d of %d bytes: %w", what, got, want, err)
	}
}

// readMagic reads the 4-byte magic number and checks it is want.
func readMagic(r io.Reader, want uint32) error {
	words, err := readInt32s(r, 1, "magic number")
	if err != nil {
		return err
	}
	got := uint32(words[0])
	if got == want {
		return nil
	}
	hint := ""
	switch {
	case got == labelsMagic && want == imagesMagic:
		hint = ": a labels file was given where an images file was expected"
	case got == imagesMagic && want == labelsMagic:
		hint = ": an images file was given where a labels file was expected"
	}
	return fmt.Errorf("%w: found 0x%08x (%s), want 0x%08x (%s)%s",
		ErrBadMagic, got, describeMagic(got), want, describeMagic(want), hint)
}

// describeMagic names what a magic number looks like, to make wrong-file
// errors self-explanatory.
func describeMagic(m uint32) string {
	switch {
	case m == imagesMagic:
		return "IDX images"
	case m == labelsMagic:
		return "IDX labels"
	case bits.ReverseBytes32(m) == imagesMagic || bits.ReverseBytes32(m) == labelsMagic:
		return "byte-swapped IDX header"
	case m>>16 == 0x1f8b:
		return "gzip magic: compressed twice?"
	case m>>16 == 0:
		return fmt.Sprintf("IDX with element type 0x%02x and %d dimensions", byte(m>>8), byte(m))
	default:
		return "not an IDX file"
	}
}

// readInt32s reads n big-endian int32 header words.
func readInt32s(r io.Reader, n int, what string) ([]int32, error) {
	buf := make([]byte, 4*n)
	got, err := io.ReadFull(r, buf)
	if err != nil {
		return nil, classify(err, what, int64(len(buf)), int64(got))
	}
	words := make([]int32, n)
	for i := range words {
		words[i] = int32(binary.BigEndian.Uint32(buf[4*i:]))
	}
	return words, nil
}

// checkCount validates a header item count.
func checkCount(count int32, kind string) (int64, error) {
	switch {
	case count < 0:
		return 0, fmt.Errorf("%w: header declares a negative number of %s (%d)", ErrDims, kind, count)
	case count > MaxCount:
		return 0, fmt.Errorf("%w: header declares %d %s, more than the limit of %d", ErrTooLarge, count, kind, MaxCount)
	}
	return int64(count), nil
}

// imagesSize validates an images header and returns its pixel payload size.
func imagesSize(count, rows, cols int32) (int64, error) {
	n, err := checkCount(count, "images")
	if err != nil {
		return 0, err
	}
	if rows <= 0 || cols <= 0 {
		return 0, fmt.Errorf("%w: header declares images of %d×%d; rows and columns must be positive", ErrDims, rows, cols)
	}
	// rows*cols < 2^62 cannot overflow; checking it before multiplying by
	// n keeps the product below 2^63 too.
	perImage := int64(rows) * int64(cols)
	if perImage > MaxImageBytes || n*perImage > MaxImageBytes {
		return 0, fmt.Errorf("%w: header declares %d images of %d×%d, more than the limit of %d pixel bytes",
			ErrTooLarge, n, rows, cols, MaxImageBytes)
	}
	return n * perImage, nil
}

// readBody reads exactly n bytes. Its buffer starts small and doubles only
// as data arrives, so a header that lies about n cannot force a large
// allocation.
func readBody(r io.Reader, n int64, what string) ([]byte, error) {
	buf := make([]byte, 0, min(n, firstChunk))
	for int64(len(buf)) < n {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(n, 2*int64(cap(buf))))
			copy(grown, buf)
			buf = grown
		}
		got, err := io.ReadFull(r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+got]
		if err != nil {
			return nil, classify(err, what, n, int64(len(buf)))
		}
	}
	return buf, nil
}

// expectEnd checks that nothing follows the declared payload. It reads at
// most one more byte, which also makes a gzip reader verify its checksum.
func expectEnd(r io.Reader, declared int64) error {
	var one [1]byte
	n, err := io.ReadFull(r, one[:])
	switch {
	case n > 0:
		return fmt.Errorf("%w: more data after the %d bytes the header declares", ErrTrailing, declared)
	case err == io.EOF:
		return nil
	case errors.Is(err, ErrTrailing):
		return err
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: gzip stream ends inside its trailer", ErrTruncated)
	default:
		return classify(err, "end of data", declared, declared)
	}
}

// checkLabels reports the first label outside 0–9.
func checkLabels(labels []uint8) error {
	for i, l := range labels {
		if l > 9 {
			bad := 0
			for _, m := range labels[i:] {
				if m > 9 {
					bad++
				}
			}
			return fmt.Errorf("%w: label %d at index %d is not a digit 0–9 (%d bad labels in all)", ErrLabelRange, l, i, bad)
		}
	}
	return nil
}
