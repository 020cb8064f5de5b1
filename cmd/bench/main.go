//go:build !js

// Command bench measures govae's speed and prints one table (Markdown),
// also written to bench-out/table.md:
//
//   - native Go: training examples/s at batch 128 and 32 with GOMAXPROCS=1
//     and with the default (all cores), decoding one z and a 20×20 grid;
//     make bench builds this program with GOEXPERIMENT=simd, so that on an
//     amd64 CPU with AVX2 and FMA the products run core/kernels' AVX2
//     kernel (the table's notes say which);
//   - the built site in headless Chromium: training through the page's real
//     code (window.govae.benchTrain, synthetic images) in the page itself,
//     in 1 Web Worker and in N; decoding (window.govae.benchDecode); the
//     time from navigation to the first manifold and the bytes fetched
//     before it;
//   - the sizes of govae.wasm and worker.wasm, raw and gzip-compressed at
//     the default level, as internal/site (make serve) and GitHub Pages send them;
//   - the held-out −ELBO against seconds of training from Reset with the
//     default settings and in the page itself (heldout.go).
//
// make build writes two builds of each wasm program, with WebAssembly SIMD
// in the matrix products (govae-simd.wasm, worker-simd.wasm) and without
// (govae.wasm, worker.wasm). The browser measurements run once per build
// (-builds), each on a copy of the site in which both names of each program
// hold that build, so that the page runs it whichever file it fetches; the
// table shows the builds side by side.
//
// Every measurement is repeated (-reps) and reported as best and range, with
// the machine's load average, since other work on a shared machine slows
// any single run down. Usage (make bench runs this):
//
//	go run ./cmd/bench [-reps 3] [-steps 30] [-workers N] [-heldoutsecs 150] [-out bench-out/table.md]
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/govae/govae/internal/headless"
	"github.com/govae/govae/internal/site"

	"github.com/govae/govae/core"
	"github.com/govae/govae/core/kernels"
	"github.com/govae/govae/wasm/view"
	dp "github.com/govae/govae/wasm/worker/dataparallel"
)

