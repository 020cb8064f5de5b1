package view

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// The lab's sections, in page order, by the ids the URL uses.
var LabSections = []string{"grad", "draw", "interp", "beta", "lik", "keep"}

// Ranges and defaults of the lab's settings.
const (
	MaxAbsTheta      = 5
	DefaultTheta     = 2
	MinGradSamples   = 10
	MaxGradSamples   = 200000
	DefaultSamples   = 2000
	MaxPostSamples   = 32
	DefaultPost      = 8
	MinInterpSteps   = 3
	MaxInterpSteps   = 16
	DefaultSteps     = 10
	MaxTestDigit     = 9999
	MaxSeed          = 1<<53 - 1 // exact in a JavaScript number
	DefaultRun       = "beta-bernoulli-beta1"
	GradDigitDrawn   = -1 // LabSettings.GradDigit: the visitor's drawing
	allLabSectionBit = 1<<6 - 1
)

// Gradient components of the encoder estimators, as the URL names them:
// ∂/∂μ₁, ∂/∂μ₂, ∂/∂log σ₁², ∂/∂log σ₂².
var GradComponents = []string{"mu1", "mu2", "lv1", "lv2"}

// LabSettings are the lab's selections. They live in the URL with the rest
// of Settings (see Settings.Lab), so a link reproduces the lab's view. All
// fields are comparable, so Settings stays comparable.
type LabSettings struct {
	Open      bool    // lab: the lab panel is shown instead of the explorer's
	Sections  uint8   // labsec: bit i set = LabSections[i] expanded
	Theta     float64 // theta: the toy problem's θ
	Samples   int     // gn: single-sample gradient estimates per estimator
	Seed      uint64  // gseed: the estimators' noise
	GradDigit int     // gdigit: test digit index for the encoder estimators, or GradDigitDrawn
	Comp      int     // gcomp: index into GradComponents shown as histograms
	Post      int     // pn: samples z = μ + σ·ε drawn from the posterior of the drawing
	PostSeed  uint64  // pseed: their noise
	A, B      [2]float64
	Steps     int    // isteps: digits on the interpolation path, ends included
	Run       string // run: the precomputed run whose manifold is shown
	Digit     string // digit: the drawing, normalised to 28×28 (EncodeDigit), "" for none
}

// LabKeys are the lab's URL parameters, in the order Query writes them.
var LabKeys = []string{"lab", "labsec", "theta", "gn", "gseed", "gdigit", "gcomp", "pn", "pseed", "ia", "ib", "isteps", "run", "digit"}

// labNames are the lab's settings as a visitor reads them in messages.
var labNames = map[string]string{
	"lab": "lab", "labsec": "lab sections", "theta": "θ", "gn": "gradient samples", "gseed": "estimator seed",
	"gdigit": "estimator digit", "gcomp": "gradient component", "pn": "posterior samples", "pseed": "posterior seed",
	"ia": "interpolation start A", "ib": "interpolation end B", "isteps": "interpolation steps",
	"run": "precomputed run", "digit": "drawn digit",
}

// DefaultLabSettings returns the lab closed with every section expanded.
func DefaultLabSettings() LabSettings {
	return LabSettings{
		Sections: allLabSectionBit, Theta: DefaultTheta, Samples: DefaultSamples, Seed: 1,
		Post: DefaultPost, PostSeed: 1, A: [2]float64{-1.5, -1}, B: [2]float64{1.5, 1},
		Steps: DefaultSteps, Run: DefaultRun,
	}
}

// SectionOpen reports whether the lab section id is expanded.
func (l LabSettings) SectionOpen(id string) bool {
	for i, s := range LabSections {
		if s == id {
			return l.Sections&(1<<i) != 0
		}
	}
	return false
}

// SetSection expands or collapses the lab section id (unknown ids are ignored).
func (l *LabSettings) SetSection(id string, open bool) {
	for i, s := range LabSections {
		if s == id {
			if open {
				l.Sections |= 1 << i
			} else {
				l.Sections &^= 1 << i
			}
		}
	}
}

