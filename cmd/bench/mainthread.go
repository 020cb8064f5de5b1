//go:build !js

package main

// The page's main thread while training runs and while a visitor drags on
// the plane (GitHub issue #4): frames per second, the share of time in long
// tasks and the longest, measured in the open page while it is dragged on
// with real mouse events (dragRun) or trains in Web Workers exactly as a
// visitor's does — Train pressed, the training images fetched by the
// workers from the site, the pictures refreshed from weight snapshots —
// and, with -mtprofile, a CPU profile of the main thread over a second
// window, summarised by function (names need a govae.wasm built without
// -s, see mainThreadUsage).

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"flag"
	"math"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/profiler"
	"github.com/chromedp/chromedp"
)

// Set from the flags.
var (
	mainThreadOn, mainThreadOnly bool
	mainThreadSecs               int
	mainThreadProfile            string
)

// mainThreadDragOnly skips the training configurations: only the idle page
// and dragging are measured.
var mainThreadDragOnly = flag.Bool("mtdragonly", false, "of the main-thread measurements, run only idle and dragging (no training)")

// dragSecs is how long a drag measurement lasts; dragHz the mouse moves per second.
const (
	dragSecs = 5
	dragHz   = 60
)

// mainThreadUsage is the flag's help.
const mainThreadUsage = "write a CPU profile of the page's main thread while training to `PREFIX`-<config>.cpuprofile and print its top functions " +
	"(function names need a govae.wasm built without -s: make build DIST=d && GOOS=js GOARCH=wasm go build -trimpath -o d/govae.wasm ./wasm, then -dist d)"

// mainThreadConfig is one situation of the page measured.
type mainThreadConfig struct {
	name    string // in the table
	query   string // the page's URL query
	train   bool   // press Train and measure while it runs
	drag    bool   // drag across the plane with real mouse events while measuring
	workers int    // expected status().workers while training
}

// frameStats is what mainThreadJS returns.
type frameStats struct {
	Ms         float64    `json:"ms"`         // the window, page clock
	Frames     int        `json:"frames"`     // requestAnimationFrame callbacks
	MaxGapMs   float64    `json:"maxGapMs"`   // longest time between two frames
	LongMs     float64    `json:"longMs"`     // time in long tasks within the window
	LongCount  int        `json:"longCount"`  // long tasks overlapping the window
	LongestMs  float64    `json:"longestMs"`  // the longest of them
	Examples   float64    `json:"examples"`   // trained on during the window
	Manifolds  int        `json:"manifolds"`  // manifolds published during the window
	Recons     int        `json:"recons"`     // reconstruction strips published (whole refreshes)
	Steps      int        `json:"steps"`      // optimiser steps during the window
	Training   bool       `json:"training"`   // still training at the end
	TrainError string     `json:"trainError"` // status().trainError at the end
	Redraws    int        `json:"redraws"`    // frames the page redrew (govae.redrawStats())
	Z          [2]float64 `json:"z"`          // the selected z at the end
}

// mainThreadJS counts animation frames and long tasks (PerformanceObserver
// 'longtask': tasks over 50 ms) for %d seconds, and the training progress
// status() reports meanwhile.
const mainThreadJS = `(async (secs) => {
	const long = [];
	const obs = new PerformanceObserver((l) => { for (const e of l.getEntries()) long.push([e.startTime, e.duration]); });
	obs.observe({ type: 'longtask' });
	const s0 = JSON.parse(govae.status());
	const redraws = () => { const r = JSON.parse(govae.redrawStats()); return r.Full + r.Partial + r.Fallback; };
	const r0 = redraws();
	const t0 = performance.now();
	let frames = 0, last = t0, maxGap = 0;
	await new Promise((done) => {
		const f = (t) => {
			frames++;
			maxGap = Math.max(maxGap, t - last);
			last = t;
			if (t - t0 >= secs * 1000) done(); else requestAnimationFrame(f);
		};
		requestAnimationFrame(f);
	});
	const t1 = performance.now();
	await new Promise((r) => setTimeout(r, 100)); // the observer's last entries
	for (const e of obs.takeRecords()) long.push([e.startTime, e.duration]);
	obs.disconnect();
	const s1 = JSON.parse(govae.status());
	const r1 = redraws();
	let longMs = 0, longest = 0, count = 0;
	for (const [s, d] of long) {
		const a = Math.max(s, t0), b = Math.min(s + d, t1);
		if (b <= a) continue;
		count++;
		longMs += b - a;
		longest = Math.max(longest, d);
	}
	return { ms: t1 - t0, frames, maxGapMs: maxGap, longMs, longCount: count, longestMs: longest,
		examples: s1.examples - s0.examples, manifolds: s1.manifolds - s0.manifolds, recons: s1.recons - s0.recons, steps: s1.step - s0.step,
		training: s1.training, trainError: s1.trainError || '', redraws: r1 - r0, z: s1.settings.z };
})(%d)`

