package mnist

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// idxHeader encodes a big-endian IDX header: the magic then the dimensions.
func idxHeader(magic uint32, dims ...uint32) []byte {
	b := binary.BigEndian.AppendUint32(nil, magic)
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return b
}

// encodeImages returns a raw IDX images file.
func encodeImages(n, rows, cols int, pixels []byte) []byte {
	return append(idxHeader(imagesMagic, uint32(n), uint32(rows), uint32(cols)), pixels...)
}

// encodeLabels returns a raw IDX labels file.
func encodeLabels(labels []byte) []byte {
	return append(idxHeader(labelsMagic, uint32(len(labels))), labels...)
}

// gzipped compresses b as a single gzip member.
func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// patternPixels returns n deterministic pixel bytes covering 0–255.
func patternPixels(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i * 7)
	}
	return p
}

// sentinels lists every classification error a reader may wrap.
var sentinels = []error{ErrBadMagic, ErrTruncated, ErrDims, ErrLabelRange, ErrTooLarge, ErrTrailing, ErrCorrupt}

// wrapsSentinel reports whether err wraps one of sentinels.
func wrapsSentinel(err error) bool {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// checkErr fails t unless err wraps want and its text contains every one
// of the substrings.
func checkErr(t *testing.T, err, want error, substrings ...string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want one wrapping %q", err, want)
	}
	for _, s := range substrings {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
}

// dataDir returns the MNIST directory, skipping the test when there is none.
func dataDir(t testing.TB) string {
	t.Helper()
	dir, err := Dir()
	if errors.Is(err, ErrNoData) {
		t.Skipf("no MNIST data (run `make data` or set MNIST_DIR): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

var (
	realFilesMu sync.Mutex
	realFiles   = map[string][]byte{}
)

// realFile returns the bytes of the named file in the data directory, as
// stored (gzip-compressed for the canonical names), cached across tests.
func realFile(t testing.TB, name string) []byte {
	t.Helper()
	dir := dataDir(t)
	realFilesMu.Lock()
	defer realFilesMu.Unlock()
	if b, ok := realFiles[name]; ok {
		return b
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("%s not in %s (only the un-gzipped name?)", name, dir)
	}
	if err != nil {
		t.Fatal(err)
	}
	realFiles[name] = b
	return b
}

// realRaw returns the named real file decompressed with compress/gzip
// directly, independently of the code under test.
func realRaw(t testing.TB, name string) []byte {
	t.Helper()
	key := name + " (raw)"
	gz := realFile(t, name)
	realFilesMu.Lock()
	defer realFilesMu.Unlock()
	if b, ok := realFiles[key]; ok {
		return b
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	realFiles[key] = b
	return b
}

// allocatedBytes returns how many bytes f allocates on the heap. The
// package's tests do not run in parallel, so the count is f's own.
func allocatedBytes(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
