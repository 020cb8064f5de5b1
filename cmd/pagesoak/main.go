//go:build !js

// Command pagesoak trains through the real page in headless Chromium for a
// long time (10 minutes by default) and reports, every minute, the step,
// the −ELBO, the page's WebAssembly memory, the JS heap and the checkpoints
// the page kept in IndexedDB meanwhile (one every 5 s while training: the
// weights, Adam's moments and the data order, about 6 MB each). Go's wasm
// memory never shrinks, so a flat size over the run shows nothing leaks.
//
//	make build && go run ./cmd/pagesoak [-duration 10m] [-every 1m] [-query 'workers=0&batch=64']
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/govae/govae/internal/headless"
	"github.com/govae/govae/internal/site"
)

func main() {
	duration := flag.Duration("duration", 10*time.Minute, "how long to train")
	every := flag.Duration("every", time.Minute, "how often to report")
	dist := flag.String("dist", "dist", "the built site (make build)")
	query := flag.String("query", "batch=64", "URL query of the page (settings)")
	chromium := flag.String("chromium", "chromium", "the browser binary")
	flag.Parse()
	if err := run(*duration, *every, *dist, *query, *chromium, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "pagesoak:", err)
		os.Exit(1)
	}
}

// pageStatus is the part of window.govae.status() the soak reports.
type pageStatus struct {
	Training       bool     `json:"training"`
	Step           int      `json:"step"`
	Epoch          int      `json:"epoch"`
	ExamplesPerSec float64  `json:"examplesPerSec"`
	NegELBO        *float64 `json:"negElbo"`
	TrainError     string   `json:"trainError"`
}

func run(duration, every time.Duration, dist, query, chromium string, w io.Writer) error {
	h, err := site.New(dist) // what make serve sends
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

	dir, err := os.MkdirTemp("", "pagesoak-profile-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), headless.Options(chromium, dir)...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()

	url := fmt.Sprintf("http://%s/?%s", ln.Addr(), query)
	if _, err := chromedp.Run(ctx, chromedp.Navigate(url)); err != nil {
		return fmt.Errorf("opening %s: %w", url, err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.govae.ready.then(() => true)`, chromedp.EvalAwaitPromise)); err != nil {
		return fmt.Errorf("waiting for the first manifold: %w", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Click(chromedp.CSS("#train"))); err != nil {
		return err
	}
	fmt.Fprintf(w, "page %s, training for %v\n", url, duration)
	fmt.Fprintf(w, "%8s %8s %6s %9s %10s %14s %12s %13s %13s %6s %6s %9s\n", "elapsed", "step", "epoch", "-ELBO", "examples/s",
		"wasm mem MiB", "JS heap MiB", "Go heap MiB", "Go sys MiB", "GCs", "saves", "save ms")
	start := time.Now()
	var memMin, memMax float64
	for {
		time.Sleep(every)
		var s pageStatus
		raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.govae.status()`))
		if err != nil {
			return err
		}
		mem, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`window.govaeWasmMemoryBytes()`))
		if err != nil {
			return err
		}
		heap, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`performance.memory ? performance.memory.usedJSHeapSize : 0`))
		if err != nil {
			return err
		}
		gm, err := chromedp.Run(ctx, chromedp.Evaluate[goMem](`window.govae.memStats()`))
		if err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(raw), &s); err != nil {
			return fmt.Errorf("status %q: %w", raw, err)
		}
		var kept keptState
		if raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.govae.persist ? window.govae.persist() : "{}"`)); err == nil {
			json.Unmarshal([]byte(raw), &kept)
		}
		mib := mem / (1 << 20)
		if memMin == 0 || mib < memMin {
			memMin = mib
		}
		memMax = max(memMax, mib)
		elbo := "—"
		if s.NegELBO != nil {
			elbo = fmt.Sprintf("%.2f", *s.NegELBO)
		}
		fmt.Fprintf(w, "%8s %8d %6d %9s %10.0f %14.1f %12.1f %13.1f %13.1f %6d %6d %9.0f\n", time.Since(start).Round(time.Second),
			s.Step, s.Epoch, elbo, s.ExamplesPerSec, mib, heap/(1<<20), gm.HeapAlloc/(1<<20), gm.Sys/(1<<20), int(gm.NumGC),
			kept.Saves, kept.LastSave.Ms)
		if kept.LastSave.Err != "" {
			fmt.Fprintf(w, "         last checkpoint not kept: %s\n", kept.LastSave.Err)
		}
		if s.TrainError != "" {
			return errors.New("training stopped: " + s.TrainError)
		}
		if !s.Training {
			return errors.New("training stopped without an error")
		}
		if time.Since(start) >= duration {
			break
		}
	}
	fmt.Fprintf(w, "done: wasm memory %.1f–%.1f MiB over %v\n", memMin, memMax, time.Since(start).Round(time.Second))
	return nil
}

// keptState is the part of window.govae.persist() the soak reports: the
// checkpoints kept since the page loaded and how long the last store took.
type keptState struct {
	Saves    int `json:"saves"`
	LastSave struct {
		Ms  float64 `json:"ms"`
		Err string  `json:"error"`
	} `json:"lastSave"`
}

// goMem is what window.govae.memStats() returns: the page's Go runtime.MemStats.
type goMem struct {
	HeapAlloc float64 `json:"heapAlloc"`
	HeapInuse float64 `json:"heapInuse"`
	HeapSys   float64 `json:"heapSys"`
	Sys       float64 `json:"sys"`
	NumGC     float64 `json:"numGC"`
}
