package core

import (
	"fmt"
	"math"
)

// Optimizer updates parameters from their gradient.
type Optimizer interface {
	// Update applies one step to params. If the step would make any
	// parameter non-finite it changes nothing (parameters and internal
	// state alike) and returns an error wrapping ErrNonFinite.
	Update(params, grads []float32) error
	// SetLearningRate changes the step size for later updates.
	SetLearningRate(lr float64)
}

// Adam is the Adam optimiser (Kingma & Ba 2015) with bias correction.
type Adam struct {
	LR, Beta1, Beta2, Epsilon float64

	m, v []float32
	t    int
}

// NewAdam returns Adam with the usual defaults β1 0.9, β2 0.999, ε 1e-8.
func NewAdam(lr float64) *Adam { return &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8} }

// SetLearningRate implements Optimizer.
func (a *Adam) SetLearningRate(lr float64) { a.LR = lr }

// Update implements Optimizer. Unless cheap bounds prove that no value can
// overflow (adamCannotOverflow) it makes two passes: the first only checks
// that every new value is finite, so a diverging step leaves no trace.
func (a *Adam) Update(params, grads []float32) error {
	if a.m == nil {
		a.m = make([]float32, len(params))
		a.v = make([]float32, len(params))
	}
	t := a.t + 1
	b1, b2 := float32(a.Beta1), float32(a.Beta2)
	// Fold both bias corrections into the step size and ε.
	c1 := 1 - math.Pow(a.Beta1, float64(t))
	c2 := 1 - math.Pow(a.Beta2, float64(t))
	step := float32(a.LR * math.Sqrt(c2) / c1)
	eps := float32(a.Epsilon * math.Sqrt(c2))
	m, v, g := a.m[:len(params)], a.v[:len(params)], grads[:len(params)]
	if !adamAlwaysCheck && adamCannotOverflow(params, m, v, g, float64(step), float64(eps), a.Beta1, a.Beta2) {
		// One pass: the bounds guarantee every new value is finite.
		// (fastmath_loops.go; on 128-bit vectors in wasm SIMD builds.)
		adamOnePass(params, m, v, g, b1, b2, step, eps)
		a.t = t
		return nil
	}
	for pass := 0; pass < 2; pass++ {
		for i, p := range params {
			mi := b1*m[i] + (1-b1)*g[i]
			vi := b2*v[i] + (1-b2)*g[i]*g[i]
			np := p - step*mi/(sqrt32(vi)+eps)
			if pass == 0 {
				if np-np != 0 {
					return &UpdateError{Optimizer: "Adam", Step: t, Index: i, Value: np, Gradient: g[i], LR: a.LR}
				}
				// g² can overflow float32 while g is finite; an infinite
				// second moment would freeze the parameter for good.
				if vi-vi != 0 {
					return &UpdateError{Optimizer: "Adam", Step: t, Index: i, Value: vi, Gradient: g[i], LR: a.LR, Moment: true}
				}
				continue
			}
			m[i], v[i], params[i] = mi, vi, np
		}
	}
	a.t = t
	return nil
}

// UpdateError is an optimiser step refused because it would make a value
// non-finite; the optimiser changed nothing. It wraps ErrNonFinite.
type UpdateError struct {
	Optimizer string  // "Adam" or "SGD"
	Step      int     // Adam's step count t of the refused step (0 for SGD)
	Index     int     // the parameter's index in the flat parameter slice
	Value     float32 // what the parameter (or, with Moment, its second moment) would have become
	Gradient  float32 // the parameter's gradient
	LR        float64 // the learning rate
	// Moment: the gradient's square overflowed Adam's second moment
	// (a finite gradient above ≈ 1.8·10¹⁹).
	Moment bool
}

// Error says which parameter and why.
func (e *UpdateError) Error() string {
	if e.Moment {
		return fmt.Sprintf("%v: %s step %d: gradient %v of parameter %d overflows its second moment",
			ErrNonFinite, e.Optimizer, e.Step, e.Gradient, e.Index)
	}
	return fmt.Sprintf("%v: %s step would make parameter %d %v (gradient %v, learning rate %g)",
		ErrNonFinite, e.Optimizer, e.Index, e.Value, e.Gradient, e.LR)
}

