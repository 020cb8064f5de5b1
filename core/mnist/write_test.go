package mnist

import (
	"bytes"
	"compress/gzip"
	"errors"
	"testing"
)

func TestWriteReadRoundTrip(t *testing.T) {
	im := &Images{N: 3, Rows: 28, Cols: 28, Pixels: patternPixels(3 * 784)}
	labels := []uint8{7, 0, 9}
	var raw bytes.Buffer
	if err := WriteImages(&raw, im); err != nil {
		t.Fatal(err)
	}
	// The writer's bytes are exactly the format the tests' own encoder
	// writes, derived from the format description.
	if !bytes.Equal(raw.Bytes(), encodeImages(3, 28, 28, im.Pixels)) {
		t.Fatalf("WriteImages wrote %d bytes that differ from the IDX encoding", raw.Len())
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if err := WriteLabels(zw, labels); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	d, err := FromBytes(raw.Bytes(), gz.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 3 || !bytes.Equal(d.Labels, labels) || d.Pixels[784] != float32(im.Pixels[784])/255 {
		t.Fatalf("round trip: N=%d labels %v", d.N, d.Labels)
	}
}

func TestWriteRefusesWhatReadRefuses(t *testing.T) {
	for _, c := range []struct {
		name string
		im   *Images
		want error
	}{
		{"short pixels", &Images{N: 2, Rows: 28, Cols: 28, Pixels: make([]byte, 784)}, ErrDims},
		{"zero rows", &Images{N: 1, Rows: 0, Cols: 28}, ErrDims},
		{"negative count", &Images{N: -1, Rows: 28, Cols: 28}, ErrDims},
		{"too many", &Images{N: MaxCount + 1, Rows: 1, Cols: 1}, ErrDims},
		{"too large", &Images{N: 2, Rows: 1 << 20, Cols: 1 << 10}, ErrTooLarge},
	} {
		var buf bytes.Buffer
		err := WriteImages(&buf, c.im)
		if !errors.Is(err, c.want) || buf.Len() != 0 {
			t.Errorf("%s: error %v, %d bytes written; want %v and nothing", c.name, err, buf.Len(), c.want)
		}
	}
	var buf bytes.Buffer
	checkErr(t, WriteLabels(&buf, []uint8{1, 10}), ErrLabelRange, "index 1")
	if buf.Len() != 0 {
		t.Errorf("%d bytes written for refused labels", buf.Len())
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteReportsWriterError(t *testing.T) {
	err := WriteLabels(failingWriter{}, []uint8{1})
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("disk full")) {
		t.Fatalf("error %v, want the writer's", err)
	}
}