func main() {
	var (
		reps     = flag.Int("reps", 3, "repetitions of every measurement")
		steps    = flag.Int("steps", 30, "training steps measured per run (after 5 to warm up)")
		workers  = flag.Int("workers", 0, "N, the larger number of Web Workers (0: navigator.hardwareConcurrency, as the page's auto)")
		out      = flag.String("out", "bench-out/table.md", "where to write the table")
		dist     = flag.String("dist", "", "a built site to use (default: make build into a temporary directory)")
		chromium = flag.String("chromium", "", "the browser (default: $CHROMIUM, chromium, chromium-browser, google-chrome)")
		native   = flag.Bool("native", true, "measure native Go too")
		page     = flag.Bool("page", true, "measure the first paint and decoding in the browser too")
		inPage   = flag.Bool("inpage", true, "measure training in the page itself (workers=0) too")
		batch32  = flag.Bool("batch32", true, "measure batch 32 too (batch 128 always)")
		// The main thread while training (mainthread.go).
		mainThread = flag.Bool("mainthread", true, "measure the page's main thread (frames/s, long tasks) idle and while training in Web Workers")
		mtOnly     = flag.Bool("mainthread-only", false, "in the browser, measure only the main thread (no first paint, decoding or training speed)")
		mtSecs     = flag.Int("mtsecs", 10, "seconds of each main-thread measurement")
		mtProfile  = flag.String("mtprofile", "", mainThreadUsage)
		kernels    = flag.Bool("kernels", false, "measure only core/kernels' Sgemm (BenchmarkSgemm, SIMD and scalar builds) in headless Chromium")
		kbench     = flag.String("kbench", "Sgemm", "with -kernels: the -test.bench pattern")
		kbenchtime = flag.String("kbenchtime", "1s", "with -kernels: the -test.benchtime")
		builds     = flag.String("builds", "simd,scalar", "the wasm builds measured in the browser, side by side: simd (govae-simd.wasm, worker-simd.wasm), scalar (govae.wasm, worker.wasm)")
	)
	// The held-out curve from Reset (heldout.go).
	flag.IntVar(&heldOutSecs, "heldoutsecs", 150, "longest run of the held-out curve from Reset, in seconds (0: no such row)")
	flag.IntVar(&heldOutReps, "heldoutreps", 1, "runs of the held-out curve from Reset, each configuration")
	flag.Parse()
	trainInPage, trainBatch32 = *inPage, *batch32
	mainThreadOn, mainThreadOnly, mainThreadSecs, mainThreadProfile = *mainThread, *mtOnly, *mtSecs, *mtProfile
	if *kernels {
		var t table
		if err := kernelsBench(&t, *chromium, *kbench, *kbenchtime); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		fmt.Printf("core/kernels in Chromium, %s, load average %s\n\n%s", time.Now().Format("2006-01-02 15:04"), loadAvg(), t.String())
		return
	}
	buildList = strings.Split(*builds, ",")
	for _, b := range buildList {
		if b != "simd" && b != "scalar" {
			fmt.Fprintf(os.Stderr, "bench: -builds: unknown build %q (want simd, scalar or both)\n", b)
			os.Exit(2)
		}
	}
	if err := run(*reps, *steps, *workers, *out, *dist, *chromium, *native, *page); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// Which training runs browserBench measures besides 1 and N workers at
// batch 128.
var trainInPage, trainBatch32 bool

// buildList is the wasm builds measured in the browser (-builds), in column order.
var buildList []string

// buildFiles are the files of each build: the page's and the workers' wasm.
var buildFiles = map[string][2]string{
	"simd":   {"govae-simd.wasm", "worker-simd.wasm"},
	"scalar": {"govae.wasm", "worker.wasm"},
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func run(reps, steps, workers int, out, dist, chromium string, native, page bool) error {
	start := time.Now()
	var t table
	res := sideBySide{builds: buildList}
	loadBefore := loadAvg()
	fmt.Fprintf(os.Stderr, "bench: %d logical cores, load average %s\n", runtime.NumCPU(), loadBefore)

	if native {
		nativeBench(&t, reps, steps)
		res.addOnce(&t)
		t = table{}
	}

	if dist == "" {
		dir, err := os.MkdirTemp("", "govae-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		dist = filepath.Join(dir, "site")
		fmt.Fprintln(os.Stderr, "bench: make build")
		if out, err := exec.Command("make", "-s", "build", "DIST="+dist).CombinedOutput(); err != nil {
			return fmt.Errorf("make build: %v\n%s", err, out)
		}
	}
	for i, build := range buildList {
		if mainThreadOnly && i > 0 {
			break // the main thread is measured with the first build only
		}
		var bt table
		for k, f := range buildFiles[build] {
			raw, gz, err := sizes(filepath.Join(dist, f))
			if err != nil {
				return err
			}
			what, note := "page wasm size", "the page (Ebiten, the app, core): govae.wasm, govae-simd.wasm"
			if k == 1 {
				what, note = "worker wasm size", "a training worker (core, no Ebiten), fetched when training first starts: worker.wasm, worker-simd.wasm"
			}
			bt.add(what, fmt.Sprintf("%.2f MB raw, %.2f MB gzip", float64(raw)/1e6, float64(gz)/1e6), note)
		}
		site, err := buildSite(dist, build)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "bench: the %s build in the browser\n", build)
		err = browserBench(&bt, reps, steps, workers, site, chromium, page, i == 0)
		os.RemoveAll(site)
		if err != nil {
			return fmt.Errorf("%s build: %v", build, err)
		}
		res.addBuild(i, &bt)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "govae benchmark, %s, %s/%s, %d logical cores, Go %s; load average %s before, %s after; %d runs each, best and range; %v in all.\n\n",
		time.Now().Format("2006-01-02 15:04"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), strings.TrimPrefix(runtime.Version(), "go"),
		loadBefore, loadAvg(), reps, time.Since(start).Round(time.Second))
	b.WriteString(res.String())
	fmt.Print(b.String())
	if out != "" {
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		return os.WriteFile(out, []byte(b.String()), 0o644)
	}
	return nil
}

// buildSite copies the built site dist to a new directory beside it in
// which both names of the page's and the workers' wasm hold the given build.
func buildSite(dist, build string) (string, error) {
	site := filepath.Clean(dist) + "-" + build
	os.RemoveAll(site)
	if err := os.CopyFS(site, os.DirFS(dist)); err != nil {
		return "", err
	}
	for k, f := range buildFiles[build] {
		for _, other := range buildFiles {
			if other[k] == f {
				continue
			}
			b, err := os.ReadFile(filepath.Join(dist, f))
			if err != nil {
				return "", err
			}
			if err := os.WriteFile(filepath.Join(site, other[k]), b, 0o644); err != nil {
				return "", err
			}
		}
	}
	return site, nil
}

// sizes returns a file's size and its gzip size at the default level (internal/site's).
func sizes(path string) (raw, gz int64, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, err
	}
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf) // internal/site's level (the default)
	w.Write(b)
	w.Close()
	return int64(len(b)), int64(buf.Len()), nil
}

