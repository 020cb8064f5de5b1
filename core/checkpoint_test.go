package core

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// checkpointCase is a training run whose checkpoints are tested: batch norm
// and dropout (so that the dropout source matters), KL warm-up, and both
// optimisers, on 40 images in batches of 8 (so that runs cross epochs and
// reshuffle).
type checkpointCase struct {
	name string
	arch Architecture
	cfg  TrainConfig
}

func checkpointCases() []checkpointCase {
	arch := Architecture{Input: 16, Encoder: []int{8}, Decoder: []int{8}, Latent: 2, Activation: Tanh, BatchNorm: true, Dropout: 0.2}
	adam := DefaultTrainConfig()
	adam.BatchSize, adam.WarmupSteps, adam.Beta, adam.Seed = 8, 30, 0.7, 5
	sgd := adam
	sgd.Optimizer, sgd.LearningRate, sgd.Momentum, sgd.ClipNorm = "sgd", 0.05, 0.9, 5
	sgd.Likelihood = Likelihood{Kind: GaussianLearned}
	plain := arch
	plain.BatchNorm, plain.Dropout = false, 0
	return []checkpointCase{{"adam batchnorm dropout warm-up", arch, adam}, {"sgd momentum clip learned σ", plain, sgd}}
}

func (c checkpointCase) trainer(t *testing.T, data []float32, n int) *Trainer {
	t.Helper()
	m, err := New(c.arch, 9)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := NewTrainer(m, c.cfg, data, n)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func trainSteps(t *testing.T, tr *Trainer, steps int) []float64 {
	t.Helper()
	var losses []float64
	for i := 0; i < steps; i++ {
		l, err := tr.TrainStep()
		if err != nil {
			t.Fatalf("step %d: %v", tr.Steps, err)
		}
		losses = append(losses, l.Objective)
	}
	return losses
}

// TestCheckpointResumeExact: N steps straight and N/2 steps, a checkpoint
// through its bytes, then N/2 more from it give the same weights, batch-norm
// statistics and losses, bit for bit; with the images as float32 and as
// bytes. A trainer rebuilt from the weights alone does not, which shows the
// comparison can fail.
func TestCheckpointResumeExact(t *testing.T) {
	const n, steps = 40, 26 // 5 batches an epoch: the halves cross epochs
	data := syntheticData(n, 16, 3)
	pixels := make([]uint8, len(data))
	for i, v := range data {
		pixels[i] = uint8(math.Round(float64(v) * 255))
	}
	for _, c := range checkpointCases() {
		for _, asBytes := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s bytes=%v", c.name, asBytes), func(t *testing.T) {
				newTrainer := func() *Trainer {
					if !asBytes {
						return c.trainer(t, data, n)
					}
					m, _ := New(c.arch, 9)
					tr, err := NewTrainerBytes(m, c.cfg, pixels, n)
					if err != nil {
						t.Fatal(err)
					}
					return tr
				}
				straight := newTrainer()
				want := trainSteps(t, straight, steps)

				first := newTrainer()
				got := trainSteps(t, first, steps/2)
				b, err := first.Checkpoint([]HistoryPoint{{Step: 1, NegELBO: 500, Recon: 490, KL: 10}}, []byte("lr=0.001")).Marshal()
				if err != nil {
					t.Fatal(err)
				}
				cp, err := ParseCheckpoint(b)
				if err != nil {
					t.Fatal(err)
				}
				var resumed *Trainer
				if asBytes {
					resumed, err = cp.ResumeBytes(pixels, n)
				} else {
					resumed, err = cp.Resume(data, n)
				}
				if err != nil {
					t.Fatal(err)
				}
				if kw := resumed.Config.KLWeight(resumed.Steps); kw != c.cfg.KLWeight(steps/2) {
					t.Errorf("warm-up position: KL weight %v after resuming, want %v", kw, c.cfg.KLWeight(steps/2))
				}
				got = append(got, trainSteps(t, resumed, steps-steps/2)...)
				if !float32sBitEqual(resumed.Model.Values(), straight.Model.Values()) || !float32sBitEqual(resumed.Model.State(), straight.Model.State()) {
					t.Errorf("resumed weights differ from the uninterrupted run's")
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("losses\n got %v\nwant %v", got, want)
				}
				if resumed.Steps != straight.Steps || resumed.Epoch != straight.Epoch {
					t.Errorf("resumed at step %d epoch %d, the straight run at %d, %d", resumed.Steps, resumed.Epoch, straight.Steps, straight.Epoch)
				}

				// The control: the weights alone, in a fresh trainer at the
				// same step, do not continue the run.
				alone, _ := ParseCheckpoint(b)
				tr, err := NewTrainer(alone.Model, alone.Config, data, n)
				if err != nil {
					t.Fatal(err)
				}
				tr.Steps, tr.Epoch = alone.Steps, alone.Epoch
				trainSteps(t, tr, steps-steps/2)
				if float32sBitEqual(tr.Model.Values(), straight.Model.Values()) {
					t.Errorf("a trainer rebuilt from the weights alone matched: the test cannot fail")
				}
			})
		}
	}
}

