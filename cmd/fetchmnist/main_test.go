package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/govae/govae/core/mnist"
)

// realFiles returns the four real MNIST .gz files, skipping the test when
// the data is not available.
func realFiles(t *testing.T) map[string][]byte {
	t.Helper()
	dir, err := mnist.Dir()
	if errors.Is(err, mnist.ErrNoData) {
		t.Skipf("no MNIST data to serve (run `make data` or set MNIST_DIR): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, name := range mnist.FileNames() {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Skipf("cannot serve %s: %v", name, err)
		}
		files[name] = b
	}
	return files
}

// mirror is a local HTTP server standing in for an MNIST mirror.
type mirror struct {
	*httptest.Server
	requests atomic.Int64
}

// newMirror serves files under /mnist/ on 127.0.0.1 and 404 for the rest.
func newMirror(t *testing.T, files map[string][]byte) *mirror {
	t.Helper()
	m := &mirror{}
	m.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.requests.Add(1)
		b, ok := files[strings.TrimPrefix(r.URL.Path, "/mnist/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(m.Close)
	return m
}

func (m *mirror) base() string { return m.URL + "/mnist/" }

// corrupted returns a copy of files with one byte of name flipped, and the
// digest of the corrupted content.
func corrupted(files map[string][]byte, name string) (map[string][]byte, string) {
	bad := map[string][]byte{}
	for k, v := range files {
		bad[k] = v
	}
	b := bytes.Clone(files[name])
	b[len(b)/2] ^= 0xff
	bad[name] = b
	sum := sha256.Sum256(b)
	return bad, hex.EncodeToString(sum[:])
}

// checkDir fails t unless dir holds exactly the four verified files, with
// no temporary files left behind.
func checkDir(t *testing.T, dir string, want ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
		if err := mnist.Verify(filepath.Join(dir, e.Name())); err != nil {
			t.Error(err)
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

func TestFetchDownloadsAndVerifies(t *testing.T) {
	m := newMirror(t, realFiles(t))
	dir := filepath.Join(t.TempDir(), "new", "cache")
	var out strings.Builder
	if err := fetch(context.Background(), m.Client(), []string{m.base()}, dir, &out); err != nil {
		t.Fatal(err)
	}
	checkDir(t, dir, sortedNames()...)
	if got := m.requests.Load(); got != 4 {
		t.Errorf("%d requests, want 4", got)
	}
	if n := strings.Count(out.String(), "downloaded from "+m.base()); n != 4 {
		t.Errorf("output reports %d downloads, want 4:\n%s", n, out.String())
	}
	info, err := os.Stat(filepath.Join(dir, mnist.Test.LabelsFile()))
	if err != nil || info.Mode().Perm() != 0o644 {
		t.Errorf("downloaded file mode = %v, %v; want 0644", info.Mode(), err)
	}

	// A second run finds everything verified and downloads nothing.
	out.Reset()
	if err := fetch(context.Background(), m.Client(), []string{m.base()}, dir, &out); err != nil {
		t.Fatal(err)
	}
	if got := m.requests.Load(); got != 4 {
		t.Errorf("second run made %d more requests, want 0", got-4)
	}
	if n := strings.Count(out.String(), "already present and verified"); n != 4 {
		t.Errorf("second run reports %d files skipped, want 4:\n%s", n, out.String())
	}
}

func TestFetchRejectsWrongDigest(t *testing.T) {
	name := mnist.Train.LabelsFile()
	bad, badDigest := corrupted(realFiles(t), name)
	m := newMirror(t, bad)
	dir := t.TempDir()
	err := fetch(context.Background(), m.Client(), []string{m.base()}, dir, &strings.Builder{})
	if !errors.Is(err, mnist.ErrDigest) {
		t.Fatalf("error = %v, want one wrapping mnist.ErrDigest", err)
	}
	for _, s := range []string{name, "got " + badDigest, "want " + mnist.Digests[name]} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
	// The three good files are in place; the bad one and its temporary
	// file are not.
	checkDir(t, dir, "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz")
}

func TestFetchReplacesWrongLocalFile(t *testing.T) {
	m := newMirror(t, realFiles(t))
	dir := t.TempDir()
	stale := filepath.Join(dir, mnist.Test.ImagesFile())
	if err := os.WriteFile(stale, []byte("half a download"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := fetch(context.Background(), m.Client(), []string{m.base()}, dir, &out); err != nil {
		t.Fatal(err)
	}
	checkDir(t, dir, sortedNames()...)
	if !strings.Contains(out.String(), "will be replaced") {
		t.Errorf("output does not say the stale file is replaced:\n%s", out.String())
	}
}

func TestFetchFallsBackToNextMirror(t *testing.T) {
	files := realFiles(t)
	bad, _ := corrupted(files, mnist.Test.LabelsFile())
	delete(bad, mnist.Train.ImagesFile()) // 404 on the first mirror
	first, second := newMirror(t, bad), newMirror(t, files)
	dir := t.TempDir()
	var out strings.Builder
	err := fetch(context.Background(), first.Client(), []string{first.base(), second.base()}, dir, &out)
	if err != nil {
		t.Fatal(err)
	}
	checkDir(t, dir, sortedNames()...)
	if got := first.requests.Load(); got != 4 {
		t.Errorf("first mirror got %d requests, want 4", got)
	}
	if got := second.requests.Load(); got != 2 {
		t.Errorf("second mirror got %d requests, want 2 (the 404 and the corrupt file)", got)
	}
	if !strings.Contains(out.String(), "404") {
		t.Errorf("output does not report the 404:\n%s", out.String())
	}
}

func TestFetchAllMirrorsFail(t *testing.T) {
	m := newMirror(t, nil)
	dir := t.TempDir()
	err := fetch(context.Background(), m.Client(), []string{m.base(), m.URL + "/other"}, dir, &strings.Builder{})
	if err == nil {
		t.Fatal("no error with every file missing")
	}
	for _, s := range []string{"404", m.base() + mnist.Train.ImagesFile(), m.URL + "/other/" + mnist.Test.LabelsFile()} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error does not mention %q:\n%v", s, err)
		}
	}
	checkDir(t, dir)
}

func TestFetchRejectsOversizedBody(t *testing.T) {
	m := newMirror(t, realFiles(t))
	defer func(old int64) { maxDownload = old }(maxDownload)
	maxDownload = 30000 // only the two label files fit
	dir := t.TempDir()
	err := fetch(context.Background(), m.Client(), []string{m.base()}, dir, &strings.Builder{})
	if err == nil || !strings.Contains(err.Error(), "larger than 30000 bytes") {
		t.Fatalf("error = %v, want one about the size limit", err)
	}
	checkDir(t, dir, "t10k-labels-idx1-ubyte.gz", "train-labels-idx1-ubyte.gz")
}

func TestRunSkipsWhenVerifiedElsewhere(t *testing.T) {
	files := realFiles(t)
	existing := t.TempDir()
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(existing, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(mnist.EnvDir, existing)
	m := newMirror(t, files)
	dir := t.TempDir()
	var out strings.Builder
	if err := run(context.Background(), []string{"-dir", dir, "-mirror", m.base()}, &out, m.Client(), nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "already present and verified in "+existing) {
		t.Errorf("output does not say where the files are:\n%s", out.String())
	}
	if got := m.requests.Load(); got != 0 {
		t.Errorf("%d requests, want none", got)
	}
	checkDir(t, dir)

	// -force downloads anyway; a mirror without a trailing slash works.
	out.Reset()
	args := []string{"-force", "-dir", dir, "-mirror", strings.TrimSuffix(m.base(), "/")}
	if err := run(context.Background(), args, &out, m.Client(), nil); err != nil {
		t.Fatal(err)
	}
	checkDir(t, dir, sortedNames()...)
}

// When MNIST_DIR holds files with wrong digests, they do not count.
func TestRunDownloadsWhenElsewhereIsUnverified(t *testing.T) {
	files := realFiles(t)
	existing := t.TempDir()
	bad, _ := corrupted(files, mnist.Train.ImagesFile())
	for name, b := range bad {
		if err := os.WriteFile(filepath.Join(existing, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(mnist.EnvDir, existing)
	m := newMirror(t, files)
	dir := t.TempDir()
	if err := run(context.Background(), []string{"-dir", dir, "-mirror", m.base()}, &strings.Builder{}, m.Client(), nil); err != nil {
		t.Fatal(err)
	}
	checkDir(t, dir, sortedNames()...)
}

func TestRunUsesDefaultMirrorsInOrder(t *testing.T) {
	files := realFiles(t)
	t.Setenv(mnist.EnvDir, t.TempDir()) // empty: nothing verified elsewhere
	first, second := newMirror(t, nil), newMirror(t, files)
	dir := t.TempDir()
	mirrors := []string{first.base(), second.base()}
	var out strings.Builder
	if err := run(context.Background(), []string{"-dir", dir}, &out, first.Client(), mirrors); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "note: mnist: MNIST_DIR=") {
		t.Errorf("output does not warn that MNIST_DIR is unusable:\n%s", out.String())
	}
	checkDir(t, dir, sortedNames()...)
	if first.requests.Load() != 4 || second.requests.Load() != 4 {
		t.Errorf("requests: first %d, second %d; want 4 and 4", first.requests.Load(), second.requests.Load())
	}
}

func TestRunRejectsBadArguments(t *testing.T) {
	for _, args := range [][]string{{"extra"}, {"-nope"}, {"-dir"}} {
		err := run(context.Background(), args, &strings.Builder{}, http.DefaultClient, nil)
		if err == nil {
			t.Errorf("run(%q): no error", args)
		}
	}
}

// `make data` exports MNIST_DIR as the download directory, which does not
// hold the files yet: download into it without a warning.
func TestRunIntoMNISTDir(t *testing.T) {
	m := newMirror(t, realFiles(t))
	dir := filepath.Join(t.TempDir(), "mnist")
	t.Setenv(mnist.EnvDir, dir)
	var out strings.Builder
	if err := run(context.Background(), []string{"-dir", dir, "-mirror", m.base()}, &out, m.Client(), nil); err != nil {
		t.Fatal(err)
	}
	checkDir(t, dir, sortedNames()...)
	if strings.Contains(out.String(), "note:") {
		t.Errorf("unexpected warning:\n%s", out.String())
	}
	if got, err := mnist.Dir(); err != nil || got != dir {
		t.Errorf("after the download mnist.Dir() = %q, %v; want %q", got, err, dir)
	}
}
