package view

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/govae/govae/core"
)

// The architecture in words, as the page shows it, is core's
// Architecture.String: "784-256-128-(2,2) | 2-128-256-784 ReLU", then
// ", batch norm" and ", dropout 0.2" when they are on.
//
// The architecture's compact spec, the value of the URL parameter "arch"
// (ArchKey) and the text the editor can be set from:
//
//	spec    = [ widths "-" ] "z" latent [ "-" widths ] "-" activation [ "-bn" ] [ "-dropout" rate ]
//	widths  = width { "-" width }
//
// The widths before z are the encoder's hidden layers from the input
// towards the latent, those after it the decoder's from the latent towards
// the output; the input and output are the 784 pixels of an MNIST image and
// are not written. activation is relu, leakyrelu, tanh or sigmoid; bn turns
// batch norm on; dropout is followed by the rate. The options may come in
// either order; the spec is read case-insensitively. Only characters that
// a URL query carries unescaped are used. Examples:
//
//	256-128-z2-128-256-relu                  the reference model, 784-256-128-(2,2) | 2-128-256-784 ReLU
//	512-z8-512-leakyrelu-bn-dropout0.2       one hidden layer each side, latent 8, batch norm, dropout 0.2
//	z2-sigmoid                               no hidden layers
//
// Every value must be within core.EditorLimits: 0–4 hidden layers per side
// of 8–1024 units, latent size 2–16, dropout rate 0–0.9.

// ArchKey is the URL parameter that holds the architecture's spec.
const ArchKey = "arch"

// ParseArch reads an architecture's compact spec (see above). The error,
// meant for the visitor, names the first part that is wrong: the layer, the
// value and its range ("encoder layer 2: width 0 out of range [8, 1024]"),
// a part that is not a number, an unknown activation or option, a missing
// latent size or activation. The architecture returned has the page's
// 784-pixel input and non-nil Encoder and Decoder slices.
func ParseArch(spec string) (core.Architecture, error) {
	a, err := parseArch(spec)
	if err != nil {
		return core.Architecture{}, err
	}
	return a, CheckArch(a)
}

func parseArch(spec string) (core.Architecture, error) {
	lim := core.EditorLimits()
	a := core.Architecture{Input: lim.MinInput, Encoder: []int{}, Decoder: []int{}}
	s := strings.ToLower(strings.TrimSpace(spec))
	if s == "" {
		return a, errors.New("empty architecture; write it as, for example, 256-128-z2-128-256-relu")
	}
	parts := strings.Split(s, "-")
	for i, p := range parts {
		if p == "" {
			return a, fmt.Errorf("empty part %d of the architecture (two dashes, or one at an end)", i+1)
		}
	}
	zi := -1
	for i, p := range parts {
		if p[0] == 'z' {
			zi = i
			break
		}
	}
	if zi < 0 {
		return a, fmt.Errorf("no latent size (z followed by %d to %d, between the encoder's and the decoder's widths)",
			lim.MinLatent, lim.MaxLatent)
	}
	var err error
	if a.Encoder, err = parseWidths("encoder", parts[:zi]); err != nil {
		return a, err
	}
	if a.Latent, err = ParseLatent(parts[zi][1:]); err != nil {
		return a, err
	}
	ai := -1
	for i := zi + 1; i < len(parts) && ai < 0; i++ {
		if _, err := core.ParseActivation(parts[i]); err == nil {
			ai = i
		}
	}
	if ai < 0 {
		for _, p := range parts[zi+1:] {
			if !startsWithDigit(p) && !isArchOption(p) {
				return a, fmt.Errorf("unknown activation %q (want relu, leakyrelu, tanh or sigmoid)", p)
			}
		}
		return a, errors.New("no activation after the decoder's widths (want relu, leakyrelu, tanh or sigmoid)")
	}
	if a.Decoder, err = parseWidths("decoder", parts[zi+1:ai]); err != nil {
		return a, err
	}
	a.Activation, _ = core.ParseActivation(parts[ai])
	var seenBN, seenDropout bool
	for _, p := range parts[ai+1:] {
		switch {
		case p == "bn" && !seenBN:
			a.BatchNorm, seenBN = true, true
		case strings.HasPrefix(p, "dropout") && !seenDropout:
			if a.Dropout, err = ParseDropout(strings.TrimPrefix(p, "dropout")); err != nil {
				return a, err
			}
			seenDropout = true
		case p == "bn":
			return a, errors.New("bn given twice")
		case strings.HasPrefix(p, "dropout"):
			return a, errors.New("dropout given twice")
		default:
			return a, fmt.Errorf("unknown option %q after the activation (want bn or dropout followed by the rate)", p)
		}
	}
	return a, nil
}

func startsWithDigit(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }

func isArchOption(s string) bool { return s == "bn" || strings.HasPrefix(s, "dropout") }

// parseWidths reads the hidden layers of one side ("encoder" or
// "decoder"): first their number, then each width.
func parseWidths(side string, parts []string) ([]int, error) {
	if err := visitorError(core.EditorLimits().CheckLayers(side, len(parts))); err != nil {
		return nil, err
	}
	widths := make([]int, len(parts))
	for k, p := range parts {
		w, err := ParseWidth(side, k+1, p)
		if err != nil {
			return nil, err
		}
		widths[k] = w
	}
	return widths, nil
}

// ParseWidth reads the width of hidden layer k (from 1) of side ("encoder"
// or "decoder") as the editor's field holds it: digits only, within
// core.EditorLimits.
func ParseWidth(side string, k int, value string) (int, error) {
	value = strings.TrimSpace(value)
	w, err := parseDigits(value)
	if err != nil {
		return 0, fmt.Errorf("%s layer %d: width %q is not a whole number", side, k, value)
	}
	return w, visitorError(core.EditorLimits().CheckWidth(side, k, w))
}

// ParseLatent reads the latent size (digits only) within core.EditorLimits.
func ParseLatent(value string) (int, error) {
	value = strings.TrimSpace(value)
	n, err := parseDigits(value)
	if err != nil {
		return 0, fmt.Errorf("latent size %q is not a whole number", value)
	}
	return n, visitorError(core.EditorLimits().CheckLatent(n))
}

// ParseDropout reads a dropout rate within core.EditorLimits (0 to 0.9; NaN
// is refused). −0 is read as 0.
func ParseDropout(value string) (float32, error) {
	value = strings.TrimSpace(value)
	v, err := strconv.ParseFloat(value, 32)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("dropout rate %q is not a number", value)
	}
	r := float32(v) + 0 // −0 becomes +0
	return r, visitorError(core.EditorLimits().CheckDropout(r))
}

// ParseActivationName reads an activation's name, case-insensitively:
// relu, leakyrelu, tanh or sigmoid.
func ParseActivationName(value string) (core.Activation, error) {
	a, err := core.ParseActivation(strings.ToLower(strings.TrimSpace(value)))
	return a, visitorError(err)
}

// parseDigits reads a non-empty run of decimal digits; a number too large
// for an int saturates, so that the range check reports it.
func parseDigits(s string) (int, error) {
	if s == "" {
		return 0, errors.New("empty")
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, errors.New("not a digit")
		}
	}
	n, err := strconv.Atoi(s)
	if errors.Is(err, strconv.ErrRange) {
		return n, nil
	}
	return n, err
}

// CheckArch validates a whole architecture against core.EditorLimits with
// core's own checks. The error (message without core's prefix) unwraps to
// the *core.ArchError that names the field.
func CheckArch(a core.Architecture) error {
	return visitorError(a.ValidateWithin(core.EditorLimits()))
}

// FormatArch returns a's compact spec, which ParseArch reads back as a:
// the widths, z and the latent size, the activation's lower-case name, then
// bn and dropout with the shortest decimal that gives back the float32 rate
// (never an exponent, which would hold a dash).
func FormatArch(a core.Architecture) string {
	parts := make([]string, 0, len(a.Encoder)+len(a.Decoder)+4)
	for _, w := range a.Encoder {
		parts = append(parts, strconv.Itoa(w))
	}
	parts = append(parts, "z"+strconv.Itoa(a.Latent))
	for _, w := range a.Decoder {
		parts = append(parts, strconv.Itoa(w))
	}
	parts = append(parts, a.Activation.String())
	if a.BatchNorm {
		parts = append(parts, "bn")
	}
	if a.Dropout > 0 {
		parts = append(parts, "dropout"+strconv.FormatFloat(float64(a.Dropout), 'f', -1, 32))
	}
	return strings.Join(parts, "-")
}

// Architecture returns the network of s.Arch, or the error that refuses it
// (only a spec set other than through Set or ParseQuery can be refused).
func (s Settings) Architecture() (core.Architecture, error) { return ParseArch(s.Arch) }

// archError is an error of core's with the package prefix dropped (the
// visitor reads the message) that still unwraps to core's error, so that
// errors.As finds the *core.ArchError naming the field.
type archError struct{ err error }

func (e archError) Error() string { return strings.TrimPrefix(e.err.Error(), "core: ") }
func (e archError) Unwrap() error { return e.err }

func visitorError(err error) error {
	if err == nil {
		return nil
	}
	return archError{err}
}
