//go:build !(js && wasm)

package e2e

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestLoader checks the page's loader (loader.js, beside index.html) under
// node: that it parses, and its pure functions — progress lines, crash
// reports, downloads with their errors and gunzip — in
// testdata/loader_test.js. Its DOM side is what the browser tests see.
func TestLoader(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("no node binary found, and CI=true")
		}
		t.Skip("skipping: no node binary found")
	}
	for _, args := range [][]string{{"--check", "../loader.js"}, {"testdata/loader_test.js", "../loader.js"}} {
		out, err := exec.Command(node, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("node %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		t.Logf("node %s: %s", strings.Join(args, " "), strings.TrimSpace(string(out)))
	}
}
