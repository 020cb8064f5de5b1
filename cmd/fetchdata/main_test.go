package main

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govae/govae/core/mnist"
	"github.com/govae/govae/internal/fakedata"
)

// moduleWithoutData changes to a directory inside a fresh module with no
// ../shared data and no cache, so that every Source.Dir finds nothing.
func moduleWithoutData(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "repo")
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(root)
	return root
}

// setup makes s expect a tiny fake data set served by a local mirror under
// /ID/, and returns the files and the mirror.
func setup(t *testing.T, s *mnist.Source, seed byte) (map[string][]byte, *fakedata.Mirror) {
	t.Helper()
	files := fakedata.Files(3, seed)
	m := fakedata.Serve(t, fakedata.Under(s.ID, files))
	fakedata.Expect(t, s, files, m.URL+"/"+s.ID+"/")
	return files, m
}

// checkDir fails t unless dir holds exactly the named files with the
// expected contents, and no temporary file.
func checkDir(t *testing.T, dir string, files map[string][]byte, want ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		if !bytes.Equal(b, files[e.Name()]) {
			t.Errorf("%s: wrong content", e.Name())
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("%s holds %v, want %v", dir, got, want)
	}
}

// sortedNames returns the canonical names in directory-listing order.
func sortedNames() []string {
	return []string{
		"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
		"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
	}
}

func TestFetchIntoCacheThenNothingToDo(t *testing.T) {
	root := moduleWithoutData(t)
	files, m := setup(t, mnist.Fashion, 1)
	var out strings.Builder
	if err := run(context.Background(), []string{"-dataset", "fashion"}, &out, m.Client()); err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(root, ".cache", "fashion")
	checkDir(t, cache, files, sortedNames()...)
	if n := strings.Count(out.String(), "downloaded from "+m.URL+"/fashion/"); n != 4 || m.Requests.Load() != 4 {
		t.Errorf("%d downloads reported, %d requests; want 4 and 4:\n%s", n, m.Requests.Load(), out.String())
	}
	info, err := os.Stat(filepath.Join(cache, mnist.Test.LabelsFile()))
	if err != nil || info.Mode().Perm() != 0o644 {
		t.Errorf("downloaded file mode = %v, %v; want 0644", info.Mode(), err)
	}
	if got, err := mnist.Fashion.Dir(); err != nil || got != cache {
		t.Errorf("after the download Fashion.Dir() = %q, %v; want %q", got, err, cache)
	}

	// A second run finds the data set verified and downloads nothing.
	out.Reset()
	if err := run(context.Background(), []string{"-dataset", "fashion"}, &out, m.Client()); err != nil {
		t.Fatal(err)
	}
	if m.Requests.Load() != 4 || !strings.Contains(out.String(), "Fashion-MNIST is present and verified in "+cache) {
		t.Errorf("second run: %d requests in all; output:\n%s", m.Requests.Load(), out.String())
	}
}

func TestFetchAll(t *testing.T) {
	root := moduleWithoutData(t)
	var all []map[string][]byte
	var client *http.Client
	for i, s := range mnist.Sources() {
		files, m := setup(t, s, byte(i))
		all = append(all, files)
		client = m.Client()
	}
	var out strings.Builder
	if err := run(context.Background(), []string{"-dataset", "all"}, &out, client); err != nil {
		t.Fatal(err)
	}
	for i, s := range mnist.Sources() {
		checkDir(t, filepath.Join(root, ".cache", s.ID), all[i], sortedNames()...)
	}
}

