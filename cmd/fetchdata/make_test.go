package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govae/govae/internal/fakedata"
)

// `make build` with no data set reachable fails with the reason, before it
// touches the existing site: the Makefile runs this command first.
func TestMakeBuildFailsWithoutData(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make:", err)
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	dist := filepath.Join(tmp, "dist")
	marker := filepath.Join(dist, "index.html")
	if err := os.MkdirAll(dist, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(marker, []byte("the previous site"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(tmp, "kmnist")
	cmd := exec.Command("make", "-C", root, "build", "DIST="+dist, "DATASET=kmnist",
		"FETCHFLAGS=-mirror="+fakedata.Unreachable(t))
	cmd.Env = append(os.Environ(), "KMNIST_DIR="+empty)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("make build succeeded without data:\n%s", out)
	}
	for _, s := range []string{"fetchdata: Kuzushiji-MNIST could not be fetched into " + empty,
		"a site built now would lack it", "train-images-idx3-ubyte.gz", "connection refused"} {
		if !strings.Contains(string(out), s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
	if b, err := os.ReadFile(marker); err != nil || string(b) != "the previous site" {
		t.Errorf("the existing site was touched: %q, %v", b, err)
	}
}
