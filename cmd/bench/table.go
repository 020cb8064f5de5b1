package main

import (
	"fmt"
	"slices"
	"strings"
)

// The tables cmd/bench writes: one column per measurement, or the wasm
// builds side by side.

// sample is one measurement repeated: best and range.
type sample []float64

func (s sample) cell(format string, higherBetter bool) string {
	if len(s) == 0 {
		return "—"
	}
	best := slices.Max(s)
	if !higherBetter {
		best = slices.Min(s)
	}
	if len(s) == 1 {
		return fmt.Sprintf(format, best)
	}
	return fmt.Sprintf(format+" ("+format+"–"+format+")", best, slices.Min(s), slices.Max(s))
}

type table struct {
	rows [][3]string // what, value, note
}

func (t *table) add(what, value, note string) { t.rows = append(t.rows, [3]string{what, value, note}) }

func (t *table) String() string {
	var b strings.Builder
	b.WriteString("| measurement | result | notes |\n|---|---|---|\n")
	for _, r := range t.rows {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", r[0], r[1], r[2])
	}
	return b.String()
}

// sideBySide is the result table: rows measured once (native Go) and rows
// measured per wasm build, whose values stand in one column per build.
type sideBySide struct {
	builds []string
	rows   []sbsRow
}

type sbsRow struct {
	what   string
	values []string // one per build; a single value spans all builds
	note   string
}

// addOnce appends t's rows, measured independently of the wasm build.
func (s *sideBySide) addOnce(t *table) {
	for _, r := range t.rows {
		s.rows = append(s.rows, sbsRow{what: r[0], values: []string{r[1]}, note: r[2]})
	}
}

// addBuild merges the rows of one build's table (column i) by their name.
func (s *sideBySide) addBuild(i int, t *table) {
	for _, r := range t.rows {
		j := slices.IndexFunc(s.rows, func(x sbsRow) bool { return x.what == r[0] && len(x.values) > 1 })
		if j < 0 {
			s.rows = append(s.rows, sbsRow{what: r[0], values: slices.Repeat([]string{"—"}, len(s.builds)), note: r[2]})
			j = len(s.rows) - 1
		}
		s.rows[j].values[i] = r[1]
		if i > 0 && r[2] != s.rows[j].note && !strings.HasPrefix(s.rows[j].note, s.builds[0]+" build: ") {
			s.rows[j].note = s.builds[0] + " build: " + s.rows[j].note
		}
	}
}

func (s *sideBySide) String() string {
	var b strings.Builder
	b.WriteString("| measurement |")
	for _, name := range s.builds {
		fmt.Fprintf(&b, " %s build: best (range) |", name)
	}
	b.WriteString(" notes |\n|---|" + strings.Repeat("---|", len(s.builds)) + "---|\n")
	for _, r := range s.rows {
		vals := r.values
		if len(vals) == 1 && len(s.builds) > 1 {
			vals = append([]string{vals[0]}, slices.Repeat([]string{"″"}, len(s.builds)-1)...)
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", r.what, strings.Join(vals, " | "), r.note)
	}
	return b.String()
}