// mainThreadBench measures the page's main thread idle and while training
// in the default number of workers and in cores workers, at batch 128, each
// in a fresh tab of the running browser, reps times for secs seconds.
func mainThreadBench(browser context.Context, t *table, reps, secs int, base, profile string) error {
	var cores int
	{
		c, cancel := chromedp.NewContext(browser)
		_, err := chromedp.Run(c, chromedp.Navigate(base+"/?batch=128"))
		if err == nil {
			cores, err = chromedp.Run(c, chromedp.Evaluate[int](`navigator.hardwareConcurrency`))
		}
		cancel()
		if err != nil {
			return err
		}
	}
	auto := min(max(cores-1, 1), 4) // the page's default (wasm/app.DefaultWorkers)
	configs := []mainThreadConfig{
		{name: "idle (not training)", query: "batch=128"},
		{name: "dragging across the plane (idle)", query: "batch=128", drag: true},
	}
	if !*mainThreadDragOnly {
		configs = append(configs, mainThreadConfig{name: fmt.Sprintf("training in %d Web Worker%s (the default here), batch 128", auto, plural(auto)),
			query: "batch=128", train: true, workers: auto})
	}
	if cores != auto && !*mainThreadDragOnly {
		configs = append(configs, mainThreadConfig{name: fmt.Sprintf("training in %d Web Workers, batch 128", cores),
			query: fmt.Sprintf("batch=128&workers=%d", cores), train: true, workers: cores})
	}
	for _, cfg := range configs {
		fmt.Fprintf(os.Stderr, "bench: main thread, %s\n", cfg.name)
		var fps, longShare, longest, maxGap, rate, refreshes, recons, redraws sample
		for r := 0; r < reps; r++ {
			prof := ""
			if profile != "" && r == 0 {
				prof = fmt.Sprintf("%s-%s.cpuprofile", profile, strings.NewReplacer(" ", "", "(", "", ")", "", ",", "-").Replace(cfg.name))
			}
			st, err := mainThreadRun(browser, base, cfg, secs, prof)
			if err != nil {
				return fmt.Errorf("main thread, %s: %w", cfg.name, err)
			}
			sec := st.Ms / 1000
			fps = append(fps, float64(st.Frames)/sec)
			longShare = append(longShare, 100*st.LongMs/st.Ms)
			longest = append(longest, st.LongestMs)
			maxGap = append(maxGap, st.MaxGapMs)
			rate = append(rate, st.Examples/sec)
			refreshes = append(refreshes, float64(st.Manifolds)/sec)
			recons = append(recons, float64(st.Recons)/sec)
			redraws = append(redraws, float64(st.Redraws)/sec)
		}
		what := "browser: main thread, " + cfg.name
		note := "requestAnimationFrame callbacks; SwiftShader GL, 1280×800"
		if cfg.drag {
			note += fmt.Sprintf("; CDP mouse events, pressed, moved %d×/s across the plane for %d s, released; the page redrew %s frames/s",
				dragHz, dragSecs, redraws.cell("%.1f", true))
		}
		t.add(what+": frames/s", fps.cell("%.1f", true), note)
		t.add(what+": time in long tasks", longShare.cell("%.1f %%", false),
			fmt.Sprintf("PerformanceObserver 'longtask' (> 50 ms); longest task %s, longest gap between frames %s",
				longest.cell("%.0f ms", false), maxGap.cell("%.0f ms", false)))
		if cfg.train {
			t.add(what+": training meanwhile", rate.cell("%.0f", true),
				fmt.Sprintf("examples/s while the page draws; manifold refreshes/s %s, whole refreshes (reconstructions) /s %s",
					refreshes.cell("%.1f", true), recons.cell("%.1f", true)))
		}
	}
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// mainThreadRun opens the page in a new tab, waits for the test digits
// (the reconstructions are part of every refresh), presses Train when cfg
// says so and waits for steps to come in, lets it settle and measures for
// secs seconds; with prof, it then profiles the main thread for as long.
func mainThreadRun(browser context.Context, base string, cfg mainThreadConfig, secs int, prof string) (frameStats, error) {
	var st frameStats
	tab, cancel := chromedp.NewContext(browser)
	defer cancel()
	ctx, cancelT := context.WithTimeout(tab, 5*time.Minute)
	defer cancelT()
	// Leave the page before closing the tab: closing alone can leave its
	// training workers running for a while, slowing every later measurement.
	defer chromedp.Run(ctx, chromedp.Navigate("about:blank"))
	if _, err := chromedp.Run(ctx, chromedp.Navigate(base+"/?"+cfg.query)); err != nil {
		return st, err
	}
	// Ready, the test digits in and their first reconstructions drawn.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`govae.ready.then(() => new Promise((done, fail) => {
		const poll = () => {
			const s = JSON.parse(govae.status());
			if (s.testData === 'failed') fail(new Error('the test digits could not be loaded'));
			else if (s.testData === 'ready' && s.recons > 0) done(true);
			else setTimeout(poll, 100);
		};
		poll();
	}))`, chromedp.EvalAwaitPromise)); err != nil {
		return st, fmt.Errorf("waiting for the page: %w", err)
	}
	if cfg.train {
		if _, err := chromedp.Run(ctx, chromedp.Click(chromedp.CSS("#train"))); err != nil {
			return st, err
		}
		// The workers fetch the training images, then steps come in.
		var s struct {
			Step       int    `json:"step"`
			Workers    int    `json:"workers"`
			TrainData  string `json:"trainData"`
			TrainError string `json:"trainError"`
		}
		for {
			raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`govae.status()`))
			if err != nil {
				return st, err
			}
			if err := json.Unmarshal([]byte(raw), &s); err != nil {
				return st, err
			}
			switch {
			case s.TrainError != "":
				return st, errors.New("training stopped: " + s.TrainError)
			case s.TrainData == "failed":
				return st, errors.New("the training digits could not be loaded (make build copies them from MNIST_DIR)")
			}
			if s.Step >= 3 {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if s.Workers != cfg.workers {
			return st, fmt.Errorf("training in %d workers, want %d", s.Workers, cfg.workers)
		}
	}
	time.Sleep(2 * time.Second) // past the start's one-off work
	if cfg.drag {
		return dragRun(ctx)
	}
	var err error
	st, err = chromedp.Run(ctx, chromedp.Evaluate[frameStats](fmt.Sprintf(mainThreadJS, secs), chromedp.EvalAwaitPromise))
	if err != nil {
		return st, err
	}
	if cfg.train && (!st.Training || st.TrainError != "") {
		return st, fmt.Errorf("training stopped during the measurement: %q", st.TrainError)
	}
	if prof != "" {
		if err := profileMainThread(ctx, time.Duration(secs)*time.Second, prof); err != nil {
			return st, fmt.Errorf("profile: %w", err)
		}
	}
	return st, nil
}

// dragRun presses the mouse on the plane, moves it dragHz times a second
// along a Lissajous path over the plane's rectangle (status().plane, CSS
// pixels) while mainThreadJS measures for dragSecs seconds, and releases it.
// Each move is a CDP Input.dispatchMouseEvent, the path of a real mouse; a
// move that comes due while the previous one is still being dispatched is
// skipped.
func dragRun(ctx context.Context) (frameStats, error) {
	var st frameStats
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`govae.status()`))
	if err != nil {
		return st, err
	}
	var s struct {
		Plane    struct{ Left, Top, Width, Height float64 } `json:"plane"`
		Settings struct{ Z [2]float64 }                     `json:"settings"`
	}
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return st, err
	}
	P := s.Plane
	if P.Width <= 0 || P.Height <= 0 {
		return st, fmt.Errorf("no plane in status(): %s", raw)
	}
	at := func(t float64) (float64, float64) {
		return P.Left + P.Width*(0.5+0.4*math.Sin(2*math.Pi*t/2.1)), P.Top + P.Height*(0.5+0.4*math.Sin(2*math.Pi*t/1.3+1))
	}
	mouse := func(typ input.DispatchMouseEventType, x, y float64, buttons int64) error {
		_, err := chromedp.Call(ctx, input.DispatchMouseEvent, input.DispatchMouseEventParams{
			Type: typ, X: x, Y: y, Button: input.MouseButtonLeft, Buttons: buttons, ClickCount: 1})
		return err
	}
	x, y := at(0)
	if err := mouse(input.DispatchMouseEventTypeMouseMoved, x, y, 0); err != nil {
		return st, err
	}
	if err := mouse(input.DispatchMouseEventTypeMousePressed, x, y, 1); err != nil {
		return st, err
	}
	stop := make(chan struct{})
	moved := make(chan error, 1)
	go func() {
		tick := time.NewTicker(time.Second / dragHz)
		defer tick.Stop()
		t0 := time.Now()
		for {
			select {
			case <-stop:
				moved <- nil
				return
			case now := <-tick.C:
				x, y := at(now.Sub(t0).Seconds())
				if err := mouse(input.DispatchMouseEventTypeMouseMoved, x, y, 1); err != nil {
					moved <- err
					return
				}
			}
		}
	}()
	time.Sleep(300 * time.Millisecond) // the drag under way
	st, err = chromedp.Run(ctx, chromedp.Evaluate[frameStats](fmt.Sprintf(mainThreadJS, dragSecs), chromedp.EvalAwaitPromise))
	close(stop)
	if merr := <-moved; err == nil {
		err = merr
	}
	x, y = at(0)
	if rerr := mouse(input.DispatchMouseEventTypeMouseReleased, x, y, 0); err == nil {
		err = rerr
	}
	if err == nil && st.Z == s.Settings.Z {
		err = fmt.Errorf("dragging did not move z (%v)", st.Z)
	}
	return st, err
}

// profileMainThread records a CPU profile of the page's main thread for d,
// writes it to path (DevTools' Performance panel opens it) and prints the
// functions with the most samples, by self and by total time.
func profileMainThread(ctx context.Context, d time.Duration, path string) error {
	if _, err := chromedp.Call(ctx, profiler.Enable, cdp.Empty{}); err != nil {
		return err
	}
	if _, err := chromedp.Call(ctx, profiler.SetSamplingInterval, profiler.SetSamplingIntervalParams{Interval: 200}); err != nil {
		return err
	}
	if _, err := chromedp.Call(ctx, profiler.Start, cdp.Empty{}); err != nil {
		return err
	}
	time.Sleep(d)
	res, err := chromedp.Call(ctx, profiler.Stop, cdp.Empty{})
	if err != nil {
		return err
	}
	p := res.Profile
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "bench: %s\n%s", path, summarizeProfile(p, 25))
	return nil
}

// summarizeProfile lists the top functions of a CPU profile by total
// (inclusive) and by self time, in ms over the profile and as a share of it.
func summarizeProfile(p *profiler.Profile, top int) string {
	if p == nil || len(p.Nodes) == 0 {
		return "empty profile\n"
	}
	nodes := map[int64]*profiler.ProfileNode{}
	parent := map[int64]int64{}
	for _, n := range p.Nodes {
		nodes[n.ID] = n
		for _, c := range n.Children {
			parent[c] = n.ID
		}
	}
	name := func(n *profiler.ProfileNode) string {
		f := n.CallFrame
		if f == nil {
			return "?"
		}
		s := f.FunctionName
		if s == "" {
			s = "(anonymous)"
		}
		if f.URL != "" && !strings.Contains(f.URL, ".wasm") && !strings.HasPrefix(s, "(") {
			s += " " + f.URL[strings.LastIndex(f.URL, "/")+1:]
		}
		return s
	}
	self, total := map[string]float64{}, map[string]float64{}
	var all float64
	for i, id := range p.Samples {
		if i >= len(p.TimeDeltas) {
			break
		}
		// A sample's time: the delta to the next sample.
		var dt float64
		if i+1 < len(p.TimeDeltas) {
			dt = float64(p.TimeDeltas[i+1]) / 1000
		}
		all += dt
		n := nodes[id]
		if n == nil {
			continue
		}
		self[name(n)] += dt
		seen := map[string]bool{}
		for id, ok := id, true; ok; id, ok = parent[id] {
			s := name(nodes[id])
			if !seen[s] {
				seen[s] = true
				total[s] += dt
			}
		}
	}
	var b strings.Builder
	list := func(title string, m map[string]float64) {
		type kv struct {
			k string
			v float64
		}
		var l []kv
		for k, v := range m {
			l = append(l, kv{k, v})
		}
		slices.SortFunc(l, func(a, b kv) int { return cmp.Compare(b.v, a.v) })
		fmt.Fprintf(&b, "  %s (of %.0f ms sampled):\n", title, all)
		for i, e := range l {
			if i == top {
				break
			}
			fmt.Fprintf(&b, "    %8.0f ms %5.1f %%  %s\n", e.v, 100*e.v/all, e.k)
		}
	}
	list("total time", total)
	list("self time", self)
	return b.String()
}
