// Package fakedata makes tiny stand-ins for the published data sets, for
// tests: the four gzip-compressed IDX files of a few 28×28 images, a way to
// make a core/mnist Source expect exactly those files, and a local HTTP
// mirror serving them. These machines cannot download Fashion-MNIST or
// KMNIST; with it the fetch-and-verify plumbing is tested all the same.
package fakedata

import (
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/govae/govae/core/mnist"
)

// Files returns the four .gz files, by canonical name, of a data set with n
// training and n test images (pixel i of the set is byte(i*7+seed)) and
// labels i mod 10, written with mnist.WriteImages and mnist.WriteLabels.
func Files(n int, seed byte) map[string][]byte {
	labels := make([]uint8, n)
	pixels := make([]uint8, n*mnist.ImageSize)
	for i := range labels {
		labels[i] = uint8(i % 10)
	}
	for i := range pixels {
		pixels[i] = byte(i*7) + seed
	}
	return idxFiles(n, pixels, labels)
}

// idxFiles writes n images and their labels as the four gzip-compressed
// IDX files of a data set, the same images for both splits.
func idxFiles(n int, pixels, labels []uint8) map[string][]byte {
	out := map[string][]byte{}
	for i, name := range mnist.FileNames() {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		var err error
		if i%2 == 0 {
			err = mnist.WriteImages(zw, &mnist.Images{N: n, Rows: mnist.Rows, Cols: mnist.Cols, Pixels: pixels})
		} else {
			err = mnist.WriteLabels(zw, labels)
		}
		if err != nil {
			panic(err)
		}
		zw.Close()
		out[name] = buf.Bytes()
	}
	return out
}

// Describe returns the mnist.File (size and digests) of content.
func Describe(name string, content []byte) mnist.File {
	s := sha256.Sum256(content)
	m := md5.Sum(content)
	return mnist.File{Name: name, Size: int64(len(content)), SHA256: hex.EncodeToString(s[:]), MD5: hex.EncodeToString(m[:])}
}

// Expect makes s expect files (by canonical name) instead of its published
// ones, and use mirrors as its mirrors, until the test ends; s.EnvDir() is
// cleared so that s.Dir() looks in ../shared and the cache only.
func Expect(t testing.TB, s *mnist.Source, files map[string][]byte, mirrors ...string) {
	t.Helper()
	saved := *s
	t.Cleanup(func() { *s = saved })
	for i, name := range mnist.FileNames() {
		s.Files[i] = Describe(name, files[name])
	}
	s.Mirrors = mirrors
	t.Setenv(s.EnvDir(), "")
}

// Mirror is a local HTTP server standing in for the data sets' mirrors.
type Mirror struct {
	*httptest.Server
	// Requests counts the requests served.
	Requests atomic.Int64
}

// Serve starts a Mirror on 127.0.0.1 serving files by URL path (such as
// "/fashion/train-images-idx3-ubyte.gz") and 404 for anything else. It is
// closed when the test ends.
func Serve(t testing.TB, files map[string][]byte) *Mirror {
	t.Helper()
	m := &Mirror{}
	m.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.Requests.Add(1)
		b, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(m.Close)
	return m
}

// Under returns files with their names prefixed by dir, for Serve.
func Under(dir string, files map[string][]byte) map[string][]byte {
	out := map[string][]byte{}
	for name, b := range files {
		out["/"+strings.Trim(dir, "/")+"/"+name] = b
	}
	return out
}

// Unreachable returns the base URL of a server that no longer listens, so
// that connecting to it fails at once: a stand-in for a mirror that cannot
// be reached.
func Unreachable(t testing.TB) string {
	t.Helper()
	s := httptest.NewServer(http.NotFoundHandler())
	url := s.URL + "/"
	s.Close()
	return url
}
