//go:build !(js && wasm)

package e2e

// Browser tests of training in Web Workers (wasm/app/workers*.go,
// wasm/worker): the same numbers in any number of workers, the page's
// controls, errors from the workers, the fallback to the page. They reuse
// browser_test.go's harness; speed is measured by make bench, not here.

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/govae/govae/core"
)

func TestWorkersBrowser(t *testing.T) {
	start := time.Now()
	b := startBrowser(t, workersHandler(t))
	t.Run("SameLosses", b.testWorkersSameLosses)
	t.Run("Train", b.testWorkersTrain)
	t.Run("Switch", b.testWorkersSwitch)
	t.Run("NonFiniteStep", b.testWorkersNonFinite)
	t.Run("NoWorkerWasm", b.testWorkersMissing)
	t.Logf("workers suite: %v", time.Since(start).Round(time.Millisecond))
}

// workersVariants adds to siteVariants: /noworker/, where worker.wasm is
// missing, and /huge/, whose pretrained weights are finite but so large
// that the first training step overflows.
type workersVariants struct {
	*siteVariants
	huge []byte
}

func (v *workersVariants) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	prefix, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	switch {
	case prefix == "noworker" && (rest == "worker.wasm" || rest == "worker-simd.wasm"):
		http.NotFound(w, r)
		return
	case prefix == "huge" && rest == "assets/vae.bin":
		w.Write(v.huge)
		return
	}
	v.siteVariants.ServeHTTP(w, r)
}

// workersHandler puts the workers tests' variants (a weights file that
// makes every step diverge) in front of the site.
func workersHandler(t *testing.T) func(site string, v *siteVariants) http.Handler {
	return func(site string, variants *siteVariants) http.Handler {
		wv := &workersVariants{siteVariants: variants}
		if raw, err := os.ReadFile(filepath.Join(site, "assets", "vae.bin")); err == nil {
			m, err := core.ParseModel(raw)
			if err != nil {
				t.Fatal(err)
			}
			for i := range m.Values() {
				m.Values()[i] = 1e20
			}
			wv.huge = m.MarshalBinary()
		}
		return wv
	}
}

// benchResult is what window.govae.benchTrain returns.
type benchResult struct {
	ExamplesPerSec float64   `json:"examplesPerSec"`
	MsPerStep      float64   `json:"msPerStep"`
	Workers        int       `json:"workers"`
	Losses         []float64 `json:"losses"`
}

func (b *browserHarness) benchTrain(t *testing.T, batch, steps, workers int) benchResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 3*time.Minute)
	defer cancel()
	expr := fmt.Sprintf(`govae.benchTrain({batch: %d, steps: %d, warmup: 1, workers: %d}).then(JSON.stringify)`, batch, steps, workers)
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	var r benchResult
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// testWorkersSameLosses: the same training run (fresh seeded weights,
// synthetic images) gives the same losses in the page, in 1 worker and in
// 2 and 3, to float32 rounding — the workers split each batch (96: shares
// of 48 and 32 images) and add up their gradients in another order than
// one pass does.
func (b *browserHarness) testWorkersSameLosses(t *testing.T) {
	b.open(t, "/govae/")
	const batch, steps = 96, 6
	ref := b.benchTrain(t, batch, steps, 0)
	if len(ref.Losses) != steps+1 || ref.Workers != 0 {
		t.Fatalf("in the page: %+v", ref)
	}
	for _, w := range []int{1, 2, 3} {
		r := b.benchTrain(t, batch, steps, w)
		if r.Workers != w || len(r.Losses) != steps+1 || !(r.ExamplesPerSec > 0) {
			t.Fatalf("%d workers: %+v", w, r)
		}
		for i, l := range r.Losses {
			if math.Abs(l-ref.Losses[i]) > 1e-4*math.Abs(ref.Losses[i]) {
				t.Errorf("%d workers, step %d: −ELBO %.6f, in the page %.6f", w, i+1, l, ref.Losses[i])
			}
		}
		t.Logf("%d workers: −ELBO %.4f … %.4f (page %.4f … %.4f)", w, r.Losses[0], r.Losses[steps], ref.Losses[0], ref.Losses[steps])
	}
	// Refused options are errors, not a hang.
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[string](`govae.benchTrain({workers: 99})`, chromedp.EvalAwaitPromise)); err == nil || !strings.Contains(err.Error(), "workers") {
		t.Errorf("benchTrain({workers: 99}): %v", err)
	}
}

