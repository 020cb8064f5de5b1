package view

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
)

// SweepRun is one precomputed training run of assets/sweep/sweep.json
// (written by cmd/sweep): test figures in nats per image under the run's
// own likelihood, and its manifold's PNG.
type SweepRun struct {
	ID            string  `json:"id"`
	Group         string  `json:"group"` // "beta" or "likelihood"
	Beta          float64 `json:"beta"`
	Likelihood    string  `json:"likelihood"`
	Sigma         float64 `json:"sigma,omitempty"`
	LearnedSigma  float64 `json:"learnedSigma,omitempty"`
	Epochs        int     `json:"epochs"`
	Steps         int     `json:"steps"`
	NegELBO       float64 `json:"negElbo"`
	Recon         float64 `json:"recon"`
	KL            float64 `json:"kl"`
	ReconPerPixel float64 `json:"reconPerPixel"`
	KLPerDim      float64 `json:"klPerDim"`
	Manifold      string  `json:"manifold"`
}

// Sweep is sweep.json.
type Sweep struct {
	Architecture string     `json:"architecture"`
	BatchSize    int        `json:"batchSize"`
	LearningRate float64    `json:"learningRate"`
	GridSize     int        `json:"gridSize"`
	TestImages   int        `json:"testImages"`
	Runs         []SweepRun `json:"runs"`
}

var pngName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{0,80}\.png$`)

// ParseSweep reads sweep.json and checks what the page relies on: run ids
// usable in the URL, manifold names that stay inside the sweep directory,
// known likelihoods and finite figures.
func ParseSweep(data []byte) (Sweep, error) {
	var s Sweep
	if err := json.Unmarshal(data, &s); err != nil {
		return Sweep{}, fmt.Errorf("sweep.json: %v", err)
	}
	if len(s.Runs) == 0 {
		return Sweep{}, fmt.Errorf("sweep.json: no runs")
	}
	seen := map[string]bool{}
	for _, r := range s.Runs {
		switch {
		case !runID.MatchString(r.ID) || seen[r.ID]:
			return Sweep{}, fmt.Errorf("sweep.json: bad or repeated run id %q", r.ID)
		case !pngName.MatchString(r.Manifold):
			return Sweep{}, fmt.Errorf("sweep.json: run %s: bad manifold file name %q", r.ID, r.Manifold)
		case r.Group != "beta" && r.Group != "likelihood":
			return Sweep{}, fmt.Errorf("sweep.json: run %s: unknown group %q", r.ID, r.Group)
		}
		if _, err := parseLikelihoodName(r.Likelihood); err != nil {
			return Sweep{}, fmt.Errorf("sweep.json: run %s: %v", r.ID, err)
		}
		for _, v := range []float64{r.Beta, r.Sigma, r.LearnedSigma, r.NegELBO, r.Recon, r.KL, r.ReconPerPixel, r.KLPerDim} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return Sweep{}, fmt.Errorf("sweep.json: run %s: non-finite figure", r.ID)
			}
		}
		seen[r.ID] = true
	}
	return s, nil
}

// Run returns the run with the given id.
func (s Sweep) Run(id string) (SweepRun, bool) {
	for _, r := range s.Runs {
		if r.ID == id {
			return r, true
		}
	}
	return SweepRun{}, false
}

// BetaRuns returns the rate–distortion runs (Bernoulli at several β) by
// increasing β.
func (s Sweep) BetaRuns() []SweepRun {
	var out []SweepRun
	for _, r := range s.Runs {
		if r.Group == "beta" {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b SweepRun) int {
		switch {
		case a.Beta < b.Beta:
			return -1
		case a.Beta > b.Beta:
			return 1
		}
		return 0
	})
	return out
}

// LikelihoodRuns returns one run per likelihood at β = 1, in the order
// Bernoulli, Gaussian (fixed σ), Gaussian (learned σ), continuous
// Bernoulli; the Bernoulli one comes from the β sweep.
func (s Sweep) LikelihoodRuns() []SweepRun {
	var out []SweepRun
	for _, lik := range []string{"bernoulli", "gaussian", "gaussian-learned", "continuous-bernoulli"} {
		for _, r := range s.Runs {
			if r.Likelihood == lik && r.Beta == 1 {
				out = append(out, r)
				break
			}
		}
	}
	return out
}
