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
// holding the MNIST files.
const EnvDir = "MNIST_DIR"

// ErrNoData reports that no directory holding the MNIST files was found.
// Tests use it to skip when the data is absent; a wrong MNIST_DIR is a
// different error, so that a misconfiguration is not silently skipped.
var ErrNoData = errors.New("MNIST data not found")

// Dir returns the directory holding the four MNIST files. It is, in order:
// $MNIST_DIR if set (an error if that directory does not exist or lacks a
// file); ../shared/mnist relative to the module root, the nearest directory
// above the working directory with a go.mod; the download cache CacheDir.
// A file counts as present under its canonical .gz name or without .gz.
// When none qualifies the error wraps ErrNoData.
func Dir() (string, error) {
	if dir := os.Getenv(EnvDir); dir != "" {
		if err := hasFiles(dir); err != nil {
			return "", fmt.Errorf("mnist: %s=%s: %w", EnvDir, dir, err)
		}
		return dir, nil
	}
	root, err := moduleRoot()
	if err != nil {
		return "", fmt.Errorf("mnist: %w: %v; run `make data` or set %s", ErrNoData, err, EnvDir)
	}
	candidates := []string{sharedDir(root), cacheDir(root)}
	for _, dir := range candidates {
		if hasFiles(dir) == nil {
			return dir, nil
		}
	}
	return "", fmt.Errorf("mnist: %w in %s: run `make data` or set %s",
		ErrNoData, strings.Join(candidates, " or "), EnvDir)
}

// CacheDir returns the download cache, <module root>/.cache/mnist, where
// fetchmnist puts the files by default. The directory may not exist yet.
func CacheDir() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", fmt.Errorf("mnist: %w", err)
	}
	return cacheDir(root), nil
}

func cacheDir(root string) string  { return filepath.Join(root, ".cache", "mnist") }
func sharedDir(root string) string { return filepath.Join(filepath.Dir(root), "shared", "mnist") }

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
