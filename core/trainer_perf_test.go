package core

import (
	"testing"
)

// TestTrainerBytesMatchesFloats: a Trainer on pixel bytes takes the same
// steps as one on the same pixels scaled to float32 as package mnist scales
// them, bit for bit.
func TestTrainerBytesMatchesFloats(t *testing.T) {
	const n = 40
	rng := testRNG(31)
	b := make([]uint8, n*64)
	f := make([]float32, n*64)
	for i := range b {
		b[i] = uint8(rng.IntN(256))
		f[i] = float32(b[i]) / 255
	}
	arch := Architecture{Input: 64, Encoder: []int{16}, Decoder: []int{16}, Latent: 2, Activation: ReLU}
	cfg := DefaultTrainConfig()
	cfg.BatchSize = 12
	m1, _ := New(arch, 3)
	m2, _ := New(arch, 3)
	t1, err := NewTrainer(m1, cfg, f, n)
	if err != nil {
		t.Fatal(err)
	}
	t2, err := NewTrainerBytes(m2, cfg, b, n)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 8; i++ {
		l1, err1 := t1.TrainStep()
		l2, err2 := t2.TrainStep()
		if err1 != nil || err2 != nil || l1 != l2 {
			t.Fatalf("step %d: %+v (%v) vs %+v (%v)", i, l1, err1, l2, err2)
		}
	}
	if !float32sBitEqual(m1.Values(), m2.Values()) || t1.Epoch != t2.Epoch {
		t.Error("the weights differ")
	}
	if _, err := NewTrainerBytes(m2, cfg, b[:10], n); err == nil {
		t.Error("too few bytes accepted")
	}
}

// TestTrainerDiscard: Discard restores the batch-norm statistics a Compute
// updated, as a failed step does.
func TestTrainerDiscard(t *testing.T) {
	arch := Architecture{Input: 16, Encoder: []int{8}, Decoder: []int{8}, Latent: 2, Activation: ReLU, BatchNorm: true}
	m, _ := New(arch, 1)
	tr, err := NewTrainer(m, DefaultTrainConfig(), syntheticData(20, 16, 1), 20)
	if err != nil {
		t.Fatal(err)
	}
	before := append([]float32(nil), m.State()...)
	x, eps, n := tr.NextBatch()
	if _, err := tr.Compute(x, eps, n, 0); err != nil {
		t.Fatal(err)
	}
	if float32sBitEqual(before, m.State()) {
		t.Fatal("Compute did not update the running statistics")
	}
	tr.Discard()
	if !float32sBitEqual(before, m.State()) || tr.Steps != 0 {
		t.Error("Discard did not restore the running statistics")
	}
}