// checkpointAfter returns a checkpoint of case c after steps steps, with a
// loss history and a settings blob.
func checkpointAfter(t *testing.T, c checkpointCase, steps int) *Checkpoint {
	t.Helper()
	tr := c.trainer(t, syntheticData(40, 16, 3), 40)
	var hist []HistoryPoint
	for i, l := range trainSteps(t, tr, steps) {
		hist = append(hist, HistoryPoint{Step: float64(i) + 0.5, NegELBO: l + 1, Recon: l, KL: 1.0 / 3})
	}
	return tr.Checkpoint(hist, []byte("?lr=0.001&z1=0.27179487179487183&digit=ab%2Bc"))
}

// TestCheckpointRoundTrip: Marshal, ParseCheckpoint, Marshal gives the same
// bytes, and every field comes back bit for bit, for both optimisers, before
// the first step (no moments yet) and without data.
func TestCheckpointRoundTrip(t *testing.T) {
	for _, c := range checkpointCases() {
		for _, steps := range []int{0, 7} {
			cp := checkpointAfter(t, c, steps)
			b, err := cp.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			back, err := ParseCheckpoint(b)
			if err != nil {
				t.Fatalf("%s after %d steps: %v", c.name, steps, err)
			}
			again, err := back.Marshal()
			if err != nil || !bytes.Equal(again, b) {
				t.Fatalf("%s after %d steps: re-encoding differs (%v)", c.name, steps, err)
			}
			// The weights file keeps the model's likelihood σ in float32.
			lik := cp.Model.Likelihood
			lik.Sigma = float64(float32(lik.Sigma))
			if !float32sBitEqual(back.Model.Values(), cp.Model.Values()) || !float32sBitEqual(back.Model.State(), cp.Model.State()) ||
				!back.Model.Arch.Equal(cp.Model.Arch) || back.Model.Likelihood != lik {
				t.Errorf("%s: the model changed", c.name)
			}
			mb, bb := *cp, *back
			mb.Model, bb.Model = nil, nil
			if !reflect.DeepEqual(mb, bb) {
				t.Errorf("%s after %d steps:\n got %+v\nwant %+v", c.name, steps, bb, mb)
			}
			if steps > 0 && (len(back.History) != steps || (c.cfg.Optimizer == "adam") != (back.AdamM != nil) || (c.cfg.Optimizer == "sgd") != (back.Velocity != nil)) {
				t.Errorf("%s: history %d points, Adam moments %v, velocity %v", c.name, len(back.History), back.AdamM != nil, back.Velocity != nil)
			}
			if ReadCheckpoint(bytes.NewReader(b)); err != nil {
				t.Error(err)
			}
		}
	}
	// A trainer without data checkpoints an empty order; resuming draws one.
	m, _ := New(tinyArchitecture(), 1)
	tr, _ := NewTrainer(m, DefaultTrainConfig(), nil, 0)
	b, err := tr.Checkpoint(nil, nil).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	cp, err := ParseCheckpoint(b)
	if err != nil || cp.Order != nil || len(cp.Settings) != 0 {
		t.Fatalf("empty checkpoint: %+v, %v", cp, err)
	}
	if r, err := cp.Resume(syntheticData(6, 4, 1), 6); err != nil || len(r.perm) != 6 {
		t.Errorf("resuming without an order: %v", err)
	}
}

