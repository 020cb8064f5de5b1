package mnist

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeSource writes a tiny data set in s's format into a new directory —
// n 28×28 images per split, gzip-compressed like the published files —
// points s.EnvDir() at it and makes s's sizes and digests those of the
// tiny files for the duration of the test. It returns the directory and
// the files' contents by name.
func fakeSource(t *testing.T, s *Source, n int) (string, map[string][]byte) {
	t.Helper()
	saved := *s
	t.Cleanup(func() { *s = saved })
	dir := t.TempDir()
	contents := map[string][]byte{}
	labels := make([]byte, n)
	for i := range labels {
		labels[i] = byte(i % 10)
	}
	for i, name := range FileNames() {
		var raw []byte
		if i%2 == 0 {
			raw = encodeImages(n, Rows, Cols, patternPixels(n*ImageSize))
		} else {
			raw = encodeLabels(labels)
		}
		b := gzipped(raw)
		contents[name] = b
		s.Files[i] = fakeFile(name, b)
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(s.EnvDir(), dir)
	return dir, contents
}

func TestStageSite(t *testing.T) {
	_, contents := fakeSource(t, Fashion, 3)
	site := t.TempDir()
	// The site has weights for MNIST only.
	if err := os.MkdirAll(filepath.Join(site, "assets"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(site, "assets", "vae.bin"), []byte("w"), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := StageSite(site, []*Source{Fashion})
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range contents {
		got, err := os.ReadFile(filepath.Join(site, "data", "fashion", name))
		if err != nil || !bytes.Equal(got, b) {
			t.Errorf("%s in the site: %d bytes, %v; want the %d-byte file", name, len(got), err, len(b))
		}
	}
	written, err := os.ReadFile(filepath.Join(site, "data", "datasets.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(written, m.Marshal()) {
		t.Errorf("datasets.json differs from the returned manifest")
	}
	parsed, err := ParseManifest(written)
	if err != nil {
		t.Fatal(err)
	}
	fashion, ok := parsed.Dataset("fashion")
	if !ok || !fashion.Present || fashion.Weights != "" || fashion.Classes[7].Name != "Sneaker" {
		t.Fatalf("fashion entry %+v", fashion)
	}
	f, ok := fashion.File(Test, "labels")
	if !ok || f.Path != "data/fashion/t10k-labels-idx1-ubyte.gz" || f.Bytes != int64(len(contents[f.Name])) || f.SHA256 != Fashion.Files[3].SHA256 {
		t.Errorf("fashion test labels %+v", f)
	}
	mn, _ := parsed.Dataset("mnist")
	km, _ := parsed.Dataset("kmnist")
	if mn.Present || mn.Weights != "assets/vae.bin" || len(mn.Files) != 0 || km.Present || km.Classes[3] != (Class{"つ", "tsu"}) {
		t.Errorf("mnist %+v, kmnist %+v", mn, km)
	}
	// The JSON uses the documented keys.
	var generic map[string]any
	if err := json.Unmarshal(written, &generic); err != nil {
		t.Fatal(err)
	}
	first := generic["datasets"].([]any)[1].(map[string]any)
	for _, key := range []string{"id", "name", "present", "files", "classes", "home", "credit", "license"} {
		if _, ok := first[key]; !ok {
			t.Errorf("fashion entry lacks %q: %v", key, first)
		}
	}
}

func TestStageSiteWrongFile(t *testing.T) {
	dir, _ := fakeSource(t, KMNIST, 2)
	// A file that is not the published one: one byte changed.
	path := filepath.Join(dir, Train.LabelsFile())
	b, _ := os.ReadFile(path)
	b[len(b)-1] ^= 1
	os.WriteFile(path, b, 0o644)
	site := t.TempDir()
	_, err := StageSite(site, []*Source{KMNIST})
	checkErr(t, err, ErrDigest, "Kuzushiji-MNIST", path, "make data DATASET=kmnist")
	if _, err := os.Stat(filepath.Join(site, "data", "kmnist", Train.LabelsFile())); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the wrong file was left in the site: %v", err)
	}
	if _, err := os.Stat(filepath.Join(site, "data", "datasets.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a manifest was written: %v", err)
	}
}

func TestStageSiteMissingData(t *testing.T) {
	fakeModule(t)
	t.Setenv(Fashion.EnvDir(), "")
	_, err := StageSite(t.TempDir(), []*Source{Fashion})
	checkErr(t, err, ErrNoData, "Fashion-MNIST", "make data DATASET=fashion", filepath.Join(".cache", "fashion"))
}

func TestParseManifestRejects(t *testing.T) {
	good := string(NewManifest([]*Source{MNIST}, nil).Marshal())
	if _, err := ParseManifest([]byte(good)); err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string]string{
		"not json":          "<html>404</html>",
		"version 2":         strings.Replace(good, `"version": 1`, `"version": 2`, 1),
		"unknown id":        strings.Replace(good, `"id": "kmnist"`, `"id": "emnist"`, 1),
		"unknown field":     strings.Replace(good, `"present"`, `"extra": 1, "present"`, 1),
		"moved path":        strings.Replace(good, `"path": "data/train-images-idx3-ubyte.gz"`, `"path": "../../etc/passwd"`, 1),
		"wrong size":        strings.Replace(good, `"bytes": 28881`, `"bytes": 1`, 1),
		"present, no files": strings.Replace(good, `"present": false`, `"present": true`, 1),
		"trailing":          good + "{}",
		"twice":             strings.Replace(good, `"id": "kmnist"`, `"id": "fashion"`, 1),
		"weights":           strings.Replace(good, `"weights": "assets/vae.bin"`, `"weights": "http://evil/vae.bin"`, 1),
	} {
		if name == "weights" {
			// NewManifest(nil weights) wrote none; add one to replace.
			bad = strings.Replace(good, `"license": "CC BY-SA 3.0"`, `"license": "CC BY-SA 3.0", "weights": "http://evil/vae.bin"`, 1)
		}
		if bad == good {
			t.Fatalf("%s: the replacement did not apply", name)
		}
		_, err := ParseManifest([]byte(bad))
		if !errors.Is(err, ErrManifest) {
			t.Errorf("%s: error %v, want ErrManifest", name, err)
		}
	}
}

// TestParseSiteManifest: the page's reading accepts other sizes and digests
// (a site built from a test's own small files) but nothing else that
// ParseManifest refuses: no moved path, no malformed size or digest.
func TestParseSiteManifest(t *testing.T) {
	m := NewManifest([]*Source{MNIST, Fashion}, nil)
	fashion, _ := m.Dataset("fashion")
	fashion.Files[0].Bytes, fashion.Files[0].SHA256 = 1234, strings.Repeat("ab", 32)
	good := string(m.Marshal())
	if _, err := ParseManifest([]byte(good)); !errors.Is(err, ErrManifest) {
		t.Errorf("ParseManifest accepted another digest: %v", err)
	}
	got, err := ParseSiteManifest([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if f, ok := got.Datasets[1].File(Train, "images"); !ok || f.Bytes != 1234 || f.Path != "data/fashion/train-images-idx3-ubyte.gz" {
		t.Errorf("fashion's training images: %+v", f)
	}
	for name, bad := range map[string]string{
		"moved path":   strings.Replace(good, `"path": "data/fashion/train-images-idx3-ubyte.gz"`, `"path": "data/../x.gz"`, 1),
		"renamed":      strings.Replace(good, `"name": "t10k-images-idx3-ubyte.gz"`, `"name": "other.gz"`, 1),
		"zero size":    strings.Replace(good, `"bytes": 1234`, `"bytes": 0`, 1),
		"short digest": strings.Replace(good, strings.Repeat("ab", 32), "abab", 1),
		"upper digest": strings.Replace(good, strings.Repeat("ab", 32), strings.Repeat("AB", 32), 1),
		"kind":         strings.Replace(good, `"kind": "labels"`, `"kind": "images"`, 1),
	} {
		if bad == good {
			t.Fatalf("%s: the replacement did not apply", name)
		}
		if _, err := ParseSiteManifest([]byte(bad)); !errors.Is(err, ErrManifest) {
			t.Errorf("%s: error %v, want ErrManifest", name, err)
		}
	}
}
