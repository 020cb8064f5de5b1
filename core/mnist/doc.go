// Package mnist reads the MNIST handwritten-digit data set from its
// original IDX files.
//
// # The IDX format
//
// An IDX file is a big-endian header followed by a dense array of values.
// The header starts with a 4-byte magic number: two zero bytes, a byte
// giving the element type (0x08 for unsigned bytes, the only type MNIST
// uses) and a byte giving the number of dimensions. One big-endian int32
// per dimension follows, then the data in row-major order.
//
// MNIST uses two kinds of IDX file:
//
//	images: magic 0x00000803, count, rows (28), cols (28), then
//	        count×rows×cols pixel bytes (0 = background, 255 = ink)
//	labels: magic 0x00000801, count, then count label bytes (0–9)
//
// The canonical files are distributed gzip-compressed:
//
//	train-images-idx3-ubyte.gz  60000 training images
//	train-labels-idx1-ubyte.gz  60000 training labels
//	t10k-images-idx3-ubyte.gz   10000 test images
//	t10k-labels-idx1-ubyte.gz   10000 test labels
//
// ReadImages and ReadLabels accept gzip-compressed or raw IDX streams and
// validate them strictly: every malformed input yields an error that wraps
// one of the package's sentinel errors (ErrBadMagic, ErrTruncated, ...), so
// callers can classify failures with errors.Is. The readers never trust the
// header for memory allocation: buffers grow only as real bytes arrive and
// the decompressed size is bounded by what the header declares, so a hostile
// header or a gzip bomb cannot exhaust memory.
//
// Load and FromBytes build a Dataset of 28×28 images scaled to [0, 1]
// float32 values, ready for training. Dir locates the data on disk, Digests
// and Verify check the downloaded files against their known SHA-256 digests.
//
// The package is pure Go and works under GOOS=js GOARCH=wasm; in a browser,
// where there is no file system, fetch the .gz files and call FromBytes.
package mnist
