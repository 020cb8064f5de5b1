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

// Update implements Optimizer. It makes two passes: the first only checks
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
	for pass := 0; pass < 2; pass++ {
		for i, p := range params {
			mi := b1*m[i] + (1-b1)*g[i]
			vi := b2*v[i] + (1-b2)*g[i]*g[i]
			np := p - step*mi/(sqrt32(vi)+eps)
			if pass == 0 {
				if np-np != 0 {
					return fmt.Errorf("%w: Adam step %d would make parameter %d %v (learning rate %g too high?)", ErrNonFinite, t, i, np, a.LR)
				}
				// g² can overflow float32 while g is finite; an infinite
				// second moment would freeze the parameter for good.
				if vi-vi != 0 {
					return fmt.Errorf("%w: Adam step %d: gradient %v of parameter %d overflows its second moment", ErrNonFinite, t, g[i], i)
				}
				continue
			}
			m[i], v[i], params[i] = mi, vi, np
		}
	}
	a.t = t
	return nil
}

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
					return fmt.Errorf("%w: SGD step would make parameter %d %v (learning rate %g too high?)", ErrNonFinite, i, np, s.LR)
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
// (when maxNorm > 0) and returns the norm before clipping.
func ClipGradNorm(grads []float32, maxNorm float64) float64 {
	var s float64
	for _, g := range grads {
		s += float64(g) * float64(g)
	}
	norm := math.Sqrt(s)
	if maxNorm > 0 && norm > maxNorm {
		f := float32(maxNorm / norm)
		for i := range grads {
			grads[i] *= f
		}
	}
	return norm
}
