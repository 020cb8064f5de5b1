//go:build ignore

// Gencorpus writes the seed corpus of FuzzReadImages and FuzzReadLabels:
// small synthetic IDX files, the first images and labels of the real MNIST
// test set re-encoded as tiny IDX files, and truncations and corruptions of
// those. Run it from core/mnist:
//
//	go run testdata/gencorpus.go -data ../../../shared/mnist
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
)

const (
	imagesMagic = 0x00000803
	labelsMagic = 0x00000801
	imageSize   = 28 * 28
)

func main() {
	data := flag.String("data", "../../../shared/mnist", "directory with the real MNIST .gz files")
	out := flag.String("out", "testdata/fuzz", "corpus directory")
	flag.Parse()

	realImages := readGz(filepath.Join(*data, "t10k-images-idx3-ubyte.gz"))[16 : 16+2*imageSize]
	realLabels := readGz(filepath.Join(*data, "t10k-labels-idx1-ubyte.gz"))[8 : 8+20]

	writeCorpus(filepath.Join(*out, "FuzzReadImages"), imageSeeds(realImages))
	writeCorpus(filepath.Join(*out, "FuzzReadLabels"), labelSeeds(realLabels))
}

func imageSeeds(real2 []byte) map[string][]byte {
	small := encode(imagesMagic, []uint32{2, 3, 2}, pattern(12))
	real1Raw := encode(imagesMagic, []uint32{1, 28, 28}, real2[:imageSize])
	real2Gz := gz(encode(imagesMagic, []uint32{2, 28, 28}, real2))
	return map[string][]byte{
		"synthetic-2x3x2-raw":          small,
		"synthetic-2x3x2-gzip":         gz(small),
		"synthetic-multimember-gzip":   append(gz(small[:9]), gz(small[9:])...),
		"synthetic-zero-images":        encode(imagesMagic, []uint32{0, 28, 28}, nil),
		"real-1-image-raw":             real1Raw,
		"real-2-images-gzip":           real2Gz,
		"truncated-header":             small[:10],
		"truncated-body":               small[:len(small)-3],
		"truncated-gzip-body":          real2Gz[:len(real2Gz)/2],
		"truncated-gzip-trailer":       real2Gz[:len(real2Gz)-4],
		"corrupt-gzip-crc":             flip(real2Gz, len(real2Gz)-6),
		"corrupt-gzip-deflate":         flip(real2Gz, len(real2Gz)/3),
		"trailing-byte":                append(bytes.Clone(small), 0),
		"trailing-after-gzip":          append(gz(small), "junk"...),
		"labels-given-as-images":       encode(labelsMagic, []uint32{3}, []byte{1, 2, 3}),
		"byte-swapped-magic":           encode(0x03080000, []uint32{2, 3, 2}, pattern(12)),
		"huge-count-few-bytes":         encode(imagesMagic, []uint32{0x7fffffff, 28, 28}, pattern(40)),
		"max-count-few-bytes-gzip":     gz(encode(imagesMagic, []uint32{1000000, 28, 28}, pattern(40))),
		"negative-rows":                encode(imagesMagic, []uint32{1, 0xffffffff, 28}, pattern(28)),
		"zero-cols":                    encode(imagesMagic, []uint32{1, 28, 0}, nil),
		"bad-gzip-compression-method":  flip(gz(small), 2),
		"gzip-header-only":             gz(small)[:10],
		"real-image-not-28x28-2x392":   encode(imagesMagic, []uint32{1, 2, 392}, real2[:imageSize]),
		"images-declared-2-but-only-1": encode(imagesMagic, []uint32{2, 28, 28}, real2[:imageSize]),
	}
}

func labelSeeds(real20 []byte) map[string][]byte {
	digits := encode(labelsMagic, []uint32{10}, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	realRaw := encode(labelsMagic, []uint32{20}, real20)
	realGz := gz(realRaw)
	return map[string][]byte{
		"synthetic-digits-raw":      digits,
		"synthetic-digits-gzip":     gz(digits),
		"synthetic-zero-labels":     encode(labelsMagic, []uint32{0}, nil),
		"real-20-labels-raw":        realRaw,
		"real-20-labels-gzip":       realGz,
		"label-10":                  encode(labelsMagic, []uint32{3}, []byte{1, 10, 2}),
		"label-255-gzip":            gz(encode(labelsMagic, []uint32{2}, []byte{255, 0})),
		"truncated-header":          realRaw[:6],
		"truncated-body":            realRaw[:15],
		"truncated-gzip":            realGz[:len(realGz)-10],
		"corrupt-gzip-crc":          flip(realGz, len(realGz)-7),
		"trailing-bytes":            append(bytes.Clone(realRaw), 1, 2, 3),
		"images-given-as-labels":    encode(imagesMagic, []uint32{1, 2, 2}, []byte{0, 1, 2, 3}),
		"huge-count-few-bytes":      encode(labelsMagic, []uint32{0x7fffffff}, pattern(10)),
		"negative-count":            encode(labelsMagic, []uint32{0x80000000}, nil),
		"max-count-few-bytes-gzip":  gz(encode(labelsMagic, []uint32{1000000}, []byte{1, 2, 3})),
		"multimember-gzip":          append(gz(realRaw[:5]), gz(realRaw[5:])...),
		"trailing-garbage-gzip":     append(bytes.Clone(realGz), 0),
		"not-idx-text":              []byte("hello, world\n"),
		"gzip-twice":                gz(gz(digits)),
		"gzip-magic-only":           []byte{0x1f, 0x8b},
		"single-byte":               []byte{0x1f},
		"labels-declared-3-given-2": encode(labelsMagic, []uint32{3}, []byte{4, 5}),
	}
}

// encode returns an IDX file: magic, big-endian dimensions, then body.
func encode(magic uint32, dims []uint32, body []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, magic)
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return append(b, body...)
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func flip(b []byte, at int) []byte {
	c := bytes.Clone(b)
	c[at] ^= 0x55
	return c
}

func pattern(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i * 37)
	}
	return p
}

func readGz(path string) []byte {
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		log.Fatal(err)
	}
	// Only the first few kilobytes are needed.
	b, err := io.ReadAll(io.LimitReader(z, 16+2*imageSize))
	if err != nil {
		log.Fatal(err)
	}
	return b
}

// writeCorpus writes each seed in Go's fuzz corpus file format.
func writeCorpus(dir string, seeds map[string][]byte) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Fatal(err)
	}
	for name, b := range seeds {
		text := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