// Unwrap lets errors.Is(err, ErrNonFinite) match.
func (e *UpdateError) Unwrap() error { return ErrNonFinite }

// adamAlwaysCheck disables Adam's one-pass update, for tests that compare it
// with the checked one.
var adamAlwaysCheck = false

// adamCannotOverflow reports, from one cheap read-only pass, whether an
// Adam step is certain to leave every value finite, so that Update may skip
// its checking pass (which costs as much as the update itself: the step runs
// once per mini-batch over all ~470 000 parameters, on every worker).
//
// Every |g| and |m| at most G, |p| and v at most L: a new first moment is at
// most G, a new second moment at most L + (1−β2)·G², and since
// sqrt(v)+eps ≥ eps > 0 a parameter moves by at most step·G/eps. With
// G ≤ min(1e18, 1e36·eps/step) and L = 1e37 all of these stay below 2e37,
// far from float32's 3.4e38. NaN fails the test as well.
func adamCannotOverflow(params, m, v, g []float32, step, eps, beta1, beta2 float64) bool {
	if !(eps > 0 && beta1 >= 0 && beta1 <= 1 && beta2 >= 0 && beta2 <= 1) {
		return false // the bounds assume convex combinations
	}
	gLimit := absBits(float32(min(1e18, 1e36*eps/math.Abs(step))))
	const lLimit = 0x7cf0bdc2 // math.Float32bits(1e37)
	// Compare magnitudes as integers: for |x| the float32 bit patterns sort
	// like the values, NaN above +Inf. limit−bits has its top bit set exactly
	// when bits > limit, so one OR collects every excess without a branch
	// (float comparisons and the built-in max are slow in wasm).
	over := adamExcess(params, m, v, g, gLimit, lLimit) // fastmath_loops.go
	return gLimit < lLimit && over>>31 == 0
}

// absBits returns the bit pattern of |x|.
func absBits(x float32) uint32 { return math.Float32bits(x) &^ (1 << 31) }

// SGD is stochastic gradient descent with optional momentum.
type SGD struct {
	LR, Momentum float64

	velocity []float32
}

// SetLearningRate implements Optimizer.
func (s *SGD) SetLearningRate(lr float64) { s.LR = lr }

// Update implements Optimizer.
func (s *SGD) Update(params, grads []float32) error {
	if s.velocity == nil {
		s.velocity = make([]float32, len(params))
	}
	lr, mom := float32(s.LR), float32(s.Momentum)
	vel, g := s.velocity[:len(params)], grads[:len(params)]
	for pass := 0; pass < 2; pass++ {
		for i, p := range params {
			vi := mom*vel[i] + g[i]
			np := p - lr*vi
			if pass == 0 {
				if np-np != 0 {
					return &UpdateError{Optimizer: "SGD", Index: i, Value: np, Gradient: g[i], LR: s.LR}
				}
				continue
			}
			vel[i], params[i] = vi, np
		}
	}
	return nil
}

func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }

// ClipGradNorm scales grads so their Euclidean norm is at most maxNorm
// (when maxNorm > 0) and returns the norm before clipping. A non-finite norm
// leaves grads as they are: there is nothing finite to scale them to.
func ClipGradNorm(grads []float32, maxNorm float64) float64 {
	// Four partial sums: one running sum would wait on the previous addition
	// for each of the ~470 000 gradients.
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(grads); i += 4 {
		g := grads[i : i+4 : i+4]
		s0 += float64(g[0]) * float64(g[0])
		s1 += float64(g[1]) * float64(g[1])
		s2 += float64(g[2]) * float64(g[2])
		s3 += float64(g[3]) * float64(g[3])
	}
	for _, g := range grads[i:] {
		s0 += float64(g) * float64(g)
	}
	norm := math.Sqrt((s0 + s1) + (s2 + s3))
	if maxNorm > 0 && norm > maxNorm && !math.IsInf(norm, 1) {
		f := float32(maxNorm / norm)
		for i := range grads {
			grads[i] *= f
		}
	}
	return norm
}