// testWorkersTrain trains MNIST in the page's default workers: the page's
// main thread stays free, the pictures follow, pause stops every worker.
func (b *browserHarness) testWorkersTrain(t *testing.T) {
	b.needData(t, "train")
	b.needData(t, "t10k") // the reconstructions, refreshed at the whole scene's pace
	b.open(t, "/govae/?batch=64")
	cores, _ := strconv.Atoi(b.eval(t, `String(navigator.hardwareConcurrency)`))
	want := 1 // "auto" starts with one worker and grows while it measures a gain (train.Tuner)
	b.click(t, "#reset")
	b.waitStatus(t, "fresh weights", 10*time.Second, func(s browserStatus) bool { return s.Weights == "random init" })
	b.click(t, "#train")
	s := b.waitStatus(t, "the workers' data and first steps", 120*time.Second, func(s browserStatus) bool {
		return s.TrainData == "ready" && s.Step >= 3 && s.NegELBO != nil
	})
	if w := b.workers(t); w != want {
		t.Fatalf("training in %d workers on %d cores, want %d", w, cores, want)
	}
	if info := b.text(t, "#workers-info"); !strings.Contains(info, strconv.Itoa(want)+" Web Worker") {
		t.Errorf("the panel says %q", info)
	}
	first, firstStep, manifolds, recons := *s.NegELBO, s.Step, s.Manifolds, s.Recons
	b.eval(t, `(() => { window.longTasks = []; window.longTasksFrom = performance.now();
		new PerformanceObserver((l) => { for (const e of l.getEntries()) longTasks.push(e.duration); })
			.observe({ type: "longtask" });
		window.heapFrom = performance.memory.usedJSHeapSize; window.heapMax = heapFrom;
		window.savesFrom = JSON.parse(govae.persist()).saves;
		setInterval(() => { heapMax = Math.max(heapMax, performance.memory.usedJSHeapSize); }, 100);
		return ""; })()`)
	s = b.waitStatus(t, "150 steps", 150*time.Second, func(s browserStatus) bool { return s.Step >= firstStep+150 || !s.Training })
	if !s.Training {
		t.Fatalf("training stopped: %+v; page errors %q", s, b.text(t, "#errors"))
	}
	// While training, the manifold is refreshed on its own between whole
	// refreshes (the manifold with the reconstructions), which follow too.
	trainedManifolds, trainedRecons := s.Manifolds-manifolds, s.Recons-recons
	t.Logf("during 150 steps: %d manifolds, %d whole refreshes", trainedManifolds, trainedRecons)
	if trainedRecons < 2 || trainedManifolds <= trainedRecons {
		t.Errorf("during 150 steps: %d manifolds and %d reconstructions published; want the reconstructions refreshed and the manifold more often",
			trainedManifolds, trainedRecons)
	}
	// The page keeps a checkpoint every 5 s of training; a fast machine
	// takes the 150 steps in less, so training goes on until one is kept.
	savesNow := func() int {
		n, _ := strconv.Atoi(b.eval(t, `String(JSON.parse(govae.persist()).saves - savesFrom)`))
		return n
	}
	for deadline := time.Now().Add(30 * time.Second); savesNow() < 1 && time.Now().Before(deadline); {
		time.Sleep(250 * time.Millisecond)
	}
	long := b.eval(t, `JSON.stringify([longTasks.length, Math.max(0, ...longTasks), longTasks.reduce((a, b) => a + b, 0), performance.now() - longTasksFrom])`)
	heapGrowth, _ := strconv.ParseFloat(b.eval(t, `String((heapMax - heapFrom) / 1048576)`), 64)
	saves := savesNow()
	b.click(t, "#pause")
	paused := b.waitStatus(t, "the pause", 10*time.Second, func(s browserStatus) bool { return !s.Training })
	time.Sleep(500 * time.Millisecond) // the page reports stopped once the workers have
	if again := b.status(t); again.Step != paused.Step || again.Training {
		t.Errorf("steps went on after the pause: %d → %d", paused.Step, again.Step)
	}
	// Step takes exactly one step, then stops.
	b.click(t, "#step")
	b.waitStatus(t, "one step", 30*time.Second, func(s browserStatus) bool { return s.Step == paused.Step+1 && !s.Training })
	time.Sleep(300 * time.Millisecond)
	if again := b.status(t); again.Step != paused.Step+1 {
		t.Errorf("Step took %d steps", again.Step-paused.Step)
	}
	var lt [4]float64
	if err := json.Unmarshal([]byte(long), &lt); err != nil {
		t.Fatal(err)
	}
	t.Logf("−ELBO %.1f at step %d → %.1f at step %d (batch 64, %d workers), %.0f examples/s; %d manifolds; long tasks: %.0f, longest %.0f ms, %.1f%% of %.1f s",
		first, firstStep, *paused.NegELBO, paused.Step, want, s.ExamplesPerSec, paused.Manifolds-manifolds, lt[0], lt[1], 100*lt[2]/lt[3], lt[3]/1000)
	if !(*paused.NegELBO < first-40) {
		t.Errorf("−ELBO did not drop: %.1f → %.1f", first, *paused.NegELBO)
	}
	if paused.Manifolds-manifolds < 3 {
		t.Errorf("the manifold was redrawn %d times while training", paused.Manifolds-manifolds)
	}
	// Training is off the main thread: what remains there is drawing, in
	// slices of about 12 ms. Other processes on a loaded machine stretch any
	// task, so (as TestBrowser/Train) the test fails only on what no load
	// explains: the thread monopolised or frozen.
	if lt[2] > 0.5*lt[3] || lt[1] > 2000 || paused.MaxSliceMs > 1000 {
		t.Errorf("the main thread was busy too long while training")
	}
	// Worker 0 sends 1.9 MB of weights up to 20 times a second, and a 6 MB
	// checkpoint every 5 s that the page keeps in IndexedDB; the page gives
	// the buffers back and copies the checkpoints through one reused array,
	// so they are not garbage here. Without that the JS heap grew by about
	// 8 MB a second (to 2 GB in a 10-minute soak before V8 collected it).
	t.Logf("JS heap grew by at most %.1f MB while training, with %d checkpoints kept", heapGrowth, saves)
	if heapGrowth > 25 {
		t.Errorf("the page's JS heap grew by %.1f MB during 150 steps: the weights or checkpoint buffers are not reused", heapGrowth)
	}
	if saves < 1 {
		t.Errorf("no checkpoint was kept during 150 steps and 30 s of training")
	}
	b.screenshot(t, "workers-trained")
}

