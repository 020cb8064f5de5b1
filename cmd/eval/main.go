// Command eval loads a weights file and prints its average test −ELBO,
// reconstruction and KL over the 10 000 MNIST test images (one z sample per
// image, fixed seed), as one line:
//
//	test -ELBO: 143.21 nats (recon 137.02, KL 6.19) on 10000 images
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
	flag.Parse()
	if err := run(*weights, *seed, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "eval:", err)
		os.Exit(1)
	}
}

func run(path string, seed uint64, w io.Writer) error {
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
	l := core.Evaluate(model, test.Pixels, test.N, model.Likelihood, seed)
	_, err = fmt.Fprintf(w, "test -ELBO: %.2f nats (recon %.2f, KL %.2f) on %d images\n", l.NegELBO, l.Recon, l.KL, l.N)
	return err
}
