package view

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/govae/govae/core"
	"github.com/govae/govae/core/mnist"
)

// Ranges of the page's own settings; the training settings' ranges are
// core's (TrainConfig.Validate, Likelihood.Validate).
const (
	MinGrid     = 10 // smaller grids would put the plane's edge at p ≤ 0
	MaxGrid     = 30 // 900 decodes, about as many as a refresh can afford
	DefaultGrid = 20
	MinDots     = 100
	MaxDots     = 10000 // the size of the MNIST test set
	DefaultDots = 500
	MaxAbsZ     = 5
	// AutoWorkers picks the number of training Web Workers from the cores.
	AutoWorkers = -1
	MaxWorkers  = 8 // app.MaxWorkers
)

// Settings is everything a visitor can set. All of it lives in the page's
// URL (see Query and ParseQuery), so a link reproduces the view.
type Settings struct {
	LearningRate float64
	BatchSize    int
	Beta         float64
	WarmupSteps  int
	Likelihood   core.LikelihoodKind
	Sigma        float64     // σ of the fixed-σ Gaussian likelihood
	Grid         int         // the manifold has Grid×Grid tiles
	Overlay      bool        // draw the encoder means of test digits
	Dots         int         // how many test digits the overlay encodes
	Z1, Z2       float64     // the selected latent point
	Lab          LabSettings // the lab's selections (lab_settings.go)
	// Workers is how many Web Workers train (0: in the page itself), or
	// AutoWorkers.
	Workers int
	// Arch is the network's compact spec, canonical (URL parameter
	// ArchKey; Architecture in arch.go); the page builds fresh weights when
	// it changes.
	Arch string
	// Dataset is the data set shown and trained (URL parameter
	// DatasetKey): a core/mnist Source ID, or OwnDataset.
	Dataset string
	// Slice is the plane's 2-D slice of a larger latent space (URL
	// parameters SliceKeys, slice_settings.go).
	Slice SliceSettings
}

// Keys lists the URL parameters, in the order Query writes them.
var Keys = append(append([]string{DatasetKey, "lr", "batch", "beta", "warmup", "lik", "sigma", "workers", ArchKey, "grid", "overlay", "dots", "z1", "z2"},
	SliceKeys...), LabKeys...)

// names are the settings as a visitor reads them in messages.
var names = map[string]string{
	"lr": "learning rate", "batch": "batch size", "beta": "β", "warmup": "KL warm-up steps",
	"lik": "likelihood", "sigma": "Gaussian σ", "grid": "grid size", "overlay": "overlay",
	"dots": "overlay digits", "z1": "z₁", "z2": "z₂", "workers": "training workers", ArchKey: "architecture",
	DatasetKey: "data set",
}

// DefaultLearningRate is the page's Adam learning rate, 3e-3 — three times
// core.DefaultTrainConfig's 1e-3 (which cmd/train's long runs decay from).
// A visitor watches the first minute, about five epochs in one Web Worker
// here, and there the higher rate is ahead all the way: test −ELBO after
// 1, 2, 4, 8 epochs 164.7, 158.1, 152.8, 147.2 nats at 3e-3 against 171.1,
// 164.2, 157.5, 151.5 at 1e-3 (10 000 test images; default network, batch 128,
// constant rate, `go run ./cmd/train -epochs 8 -lr R -lr-final R`, then
// `go run ./cmd/eval -heldout`: 147.7 against 152.0 on the page's held-out
// images); ahead or level through 15 epochs (test 144.9 against 146.0), from
// 16 on (≈ 2½ minutes here) noisier and level with 1e-3 (at 20: test 144.5
// against 144.5, held-out 145.5 against 144.7) — a visitor who trains for
// long can lower the rate. 5e-3 gained 0.7 nats more at 8 epochs; 3e-3
// leaves room for the other likelihoods and deeper networks the editor
// allows.
const DefaultLearningRate = 3e-3

// DefaultSettings returns core's default training settings with the page's
// learning rate (DefaultLearningRate) and the default view: a 20×20 grid,
// no overlay, z at the origin.
func DefaultSettings() Settings {
	c := core.DefaultTrainConfig()
	return Settings{
		LearningRate: DefaultLearningRate, BatchSize: c.BatchSize, Beta: c.Beta, WarmupSteps: c.WarmupSteps,
		Likelihood: c.Likelihood.Kind, Sigma: c.Likelihood.Sigma, Grid: DefaultGrid, Dots: DefaultDots,
		Lab: DefaultLabSettings(), Workers: AutoWorkers, Arch: FormatArch(core.DefaultArchitecture()),
		Dataset: mnist.MNIST.ID,
		Slice:   DefaultSliceSettings(),
	}
}

// TrainConfig returns the training settings as core wants them.
func (s Settings) TrainConfig() core.TrainConfig {
	c := core.DefaultTrainConfig()
	c.LearningRate, c.BatchSize, c.Beta, c.WarmupSteps = s.LearningRate, s.BatchSize, s.Beta, s.WarmupSteps
	c.Likelihood = core.Likelihood{Kind: s.Likelihood, Sigma: s.Sigma}
	return c
}

// Set parses value for the setting key and applies it. On error s is
// unchanged and the message, meant for the visitor, names the setting and,
// for a number out of range, the range.
func (s *Settings) Set(key, value string) error {
	value = strings.TrimSpace(value)
	name := names[key]
	switch key {
	case "lr":
		v, err := parseFloat(name, value)
		if err == nil {
			err = checkTrain(func(c *core.TrainConfig) { c.LearningRate = v })
		}
		return apply(err, func() { s.LearningRate = v })
	case "batch":
		v, err := parseInt(name, value)
		if err == nil {
			err = checkTrain(func(c *core.TrainConfig) { c.BatchSize = v })
		}
		return apply(err, func() { s.BatchSize = v })
	case "beta":
		v, err := parseFloat(name, value)
		if err == nil {
			err = checkTrain(func(c *core.TrainConfig) { c.Beta = v })
		}
		return apply(err, func() { s.Beta = v })
	case "warmup":
		v, err := parseInt(name, value)
		if err == nil {
			err = checkTrain(func(c *core.TrainConfig) { c.WarmupSteps = v })
		}
		return apply(err, func() { s.WarmupSteps = v })
	case "lik":
		k, err := core.ParseLikelihood(value)
		return apply(coreError(err), func() { s.Likelihood = k })
	case "sigma":
		v, err := parseFloat(name, value)
		if err == nil {
			err = coreError(core.Likelihood{Kind: core.Gaussian, Sigma: v}.Validate())
		}
		return apply(err, func() { s.Sigma = v })
	case "workers":
		if strings.EqualFold(value, "auto") {
			s.Workers = AutoWorkers
			return nil
		}
		v, err := parseInt(name, value)
		if err == nil && (v < 0 || v > MaxWorkers) {
			err = fmt.Errorf("training workers %d out of range [0, %d] (0 trains in the page; or auto)", v, MaxWorkers)
		}
		return apply(err, func() { s.Workers = v })
	case ArchKey:
		a, err := ParseArch(value)
		return apply(err, func() { s.Arch = FormatArch(a) })
	case DatasetKey:
		v, err := parseDataset(value)
		return apply(err, func() { s.Dataset = v })
	case "grid":
		v, err := parseInt(name, value)
		if err == nil && (v < MinGrid || v > MaxGrid) {
			err = fmt.Errorf("grid size %d out of range [%d, %d]", v, MinGrid, MaxGrid)
		}
		return apply(err, func() { s.Grid = v })
	case "overlay":
		var v bool
		switch strings.ToLower(value) {
		case "1", "true", "on", "yes":
			v = true
		case "0", "false", "off", "no":
		default:
			return fmt.Errorf("overlay: %q is not on or off (use 1 or 0)", value)
		}
		s.Overlay = v
		return nil
	case "dots":
		v, err := parseInt(name, value)
		if err == nil && (v < MinDots || v > MaxDots) {
			err = fmt.Errorf("overlay digits %d out of range [%d, %d]", v, MinDots, MaxDots)
		}
		return apply(err, func() { s.Dots = v })
	case "z1", "z2":
		v, err := parseFloat(name, value)
		if err == nil && !(math.Abs(v) <= MaxAbsZ) {
			err = fmt.Errorf("%s %v out of range [−%d, %d]", name, v, MaxAbsZ, MaxAbsZ)
		}
		return apply(err, func() {
			if key == "z1" {
				s.Z1 = v
			} else {
				s.Z2 = v
			}
		})
	}
	if isSliceKey(key) {
		return s.Slice.Set(key, value)
	}
	if isLabKey(key) {
		return s.Lab.Set(key, value)
	}
	return fmt.Errorf("unknown setting %q", key)
}