var runID = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{0,63}$`)

// isLabKey reports whether key is one of the lab's URL parameters.
func isLabKey(key string) bool {
	_, ok := labNames[key]
	return ok
}

// Set parses value for the lab setting key and applies it; on error l is
// unchanged. The messages name the setting and, for numbers, the range.
func (l *LabSettings) Set(key, value string) error {
	value = strings.TrimSpace(value)
	name := labNames[key]
	switch key {
	case "lab":
		v, err := parseBool(name, value)
		return apply(err, func() { l.Open = v })
	case "labsec":
		var bits uint8
		if value != "" && value != "none" {
			for _, id := range strings.Split(value, ",") {
				i := indexOf(LabSections, strings.TrimSpace(id))
				if i < 0 {
					return fmt.Errorf("%s: unknown section %q (want a list of %s, or none)", name, id, strings.Join(LabSections, ", "))
				}
				bits |= 1 << i
			}
		}
		l.Sections = bits
		return nil
	case "theta":
		v, err := parseFloat(name, value)
		if err == nil && !(math.Abs(v) <= MaxAbsTheta) {
			err = fmt.Errorf("%s %v out of range [−%d, %d]", name, v, MaxAbsTheta, MaxAbsTheta)
		}
		return apply(err, func() { l.Theta = v })
	case "gn":
		v, err := rangedInt(name, value, MinGradSamples, MaxGradSamples)
		return apply(err, func() { l.Samples = v })
	case "gseed", "pseed":
		v, err := strconv.ParseUint(value, 10, 64)
		if err != nil || v > MaxSeed {
			return fmt.Errorf("%s: %q is not a whole number in [0, %d]", name, value, uint64(MaxSeed))
		}
		if key == "gseed" {
			l.Seed = v
		} else {
			l.PostSeed = v
		}
		return nil
	case "gdigit":
		if value == "drawn" {
			l.GradDigit = GradDigitDrawn
			return nil
		}
		v, err := rangedInt(name, value, 0, MaxTestDigit)
		if err != nil {
			err = fmt.Errorf("%v, or drawn", err)
		}
		return apply(err, func() { l.GradDigit = v })
	case "gcomp":
		i := indexOf(GradComponents, value)
		if i < 0 {
			return fmt.Errorf("%s: %q is not one of %s", name, value, strings.Join(GradComponents, ", "))
		}
		l.Comp = i
		return nil
	case "pn":
		v, err := rangedInt(name, value, 1, MaxPostSamples)
		return apply(err, func() { l.Post = v })
	case "ia", "ib":
		p, err := ParsePoint(value)
		if err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
		if key == "ia" {
			l.A = p
		} else {
			l.B = p
		}
		return nil
	case "isteps":
		v, err := rangedInt(name, value, MinInterpSteps, MaxInterpSteps)
		return apply(err, func() { l.Steps = v })
	case "run":
		if !runID.MatchString(value) {
			return fmt.Errorf("%s: %q is not a run id", name, value)
		}
		l.Run = value
		return nil
	case "digit":
		if value == "" {
			l.Digit = ""
			return nil
		}
		if _, err := DecodeDigit(value); err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
		l.Digit = value
		return nil
	}
	return fmt.Errorf("unknown setting %q", key)
}

// Get returns the lab setting key formatted as Set parses it.
func (l LabSettings) Get(key string) string {
	switch key {
	case "lab":
		if l.Open {
			return "1"
		}
		return "0"
	case "labsec":
		var ids []string
		for i, id := range LabSections {
			if l.Sections&(1<<i) != 0 {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			return "none"
		}
		return strings.Join(ids, ",")
	case "theta":
		return formatFloat(l.Theta)
	case "gn":
		return strconv.Itoa(l.Samples)
	case "gseed":
		return strconv.FormatUint(l.Seed, 10)
	case "pseed":
		return strconv.FormatUint(l.PostSeed, 10)
	case "gdigit":
		if l.GradDigit == GradDigitDrawn {
			return "drawn"
		}
		return strconv.Itoa(l.GradDigit)
	case "gcomp":
		return GradComponents[l.Comp]
	case "pn":
		return strconv.Itoa(l.Post)
	case "ia":
		return FormatPoint(l.A)
	case "ib":
		return FormatPoint(l.B)
	case "isteps":
		return strconv.Itoa(l.Steps)
	case "run":
		return l.Run
	case "digit":
		return l.Digit
	}
	return ""
}

// ParsePoint parses a latent point written "z1,z2"; both coordinates must
// lie in [−MaxAbsZ, MaxAbsZ].
func ParsePoint(s string) ([2]float64, error) {
	a, b, ok := strings.Cut(s, ",")
	if !ok {
		return [2]float64{}, fmt.Errorf("%q is not a point z₁,z₂", s)
	}
	var p [2]float64
	for i, part := range []string{a, b} {
		v, err := strconv.ParseFloat(strings.TrimSpace(part), 64)
		if err != nil || !(math.Abs(v) <= MaxAbsZ) {
			return p, fmt.Errorf("%q is not a point z₁,z₂ with coordinates in [−%d, %d]", s, MaxAbsZ, MaxAbsZ)
		}
		p[i] = v
	}
	return p, nil
}

// FormatPoint writes p as ParsePoint reads it, each coordinate exactly
// (FormatCoordinate).
func FormatPoint(p [2]float64) string { return FormatCoordinate(p[0]) + "," + FormatCoordinate(p[1]) }

// Typed returns every setting by URL key as JavaScript would hold it:
// numbers, booleans (overlay, lab) and strings (names, lists, points, and
// words such as a setting's "auto"). Formatting each value as
// JavaScript's String() does and parsing it with Set gives back s.
func (s Settings) Typed() map[string]any {
	out := make(map[string]any, len(Keys))
	for _, k := range Keys {
		v := s.Get(k)
		switch k {
		case "overlay", "lab":
			out[k] = v == "1"
		case "lik", "labsec", "gdigit", "gcomp", "ia", "ib", "run", "digit":
			out[k] = v
		case "gseed", "pseed":
			n, _ := strconv.ParseUint(v, 10, 64)
			out[k] = float64(n)
		default:
			// A number, unless the setting is spelled otherwise (a word
			// such as "auto"): then its text.
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				out[k] = f
			} else {
				out[k] = v
			}
		}
	}
	return out
}

func parseBool(name, value string) (bool, error) {
	switch strings.ToLower(value) {
	case "1", "true", "on", "yes":
		return true, nil
	case "0", "false", "off", "no":
		return false, nil
	}
	return false, fmt.Errorf("%s: %q is not on or off (use 1 or 0)", name, value)
}

func rangedInt(name, value string, lo, hi int) (int, error) {
	v, err := parseInt(name, value)
	if err == nil && (v < lo || v > hi) {
		err = fmt.Errorf("%s %d out of range [%d, %d]", name, v, lo, hi)
	}
	return v, err
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// LabSliders are the range inputs of the lab's numeric settings, by URL key.
var LabSliders = map[string]Slider{
	"theta":  {Min: -MaxAbsTheta, Max: MaxAbsTheta, Step: 0.1},
	"gn":     {Min: 1, Max: 5, Step: 0.1, Base: 10}, // 10 … 100 000
	"pn":     {Min: 1, Max: MaxPostSamples, Step: 1},
	"isteps": {Min: MinInterpSteps, Max: MaxInterpSteps, Step: 1},
}

// LabSliderValue returns the lab setting key at slider position pos,
// formatted for Set: the sample count is a whole number with two
// significant digits (its slider is logarithmic).
func LabSliderValue(key string, pos float64) string {
	sl := LabSliders[key]
	if key == "gn" {
		v := math.Pow(10, pos)
		mag := math.Pow(10, math.Floor(math.Log10(v))-1)
		return strconv.Itoa(int(math.Round(v/mag) * mag))
	}
	return sl.Value(pos)
}
