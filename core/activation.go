package core

import (
	"fmt"
	"math"
)

// Activation names an element-wise non-linearity.
type Activation uint8

// The supported activations.
const (
	ReLU Activation = iota
	LeakyReLU
	Tanh
	Sigmoid
)

// LeakySlope is the slope of LeakyReLU for negative inputs.
const LeakySlope = 0.01

var activationNames = [...]string{ReLU: "relu", LeakyReLU: "leakyrelu", Tanh: "tanh", Sigmoid: "sigmoid"}

// String returns the activation's lower-case name.
func (a Activation) String() string {
	if int(a) < len(activationNames) {
		return activationNames[a]
	}
	return fmt.Sprintf("Activation(%d)", uint8(a))
}

var activationDisplay = [...]string{ReLU: "ReLU", LeakyReLU: "LeakyReLU", Tanh: "tanh", Sigmoid: "sigmoid"}

// Name returns the activation's name as text shows it: ReLU, LeakyReLU,
// tanh or sigmoid.
func (a Activation) Name() string {
	if a.valid() {
		return activationDisplay[a]
	}
	return a.String()
}

// ParseActivation is the inverse of Activation.String.
func ParseActivation(s string) (Activation, error) {
	for i, n := range activationNames {
		if n == s {
			return Activation(i), nil
		}
	}
	return 0, fmt.Errorf("core: unknown activation %q (want relu, leakyrelu, tanh or sigmoid)", s)
}

func (a Activation) valid() bool { return int(a) < len(activationNames) }

// activationLayer applies an Activation element-wise. It caches its output,
// from which every supported derivative can be computed.
type activationLayer struct {
	kind Activation
	x, y matrix
	dx   matrix
}

func (l *activationLayer) Forward(x matrix, _ bool) matrix {
	l.x = x
	l.y = resize(l.y, x.Rows, x.Cols)
	in, out := x.Data[:len(l.y.Data)], l.y.Data
	switch l.kind {
	case ReLU:
		reluForward(in, out) // fastmath_loops.go; vectors in wasm SIMD builds
	case LeakyReLU:
		for i, v := range in {
			if v < 0 {
				v *= LeakySlope
			}
			out[i] = v
		}
	case Tanh:
		for i, v := range in {
			out[i] = float32(math.Tanh(float64(v)))
		}
	case Sigmoid:
		for i, v := range in {
			out[i] = sigmoid32(v)
		}
	}
	return l.y
}

func (l *activationLayer) Backward(dy matrix) matrix {
	l.dx = resize(l.dx, dy.Rows, dy.Cols)
	g, y, dx := dy.Data[:len(l.dx.Data)], l.y.Data[:len(l.dx.Data)], l.dx.Data
	switch l.kind {
	case ReLU:
		reluBackward(g, y, dx) // fastmath_loops.go; vectors in wasm SIMD builds
	case LeakyReLU:
		x := l.x.Data[:len(dx)]
		for i, v := range x {
			if v < 0 {
				dx[i] = g[i] * LeakySlope
			} else {
				dx[i] = g[i]
			}
		}
	case Tanh:
		for i, v := range y {
			dx[i] = g[i] * (1 - v*v)
		}
	case Sigmoid:
		for i, v := range y {
			dx[i] = g[i] * v * (1 - v)
		}
	}
	return l.dx
}

// sigmoid32 is the logistic function, computed in float64 for accuracy.
func sigmoid32(v float32) float32 { return float32(sigmoid(float64(v))) }

// sigmoid is the logistic function 1/(1+e^-x), stable for large |x|.
func sigmoid(x float64) float64 {
	a := math.Abs(x)
	if a > expNegMax {
		a = expNegMax
	}
	e := expNeg(a)
	if x >= 0 {
		return 1 / (1 + e)
	}
	return e / (1 + e)
}
