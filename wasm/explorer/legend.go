//go:build js && wasm

package explorer

import (
	"math"
	"strings"

	"github.com/hajimehoshi/ebiten/v2"

	"github.com/govae/govae/wasm/view"
)

// Legend is what the overlay's legend names, for the data set shown.
type Legend struct {
	// Noun names the overlay's points in its title: "test digits" for
	// MNIST, "test images", "images" for a visitor's own.
	Noun string
	// Labels names the labels 0–9; "" leaves a label out of the legend (a
	// visitor's images use only some).
	Labels [10]string
}

// DigitLegend is MNIST's legend: the digits 0–9.
func DigitLegend() Legend {
	l := Legend{Noun: "test digits"}
	for d := range l.Labels {
		l.Labels[d] = string(rune('0' + d))
	}
	return l
}

// key identifies the legend for partKeys.
func (l Legend) key() string { return l.Noun + "\x00" + strings.Join(l.Labels[:], "\x00") }

// drawClasses draws the legend's colour key in L below its title line at
// y: one row of evenly spaced labels when they are that short (as MNIST's
// digits), else the labels flowed over the rows that fit L, in a smaller
// font when they do not fit.
func (e *Explorer) drawClasses(screen *ebiten.Image, L view.Rect, y float64) {
	u := e.layout.Scale
	labels := e.src.Legend().Labels
	short := true
	for _, s := range labels {
		short = short && len([]rune(s)) <= 2
	}
	if short {
		step := math.Min(L.W/10, 30*u)
		x := L.X
		for d, s := range labels {
			if s != "" {
				e.dot(screen, x+5*u, y+24*u, 4.5*u, labelColors[d])
				e.text.draw(screen, s, x+12*u, y+24*u, 12*u, false, colText, alignLeft)
				x += step
			}
		}
		return
	}
	for _, fs := range []float64{12 * u, 10.5 * u, 9 * u} {
		if e.flowClasses(screen, labels, L, y+18*u, fs, false) || fs == 9*u {
			e.flowClasses(screen, labels, L, y+18*u, fs, true)
			return
		}
	}
}

// flowClasses lays the labels out left to right from the row centred at
// y, wrapping within L.W, at font size fs with rows 1.2·fs apart; it
// reports whether every row fits above L's bottom, and draws the rows
// that do when draw is set.
func (e *Explorer) flowClasses(screen *ebiten.Image, labels [10]string, L view.Rect, y, fs float64, draw bool) bool {
	u := e.layout.Scale
	x, yy, fits := L.X, y, true
	for d, s := range labels {
		if s == "" {
			continue
		}
		w := 12*u + e.text.width(s, fs, false)
		if x > L.X && x+w > L.X+L.W {
			x, yy = L.X, yy+1.2*fs
		}
		inside := yy+0.7*fs <= L.Y+L.H
		fits = fits && inside
		if draw && inside {
			e.dot(screen, x+5*u, yy, 0.35*fs, labelColors[d])
			e.text.draw(screen, s, x+12*u, yy, fs, false, colText, alignLeft)
		}
		x += w + 8*u
	}
	return fits
}
