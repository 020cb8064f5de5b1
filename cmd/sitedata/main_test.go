package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govae/govae/core/mnist"
	"github.com/govae/govae/internal/fakedata"
)

// withData makes s expect a tiny fake data set held in a directory that
// s.EnvDir() points at.
func withData(t *testing.T, s *mnist.Source, seed byte) map[string][]byte {
	t.Helper()
	files := fakedata.Files(2, seed)
	fakedata.Expect(t, s, files)
	dir := t.TempDir()
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(s.EnvDir(), dir)
	return files
}

func TestSiteData(t *testing.T) {
	mn := withData(t, mnist.MNIST, 1)
	km := withData(t, mnist.KMNIST, 2)
	site := t.TempDir()
	os.MkdirAll(filepath.Join(site, "assets"), 0o755)
	os.WriteFile(filepath.Join(site, "assets", "vae.bin"), []byte("weights"), 0o644)
	var out strings.Builder
	if err := run([]string{"-site", site, "-dataset", "kmnist,mnist"}, &out); err != nil {
		t.Fatal(err)
	}
	for name, b := range mn {
		if got, _ := os.ReadFile(filepath.Join(site, "data", name)); !bytes.Equal(got, b) {
			t.Errorf("data/%s not copied", name)
		}
	}
	for name, b := range km {
		if got, _ := os.ReadFile(filepath.Join(site, "data", "kmnist", name)); !bytes.Equal(got, b) {
			t.Errorf("data/kmnist/%s not copied", name)
		}
	}
	raw, err := os.ReadFile(filepath.Join(site, "data", "datasets.json"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := mnist.ParseManifest(raw)
	if err != nil {
		t.Fatal(err)
	}
	var present []string
	for _, d := range m.Datasets {
		if d.Present {
			present = append(present, d.ID)
		}
	}
	if strings.Join(present, " ") != "mnist kmnist" {
		t.Errorf("present: %v", present)
	}
	for _, s := range []string{"MNIST (0.0 MB, pretrained weights assets/vae.bin)", "Fashion-MNIST not on this site", "Kuzushiji-MNIST (0.0 MB, no pretrained weights)"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("output lacks %q:\n%s", s, out.String())
		}
	}
}

func TestSiteDataErrors(t *testing.T) {
	withData(t, mnist.Fashion, 3)
	site := t.TempDir()
	for _, args := range [][]string{{}, {"-site", filepath.Join(site, "nope")}, {"-site", site, "-dataset", "emnist"}, {"-site", site, "x"}} {
		if err := run(args, &strings.Builder{}); err == nil {
			t.Errorf("run(%q): no error", args)
		}
	}
	// A file that is not the published one stops the build.
	dir := os.Getenv(mnist.Fashion.EnvDir())
	os.WriteFile(filepath.Join(dir, mnist.Test.ImagesFile()), []byte("truncated"), 0o644)
	err := run([]string{"-site", site, "-dataset", "fashion"}, &strings.Builder{})
	if !errors.Is(err, mnist.ErrDigest) || !strings.Contains(err.Error(), "make data DATASET=fashion") {
		t.Fatalf("error %v, want a digest mismatch saying how to fetch the file", err)
	}
}
