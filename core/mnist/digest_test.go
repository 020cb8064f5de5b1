package mnist

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestVerifyRealFiles(t *testing.T) {
	dir := dataDir(t)
	for _, name := range FileNames() {
		if !isFile(filepath.Join(dir, name)) {
			t.Skipf("%s has no %s (only the un-gzipped files?)", dir, name)
		}
	}
	if err := VerifyDir(dir); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyMismatch(t *testing.T) {
	dir := t.TempDir()
	name := Test.LabelsFile()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("abc"), 0o644); err != nil {
		t.Fatal(err)
	}
	const abcDigest = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	err := Verify(path)
	checkErr(t, err, ErrDigest, path, "got "+abcDigest, "want "+Digests[name])
	err = VerifyDir(dir)
	checkErr(t, err, ErrDigest)
	if !strings.Contains(err.Error(), Train.ImagesFile()) {
		t.Errorf("VerifyDir error %q does not mention the missing %s", err, Train.ImagesFile())
	}
}

func TestVerifyUnknownName(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mnist.npz")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	checkErr(t, Verify(path), ErrUnknownFile, "mnist.npz")
}

func TestDigestsCoverFileNames(t *testing.T) {
	names := FileNames()
	var keys []string
	for k, v := range Digests {
		keys = append(keys, k)
		if len(v) != 64 || strings.Trim(v, "0123456789abcdef") != "" {
			t.Errorf("digest of %s = %q, not 64 lower-case hex digits", k, v)
		}
	}
	slices.Sort(keys)
	slices.Sort(names)
	if !slices.Equal(keys, names) {
		t.Errorf("Digests has %v, FileNames %v", keys, names)
	}
}

func TestSHA256(t *testing.T) {
	got, err := SHA256(strings.NewReader("abc"))
	const want = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if err != nil || got != want {
		t.Fatalf("SHA256(abc) = %q, %v; want %q", got, err, want)
	}
}