// nativeBench trains and decodes in this process, with core's products as
// cmd/train runs them: core/kernels' AVX2+FMA kernel when this program is
// built with GOEXPERIMENT=simd (make bench) on such a CPU, gonum's Sgemm
// otherwise.
func nativeBench(t *table, reps, steps int) {
	gemmNote := "gonum's Sgemm"
	if kernels.SIMD() {
		gemmNote = "core/kernels " + kernels.Build() + " (single-threaded)"
	}
	fmt.Fprintf(os.Stderr, "bench: native Go, products: %s\n", gemmNote)
	images := dp.SyntheticImages(4096, 784, 1)
	def := runtime.GOMAXPROCS(0)
	for _, procs := range []int{1, def} {
		runtime.GOMAXPROCS(procs)
		for _, batch := range []int{128, 32} {
			var s sample
			for r := 0; r < reps; r++ {
				m, _ := core.New(core.DefaultArchitecture(), 1)
				cfg := core.DefaultTrainConfig()
				cfg.BatchSize = batch
				tr, err := core.NewTrainerBytes(m, cfg, images, 4096)
				if err != nil {
					panic(err)
				}
				for i := 0; i < 3; i++ {
					tr.TrainStep()
				}
				n := steps * 128 / batch // about as many images at both sizes
				t0 := time.Now()
				for i := 0; i < n; i++ {
					tr.TrainStep()
				}
				s = append(s, float64(n*batch)/time.Since(t0).Seconds())
			}
			what := fmt.Sprintf("native Go, GOMAXPROCS=%d: training, batch %d", procs, batch)
			note := "examples/s; products: " + gemmNote
			if procs == 1 {
				note += "; one thread"
			} else if !kernels.SIMD() {
				note += fmt.Sprintf("; the default: gonum splits large products over %d threads", procs)
			} else {
				note += "; the default GOMAXPROCS"
			}
			t.add(what, s.cell("%.0f", true), note)
		}
	}
	runtime.GOMAXPROCS(1)
	m, _ := core.New(core.DefaultArchitecture(), 1)
	z := view.GridZ(20)
	buf := make([]float32, 400*784)
	lik := m.Likelihood
	for _, c := range []struct {
		n    int
		what string
	}{{1, "decode 1 z"}, {400, "decode a 20×20 grid"}} {
		var s sample
		for r := 0; r < reps; r++ {
			k := 2000 / c.n
			t0 := time.Now()
			for i := 0; i < k; i++ {
				m.Decode(z[:2*c.n], c.n, lik, buf)
			}
			s = append(s, time.Since(t0).Seconds()*1000/float64(k))
		}
		t.add("native Go, GOMAXPROCS=1: "+c.what, s.cell("%.3f ms", false), "")
	}
	runtime.GOMAXPROCS(def)
}

