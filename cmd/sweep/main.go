// Command sweep precomputes the lab's comparison runs: short trainings of
// the reference model at several β (a rate–distortion curve: KL is the rate,
// reconstruction the distortion) and under each likelihood. For every run
// it writes the 20×20 manifold as a PNG and its test figures into
// assets/sweep/sweep.json, which the page shows and lets visitors re-run.
//
//	go run ./cmd/sweep [-epochs 5] [-out assets/sweep]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/govae/govae/core"
	"github.com/govae/govae/core/mnist"
	"github.com/govae/govae/wasm/view"
)

// Run is one precomputed training run as recorded in sweep.json.
type Run struct {
	ID          string  `json:"id"`
	Group       string  `json:"group"` // "beta" or "likelihood"
	Beta        float64 `json:"beta"`
	Likelihood  string  `json:"likelihood"`
	Sigma       float64 `json:"sigma,omitempty"`        // fixed σ of gaussian
	LearnedSig  float64 `json:"learnedSigma,omitempty"` // σ the gaussian-learned run ended with
	Epochs      int     `json:"epochs"`
	Steps       int     `json:"steps"`
	NegELBO     float64 `json:"negElbo"` // test, nats per image, in the run's own likelihood
	Recon       float64 `json:"recon"`
	KL          float64 `json:"kl"`
	ReconPerPix float64 `json:"reconPerPixel"`
	KLPerDim    float64 `json:"klPerDim"`
	Manifold    string  `json:"manifold"` // PNG path relative to the sweep directory
	Seconds     float64 `json:"seconds"`
}

// Sweep is the content of sweep.json.
type Sweep struct {
	Arch       string  `json:"architecture"`
	BatchSize  int     `json:"batchSize"`
	LR         float64 `json:"learningRate"`
	Seed       uint64  `json:"seed"`
	GridSize   int     `json:"gridSize"`
	TestImages int     `json:"testImages"`
	Runs       []Run   `json:"runs"`
}

func main() {
	epochs := flag.Int("epochs", 5, "epochs per run")
	out := flag.String("out", "assets/sweep", "output directory")
	betas := flag.String("betas", "0.1,0.5,1,2,4", "β values of the rate–distortion curve")
	grid := flag.Int("grid", 20, "manifold grid size")
	flag.Parse()
	if err := run(*epochs, *out, *betas, *grid, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sweep:", err)
		os.Exit(1)
	}
}

type spec struct {
	group string
	beta  float64
	lik   core.Likelihood
}

func run(epochs int, out, betaList string, grid int, w io.Writer) error {
	var specs []spec
	for _, s := range strings.Split(betaList, ",") {
		b, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return fmt.Errorf("-betas: %w", err)
		}
		specs = append(specs, spec{"beta", b, core.Likelihood{Kind: core.Bernoulli}})
	}
	for _, lik := range []core.Likelihood{
		{Kind: core.Gaussian, Sigma: core.DefaultGaussianSigma},
		{Kind: core.GaussianLearned},
		{Kind: core.ContinuousBernoulli},
	} {
		specs = append(specs, spec{"likelihood", 1, lik})
	}
	train, err := mnist.Open(mnist.Train)
	if err != nil {
		return err
	}
	test, err := mnist.Open(mnist.Test)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	cfg := core.DefaultTrainConfig()
	sweep := Sweep{Arch: core.DefaultArchitecture().String(), BatchSize: cfg.BatchSize, LR: cfg.LearningRate,
		Seed: cfg.Seed, GridSize: grid, TestImages: test.N}
	for _, s := range specs {
		start := time.Now()
		model, err := core.New(core.DefaultArchitecture(), cfg.Seed)
		if err != nil {
			return err
		}
		c := cfg
		c.Beta, c.Likelihood = s.beta, s.lik
		if c.Likelihood.Sigma == 0 {
			c.Likelihood.Sigma = core.DefaultGaussianSigma
		}
		model.Likelihood = c.Likelihood
		trainer, err := core.NewTrainer(model, c, train.Pixels, train.N)
		if err != nil {
			return err
		}
		steps := epochs * (train.N / c.BatchSize)
		for i := 0; i < steps; i++ {
			if _, err := trainer.TrainStep(); err != nil {
				return err
			}
		}
		ev := core.Evaluate(model, test.Pixels, test.N, c.Likelihood, 0)
		r := Run{
			Group: s.group, Beta: s.beta, Likelihood: c.Likelihood.Kind.String(), Epochs: epochs, Steps: steps,
			NegELBO: round2(ev.NegELBO), Recon: round2(ev.Recon), KL: round2(ev.KL),
			ReconPerPix: round4(ev.Recon / float64(model.Arch.Input)), KLPerDim: round4(ev.KL / float64(model.Arch.Latent)),
		}
		if c.Likelihood.Kind == core.Gaussian {
			r.Sigma = c.Likelihood.Sigma
		}
		if c.Likelihood.Kind == core.GaussianLearned {
			r.LearnedSig = round4(math.Exp(model.LogSigma()))
		}
		r.ID = fmt.Sprintf("%s-%s-beta%g", s.group, r.Likelihood, s.beta)
		r.Manifold = r.ID + ".png"
		if err := writeManifold(filepath.Join(out, r.Manifold), model, c.Likelihood, grid); err != nil {
			return err
		}
		r.Seconds = math.Round(time.Since(start).Seconds())
		sweep.Runs = append(sweep.Runs, r)
		fmt.Fprintf(w, "%-45s test -ELBO %8.2f (recon %8.2f, KL %5.2f)  %3.0fs\n", r.ID, r.NegELBO, r.Recon, r.KL, r.Seconds)
	}
	data, err := json.MarshalIndent(sweep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "sweep.json"), append(data, '\n'), 0o644)
}

// writeManifold decodes the grid×grid quantile grid and writes it as a
// greyscale PNG, white ink on black as the page draws it.
func writeManifold(path string, m *core.Model, lik core.Likelihood, grid int) error {
	pixels := m.Decode(view.GridZ(grid), grid*grid, lik, nil)
	const side = 28
	img := image.NewGray(image.Rect(0, 0, grid*side, grid*side))
	for t := 0; t < grid*grid; t++ {
		ox, oy := (t%grid)*side, (t/grid)*side
		for i := 0; i < side*side; i++ {
			v := min(max(pixels[t*side*side+i], 0), 1)
			img.SetGray(ox+i%side, oy+i/side, color.Gray{Y: uint8(v*255 + 0.5)})
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }
func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }
