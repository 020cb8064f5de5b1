package lab

import (
	"time"

	"github.com/govae/govae/core"
)

// ToyResult is one measurement of the two gradient estimators on the toy
// problem min_θ E_{x~N(θ,1)}[x²], whose true gradient is 2θ.
type ToyResult struct {
	Theta          float64
	N              int
	Seed           uint64
	Reparam, Score []float64 // the single-sample estimates
	R, S           core.Stats
	// The exact variances, 4 and θ⁴ + 14θ² + 15, shown as a check.
	ExactR, ExactS float64
}

// Ratio returns the measured variance ratio score/reparameterisation.
func (r ToyResult) Ratio() float64 { return r.S.Var / r.R.Var }

// RunToy draws n estimates with each estimator (core.ToyGradientSamples)
// and summarises them.
func RunToy(theta float64, n int, seed uint64) ToyResult {
	rp, sf := core.ToyGradientSamples(theta, n, seed)
	er, es := core.ToyGradientVariance(theta)
	return ToyResult{Theta: theta, N: n, Seed: seed, Reparam: rp, Score: sf,
		R: core.Summarize(rp), S: core.Summarize(sf), ExactR: er, ExactS: es}
}

// encoderChunk is how many estimates one call to EncoderGradientSamples
// draws. It is fixed, not sized to the time left, so that a seed gives the
// same numbers on every machine; a chunk is a few milliseconds in
// WebAssembly.
const encoderChunk = 8

// EncoderGradJob measures the two estimators of the gradient of
// E_{z~q(z|x)}[log p(x|z)] with respect to the encoder's outputs μ and
// log σ² for one image, in time-sliced chunks (Model.EncoderGradientSamples).
// Chunk k draws its noise from seed k·φ + seed, so the result depends only
// on the image, the weights, the likelihood, n and the seed.
type EncoderGradJob struct {
	model *core.Model
	x     []float32
	lik   core.Likelihood
	N     int
	Seed  uint64

	// Rows of 2·Latent values (the μ gradient, then the log σ² gradient).
	Reparam, Score [][]float64
	Mu, Logvar     []float32
	chunks         int
	stats          *[2][]core.Stats // once done
	Elapsed        time.Duration    // time spent drawing the estimates
}

// NewEncoderGradJob prepares the measurement; m must not change while the
// job runs (give it a snapshot).
func NewEncoderGradJob(m *core.Model, x []float32, lik core.Likelihood, n int, seed uint64) *EncoderGradJob {
	return &EncoderGradJob{model: m, x: x, lik: lik, N: n, Seed: seed}
}

// Done reports whether all N estimates are drawn.
func (j *EncoderGradJob) Done() bool { return len(j.Reparam) >= j.N }

// Work draws chunks for about budget (at least one) and reports whether the
// job is done.
func (j *EncoderGradJob) Work(budget time.Duration, now func() time.Time) bool {
	start := now()
	defer func() { j.Elapsed += now().Sub(start) }()
	for !j.Done() {
		k := min(encoderChunk, j.N-len(j.Reparam))
		seed := j.Seed + uint64(j.chunks)*0x9e3779b97f4a7c15
		rp, sf, mu, lv := j.model.EncoderGradientSamples(j.x, j.lik, k, seed)
		j.Reparam = append(j.Reparam, rp...)
		j.Score = append(j.Score, sf...)
		j.Mu, j.Logvar = mu, lv
		j.chunks++
		if now().Sub(start) >= budget {
			break
		}
	}
	return j.Done()
}

// Component returns estimator est's (0 reparameterisation, 1 score
// function) samples of gradient component c (0 … 2·Latent−1: ∂/∂μ then
// ∂/∂log σ²).
func (j *EncoderGradJob) Component(est, c int) []float64 {
	rows := j.Reparam
	if est == 1 {
		rows = j.Score
	}
	out := make([]float64, len(rows))
	for i, r := range rows {
		out[i] = r[c]
	}
	return out
}

// Stats summarises every component for both estimators: [estimator][component].
func (j *EncoderGradJob) Stats() [2][]core.Stats {
	var out [2][]core.Stats
	if j.stats != nil {
		return *j.stats
	}
	if len(j.Reparam) == 0 {
		return out
	}
	if j.Done() {
		defer func() { j.stats = &out }()
	}
	comps := len(j.Reparam[0])
	for est := 0; est < 2; est++ {
		for c := 0; c < comps; c++ {
			out[est] = append(out[est], core.Summarize(j.Component(est, c)))
		}
	}
	return out
}

// evalChunk is how many test images one slice of an EvalJob evaluates.
const evalChunk = 50

// EvalJob evaluates a model's loss (reconstruction and KL, nats per image,
// in the model's own likelihood) on the first N images of a data set, in
// slices of evalChunk images.
type EvalJob struct {
	model *core.Model
	data  []float32
	N     int
	done  int
	sum   core.Loss // per-image figures summed over the done images
}

// NewEvalJob prepares the evaluation of m on the first n rows of data; m
// must not change while the job runs.
func NewEvalJob(m *core.Model, data []float32, n int) *EvalJob {
	return &EvalJob{model: m, data: data, N: n}
}

// Done reports whether all N images are evaluated.
func (e *EvalJob) Done() bool { return e.done >= e.N }

// Work evaluates chunks for about budget (at least one) and reports
// whether the job is done.
func (e *EvalJob) Work(budget time.Duration, now func() time.Time) bool {
	start := now()
	in := e.model.Arch.Input
	for !e.Done() {
		k := min(evalChunk, e.N-e.done)
		l := core.Evaluate(e.model, e.data[e.done*in:(e.done+k)*in], k, e.model.Likelihood, uint64(e.done)+1)
		w := float64(k)
		e.sum.Recon += l.Recon * w
		e.sum.KL += l.KL * w
		e.sum.NegELBO += l.NegELBO * w
		e.done += k
		if now().Sub(start) >= budget {
			break
		}
	}
	return e.Done()
}

// Loss returns the mean loss over the images evaluated so far.
func (e *EvalJob) Loss() core.Loss {
	if e.done == 0 {
		return core.Loss{}
	}
	k := float64(e.done)
	return core.Loss{Recon: e.sum.Recon / k, KL: e.sum.KL / k, NegELBO: e.sum.NegELBO / k, N: e.done, KLWeight: 1}
}
