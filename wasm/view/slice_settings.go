package view

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/govae/govae/core"
)

// The plane's 2-D slice of a latent space larger than 2 (issue 11) as the
// visitor chooses it: which two latent dimensions the plane shows, and where
// the others are held. The Slice itself (slice.go) is built from these, the
// model's latent size and its KL per dimension.

// SliceKeys are the URL parameters of the slice, in the order Query writes
// them: dims ("auto", or the two dimensions from 1, "3,1": horizontal then
// vertical) and ref ("origin", "digitK" for the encoder mean of the first
// test image of class K, or "drawing" for the lab's drawing's).
var SliceKeys = []string{"dims", "ref"}

// RefKind says where the dimensions the plane does not show are held.
type RefKind uint8

// The references of a slice.
const (
	RefOrigin  RefKind = iota // z = 0, the prior's mean
	RefDigit                  // the encoder mean μ of a test digit (SliceSettings.Digit)
	RefDrawing                // the encoder mean μ of the lab's drawing
)

// SliceSettings is the visitor's choice of slice.
type SliceSettings struct {
	// Auto shows the two dimensions with the largest KL (core.DefaultPair);
	// otherwise I and J, 0-based, I ≠ J, below core.EditorLimits' latent
	// size.
	Auto bool
	I, J int
	Ref  RefKind
	// Digit is the class (0–9) whose first test image is the reference
	// when Ref is RefDigit.
	Digit int
}

// DefaultSliceSettings returns the automatic pair through the origin.
func DefaultSliceSettings() SliceSettings { return SliceSettings{Auto: true, I: 0, J: 1} }

func isSliceKey(key string) bool { return key == "dims" || key == "ref" }

// Set parses value for key ("dims" or "ref"); on error s is unchanged and
// the message names the setting and its range.
func (s *SliceSettings) Set(key, value string) error {
	value = strings.ToLower(strings.TrimSpace(value))
	switch key {
	case "dims":
		if value == "auto" {
			s.Auto, s.I, s.J = true, 0, 1 // as the default, so that the URL says all
			return nil
		}
		a, b, ok := strings.Cut(value, ",")
		i, err1 := strconv.Atoi(strings.TrimSpace(a))
		j, err2 := strconv.Atoi(strings.TrimSpace(b))
		max := core.EditorLimits().MaxLatent
		switch {
		case !ok || err1 != nil || err2 != nil:
			return fmt.Errorf("plane dimensions %q: want auto or two dimensions such as 3,1", value)
		case i < 1 || i > max || j < 1 || j > max:
			return fmt.Errorf("plane dimensions %d,%d out of range [1, %d]", i, j, max)
		case i == j:
			return fmt.Errorf("plane dimensions %d,%d: want two different dimensions", i, j)
		}
		s.Auto, s.I, s.J = false, i-1, j-1
		return nil
	case "ref":
		switch {
		case value == "origin" || value == "0":
			s.Ref = RefOrigin
		case value == "drawing":
			s.Ref = RefDrawing
		case strings.HasPrefix(value, "digit") && len(value) == len("digit")+1 && value[5] >= '0' && value[5] <= '9':
			s.Ref, s.Digit = RefDigit, int(value[5]-'0')
		default:
			return fmt.Errorf("slice reference %q: want origin, digit0 to digit9, or drawing", value)
		}
		return nil
	}
	return fmt.Errorf("unknown setting %q", key)
}

// Get returns the setting key formatted as Set parses it.
func (s SliceSettings) Get(key string) string {
	switch key {
	case "dims":
		if s.Auto {
			return "auto"
		}
		return fmt.Sprintf("%d,%d", s.I+1, s.J+1)
	case "ref":
		switch s.Ref {
		case RefDigit:
			return fmt.Sprintf("digit%d", s.Digit)
		case RefDrawing:
			return "drawing"
		}
		return "origin"
	}
	return ""
}

// Pair returns the latent dimensions (0-based) the plane shows in a latent
// space of d ≥ 2 dimensions whose KL per dimension is kl (d values, or nil
// when not measured yet): the chosen pair when it fits in d, otherwise the
// default pair — core.DefaultPair of kl, or (0, 1) before kl is known or
// when it is not finite. note says why a chosen pair was not used ("" when
// it was, or when the pair is automatic).
func (s SliceSettings) Pair(d int, kl []float64) (i, j int, note string) {
	if !s.Auto {
		if s.I < d && s.J < d {
			return s.I, s.J, ""
		}
		note = fmt.Sprintf("dimensions %d and %d do not exist in a latent space of %d; showing the default pair", s.I+1, s.J+1, d)
	}
	if len(kl) == d {
		if i, j, err := core.DefaultPair(kl); err == nil {
			return i, j, note
		}
	}
	return 0, 1, note
}

// LatentName returns the name of latent dimension k (0-based) as the page
// writes it: z₁, z₂, …, z₁₆.
func LatentName(k int) string {
	const sub = "₀₁₂₃₄₅₆₇₈₉"
	var b strings.Builder
	b.WriteString("z")
	for _, c := range strconv.Itoa(k + 1) {
		d := int(c - '0')
		b.WriteString(sub[3*d : 3*d+3]) // each subscript digit is 3 bytes in UTF-8
	}
	return b.String()
}
