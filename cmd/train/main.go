// Command train trains govae's VAE on the 60 000 MNIST training images,
// printing per-epoch train and test −ELBO, reconstruction and KL, and writes
// the weights file the page loads.
//
//	go run ./cmd/train [-epochs 100] [-lr 1e-3] [-lr-final 1e-4] [-out assets/vae.bin]
package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/govae/govae/core"
	"github.com/govae/govae/core/mnist"
)

func main() {
	var (
		epochs     = flag.Int("epochs", 100, "passes over the training set")
		lr         = flag.Float64("lr", 1e-3, "initial learning rate")
		lrFinal    = flag.Float64("lr-final", 1e-4, "learning rate at the last epoch (cosine decay from -lr); equal to -lr for a constant rate")
		batch      = flag.Int("batch", 128, "mini-batch size")
		beta       = flag.Float64("beta", 1, "KL weight β")
		warmup     = flag.Int("warmup", 0, "KL warm-up steps (0 = off)")
		likelihood = flag.String("likelihood", "bernoulli", "bernoulli, gaussian, gaussian-learned or continuous-bernoulli")
		sigma      = flag.Float64("sigma", core.DefaultGaussianSigma, "fixed σ of the gaussian likelihood")
		latent     = flag.Int("latent", 2, "latent dimensions")
		seed       = flag.Uint64("seed", 1, "seed for initialisation, shuffling and ε")
		trainN     = flag.Int("train-images", 0, "use only the first N training images (0 = all)")
		out        = flag.String("out", "assets/vae.bin", "weights file to write after every epoch (empty = none)")
		quiet      = flag.Bool("quiet", false, "no progress bar")
	)
	flag.Parse()
	if err := run(options{
		epochs: *epochs, lr: *lr, lrFinal: *lrFinal, batch: *batch, beta: *beta, warmup: *warmup,
		likelihood: *likelihood, sigma: *sigma, latent: *latent, seed: *seed, trainN: *trainN,
		out: *out, progress: !*quiet,
	}, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

type options struct {
	epochs, batch, warmup, latent, trainN int
	lr, lrFinal, beta, sigma              float64
	likelihood, out                       string
	seed                                  uint64
	progress                              bool
}

func run(o options, stdout, stderr io.Writer) error {
	kind, err := core.ParseLikelihood(o.likelihood)
	if err != nil {
		return err
	}
	if o.epochs < 1 {
		return fmt.Errorf("-epochs %d: need at least 1", o.epochs)
	}
	train, err := mnist.Open(mnist.Train)
	if err != nil {
		return err
	}
	test, err := mnist.Open(mnist.Test)
	if err != nil {
		return err
	}
	n := train.N
	if o.trainN > 0 && o.trainN < n {
		n = o.trainN
	}
	arch := core.DefaultArchitecture()
	arch.Latent = o.latent
	model, err := core.New(arch, o.seed)
	if err != nil {
		return err
	}
	cfg := core.DefaultTrainConfig()
	cfg.Likelihood = core.Likelihood{Kind: kind, Sigma: o.sigma}
	cfg.Beta, cfg.WarmupSteps, cfg.BatchSize, cfg.Seed, cfg.LearningRate = o.beta, o.warmup, o.batch, o.seed, o.lr
	model.Likelihood = cfg.Likelihood
	trainer, err := core.NewTrainer(model, cfg, train.Pixels, n)
	if err != nil {
		return err
	}
	stepsPerEpoch := n / min(o.batch, n)
	fmt.Fprintf(stdout, "model %s, %d parameters; %s likelihood, β %g, warm-up %d; Adam lr %g→%g; batch %d; %d train / %d test images\n",
		arch, len(model.Values()), kind, o.beta, o.warmup, o.lr, o.lrFinal, o.batch, n, test.N)
	for epoch := 1; epoch <= o.epochs; epoch++ {
		cfg.LearningRate = cosineRate(o.lr, o.lrFinal, epoch-1, o.epochs)
		if err := trainer.SetConfig(cfg); err != nil {
			return err
		}
		start := time.Now()
		var sum core.Loss
		for s := 0; s < stepsPerEpoch; s++ {
			loss, err := trainer.TrainStep()
			if err != nil {
				return err
			}
			sum.NegELBO += loss.NegELBO
			sum.Recon += loss.Recon
			sum.KL += loss.KL
			if o.progress && (s%20 == 0 || s == stepsPerEpoch-1) {
				bar(stderr, epoch, s+1, stepsPerEpoch, float64((s+1)*o.batch)/time.Since(start).Seconds())
			}
		}
		elapsed := time.Since(start)
		k := float64(stepsPerEpoch)
		ev := core.Evaluate(model, test.Pixels, test.N, cfg.Likelihood, 0)
		if o.progress {
			fmt.Fprint(stderr, "\r\033[K")
		}
		fmt.Fprintf(stdout, "epoch %3d/%d  train -ELBO %7.2f (recon %7.2f, KL %5.2f)  test -ELBO %7.2f (recon %7.2f, KL %5.2f)  lr %.2e  %6.0f examples/s\n",
			epoch, o.epochs, sum.NegELBO/k, sum.Recon/k, sum.KL/k, ev.NegELBO, ev.Recon, ev.KL,
			cfg.LearningRate, float64(stepsPerEpoch*o.batch)/elapsed.Seconds())
		if math.IsNaN(ev.NegELBO) {
			return fmt.Errorf("test -ELBO is NaN after epoch %d", epoch)
		}
		if o.out != "" {
			if err := writeAtomic(o.out, model.MarshalBinary()); err != nil {
				return err
			}
		}
	}
	if o.out != "" {
		fmt.Fprintf(stdout, "wrote %s\n", o.out)
	}
	return nil
}

// cosineRate decays from lr to final over epochs following half a cosine.
func cosineRate(lr, final float64, epoch, epochs int) float64 {
	if epochs <= 1 {
		return lr
	}
	t := float64(epoch) / float64(epochs-1)
	return final + (lr-final)*0.5*(1+math.Cos(math.Pi*t))
}

func bar(w io.Writer, epoch, done, total int, rate float64) {
	const width = 30
	fill := done * width / total
	fmt.Fprintf(w, "\repoch %d [%s%s] %d/%d steps %6.0f examples/s", epoch,
		strings.Repeat("=", fill), strings.Repeat(" ", width-fill), done, total, rate)
}

// writeAtomic writes data to a temporary file beside path and renames it,
// so an interrupted run never leaves a half-written weights file.
func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".weights-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
