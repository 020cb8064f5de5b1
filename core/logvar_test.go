package core

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// loadShippedModel reads the pretrained weights assets/vae.bin.
func loadShippedModel(t testing.TB) *Model {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "assets", "vae.bin"))
	if err != nil {
		t.Skipf("no shipped weights: %v", err)
	}
	m, err := ParseModel(data)
	if err != nil {
		t.Fatalf("assets/vae.bin: %v", err)
	}
	return m
}

// TestLargeLogVarTrains is failure 3 of issue 13: the pretrained model with
// encoder.logvar.b set to 80 or 200 (log σ² far above float32's exp range,
// about 88) must train at lr 1e-3 with finite losses that fall. Before the
// log σ² clamp every step was refused as non-finite.
func TestLargeLogVarTrains(t *testing.T) {
	const n, steps = 512, 30
	data := loadMNIST(t, n)
	for _, bias := range []float32{80, 200} {
		m := loadShippedModel(t)
		b := paramByName(t, m, "encoder.logvar.b")
		for i := range b.Value {
			b.Value[i] = bias
		}
		cfg := DefaultTrainConfig()
		cfg.LearningRate = 1e-3
		cfg.BatchSize = 64
		tr, err := NewTrainer(m, cfg, data, n)
		if err != nil {
			t.Fatal(err)
		}
		before := Evaluate(m, data, n, cfg.Likelihood, 1)
		losses := make([]float64, steps)
		for i := range losses {
			l, err := tr.TrainStep()
			if err != nil {
				t.Fatalf("log σ² bias %v: step %d refused: %v", bias, i, err)
			}
			if math.IsNaN(l.Objective) || math.IsInf(l.Objective, 0) {
				t.Fatalf("log σ² bias %v: step %d loss %v", bias, i, l.Objective)
			}
			losses[i] = l.NegELBO
		}
		after := Evaluate(m, data, n, cfg.Likelihood, 1)
		t.Logf("log σ² bias %v: −ELBO on the %d images %.4g → %.4g nats (KL %.4g → %.4g); training loss %.4g → %.4g",
			bias, n, before.NegELBO, after.NegELBO, before.KL, after.KL, losses[0], losses[steps-1])
		if !(after.NegELBO < before.NegELBO) || math.IsInf(after.NegELBO, 0) {
			t.Errorf("log σ² bias %v: −ELBO %v → %v after %d steps, want it to fall", bias, before.NegELBO, after.NegELBO, steps)
		}
		if !(mean64(losses[steps-5:]) < mean64(losses[:5])) {
			t.Errorf("log σ² bias %v: training loss of the last 5 steps %v not below the first 5 %v",
				bias, mean64(losses[steps-5:]), mean64(losses[:5]))
		}
		var te *TrainingError
		_ = errors.As(nil, &te)
	}
}