func TestFetchRejectsWrongDigest(t *testing.T) {
	moduleWithoutData(t)
	files, _ := setup(t, mnist.KMNIST, 2)
	name := mnist.Train.LabelsFile()
	bad := maps.Clone(files)
	corrupt := bytes.Clone(files[name])
	corrupt[len(corrupt)/2] ^= 0xff
	bad[name] = corrupt
	m := fakedata.Serve(t, fakedata.Under("k", bad))
	dir := t.TempDir()
	err := run(context.Background(), []string{"-dataset", "kmnist", "-dir", dir, "-mirror", m.URL + "/k"}, &strings.Builder{}, m.Client())
	if !errors.Is(err, mnist.ErrDigest) {
		t.Fatalf("error = %v, want one wrapping mnist.ErrDigest", err)
	}
	for _, s := range []string{name, "sha256 ", "want " + mnist.KMNIST.Files[1].SHA256, "Kuzushiji-MNIST could not be fetched", "KMNIST_DIR"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
	// The three good files are in place; the bad one and its temporary
	// file are not.
	checkDir(t, dir, files, "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz")
}

func TestFetchRejectsOversizedBody(t *testing.T) {
	moduleWithoutData(t)
	files, _ := setup(t, mnist.Fashion, 3)
	big := maps.Clone(files)
	name := mnist.Test.ImagesFile()
	big[name] = append(bytes.Clone(files[name]), make([]byte, 1<<20)...)
	m := fakedata.Serve(t, fakedata.Under("f", big))
	dir := t.TempDir()
	err := run(context.Background(), []string{"-dataset", "fashion", "-dir", dir, "-mirror", m.URL + "/f/"}, &strings.Builder{}, m.Client())
	want := len(files[name])
	if !errors.Is(err, mnist.ErrDigest) || !strings.Contains(err.Error(), "bytes, want ") {
		t.Fatalf("error = %v, want a size mismatch for %s (%d bytes)", err, name, want)
	}
	checkDir(t, dir, files, "t10k-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
}

func TestFetchReplacesWrongLocalFile(t *testing.T) {
	moduleWithoutData(t)
	files, m := setup(t, mnist.MNIST, 4)
	dir := t.TempDir()
	stale := filepath.Join(dir, mnist.Test.ImagesFile())
	if err := os.WriteFile(stale, []byte("half a download"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := run(context.Background(), []string{"-dir", dir}, &out, m.Client()); err != nil {
		t.Fatal(err)
	}
	checkDir(t, dir, files, sortedNames()...)
	if !strings.Contains(out.String(), "will be replaced") {
		t.Errorf("output does not say the stale file is replaced:\n%s", out.String())
	}
}

func TestFetchFallsBackToNextMirror(t *testing.T) {
	moduleWithoutData(t)
	files, second := setup(t, mnist.Fashion, 5)
	bad := maps.Clone(files)
	bad[mnist.Test.LabelsFile()] = []byte("not it")
	delete(bad, mnist.Train.ImagesFile()) // 404 on the first mirror
	first := fakedata.Serve(t, fakedata.Under("fashion", bad))
	mnist.Fashion.Mirrors = []string{first.URL + "/fashion/", second.URL + "/fashion/"}
	dir := t.TempDir()
	var out strings.Builder
	if err := run(context.Background(), []string{"-dataset", "fashion", "-dir", dir}, &out, first.Client()); err != nil {
		t.Fatal(err)
	}
	checkDir(t, dir, files, sortedNames()...)
	if first.Requests.Load() != 4 || second.Requests.Load() != 2 {
		t.Errorf("requests: first %d, second %d; want 4 and 2 (the 404 and the wrong file)", first.Requests.Load(), second.Requests.Load())
	}
	if !strings.Contains(out.String(), "404") {
		t.Errorf("output does not report the 404:\n%s", out.String())
	}
}

// Offline: no mirror can be reached and the directory is empty. The error
// names every file, says the site would lack the data and what to do; the
// dead mirror is tried once, not once per file.
func TestFetchOffline(t *testing.T) {
	moduleWithoutData(t)
	files, _ := setup(t, mnist.KMNIST, 6)
	dead := fakedata.Unreachable(t)
	mnist.KMNIST.Mirrors = []string{dead, dead + "other/"}
	dir := filepath.Join(t.TempDir(), "empty")
	var out strings.Builder
	err := run(context.Background(), []string{"-dataset", "kmnist", "-dir", dir}, &out, http.DefaultClient)
	if err == nil {
		t.Fatal("no error with every mirror unreachable")
	}
	for _, s := range append(mnist.FileNames(), "connection refused", "Kuzushiji-MNIST could not be fetched into "+dir,
		"a site built now would lack it", "set KMNIST_DIR", "not tried again") {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error does not mention %q:\n%v", s, err)
		}
	}
	if n := strings.Count(out.String(), "connection refused"); n != 2 {
		t.Errorf("%d connection attempts reported, want 2 (each dead mirror once):\n%s", n, out.String())
	}
	checkDir(t, dir, files)
}

func TestRunSkipsWhenVerifiedElsewhere(t *testing.T) {
	moduleWithoutData(t)
	files, m := setup(t, mnist.MNIST, 7)
	existing := t.TempDir()
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(existing, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(mnist.EnvDir, existing)
	dir := t.TempDir()
	var out strings.Builder
	if err := run(context.Background(), []string{"-dir", dir}, &out, m.Client()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "MNIST is present and verified in "+existing) || m.Requests.Load() != 0 {
		t.Errorf("%d requests; output:\n%s", m.Requests.Load(), out.String())
	}
	checkDir(t, dir, files)

	// -force downloads anyway, and warns that MNIST_DIR points elsewhere;
	// a mirror without a trailing slash works.
	out.Reset()
	if err := run(context.Background(), []string{"-force", "-dir", dir, "-mirror", m.URL + "/mnist"}, &out, m.Client()); err != nil {
		t.Fatal(err)
	}
	checkDir(t, dir, files, sortedNames()...)
	if !strings.Contains(out.String(), "note: MNIST_DIR="+existing+" is not "+dir) {
		t.Errorf("no note about MNIST_DIR:\n%s", out.String())
	}
}

// Files with wrong digests in $ID_DIR do not count; `make data` sets
// MNIST_DIR to the download directory, which is where they are replaced.
func TestRunReplacesUnverifiedEnvDir(t *testing.T) {
	moduleWithoutData(t)
	files, m := setup(t, mnist.MNIST, 8)
	env := t.TempDir()
	for name := range files {
		if err := os.WriteFile(filepath.Join(env, name), []byte("wrong"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(mnist.EnvDir, env)
	var out strings.Builder
	if err := run(context.Background(), nil, &out, m.Client()); err != nil {
		t.Fatal(err)
	}
	checkDir(t, env, files, sortedNames()...)
	if strings.Contains(out.String(), "note:") {
		t.Errorf("unexpected note:\n%s", out.String())
	}
}

func TestRunRejectsBadArguments(t *testing.T) {
	for _, args := range [][]string{{"extra"}, {"-nope"}, {"-dir"}, {"-dataset", "cifar"}, {"-dataset", "all", "-dir", "x"}} {
		err := run(context.Background(), args, &strings.Builder{}, http.DefaultClient)
		if err == nil {
			t.Errorf("run(%q): no error", args)
		}
	}
}
