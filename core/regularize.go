package core

import (
	"math"
	"math/rand/v2"
)

// BatchNormMomentum is the weight of the newest batch in the running
// statistics that batch norm uses in evaluation mode.
const BatchNormMomentum = 0.1

// batchNormEps keeps 1/√(var+eps) finite for constant features.
const batchNormEps = 1e-5

// BatchNorm normalises each feature over the batch in training mode and
// with running statistics in evaluation mode, then scales by γ and shifts by β.
type BatchNorm struct {
	Features int

	gamma, beta     Param
	runMean, runVar Param
	gi, bi, mi, vi  int
	xhat, y, dx     matrix
	invStd          []float32
	lastTrain       bool
}

func newBatchNorm(s *paramStore, name string, features int) *BatchNorm {
	return &BatchNorm{
		Features: features,
		gi:       s.add(name+".gamma", true, features),
		bi:       s.add(name+".beta", true, features),
		mi:       s.add(name+".running_mean", false, features),
		vi:       s.add(name+".running_var", false, features),
		invStd:   make([]float32, features),
	}
}

func (l *BatchNorm) bind(s *paramStore) {
	l.gamma, l.beta, l.runMean, l.runVar = s.params[l.gi], s.params[l.bi], s.params[l.mi], s.params[l.vi]
}

// init sets γ = 1 and the running variance to 1.
func (l *BatchNorm) init() {
	for i := range l.gamma.Value {
		l.gamma.Value[i] = 1
		l.runVar.Value[i] = 1
	}
}

// Forward normalises x feature by feature.
func (l *BatchNorm) Forward(x matrix, train bool) matrix {
	n, f := x.Rows, l.Features
	l.lastTrain = train
	l.xhat = resize(l.xhat, n, f)
	l.y = resize(l.y, n, f)
	for j := 0; j < f; j++ {
		var mean, variance float64
		if train && n > 1 {
			for r := 0; r < n; r++ {
				mean += float64(x.Data[r*x.Stride+j])
			}
			mean /= float64(n)
			for r := 0; r < n; r++ {
				d := float64(x.Data[r*x.Stride+j]) - mean
				variance += d * d
			}
			variance /= float64(n)
			m := BatchNormMomentum
			l.runMean.Value[j] = float32((1-m)*float64(l.runMean.Value[j]) + m*mean)
			// The running variance uses the unbiased estimate, as PyTorch does.
			l.runVar.Value[j] = float32((1-m)*float64(l.runVar.Value[j]) + m*variance*float64(n)/float64(n-1))
		} else {
			mean, variance = float64(l.runMean.Value[j]), float64(l.runVar.Value[j])
		}
		inv := 1 / math.Sqrt(variance+batchNormEps)
		l.invStd[j] = float32(inv)
		g, b := l.gamma.Value[j], l.beta.Value[j]
		for r := 0; r < n; r++ {
			xh := float32((float64(x.Data[r*x.Stride+j]) - mean) * inv)
			l.xhat.Data[r*f+j] = xh
			l.y.Data[r*f+j] = g*xh + b
		}
	}
	return l.y
}

// Backward returns ∂L/∂x, including the path through the batch statistics
// in training mode.
func (l *BatchNorm) Backward(dy matrix) matrix {
	n, f := dy.Rows, l.Features
	l.dx = resize(l.dx, n, f)
	batchStats := l.lastTrain && n > 1
	for j := 0; j < f; j++ {
		var sumDy, sumDyXhat float64
		for r := 0; r < n; r++ {
			g := float64(dy.Data[r*dy.Stride+j])
			sumDy += g
			sumDyXhat += g * float64(l.xhat.Data[r*f+j])
		}
		l.gamma.Grad[j] += float32(sumDyXhat)
		l.beta.Grad[j] += float32(sumDy)
		scale := float64(l.gamma.Value[j]) * float64(l.invStd[j])
		for r := 0; r < n; r++ {
			g := float64(dy.Data[r*dy.Stride+j])
			if batchStats {
				// dx = γ/σ · (dy − mean(dy) − x̂·mean(dy·x̂))
				g -= (sumDy + float64(l.xhat.Data[r*f+j])*sumDyXhat) / float64(n)
			}
			l.dx.Data[r*f+j] = float32(scale * g)
		}
	}
	return l.dx
}

// Dropout zeroes each input with probability Rate during training and
// scales the survivors by 1/(1−Rate), so evaluation needs no rescaling.
type Dropout struct {
	Rate float32

	rng     *rand.Rand
	mask    []float32
	y, dx   matrix
	applied bool
}

// Forward applies a fresh random mask in training mode; identity otherwise.
func (l *Dropout) Forward(x matrix, train bool) matrix {
	l.applied = train && l.Rate > 0
	if !l.applied {
		return x
	}
	l.y = resize(l.y, x.Rows, x.Cols)
	if cap(l.mask) < len(l.y.Data) {
		l.mask = make([]float32, len(l.y.Data))
	}
	l.mask = l.mask[:len(l.y.Data)]
	keep := 1 / (1 - l.Rate)
	for i := range l.mask {
		if l.rng.Float32() < l.Rate {
			l.mask[i] = 0
		} else {
			l.mask[i] = keep
		}
		l.y.Data[i] = x.Data[i] * l.mask[i]
	}
	return l.y
}

// Backward multiplies by the mask of the last Forward.
func (l *Dropout) Backward(dy matrix) matrix {
	if !l.applied {
		return dy
	}
	l.dx = resize(l.dx, dy.Rows, dy.Cols)
	for i, m := range l.mask {
		l.dx.Data[i] = dy.Data[i] * m
	}
	return l.dx
}