// browserBench serves the site with internal/site and drives Chromium.
// mainThread says whether to measure the page's main thread too (done for
// the first build only).
func browserBench(t *table, reps, steps, workers int, dist, chromium string, page, mainThread bool) error {
	chromium, err := findChromium(chromium)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "govae-bench-browser-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	// The handler make serve uses, so that sizes and headers are what it sends.
	h, err := site.New(dist)
	if err != nil {
		return err
	}
	defer h.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := site.NewServer(ln.Addr().String(), h)
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), headless.Options(chromium, filepath.Join(tmp, "profile"))...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	// The first action starts the browser: no timeout on it (see chromedp.Run).
	if err := chromedp.Do(ctx, cdpCall(network.Enable, network.EnableParams{})); err != nil {
		return fmt.Errorf("starting %s: %v", chromium, err)
	}
	if mainThread && (mainThreadOn || mainThreadOnly) {
		// In tabs of their own; the rows go after the others.
		var mt table
		if err := mainThreadBench(ctx, &mt, reps, mainThreadSecs, base, mainThreadProfile); err != nil {
			return err
		}
		if mainThreadOnly {
			t.rows = append(t.rows, mt.rows...)
			return nil
		}
		defer func() { t.rows = append(t.rows, mt.rows...) }()
	}
	eval := func(timeout time.Duration, expr string, v any) error {
		c, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		raw, err := chromedp.Run(c, chromedp.Evaluate[json.RawMessage](expr, chromedp.EvalAwaitPromise))
		if err != nil {
			return err
		}
		return json.Unmarshal(raw, v)
	}

	if !page {
		c, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		if err := chromedp.Do(c, chromedp.Navigate(base+"/"), chromedp.Evaluate[chromedp.Void](`govae.ready`, chromedp.EvalAwaitPromise)); err != nil {
			return fmt.Errorf("opening the page: %v", err)
		}
		if err := trainBench(t, reps, steps, workers, eval); err != nil {
			return err
		}
		if heldOutSecs > 0 {
			return heldOutBench(ctx, t, heldOutReps, heldOutSecs, base)
		}
		return nil
	}
	// First paint, with an empty cache every time.
	fmt.Fprintln(os.Stderr, "bench: first paint")
	var firstMs, readyMs, fetched, encoded sample
	var files string
	for r := 0; r < reps; r++ {
		if err := chromedp.Do(ctx, cdpCall(network.ClearBrowserCache, cdp.Empty{}),
			cdpCall(network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true})); err != nil {
			return err
		}
		c, cancel := context.WithTimeout(ctx, 2*time.Minute)
		err := chromedp.Do(c, chromedp.Navigate(base+"/"))
		cancel()
		if err != nil {
			return fmt.Errorf("navigate: %v", err)
		}
		var first struct {
			FirstMs           float64 `json:"firstMs"`
			ReadyMs           float64 `json:"readyMs"`
			Transfer, Encoded float64
			Files             []string
		}
		// The first manifold is the preview's (window.govae.firstPaint);
		// the page is ready when the full weights have replaced it.
		err = eval(2*time.Minute, `govae.firstPaint.then(() => {
			const s = JSON.parse(govae.status());
			const e = performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
				.filter((e) => e.responseEnd <= s.firstPaintMs);
			return { firstMs: s.firstPaintMs,
				transfer: e.reduce((a, e) => a + e.transferSize, 0),
				encoded: e.reduce((a, e) => a + e.encodedBodySize, 0),
				files: e.map((e) => e.name.replace(/^.*\//, '') + ' ' + (e.encodedBodySize / 1e6).toFixed(2)) };
		}).then((f) => govae.ready.then(() => Object.assign(f, { readyMs: JSON.parse(govae.status()).readyMs })))`, &first)
		if err != nil {
			return fmt.Errorf("waiting for the first manifold: %v", err)
		}
		firstMs = append(firstMs, first.FirstMs)
		readyMs = append(readyMs, first.ReadyMs)
		fetched = append(fetched, first.Transfer/1e6)
		encoded = append(encoded, first.Encoded/1e6)
		files = strings.Join(first.Files, ", ")
	}
	if err := chromedp.Do(ctx, cdpCall(network.SetCacheDisabled, network.SetCacheDisabledParams{})); err != nil {
		return err
	}
	t.add("browser: navigation → first manifold", firstMs.cell("%.0f ms", false),
		"window.govae.firstPaint (drawn from the int8 preview), page clock; empty cache, loopback server")
	t.add("browser: navigation → ready", readyMs.cell("%.0f ms", false), "window.govae.ready: the full weights fetched, decoded and drawn")
	t.add("browser: bytes fetched before the first manifold", fetched.cell("%.2f MB", false),
		fmt.Sprintf("transferSize (headers included); bodies %s MB: %s", encoded.cell("%.2f", false), files))

	fmt.Fprintln(os.Stderr, "bench: decoding")
	var grid, one sample
	for r := 0; r < reps; r++ {
		var d struct{ MsPerGrid, MinMsPerGrid, MsPerZ float64 }
		if err := eval(time.Minute, `govae.benchDecode({n: 10})`, &d); err != nil {
			return fmt.Errorf("benchDecode: %v", err)
		}
		grid = append(grid, d.MsPerGrid)
		one = append(one, d.MsPerZ)
	}
	t.add("browser, page: decode 1 z", one.cell("%.2f ms", false), "the large sample (main thread)")
	t.add("browser, page: decode a 20×20 grid", grid.cell("%.1f ms", false), "the manifold, one batched Decode (main thread)")
	if err := trainBench(t, reps, steps, workers, eval); err != nil {
		return err
	}
	if heldOutSecs > 0 {
		return heldOutBench(ctx, t, heldOutReps, heldOutSecs, base)
	}
	return nil
}

