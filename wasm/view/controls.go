package view

import (
	"math"
	"strconv"
)

// Slider describes the range input beside a setting's text field. Its
// position runs from Min to Max in steps of Step; with Base > 0 the setting
// is Base^position (a logarithmic slider). Sliders cover the useful values;
// the text field accepts the setting's whole range.
type Slider struct {
	Min, Max, Step float64
	Base           float64
}

// Sliders are the range inputs of the numeric settings, by URL key.
var Sliders = map[string]Slider{
	"lr":     {Min: -5, Max: -1, Step: 0.1, Base: 10},
	"batch":  {Min: 0, Max: 9, Step: 1, Base: 2},
	"beta":   {Min: 0, Max: 4, Step: 0.05},
	"warmup": {Min: 0, Max: 20000, Step: 500},
	"sigma":  {Min: -2, Max: 0, Step: 0.05, Base: 10},
	"grid":   {Min: MinGrid, Max: MaxGrid, Step: 1},
	"dots":   {Min: MinDots, Max: 5000, Step: 100},
}

// Value returns the setting at slider position pos, formatted for Set with
// three significant digits (integers for integer steps).
func (sl Slider) Value(pos float64) string {
	v := pos
	if sl.Base > 0 {
		v = math.Pow(sl.Base, pos)
	}
	if sl.Base == 2 || (sl.Base == 0 && sl.Step == math.Trunc(sl.Step)) {
		return strconv.Itoa(int(math.Round(v)))
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// Position returns the slider position showing value v, clamped to the
// slider's range.
func (sl Slider) Position(v float64) float64 {
	pos := v
	if sl.Base > 0 {
		pos = math.Log(v) / math.Log(sl.Base)
	}
	if math.IsNaN(pos) {
		return sl.Min
	}
	return min(max(pos, sl.Min), sl.Max)
}
