package mnist

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
)

// WriteImages writes im to w as a raw IDX images file (magic 0x00000803,
// count, rows, cols, then the pixel bytes), the format ReadImages reads;
// wrap w in a gzip.Writer for the compressed form. It refuses, with an
// error wrapping ErrDims or ErrTooLarge and before writing anything, images
// that ReadImages would refuse: non-positive dimensions, more than MaxCount
// images or MaxImageBytes pixels, or a Pixels slice that is not
// N×Rows×Cols long. Other errors are w's.
func WriteImages(w io.Writer, im *Images) error {
	if im.N < 0 || im.N > MaxCount || im.Rows <= 0 || im.Cols <= 0 {
		return fmt.Errorf("mnist: writing images: %w: %d images of %d×%d", ErrDims, im.N, im.Rows, im.Cols)
	}
	if _, err := imagesSize(int32(im.N), int32(min(im.Rows, 1<<31-1)), int32(min(im.Cols, 1<<31-1))); err != nil {
		return fmt.Errorf("mnist: writing images: %w", err)
	}
	if len(im.Pixels) != im.N*im.Rows*im.Cols {
		return fmt.Errorf("mnist: writing images: %w: %d pixel bytes for %d images of %d×%d",
			ErrDims, len(im.Pixels), im.N, im.Rows, im.Cols)
	}
	return writeIDX(w, imagesMagic, []int{im.N, im.Rows, im.Cols}, im.Pixels)
}

// WriteLabels writes labels to w as a raw IDX labels file (magic
// 0x00000801, count, then one byte per label), the format ReadLabels
// reads. It refuses, with an error wrapping ErrLabelRange or ErrTooLarge
// and before writing anything, a label above 9 or more than MaxCount
// labels. Other errors are w's.
func WriteLabels(w io.Writer, labels []uint8) error {
	if len(labels) > MaxCount {
		return fmt.Errorf("mnist: writing labels: %w: %d labels, more than the limit of %d", ErrTooLarge, len(labels), MaxCount)
	}
	if err := checkLabels(labels); err != nil {
		return fmt.Errorf("mnist: writing labels: %w", err)
	}
	return writeIDX(w, labelsMagic, []int{len(labels)}, labels)
}

// writeIDX writes the magic, the dimensions as big-endian int32s and the
// data.
func writeIDX(w io.Writer, magic uint32, dims []int, data []byte) error {
	bw := bufio.NewWriter(w)
	head := binary.BigEndian.AppendUint32(nil, magic)
	for _, d := range dims {
		head = binary.BigEndian.AppendUint32(head, uint32(d))
	}
	bw.Write(head)
	bw.Write(data)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("mnist: writing IDX: %w", err)
	}
	return nil
}