// TestCheckpointCorruptions: each kind of damage gives its own error, naming
// what is wrong, and never a panic; every prefix is a truncation.
func TestCheckpointCorruptions(t *testing.T) {
	base := checkpointAfter(t, checkpointCases()[0], 3)
	good, err := base.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	// Offsets of fields after the weights.
	wlen := int(binary.LittleEndian.Uint32(good[12:]))
	cfgAt := 16 + wlen
	orderAt := cfgAt + 58 + 16 + 40
	bad := func(mod func(c *Checkpoint)) []byte {
		c := *base
		c.Order = append([]int(nil), base.Order...)
		c.AdamM = append([]float32(nil), base.AdamM...)
		c.AdamV = append([]float32(nil), base.AdamV...)
		mod(&c)
		return c.encode()
	}
	patch := func(off int, b ...byte) []byte {
		d := bytes.Clone(good)
		copy(d[off:], b)
		return d
	}
	resum := func(d []byte) []byte {
		binary.LittleEndian.PutUint32(d[len(d)-4:], crcOf(d[:len(d)-4]))
		return d
	}
	for _, c := range []struct {
		name string
		data []byte
		want error
		frag string
	}{
		{"empty", nil, ErrCheckpointTruncated, "shorter than the magic"},
		{"magic cut", good[:5], ErrCheckpointTruncated, "shorter than the magic"},
		{"a weights file", base.Model.MarshalBinary(), ErrCheckpointMagic, "weights file"},
		{"bad magic", append([]byte("PK\x03\x04"), good[4:]...), ErrCheckpointMagic, "starts with"},
		{"version 2", patch(8, 2), ErrCheckpointVersion, "version 2"},
		{"weights length beyond the file", patch(12, 0xff, 0xff, 0xff, 0x7f), ErrCheckpointTruncated, "weights"},
		{"weights damaged", patch(16+100, good[16+100]^1), ErrChecksum, "checkpoint's weights"},
		{"unknown optimiser", resum(patch(cfgAt+1+8+8+4, 7)), ErrCheckpointCorrupt, "optimiser code 7"},
		{"batch size 0", bad(func(c *Checkpoint) { c.Config.BatchSize = 0 }), ErrCheckpointCorrupt, "batch size"},
		{"NaN learning rate", bad(func(c *Checkpoint) { c.Config.LearningRate = math.NaN() }), ErrCheckpointCorrupt, "learning rate"},
		{"NaN σ", bad(func(c *Checkpoint) { c.Config.Likelihood.Sigma = math.NaN() }), ErrCheckpointCorrupt, "σ"},
		{"absurd step", bad(func(c *Checkpoint) { c.Steps = 1 << 60 }), ErrCheckpointCorrupt, "step"},
		{"bad random state", bad(func(c *Checkpoint) { c.RNG = []byte("xyz:0123456789abcdef") }), ErrCheckpointCorrupt, "random source"},
		{"order not a permutation", bad(func(c *Checkpoint) { c.Order[3] = c.Order[4] }), ErrCheckpointCorrupt, "not a permutation"},
		{"order index out of range", bad(func(c *Checkpoint) { c.Order[0] = 40 }), ErrCheckpointCorrupt, "not a permutation"},
		{"cursor beyond the order", bad(func(c *Checkpoint) { c.Cursor = 41 }), ErrCheckpointCorrupt, "cursor 41"},
		{"order count huge", patch(orderAt, 0xff, 0xff, 0xff, 0xff), ErrCheckpointTooLarge, "images in the data order"},
		{"order count beyond the file", patch(orderAt, 0, 0, 0x10, 0), ErrCheckpointTruncated, "images in the data order"},
		{"moments of another size", bad(func(c *Checkpoint) { c.AdamM, c.AdamV = c.AdamM[:5], c.AdamV[:5] }), ErrCheckpointCorrupt, "has"},
		{"NaN moment", bad(func(c *Checkpoint) { c.AdamM[2] = float32(math.NaN()) }), ErrCheckpointCorrupt, "first moment[2]"},
		{"negative second moment", bad(func(c *Checkpoint) { c.AdamV[1] = -1 }), ErrCheckpointCorrupt, "second moment[1]"},
		{"Inf in the history", bad(func(c *Checkpoint) { c.History = []HistoryPoint{{KL: math.Inf(1)}} }), ErrCheckpointCorrupt, "history point 0"},
		{"history too long", bad(func(c *Checkpoint) { c.History = make([]HistoryPoint, MaxCheckpointHistory+1) }), ErrCheckpointTooLarge, "loss history points"},
		{"settings too long", bad(func(c *Checkpoint) { c.Settings = make([]byte, MaxCheckpointSettings+1) }), ErrCheckpointTooLarge, "bytes of settings"},
		{"history damaged", patch(len(good)-60, good[len(good)-60]^0x10), ErrCheckpointChecksum, "stored"},
		{"checksum damaged", patch(len(good)-1, good[len(good)-1]^1), ErrCheckpointChecksum, "stored"},
		{"bytes after the checksum", append(bytes.Clone(good), 0), ErrCheckpointCorrupt, "after the checksum"},
	} {
		cp, err := ParseCheckpoint(c.data)
		if !errors.Is(err, c.want) || cp != nil {
			t.Errorf("%s: got %v (checkpoint %v), want %v", c.name, err, cp != nil, c.want)
			continue
		}
		if !strings.Contains(err.Error(), c.frag) {
			t.Errorf("%s: %q does not mention %q", c.name, err, c.frag)
		}
	}
	for n := 0; n < len(good); n++ {
		if _, err := ParseCheckpoint(good[:n]); !errors.Is(err, ErrCheckpointTruncated) {
			t.Fatalf("the first %d of %d bytes: %v, want a truncation", n, len(good), err)
		}
	}
	// Marshal refuses what Parse would refuse.
	for _, mod := range []func(c *Checkpoint){
		func(c *Checkpoint) { c.History = make([]HistoryPoint, MaxCheckpointHistory+1) },
		func(c *Checkpoint) { c.AdamV = []float32{1} },
		func(c *Checkpoint) { c.Model = nil },
		func(c *Checkpoint) { c.Velocity = []float32{1} }, // under Adam
	} {
		c := *base
		mod(&c)
		if _, err := c.Marshal(); err == nil {
			t.Errorf("Marshal accepted %+v", c)
		}
	}
	// Resume refuses data of another size than the order's.
	if _, err := base.Resume(syntheticData(30, 16, 1), 30); err == nil || !strings.Contains(err.Error(), "covers 40 images") {
		t.Errorf("resuming on 30 images: %v", err)
	}
}