// Get returns the setting key formatted as Set parses it.
func (s Settings) Get(key string) string {
	switch key {
	case "lr":
		return formatFloat(s.LearningRate)
	case "batch":
		return strconv.Itoa(s.BatchSize)
	case "beta":
		return formatFloat(s.Beta)
	case "warmup":
		return strconv.Itoa(s.WarmupSteps)
	case "lik":
		return s.Likelihood.String()
	case "sigma":
		return formatFloat(s.Sigma)
	case "workers":
		if s.Workers == AutoWorkers {
			return "auto"
		}
		return strconv.Itoa(s.Workers)
	case ArchKey:
		return s.Arch
	case DatasetKey:
		return s.Dataset
	case "grid":
		return strconv.Itoa(s.Grid)
	case "overlay":
		if s.Overlay {
			return "1"
		}
		return "0"
	case "dots":
		return strconv.Itoa(s.Dots)
	case "z1":
		return FormatCoordinate(s.Z1)
	case "z2":
		return FormatCoordinate(s.Z2)
	}
	if isSliceKey(key) {
		return s.Slice.Get(key)
	}
	return s.Lab.Get(key)
}

// Query returns every setting as a URL query string (without "?").
func (s Settings) Query() string {
	var b strings.Builder
	for i, k := range Keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k + "=" + url.QueryEscape(s.Get(k)))
	}
	return b.String()
}

// Notice reports a URL parameter that was ignored, and why.
type Notice struct {
	Key, Value, Message string
}

// ParseQuery reads settings from a URL query (with or without its "?").
// Unknown, malformed and out-of-range parameters are ignored, each with a
// Notice; those settings keep their defaults.
func ParseQuery(raw string) (Settings, []Notice) {
	s := DefaultSettings()
	var notices []Notice
	for _, part := range strings.Split(strings.TrimPrefix(raw, "?"), "&") {
		if part == "" {
			continue
		}
		rawKey, rawValue, _ := strings.Cut(part, "=")
		key, err1 := url.QueryUnescape(rawKey)
		value, err2 := url.QueryUnescape(rawValue)
		if err1 != nil || err2 != nil {
			notices = append(notices, Notice{Key: rawKey, Value: rawValue,
				Message: fmt.Sprintf("malformed parameter %q ignored", part)})
			continue
		}
		if _, known := names[key]; !known && !isLabKey(key) && !isSliceKey(key) {
			notices = append(notices, Notice{Key: key, Value: value,
				Message: fmt.Sprintf("unknown parameter %q ignored", key)})
			continue
		}
		if err := s.Set(key, value); err != nil {
			notices = append(notices, Notice{Key: key, Value: value,
				Message: fmt.Sprintf("%s=%s refused: %v; using %s", key, value, err, DefaultSettings().Get(key))})
		}
	}
	return s, notices
}

func apply(err error, set func()) error {
	if err != nil {
		return err
	}
	set()
	return nil
}

func parseFloat(name, value string) (float64, error) {
	v, err := strconv.ParseFloat(value, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %q is not a number", name, value)
	}
	return v, nil
}

func parseInt(name, value string) (int, error) {
	v, err := strconv.Atoi(value)
	if errors.Is(err, strconv.ErrRange) {
		return v, nil // saturated, so the range check names the range
	}
	if err != nil {
		return 0, fmt.Errorf("%s: %q is not a whole number", name, value)
	}
	return v, nil
}

// checkTrain validates one changed training setting with core's own
// ranges, so the page and the trainer cannot disagree.
func checkTrain(change func(*core.TrainConfig)) error {
	c := core.DefaultTrainConfig()
	change(&c)
	return coreError(c.Validate())
}

// coreError drops core's package prefix: the visitor reads the message.
func coreError(err error) error {
	if err == nil {
		return nil
	}
	return errors.New(strings.TrimPrefix(err.Error(), "core: "))
}

// formatFloat writes v exactly: the shortest decimal that parses back to
// the same float64 (strconv's 'g', −1).
func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// FormatCoordinate writes a latent coordinate for the URL: the shortest
// decimal without exponent that parses back to exactly v (strconv's 'f',
// −1), padded with zeros to at least three decimals, so that round points
// keep their familiar form (−1.500, 0.000) and every other one is exact
// (0.27179487179487183, not 0.272). Exact rather than rounded because the
// page keeps z at full precision wherever it comes from (a click, a key,
// the lab), and a link must land on the digit that was shown; the state is
// never rounded, so the URL is what must not round. Coordinates lie within
// ±MaxAbsZ, so the text stays short (17 significant digits at most, except
// for subnormal numbers).
func FormatCoordinate(v float64) string {
	t := strconv.FormatFloat(v, 'f', -1, 64)
	dot := strings.IndexByte(t, '.')
	if dot < 0 {
		return t + ".000"
	}
	if d := len(t) - dot - 1; d < 3 {
		t += strings.Repeat("0", 3-d)
	}
	return t
}
