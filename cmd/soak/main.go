// Command soak trains the VAE natively for a long time (30 minutes by
// default) and reports, every minute, the loss trajectory, any non-finite
// events and the heap in use, which must stay flat: the training step
// allocates nothing in steady state.
//
//	go run ./cmd/soak [-duration 30m] [-every 1m]
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/govae/govae/core"
	"github.com/govae/govae/core/mnist"
)

func main() {
	duration := flag.Duration("duration", 30*time.Minute, "how long to train")
	every := flag.Duration("every", time.Minute, "how often to report")
	flag.Parse()
	if err := run(*duration, *every, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

func run(duration, every time.Duration, w io.Writer) error {
	train, err := mnist.Open(mnist.Train)
	if err != nil {
		return err
	}
	test, err := mnist.Open(mnist.Test)
	if err != nil {
		return err
	}
	model, err := core.New(core.DefaultArchitecture(), 7)
	if err != nil {
		return err
	}
	cfg := core.DefaultTrainConfig()
	trainer, err := core.NewTrainer(model, cfg, train.Pixels, train.N)
	if err != nil {
		return err
	}
	const evalImages = 2000
	fmt.Fprintf(w, "%8s %8s %6s %10s %10s %10s %12s\n", "elapsed", "step", "epoch", "test-ELBO", "nonfinite", "heap MiB", "examples/s")
	start, last := time.Now(), time.Now()
	var lastSteps, nonFinite int
	var heapMin, heapMax uint64
	for time.Since(start) < duration {
		if _, err := trainer.TrainStep(); err != nil {
			if !errors.Is(err, core.ErrNonFinite) {
				return err
			}
			nonFinite++
			fmt.Fprintln(w, "non-finite step:", err)
		}
		if time.Since(last) < every {
			continue
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		if heapMin == 0 || ms.HeapInuse < heapMin {
			heapMin = ms.HeapInuse
		}
		heapMax = max(heapMax, ms.HeapInuse)
		ev := core.Evaluate(model, test.Pixels, evalImages, cfg.Likelihood, 0)
		rate := float64((trainer.Steps-lastSteps)*cfg.BatchSize) / time.Since(last).Seconds()
		fmt.Fprintf(w, "%8s %8d %6d %10.2f %10d %10.2f %12.0f\n", time.Since(start).Round(time.Second),
			trainer.Steps, trainer.Epoch, ev.NegELBO, nonFinite, float64(ms.HeapInuse)/(1<<20), rate)
		last, lastSteps = time.Now(), trainer.Steps
	}
	fmt.Fprintf(w, "done: %d steps, %d epochs, %d non-finite events, heap in use %.2f–%.2f MiB\n",
		trainer.Steps, trainer.Epoch, nonFinite, float64(heapMin)/(1<<20), float64(heapMax)/(1<<20))
	return nil
}
