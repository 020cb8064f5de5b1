//go:build !js

package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/govae/govae/internal/headless"
)

// kernelsPage runs a js/wasm test binary in the page: its standard output
// (fs.writeSync of wasm_exec.js) is collected in window.out, and
// window.done is set when the program exits.
const kernelsPage = `<!doctype html><meta charset="utf-8"><script src="wasm_exec.js"></script><script>
window.out = ''; window.done = false;
const dec = new TextDecoder();
globalThis.fs.writeSync = (fd, buf) => { window.out += dec.decode(buf); return buf.length; };
(async () => {
  const q = new URLSearchParams(location.search);
  const go = new Go();
  go.argv = ['kernels.test', '-test.run=^$', '-test.bench=' + q.get('bench'), '-test.benchtime=' + q.get('benchtime')];
  try {
    const r = await WebAssembly.instantiateStreaming(fetch(q.get('file')), go.importObject);
    await go.run(r.instance);
  } catch (e) { window.out += 'error: ' + e; }
  window.done = true;
})();
</script>`

// benchLine matches a line of BenchmarkSgemm's output: name, GFLOP/s.
var benchLine = regexp.MustCompile(`^BenchmarkSgemm/(\S+?)(?:-\d+)?\s+\d+\s+[\d.]+ ns/op.*?\s([\d.]+) GFLOP/s`)

// kernelsBench measures core/kernels' BenchmarkSgemm (the products of the
// model at batch 128 and 32) in headless Chromium, for each build: the
// package's js/wasm test binary with and without GOEXPERIMENT=simd, each
// run in a page of its own. In the SIMD build "kernels" is the SIMD kernel
// and "scalar" the scalar one; gonum's pure-Go Sgemm runs beside them.
func kernelsBench(t *table, chromium, bench, benchtime string) error {
	chromium, err := findChromium(chromium)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "govae-bench-kernels-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return fmt.Errorf("go env GOROOT: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(goroot)), "lib", "wasm", "wasm_exec.js")); err != nil {
		return err
	} else if err := os.WriteFile(filepath.Join(tmp, "wasm_exec.js"), b, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, "index.html"), []byte(kernelsPage), 0o644); err != nil {
		return err
	}
	for _, build := range []string{"simd", "scalar"} {
		cmd := exec.Command("go", "test", "-c", "-o", filepath.Join(tmp, build+".wasm"), "./core/kernels")
		// GOEXPERIMENT is set either way: make bench builds this program
		// with GOEXPERIMENT=simd (for its native part), and go run passes
		// that on to it.
		cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "GOEXPERIMENT=")
		if build == "simd" {
			cmd.Env = append(cmd.Env, "GOEXPERIMENT=simd")
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go test -c ./core/kernels (%s): %v\n%s", build, err, out)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(tmp))}
	go srv.Serve(ln)
	defer srv.Close()

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), headless.Options(chromium, filepath.Join(tmp, "profile"))...)
	defer cancelAlloc()
	browser, cancel := chromedp.NewContext(alloc)
	defer cancel()
	// The first action starts the browser: on the context without a
	// timeout, whose cancellation would close it.
	if err := chromedp.Do(browser, chromedp.Navigate("about:blank")); err != nil {
		return fmt.Errorf("starting %s: %v", chromium, err)
	}
	results := map[string]map[string]string{} // shape/impl → build → GFLOP/s
	var order []string
	for _, build := range []string{"simd", "scalar"} {
		fmt.Fprintf(os.Stderr, "bench: kernels, %s build, in Chromium\n", build)
		url := fmt.Sprintf("http://%s/index.html?file=%s.wasm&bench=%s&benchtime=%s", ln.Addr(), build, bench, benchtime)
		ctx, cancel := context.WithTimeout(browser, 60*time.Minute)
		out, err := runKernelsPage(ctx, url)
		cancel()
		if err != nil {
			return fmt.Errorf("%s build: %v", build, err)
		}
		for _, line := range strings.Split(out, "\n") {
			m := benchLine.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			name := m[1]
			if build == "scalar" && strings.HasSuffix(name, "/kernels") {
				name = strings.TrimSuffix(name, "/kernels") + "/scalar"
			}
			if results[name] == nil {
				results[name] = map[string]string{}
				order = append(order, name)
			}
			results[name][build] = m[2]
		}
	}
	if len(order) == 0 {
		return errors.New("no BenchmarkSgemm results in the pages' output")
	}
	for _, name := range order {
		var v []string
		for _, build := range []string{"simd", "scalar"} {
			if r, ok := results[name][build]; ok {
				v = append(v, build+" build "+r)
			}
		}
		t.add("Chromium, Sgemm "+name, strings.Join(v, ", "), "GFLOP/s (wall clock); shape: fwd X·W, dW Xᵀ·dY, dX dY·Wᵀ of a layer in×out at batch 128 (b32/: batch 32); kernels = the build's Sgemm")
	}
	return nil
}

// runKernelsPage opens url and returns the test binary's output once it exits.
func runKernelsPage(ctx context.Context, url string) (string, error) {
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		return "", err
	}
	for {
		done, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.done`))
		if err != nil {
			return "", err
		}
		if done {
			break
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
	return chromedp.Run(ctx, chromedp.Evaluate[string](`window.out`))
}

// findChromium returns the browser to use: the given one, $CHROMIUM, or the
// first of the usual names on $PATH.
func findChromium(chromium string) (string, error) {
	if chromium == "" {
		chromium = os.Getenv("CHROMIUM")
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if chromium != "" {
			break
		}
		chromium, _ = exec.LookPath(name)
	}
	if chromium == "" {
		return "", errors.New("no Chromium found (set -chromium or $CHROMIUM)")
	}
	return chromium, nil
}
