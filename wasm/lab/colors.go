//go:build js && wasm

package lab

// Colours of the lab's drawings (page.css's theme).
const (
	cssBG      = "#0d1117"
	cssLine    = "#30363d"
	cssText    = "#e6edf3"
	cssMuted   = "#8b949e"
	cssReparam = "#58a6ff" // the reparameterisation estimator
	cssScore   = "#ffa657" // the score-function estimator
	cssTruth   = "#7ee787" // true values
	cssPost    = "#39d0ff" // the posterior of the drawing
	cssPath    = "#ff7bd5" // the interpolation path
)

// digitSide is the side of an MNIST image, in pixels.
const digitSide = 28
