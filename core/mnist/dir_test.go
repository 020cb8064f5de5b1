package mnist

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// touchFiles creates empty files with the given names in dir; Dir only
// checks that the files exist.
func touchFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// fakeModule lays out <tmp>/repo/go.mod and <tmp>/repo/sub, and changes the
// working directory to sub. It returns the module root.
func fakeModule(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "repo")
	touchFiles(t, root, "go.mod")
	sub := filepath.Join(root, "core", "sub")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(sub)
	t.Setenv(EnvDir, "")
	return root
}

func TestDirFromEnv(t *testing.T) {
	dir := t.TempDir()
	touchFiles(t, dir, FileNames()...)
	t.Setenv(EnvDir, dir)
	got, err := Dir()
	if err != nil || got != dir {
		t.Fatalf("Dir() = %q, %v; want %q", got, err, dir)
	}
}

func TestDirFromEnvAcceptsUngzippedNames(t *testing.T) {
	dir := t.TempDir()
	touchFiles(t, dir, "train-images-idx3-ubyte", "train-labels-idx1-ubyte.gz",
		"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte")
	t.Setenv(EnvDir, dir)
	if got, err := Dir(); err != nil || got != dir {
		t.Fatalf("Dir() = %q, %v; want %q", got, err, dir)
	}
}

// A wrong MNIST_DIR is an error, and not ErrNoData: tests must not skip
// silently when the user pointed at the wrong place.
func TestDirFromEnvErrors(t *testing.T) {
	t.Run("missing directory", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "nope")
		t.Setenv(EnvDir, dir)
		_, err := Dir()
		checkErr(t, err, fs.ErrNotExist, EnvDir, dir)
		if errors.Is(err, ErrNoData) {
			t.Errorf("error %v wraps ErrNoData", err)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		dir := t.TempDir()
		touchFiles(t, dir, FileNames()[:3]...)
		t.Setenv(EnvDir, dir)
		_, err := Dir()
		checkErr(t, err, fs.ErrNotExist, "lacks t10k-labels-idx1-ubyte.gz")
		if errors.Is(err, ErrNoData) {
			t.Errorf("error %v wraps ErrNoData", err)
		}
	})
	t.Run("not a directory", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "file")
		touchFiles(t, filepath.Dir(file), "file")
		t.Setenv(EnvDir, file)
		_, err := Dir()
		if err == nil || !strings.Contains(err.Error(), "not a directory") {
			t.Fatalf("Dir() error = %v, want one saying %s is not a directory", err, file)
		}
	})
}

func TestDirPrefersSharedOverCache(t *testing.T) {
	root := fakeModule(t)
	shared := filepath.Join(filepath.Dir(root), "shared", "mnist")
	cache := filepath.Join(root, ".cache", "mnist")
	touchFiles(t, shared, FileNames()...)
	touchFiles(t, cache, FileNames()...)
	if got, err := Dir(); err != nil || got != shared {
		t.Fatalf("Dir() = %q, %v; want %q", got, err, shared)
	}
}

func TestDirFallsBackToCache(t *testing.T) {
	root := fakeModule(t)
	// An incomplete shared directory does not count.
	touchFiles(t, filepath.Join(filepath.Dir(root), "shared", "mnist"), FileNames()[0])
	cache := filepath.Join(root, ".cache", "mnist")
	touchFiles(t, cache, FileNames()...)
	if got, err := Dir(); err != nil || got != cache {
		t.Fatalf("Dir() = %q, %v; want %q", got, err, cache)
	}
	if got, err := CacheDir(); err != nil || got != cache {
		t.Fatalf("CacheDir() = %q, %v; want %q", got, err, cache)
	}
}

func TestDirNoData(t *testing.T) {
	root := fakeModule(t)
	_, err := Dir()
	checkErr(t, err, ErrNoData, "make data", EnvDir, filepath.Join(root, ".cache", "mnist"))
}

func TestDirNoModule(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv(EnvDir, "")
	if _, err := os.Stat("/go.mod"); err == nil {
		t.Skip("/go.mod exists, so every directory is inside a module")
	}
	_, err := Dir()
	checkErr(t, err, ErrNoData, "no go.mod")
	if _, err := CacheDir(); err == nil {
		t.Errorf("CacheDir() outside a module: no error")
	}
}

func TestSourceDirs(t *testing.T) {
	root := fakeModule(t)
	t.Setenv(KMNIST.EnvDir(), "")
	cache := filepath.Join(root, ".cache", "kmnist")
	_, err := KMNIST.Dir()
	checkErr(t, err, ErrNoData, "Kuzushiji-MNIST", "make data DATASET=kmnist", "KMNIST_DIR", cache)
	touchFiles(t, cache, FileNames()...)
	if got, err := KMNIST.Dir(); err != nil || got != cache {
		t.Fatalf("KMNIST.Dir() = %q, %v; want %q", got, err, cache)
	}
	if got, err := KMNIST.CacheDir(); err != nil || got != cache {
		t.Fatalf("KMNIST.CacheDir() = %q, %v", got, err)
	}
	shared := filepath.Join(filepath.Dir(root), "shared", "kmnist")
	touchFiles(t, shared, FileNames()...)
	if got, err := KMNIST.Dir(); err != nil || got != shared {
		t.Fatalf("KMNIST.Dir() = %q, %v; want %q", got, err, shared)
	}
	// MNIST's directory is not KMNIST's.
	if _, err := Dir(); !errors.Is(err, ErrNoData) {
		t.Fatalf("MNIST Dir() = %v, want ErrNoData", err)
	}
	env := t.TempDir()
	t.Setenv("KMNIST_DIR", env)
	_, err = KMNIST.Open(Test)
	checkErr(t, err, fs.ErrNotExist, "KMNIST_DIR="+env)
}