// workers returns how many workers the page trains in (status().workers).
func (b *browserHarness) workers(t *testing.T) int {
	t.Helper()
	var s struct {
		Workers int `json:"workers"`
	}
	if err := json.Unmarshal([]byte(b.eval(t, `govae.status()`)), &s); err != nil {
		t.Fatal(err)
	}
	return s.Workers
}

// testWorkersSwitch changes the number of workers while training: training
// goes on from the same weights and step in the page, then in 1 worker, and
// the setting is kept in the URL.
func (b *browserHarness) testWorkersSwitch(t *testing.T) {
	b.needData(t, "train")
	b.open(t, "/govae/?batch=32&workers=2")
	b.click(t, "#train")
	s := b.waitStatus(t, "steps in 2 workers", 120*time.Second, func(s browserStatus) bool { return s.TrainData == "ready" && s.Step >= 5 })
	for _, c := range []struct {
		value string
		want  int
	}{{"0", 0}, {"1", 1}} {
		b.eval(t, `(() => { const e = document.querySelector("#workers"); e.value = "`+c.value+`";
			e.dispatchEvent(new Event("change")); return ""; })()`)
		from := s.Step
		s = b.waitStatus(t, "steps after switching to "+c.value, 120*time.Second, func(s browserStatus) bool {
			return b.workers(t) == c.want && s.Training && s.Step >= from+5
		})
		t.Logf("workers=%s: step %d → %d, %.0f examples/s", c.value, from, s.Step, s.ExamplesPerSec)
	}
	time.Sleep(600 * time.Millisecond) // the URL is written at most twice a second
	if loc := b.eval(t, `location.search`); !strings.Contains(loc, "workers=1") {
		t.Errorf("the URL %q does not keep the workers setting", loc)
	}
	b.click(t, "#pause")
	b.waitStatus(t, "the pause", 10*time.Second, func(s browserStatus) bool { return !s.Training })
}

// testWorkersNonFinite: a step that overflows in the workers stops training
// with a visible message, and the weights shown stay the last good ones.
func (b *browserHarness) testWorkersNonFinite(t *testing.T) {
	b.needData(t, "train")
	b.open(t, "/huge/?workers=2")
	b.click(t, "#train")
	s := b.waitStatus(t, "the failed step", 120*time.Second, func(s browserStatus) bool { return s.TrainError != "" })
	errs := b.text(t, "#errors")
	if !strings.Contains(s.TrainError, "non-finite") || !strings.Contains(errs, "Training stopped") || s.Training || s.Step != 0 {
		t.Errorf("after the overflow: status %+v; page errors %q", s, errs)
	}
	t.Logf("shown: %q", s.TrainError)
}

// testWorkersMissing: without worker.wasm the page says so and trains in
// the page instead.
func (b *browserHarness) testWorkersMissing(t *testing.T) {
	b.needData(t, "train")
	b.open(t, "/noworker/?batch=16&workers=2")
	b.click(t, "#train")
	s := b.waitStatus(t, "training in the page", 120*time.Second, func(s browserStatus) bool { return s.Step >= 3 })
	errs := b.text(t, "#errors")
	if w := b.workers(t); w != 0 || !(strings.Contains(errs, "worker.wasm") || strings.Contains(errs, "worker-simd.wasm")) || !strings.Contains(errs, "404") {
		t.Errorf("without worker.wasm: %d workers, page errors %q", w, errs)
	}
	t.Logf("shown: %q; step %d", errs, s.Step)
	b.click(t, "#pause")
}
