package mnist

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// EnvDir names the environment variable that, when set, gives the directory
// holding the MNIST files: MNIST.EnvDir().
const EnvDir = "MNIST_DIR"

// ErrNoData reports that no directory holding a data set's files was found.
// Tests use it to skip when the data is absent; a wrong MNIST_DIR is a
// different error, so that a misconfiguration is not silently skipped.
var ErrNoData = errors.New("data not found")

// Dir returns the directory holding the four files of s. It is, in order:
// $ID_DIR (s.EnvDir()) if set, an error if that directory does not exist
// or lacks a file; ../shared/ID relative to the module root, the nearest
// directory above the working directory with a go.mod; the download cache
// s.CacheDir(). A file counts as present under its canonical .gz name or
// without .gz. When none qualifies the error wraps ErrNoData.
func (s *Source) Dir() (string, error) {
	env := s.EnvDir()
	if dir := os.Getenv(env); dir != "" {
		if err := hasFiles(dir); err != nil {
			return "", fmt.Errorf("mnist: %s=%s: %w", env, dir, err)
		}
		return dir, nil
	}
	hint := fmt.Sprintf("run `make data DATASET=%s` or set %s", s.ID, env)
	root, err := moduleRoot()
	if err != nil {
		return "", fmt.Errorf("mnist: %s %w: %v; %s", s.Name, ErrNoData, err, hint)
	}
	candidates := []string{s.sharedDir(root), s.cacheDir(root)}
	for _, dir := range candidates {
		if hasFiles(dir) == nil {
			return dir, nil
		}
	}
	return "", fmt.Errorf("mnist: %s %w in %s: %s",
		s.Name, ErrNoData, strings.Join(candidates, " or "), hint)
}

// CacheDir returns the download cache of s, <module root>/.cache/ID, where
// cmd/fetchdata puts the files by default. The directory may not exist yet.
func (s *Source) CacheDir() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", fmt.Errorf("mnist: %w", err)
	}
	return s.cacheDir(root), nil
}

// Open loads split of s from the directory s.Dir finds.
func (s *Source) Open(split Split) (*Dataset, error) {
	dir, err := s.Dir()
	if err != nil {
		return nil, err
	}
	return Load(dir, split)
}

// Dir returns MNIST's directory: MNIST.Dir().
func Dir() (string, error) { return MNIST.Dir() }

// CacheDir returns MNIST's download cache: MNIST.CacheDir().
func CacheDir() (string, error) { return MNIST.CacheDir() }

func (s *Source) cacheDir(root string) string { return filepath.Join(root, ".cache", s.ID) }
func (s *Source) sharedDir(root string) string {
	return filepath.Join(filepath.Dir(root), "shared", s.ID)
}

// moduleRoot returns the nearest directory at or above the working
// directory that contains a go.mod file.
func moduleRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the module root: %w", err)
	}
	for dir := wd; ; {
		if info, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil && info.Mode().IsRegular() {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod in %s or any directory above it", wd)
		}
		dir = parent
	}
}

// hasFiles reports which of the four MNIST files dir lacks, if any.
func hasFiles(dir string) error {
	info, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !info.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	var missing []string
	for _, name := range FileNames() {
		if !isFile(filepath.Join(dir, name)) && !isFile(filepath.Join(dir, strings.TrimSuffix(name, ".gz"))) {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s lacks %s: %w", dir, strings.Join(missing, ", "), fs.ErrNotExist)
	}
	return nil
}

func isFile(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular()
}
