// Command eval loads a weights file and prints its average test −ELBO,
// reconstruction and KL over the 10 000 MNIST test images (one z sample per
// image, fixed seed), as one line:
//
//	test -ELBO: 143.21 nats (recon 137.02, KL 6.19) on 10000 images
//
// With -heldout it evaluates the page's held-out set instead (every tenth
// test image, ε seeded by core.HeldOutSeed: the held-out curve's figures)
// and adds the KL of each latent dimension and the default pair of the
// 2-D slice (core.DefaultPair, dimensions counted from 1).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/govae/govae/core"
	"github.com/govae/govae/core/mnist"
)

func main() {
	weights := flag.String("weights", "assets/vae.bin", "weights file")
	seed := flag.Uint64("seed", 0, "seed of the ε draws")
	heldOut := flag.Bool("heldout", false, "evaluate the page's held-out set (1 000 test images, its fixed seed) and print the KL per latent dimension")
	flag.Parse()
	if err := run(*weights, *seed, *heldOut, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "eval:", err)
		os.Exit(1)
	}
}

func run(path string, seed uint64, heldOut bool, w io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	model, err := core.ReadModel(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	test, err := mnist.Open(mnist.Test)
	if err != nil {
		return err
	}
	if heldOut {
		return printHeldOut(model, test, w)
	}
	l := core.Evaluate(model, test.Pixels, test.N, model.Likelihood, seed)
	_, err = fmt.Fprintf(w, "test -ELBO: %.2f nats (recon %.2f, KL %.2f) on %d images\n", l.NegELBO, l.Recon, l.KL, l.N)
	return err
}

// printHeldOut prints the held-out evaluation of model, as the page's
// held-out curve measures it, with the KL per latent dimension.
func printHeldOut(model *core.Model, test *mnist.Dataset, w io.Writer) error {
	px, err := core.HeldOutImages(test.Pixels, test.N, mnist.ImageSize, core.HeldOutSize)
	if err != nil {
		return err
	}
	e, err := core.EvaluatePerDim(model, px, core.HeldOutSize, model.Likelihood, core.HeldOutSeed)
	if err != nil {
		return err
	}
	i, j, err := core.DefaultPair(e.KLPerDim)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "held-out -ELBO: %.2f nats (recon %.2f, KL %.2f) on %d images\nKL per latent dimension (nats):", e.NegELBO, e.Recon, e.KL, e.N)
	for _, v := range e.KLPerDim {
		fmt.Fprintf(w, " %.2f", v)
	}
	_, err = fmt.Fprintf(w, "\ndefault pair: dimensions %d and %d\n", i+1, j+1)
	return err
}
