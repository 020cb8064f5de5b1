package mnist

import (
	"bytes"
	"compress/gzip"
	"io"
	"testing"
)

// Seeds beyond testdata/fuzz, built in code so they track the encoders.
func addSeeds(f *testing.F, raws ...[]byte) {
	for _, raw := range raws {
		f.Add(raw)
		f.Add(gzipped(raw))
		f.Add(raw[:len(raw)/2])
	}
}

// decodedPayload returns the IDX bytes data stands for: data itself, or its
// gzip decompression bounded to limit bytes.
func decodedPayload(t *testing.T, data []byte, limit int) []byte {
	if !isGzip(data) {
		return data
	}
	z, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("reader accepted gzip data that compress/gzip rejects: %v", err)
	}
	payload, err := io.ReadAll(io.LimitReader(z, int64(limit)))
	if err != nil {
		t.Fatalf("reader accepted gzip data that compress/gzip fails on: %v", err)
	}
	return payload
}

func FuzzReadImages(f *testing.F) {
	addSeeds(f,
		encodeImages(2, 3, 2, patternPixels(12)),
		encodeImages(1, 28, 28, patternPixels(784)),
		encodeLabels([]byte{1, 2, 3}),
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		im, err := ReadImages(bytes.NewReader(data))
		if err != nil {
			if im != nil {
				t.Fatalf("non-nil images with error %v", err)
			}
			if !wrapsSentinel(err) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			return
		}
		if im.N < 0 || im.Rows <= 0 || im.Cols <= 0 || len(im.Pixels) != im.N*im.Rows*im.Cols {
			t.Fatalf("inconsistent result: N=%d %d×%d with %d pixels", im.N, im.Rows, im.Cols, len(im.Pixels))
		}
		// Re-encoding the result must give back exactly the decoded input.
		want := encodeImages(im.N, im.Rows, im.Cols, im.Pixels)
		if got := decodedPayload(t, data, len(want)+1); !bytes.Equal(got, want) {
			t.Fatalf("input decodes to %d bytes, result re-encodes to %d different ones", len(got), len(want))
		}
	})
}

func FuzzReadLabels(f *testing.F) {
	addSeeds(f,
		encodeLabels([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}),
		encodeLabels([]byte{5, 10}),
		encodeImages(1, 2, 2, []byte{1, 2, 3, 4}),
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		labels, err := ReadLabels(bytes.NewReader(data))
		if err != nil {
			if labels != nil {
				t.Fatalf("non-nil labels with error %v", err)
			}
			if !wrapsSentinel(err) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			return
		}
		for i, l := range labels {
			if l > 9 {
				t.Fatalf("label %d = %d accepted", i, l)
			}
		}
		want := encodeLabels(labels)
		if got := decodedPayload(t, data, len(want)+1); !bytes.Equal(got, want) {
			t.Fatalf("input decodes to %d bytes, result re-encodes to %d different ones", len(got), len(want))
		}
	})
}
