//go:build !(js && wasm)

package e2e

// Smoke tests in the other engines (issue 13): Firefox over WebDriver BiDi
// (its own remote agent) and WebKitGTK's MiniBrowser over W3C WebDriver
// (WebKitWebDriver) under a virtual X server. Each opens the built site,
// waits for ready, clicks the plane and checks a digit was decoded, trains
// a few steps, opens the lab, and checks that the page reported no error.
// Software rendering is slow, so they do no more than that. Without the
// browsers they skip, or fail under CI=true (.ci/run installs firefox-esr,
// webkit2gtk-driver and xvfb).

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govae/govae/internal/site"
	"github.com/govae/govae/internal/webdriver"
)

// engine is a browser the smoke test drives.
type engine struct {
	name  string
	need  []string // executables (the first found of each group of alternatives)
	start func(ctx context.Context, t *testing.T, exe []string) (webdriver.Driver, error)
}

// Both run on a virtual X server: headless Firefox gives no WebGL without a
// GPU, and MiniBrowser needs a display.
var engines = []engine{
	{"Firefox", []string{"firefox-esr|firefox", "Xvfb"}, func(ctx context.Context, t *testing.T, exe []string) (webdriver.Driver, error) {
		display, err := xvfb(ctx, t)
		if err != nil {
			return nil, err
		}
		return webdriver.StartFirefox(ctx, exe[0], t.TempDir(), display)
	}},
	{"WebKit", []string{"WebKitWebDriver", "MiniBrowser", "Xvfb"}, func(ctx context.Context, t *testing.T, exe []string) (webdriver.Driver, error) {
		display, err := xvfb(ctx, t)
		if err != nil {
			return nil, err
		}
		return webdriver.StartWebKit(ctx, exe[0], exe[1], display)
	}},
}

// xvfb starts a virtual X server for the test.
func xvfb(ctx context.Context, t *testing.T) (string, error) {
	display, stop, err := webdriver.StartXvfb(ctx)
	if err != nil {
		return "", err
	}
	t.Cleanup(stop)
	return display, nil
}

// findExe looks an executable up on PATH, and MiniBrowser where Debian's
// webkit2gtk packages put it.
func findExe(name string) string {
	for _, n := range strings.Split(name, "|") {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
		if n == "MiniBrowser" {
			if m, _ := filepath.Glob("/usr/lib/*/webkit2gtk-*/MiniBrowser"); len(m) > 0 {
				return m[len(m)-1]
			}
		}
	}
	return ""
}

func TestEnginesSmoke(t *testing.T) {
	found := make([][]string, len(engines))
	var missing []string
	for i, e := range engines {
		for _, n := range e.need {
			if p := findExe(n); p != "" {
				found[i] = append(found[i], p)
			} else {
				missing = append(missing, n)
				found[i] = nil
				break
			}
		}
	}
	if len(missing) > 0 && os.Getenv("CI") == "true" {
		t.Fatalf("not installed, and CI=true: %s", strings.Join(missing, ", "))
	}
	base := ""
	for _, f := range found {
		if f != nil && base == "" {
			base = serveSite(t, buildSite(t)) // for every engine: the parent test owns it
		}
	}
	for i, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			if found[i] == nil {
				t.Skipf("skipping %s: not installed (%s)", e.name, strings.Join(missing, ", "))
			}
			smoke(t, e, found[i], base)
		})
	}
}

// serveSite serves the built site on a loopback port until the test ends.
func serveSite(t *testing.T, dir string) string {
	h, err := site.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := site.NewServer(ln.Addr().String(), h)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

func smoke(t *testing.T, e engine, exe []string, base string) {
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	started := time.Now()
	d, err := e.start(ctx, t, exe)
	if err != nil {
		t.Fatalf("starting %s: %v", e.name, err)
	}
	defer d.Close()
	shots := os.Getenv("GOVAE_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	shot := func(name string) {
		if png, err := d.Screenshot(ctx); err == nil {
			os.WriteFile(filepath.Join(shots, strings.ToLower(e.name)+"-"+name+".png"), png, 0o644)
		}
	}
	eval := func(expr string) string {
		t.Helper()
		s, err := d.Eval(ctx, expr)
		if err != nil {
			shot("failed")
			t.Fatalf("%s: evaluating %.80s…: %v; page errors %q", e.name, expr, err, d.Errors())
		}
		return s
	}
	// poll evaluates expr (a boolean) until it is true.
	poll := func(what, expr string, limit time.Duration) {
		t.Helper()
		deadline := time.Now().Add(limit)
		for eval(expr) != "true" {
			if time.Now().After(deadline) {
				shot("failed")
				t.Fatalf("%s: timed out after %v waiting for %s; status %s; page errors %q %q", e.name, limit, what,
					eval(`typeof govae === "object" ? govae.status() : "no govae"`), eval(`document.querySelector("#errors").textContent`), d.Errors())
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
	// Small batches and one worker: a few steps come quickly under
	// software rendering.
	if err := d.Navigate(ctx, base+"/?batch=16&workers=1"); err != nil {
		t.Fatalf("%s: opening the page: %v", e.name, err)
	}
	poll("window.govae", `typeof govae === "object"`, time.Minute)
	eval(`govae.ready.then(() => "ready")`)
	ready := time.Since(started)
	var st browserStatus
	if err := json.Unmarshal([]byte(eval(`govae.status()`)), &st); err != nil {
		t.Fatal(err)
	}
	if !st.Ready || st.Manifolds < 1 || st.Plane.Width < 100 {
		t.Fatalf("%s: after ready: %+v", e.name, st)
	}
	// A click on the plane decodes the digit at that z.
	pl := st.plane()
	x, y := pl.Pixel(0.8, -0.6)
	z1, z2 := pl.Z(math.Round(x), math.Round(y))
	if err := d.ClickAt(ctx, x, y); err != nil {
		t.Fatalf("%s: click: %v", e.name, err)
	}
	poll("the click to decode a digit", fmt.Sprintf(`(() => { const s = JSON.parse(govae.lastSample());
		return !!s && Math.abs(s.z[0] - %g) < 0.05 && Math.abs(s.z[1] - %g) < 0.05 && s.pixels.some((p) => p > 0.5); })()`, z1, z2), time.Minute)
	// Train a few steps.
	eval(`(document.querySelector("#train").click(), "")`)
	poll("3 training steps", `JSON.parse(govae.status()).step >= 3`, 6*time.Minute)
	eval(`(document.querySelector("#pause").click(), "")`)
	// The lab opens.
	eval(`(document.querySelector("#lab-open").click(), "")`)
	poll("the lab", `!document.querySelector("#lab").hidden && !!document.querySelector("#lab-sec-keep")`, time.Minute)
	shot("lab")
	if errs := eval(`document.querySelector("#errors").textContent`); errs != "" {
		t.Errorf("%s: the page shows errors: %q", e.name, errs)
	}
	if errs := d.Errors(); len(errs) > 0 {
		t.Errorf("%s: the page logged errors: %q", e.name, errs)
	}
	t.Logf("%s: ready after %v, click, 3 steps and the lab in %v", e.name, ready.Round(time.Second), time.Since(started).Round(time.Second))
}
