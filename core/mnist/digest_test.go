package mnist

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
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
	// The real MNIST files are not Fashion-MNIST's.
	checkErr(t, Fashion.VerifyDir(dir), ErrDigest, "9912422 bytes, want 26421880")
}

// fakeFile returns content and a File describing it.
func fakeFile(name string, content []byte) File {
	s := sha256.Sum256(content)
	m := md5.Sum(content)
	return File{Name: name, Size: int64(len(content)), SHA256: hex.EncodeToString(s[:]), MD5: hex.EncodeToString(m[:])}
}

func TestFileCheck(t *testing.T) {
	content := []byte("abc")
	f := fakeFile("x", content)
	// Known digests of "abc" (FIPS 180-2 and RFC 1321 test vectors).
	if f.SHA256 != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" || f.MD5 != "900150983cd24fb0d6963f7d28e17f72" {
		t.Fatalf("digests of abc: %s %s", f.SHA256, f.MD5)
	}
	if err := f.Check(bytes.NewReader(content)); err != nil {
		t.Fatal(err)
	}
	checkErr(t, f.Check(strings.NewReader("abd")), ErrDigest, "sha256 a52d159f262b2c6ddb724a61840befc36eb30c88877a4030b65cbe86298449c9, want ba7816bf")
	checkErr(t, f.Check(strings.NewReader("ab")), ErrDigest, "2 bytes, want 3")
	checkErr(t, f.Check(strings.NewReader("abcd")), ErrDigest, "4 bytes, want 3")
	// An MD5 alone that differs is caught too.
	bad := f
	bad.MD5 = strings.Repeat("0", 32)
	checkErr(t, bad.Check(bytes.NewReader(content)), ErrDigest, "md5 900150983cd24fb0d6963f7d28e17f72, want 0000")
}

func TestVerifyMismatch(t *testing.T) {
	dir := t.TempDir()
	name := Test.LabelsFile()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("abc"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Verify(path)
	checkErr(t, err, ErrDigest, path, "3 bytes, want 4542")
	// Right size, wrong content.
	if err := os.WriteFile(path, bytes.Repeat([]byte{1}, 4542), 0o644); err != nil {
		t.Fatal(err)
	}
	checkErr(t, KMNIST.Verify(path), ErrDigest, "4542 bytes, want 5120")
	err = Verify(path)
	checkErr(t, err, ErrDigest, path, "want "+MNIST.Files[3].SHA256)
	err = VerifyDir(dir)
	checkErr(t, err, ErrDigest)
	checkErr(t, err, fs.ErrNotExist, Train.ImagesFile())
}

func TestVerifyUnknownName(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mnist.npz")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	checkErr(t, Verify(path), ErrUnknownFile, "mnist.npz")
}
