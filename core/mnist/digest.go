package mnist

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
)

// File is one published file of a Source, identified by its size and
// digests: a copy is the published file only if all three match.
type File struct {
	// Name is the canonical file name, such as "train-images-idx3-ubyte.gz".
	Name string
	// Size is the file's length in bytes.
	Size int64
	// SHA256 is the hex SHA-256 digest of the file.
	SHA256 string
	// MD5 is the hex MD5 digest of the file: the digest publishers give
	// (Fashion-MNIST's README lists only MD5); checked as well, although
	// SHA-256 alone would do.
	MD5 string
}

var (
	// ErrDigest reports content that is not the published file: its size,
	// SHA-256 or MD5 digest differs.
	ErrDigest = errors.New("not the published file (size or digest mismatch)")

	// ErrUnknownFile reports a file name that is not one of a Source's
	// four files.
	ErrUnknownFile = errors.New("not a canonical file name of the data set")
)

// FileNames returns the four canonical .gz file names, the same for every
// Source: training images and labels, then test images and labels.
func FileNames() []string {
	return []string{Train.ImagesFile(), Train.LabelsFile(), Test.ImagesFile(), Test.LabelsFile()}
}

// Checker computes the size and digests of the bytes written to it, to
// compare them with a File's: use it as the second writer of an
// io.MultiWriter while saving a download.
type Checker struct {
	file        File
	n           int64
	sha256, md5 hash.Hash
}

// NewChecker returns a Checker for content that should be f.
func (f File) NewChecker() *Checker {
	return &Checker{file: f, sha256: sha256.New(), md5: md5.New()}
}

// Write hashes p; it never fails.
func (c *Checker) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	c.sha256.Write(p)
	c.md5.Write(p)
	return len(p), nil
}

// Err returns nil when the bytes written are the published file, and
// otherwise an error wrapping ErrDigest that gives what was found and
// what was expected.
func (c *Checker) Err() error {
	if c.n != c.file.Size {
		return fmt.Errorf("%w: %d bytes, want %d", ErrDigest, c.n, c.file.Size)
	}
	if got := hex.EncodeToString(c.sha256.Sum(nil)); got != c.file.SHA256 {
		return fmt.Errorf("%w: sha256 %s, want %s", ErrDigest, got, c.file.SHA256)
	}
	if got := hex.EncodeToString(c.md5.Sum(nil)); got != c.file.MD5 {
		return fmt.Errorf("%w: md5 %s, want %s", ErrDigest, got, c.file.MD5)
	}
	return nil
}

// Check reads r to its end and reports whether it yields the published
// file; errors wrap ErrDigest, or are r's own.
func (f File) Check(r io.Reader) error {
	c := f.NewChecker()
	// Reading one byte past the size is enough to tell it is too long.
	if _, err := io.Copy(c, io.LimitReader(r, f.Size+1)); err != nil {
		return err
	}
	return c.Err()
}

// Verify checks that the file at path is the published file of s with the
// same base name. It returns an error wrapping ErrUnknownFile if the name is
// not one of s's files, ErrDigest if the content differs, and the
// os.Open error (fs.ErrNotExist…) if it cannot be read.
func (s *Source) Verify(path string) error {
	f, ok := s.File(filepath.Base(path))
	if !ok {
		return fmt.Errorf("mnist: %s: %w %s", path, ErrUnknownFile, s.Name)
	}
	file, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("mnist: %w", err)
	}
	defer file.Close()
	if err := f.Check(file); err != nil {
		return fmt.Errorf("mnist: %s: %w", path, err)
	}
	return nil
}

// VerifyDir checks all four files of s in dir with Verify and returns the
// errors joined.
func (s *Source) VerifyDir(dir string) error {
	var errs []error
	for _, f := range s.Files {
		errs = append(errs, s.Verify(filepath.Join(dir, f.Name)))
	}
	return errors.Join(errs...)
}

// Verify checks a file of MNIST: MNIST.Verify(path).
func Verify(path string) error { return MNIST.Verify(path) }

// VerifyDir checks MNIST's four files in dir: MNIST.VerifyDir(dir).
func VerifyDir(dir string) error { return MNIST.VerifyDir(dir) }