func crcOf(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// TestCheckpointHugeCountsCheaply: counts that claim more than the file can
// hold are refused before anything of their size is allocated.
func TestCheckpointHugeCountsCheaply(t *testing.T) {
	cp := checkpointAfter(t, checkpointCases()[0], 1)
	good, err := cp.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	wlen := int(binary.LittleEndian.Uint32(good[12:]))
	orderAt := 16 + wlen + 58 + 16 + 40
	historyAt := len(good) - 4 - len(cp.Settings) - 4 - 32*len(cp.History) - 4
	for _, off := range []int{orderAt, historyAt} {
		d := bytes.Clone(good)
		binary.LittleEndian.PutUint32(d[off:], MaxCheckpointImages)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := ParseCheckpoint(d)
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Fatalf("a count of %d at offset %d accepted", MaxCheckpointImages, off)
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
			t.Errorf("count at offset %d: allocated %d bytes refusing a %d-byte file (%v)", off, n, len(d), err)
		}
	}
}

// FuzzParseCheckpoint feeds arbitrary bytes to the checkpoint reader: it
// must never panic, and whatever it accepts must re-encode to the same bytes.
func FuzzParseCheckpoint(f *testing.F) {
	m, err := New(tinyArchitecture(), 3)
	if err != nil {
		f.Fatal(err)
	}
	data := syntheticData(5, 4, 1)
	for _, opt := range []string{"adam", "sgd"} {
		cfg := DefaultTrainConfig()
		cfg.Optimizer, cfg.BatchSize, cfg.Momentum = opt, 2, 0.5
		tr, err := NewTrainer(m.Clone(), cfg, data, 5)
		if err != nil {
			f.Fatal(err)
		}
		for i := 0; i < 2; i++ {
			b, err := tr.Checkpoint([]HistoryPoint{{Step: 1, NegELBO: 3, Recon: 2, KL: 1}}, []byte("lr=0.001")).Marshal()
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
			f.Add(b[:len(b)-20])
			tr.TrainStep()
		}
	}
	f.Add([]byte(checkpointMagic))
	f.Add(m.MarshalBinary())
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCheckpoint(data)
		if err != nil {
			if c != nil {
				t.Fatal("a checkpoint returned together with an error")
			}
			return
		}
		again, err := c.Marshal()
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("accepted %d bytes that re-encode to %d different bytes (%v)", len(data), len(again), err)
		}
	})
}

// BenchmarkCheckpoint measures a checkpoint of the reference model in
// training (Adam moments, a 60 000-image order, a 4 096-point history):
// taking it, writing its bytes and parsing them.
func BenchmarkCheckpoint(b *testing.B) {
	m, _ := New(DefaultArchitecture(), 1)
	tr, err := NewTrainerBytes(m, DefaultTrainConfig(), make([]uint8, 60000*784), 60000)
	if err != nil {
		b.Fatal(err)
	}
	tr.TrainStep()
	hist := make([]HistoryPoint, 4096)
	data, _ := tr.Checkpoint(hist, nil).Marshal()
	b.Run("Checkpoint+Marshal", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := tr.Checkpoint(hist, nil).Marshal(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Parse", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := ParseCheckpoint(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("WeightsMarshal", func(b *testing.B) {
		for b.Loop() {
			m.MarshalBinary()
		}
	})
}