// trainBench measures training in the open page with window.govae.benchTrain.
func trainBench(t *table, reps, steps, workers int, eval func(time.Duration, string, any) error) error {
	var cores int
	if err := eval(10*time.Second, `navigator.hardwareConcurrency`, &cores); err != nil {
		return err
	}
	if workers == 0 {
		workers = min(max(cores, 1), 8) // every core: the page is idle while it measures
	}

	counts := []int{1}
	if trainInPage {
		counts = []int{0, 1}
	}
	batches := []int{128}
	if trainBatch32 {
		batches = append(batches, 32)
	}
	if workers > 1 {
		counts = append(counts, workers)
	}
	for _, batch := range batches {
		for _, w := range counts {
			fmt.Fprintf(os.Stderr, "bench: training, batch %d, %d workers\n", batch, w)
			var rate, ms sample
			var phases string
			for r := 0; r < reps; r++ {
				var res struct {
					ExamplesPerSec, MsPerStep float64
					Phases                    struct{ Begin, Compute, Wait, Apply float64 }
				}
				n := steps * 128 / batch
				if w == 0 {
					n = max(n/3, 5) // in the page: slower, and the point is the comparison
				}
				expr := fmt.Sprintf(`govae.benchTrain({batch: %d, steps: %d, warmup: 5, workers: %d})`, batch, n, w)
				if err := eval(10*time.Minute, expr, &res); err != nil {
					return fmt.Errorf("%s: %v", expr, err)
				}
				if len(rate) == 0 || res.ExamplesPerSec > slices.Max(rate) {
					p := res.Phases
					phases = fmt.Sprintf("; worker 0 in the best run: %.1f ms computing its share, %.1f waiting for the others', %.1f adding up and stepping, %.1f until the next began",
						p.Compute, p.Wait, p.Apply, p.Begin)
				}
				rate = append(rate, res.ExamplesPerSec)
				ms = append(ms, res.MsPerStep)
			}
			if w == 0 {
				phases = ""
			}
			where := "in the page (Local, time-sliced)"
			switch w {
			case 0:
			case 1:
				where = "1 Web Worker"
			default:
				where = fmt.Sprintf("%d Web Workers", w)
			}
			t.add(fmt.Sprintf("browser, %s: training, batch %d", where, batch), rate.cell("%.0f", true),
				fmt.Sprintf("examples/s; %s ms/step%s", ms.cell("%.1f", false), phases))
		}
	}
	var ua string
	eval(10*time.Second, `navigator.userAgent.replace(/^.*(Chrome\/[0-9.]+).*$/, '$1')`, &ua)
	t.add("browser", fmt.Sprintf("%s, %d logical cores (navigator.hardwareConcurrency)", ua, cores),
		"headless, SwiftShader GL; TF.js 4.22 reference: WASM+SIMD ≈ 1600, WebGL ≈ 1100 examples/s at batch 128")
	return nil
}

// cdpCall is an action that sends one DevTools protocol command.
func cdpCall[P, R any](c cdp.Command[P, R], params P) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, c, params)
		return err
	})
}
