package view

import (
	"math"
	"strconv"
	"strings"
)

// FormatSig formats v with four significant digits (scientific notation,
// written 1.23·10⁻⁵, below 0.001 and from a million up) and a true minus
// sign, as the lab's tables show numbers.
func FormatSig(v float64) string {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return FormatNumber(v, 0)
	}
	a := math.Abs(v)
	if a >= 1e6 || a < 1e-3 {
		mant, exp, _ := strings.Cut(strconv.FormatFloat(v, 'e', 2, 64), "e")
		e, _ := strconv.Atoi(exp)
		m, _ := strconv.ParseFloat(mant, 64)
		return FormatNumber(m, 2) + "·10" + Superscript(e)
	}
	dec := max(0, 3-int(math.Floor(math.Log10(a))))
	return FormatNumber(v, dec)
}

// FormatRatio formats a ratio: whole numbers from 10 up, one decimal below.
func FormatRatio(r float64) string {
	switch {
	case math.IsNaN(r) || math.IsInf(r, 0):
		return "—"
	case r >= 10:
		return strconv.FormatFloat(math.Round(r), 'f', 0, 64)
	}
	return strconv.FormatFloat(r, 'f', 1, 64)
}

// Superscript writes an integer in superscript digits (⁻¹²).
func Superscript(e int) string {
	digits := []rune("⁰¹²³⁴⁵⁶⁷⁸⁹")
	var b strings.Builder
	if e < 0 {
		b.WriteString("⁻")
		e = -e
	}
	for _, c := range strconv.Itoa(e) {
		b.WriteRune(digits[c-'0'])
	}
	return b.String()
}

// FormatShort is FormatSig without trailing zeros, for numbers in prose:
// 784, 0.02, 5.66.
func FormatShort(v float64) string {
	s := FormatSig(v)
	mant, rest, sci := strings.Cut(s, "·")
	if strings.Contains(mant, ".") {
		mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
	}
	if sci {
		return mant + "·" + rest
	}
	return mant
}

// FormatBytes writes a size in bytes as megabytes with one decimal
// ("9.9 MB"; 1 MB = 10⁶ bytes, as browsers' download panels count).
func FormatBytes(n int64) string {
	return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + " MB"
}
