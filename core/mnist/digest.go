package mnist

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Digests maps each canonical MNIST file name to the hex SHA-256 digest of
// the gzip-compressed file, as published with the data set.
var Digests = map[string]string{
	"train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
	"train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
	"t10k-images-idx3-ubyte.gz":  "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
	"t10k-labels-idx1-ubyte.gz":  "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}

var (
	// ErrDigest reports a file whose SHA-256 digest is not the published one.
	ErrDigest = errors.New("sha256 digest mismatch")

	// ErrUnknownFile reports a file name that is not in Digests.
	ErrUnknownFile = errors.New("not a canonical MNIST file name")
)

// FileNames returns the four canonical .gz file names: training images and
// labels, then test images and labels.
func FileNames() []string {
	return []string{Train.ImagesFile(), Train.LabelsFile(), Test.ImagesFile(), Test.LabelsFile()}
}

// Verify checks that the file at path has the published SHA-256 digest for
// its base name. It returns an error wrapping ErrUnknownFile if the name is
// not in Digests and ErrDigest, with both digests, if the content differs.
func Verify(path string) error {
	name := filepath.Base(path)
	want, ok := Digests[name]
	if !ok {
		return fmt.Errorf("mnist: %s: %w", path, ErrUnknownFile)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("mnist: %w", err)
	}
	defer f.Close()
	got, err := SHA256(f)
	if err != nil {
		return fmt.Errorf("mnist: %s: %w", path, err)
	}
	if got != want {
		return fmt.Errorf("mnist: %s: %w: got %s, want %s", path, ErrDigest, got, want)
	}
	return nil
}

// VerifyDir checks all four canonical .gz files in dir with Verify and
// returns the errors joined.
func VerifyDir(dir string) error {
	var errs []error
	for _, name := range FileNames() {
		errs = append(errs, Verify(filepath.Join(dir, name)))
	}
	return errors.Join(errs...)
}

// SHA256 returns the hex SHA-256 digest of everything r yields.
func SHA256(r io.Reader) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
