package core

import "fmt"

// nonFinite is a quantity of a training step that is NaN or ±Inf.
type nonFinite struct {
	what, where string
	value       float64
}

// firstNonFiniteForward checks the last Gradient or Loss call on the batch
// x (n images) with noise eps. The objective, μ and the log σ² head's output
// are always checked (a log σ² of ±Inf would be clamped to a finite value
// with a zero gradient, leaving the model stuck); when one of them is not
// finite, the quantities are searched in the order values flow through the
// model, so that the first cause is named, not its consequences.
func (m *Model) firstNonFiniteForward(x, eps []float32, n int, loss Loss) (nonFinite, bool) {
	if !isNonFinite(loss.Objective) && firstNonFinite(m.mu.Data) < 0 && firstNonFinite(m.rawLogvar.Data) < 0 {
		return nonFinite{}, false
	}
	a := m.Arch
	for _, q := range []struct {
		what string
		data []float32
		cols int
		unit string
	}{
		{"input", x[:n*a.Input], a.Input, "pixel"},
		{"noise ε", eps[:n*a.Latent], a.Latent, "latent dimension"},
		{"μ", m.mu.Data, a.Latent, "latent dimension"},
		{"log σ²", m.rawLogvar.Data, a.Latent, "latent dimension"},
		{"z", m.z.Data, a.Latent, "latent dimension"},
		{"logits", m.logits.Data, a.Input, "pixel"},
	} {
		if i := firstNonFinite(q.data); i >= 0 {
			return nonFinite{q.what, fmt.Sprintf("image %d, %s %d", i/q.cols, q.unit, i%q.cols), float64(q.data[i])}, true
		}
	}
	for _, q := range []struct {
		what  string
		value float64
	}{{"recon", loss.Recon}, {"KL", loss.KL}, {"loss", loss.Objective}} {
		if isNonFinite(q.value) {
			return nonFinite{what: q.what, value: q.value}, true
		}
	}
	return nonFinite{}, false
}

func isNonFinite(v float64) bool { return v-v != 0 }

// paramName names trainable parameter i (an index into Values and Grads)
// as tensor[index], for example "encoder.logvar.b[1]".
func (m *Model) paramName(i int) string {
	for k, sp := range m.store.specs {
		if p := m.store.params[k]; sp.trainable && i >= sp.offset && i < sp.offset+len(p.Value) {
			return fmt.Sprintf("%s[%d]", sp.name, i-sp.offset)
		}
	}
	return fmt.Sprintf("parameter %d", i)
}
