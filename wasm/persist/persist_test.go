package persist

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/govae/govae/core"
)

func TestAutosavePacing(t *testing.T) {
	t0 := time.Unix(100, 0)
	a := NewAutosave(1)
	if a.Due(t0, 1) || a.Dirty(1) {
		t.Fatal("the weights the page started with are saved")
	}
	if !a.Due(t0, 2) {
		t.Fatal("changed weights not due")
	}
	if a.Due(t0.Add(time.Second), 3) {
		t.Fatal("a second save started while one is under way")
	}
	a.Done(t0.Add(time.Second), nil)
	if a.Due(t0.Add(3*time.Second), 3) {
		t.Fatal("due 2 s after the last save; want every 5 s")
	}
	if !a.Due(t0.Add(7*time.Second), 3) {
		t.Fatal("not due 6 s after the last save")
	}
	a.Done(t0.Add(7*time.Second), errors.New("QuotaExceededError: full"))
	if a.Due(t0.Add(20*time.Second), 4) || !a.Due(t0.Add(38*time.Second), 4) {
		t.Fatal("after a failure: want no save for 30 s, then one")
	}
	// An answer that never comes is given up.
	if a.Due(t0.Add(50*time.Second), 5) || !a.Due(t0.Add(59*time.Second), 5) {
		t.Fatal("a save without an answer blocks the next one for ever, or not for 20 s")
	}
	a.Done(t0.Add(60*time.Second), nil)
	if a.Dirty(5) || !a.Dirty(6) {
		t.Fatal("Dirty")
	}
	if !a.Due(t0.Add(66*time.Second), 6) {
		t.Fatal("not due")
	}
	a.Cancel() // the page moved on: due again at once, not after a failure's wait
	if !a.Due(t0.Add(66*time.Second), 6) {
		t.Fatal("a cancelled save is not due again")
	}
	a.Done(t0.Add(66*time.Second), nil)
	a.Saved(t0.Add(61*time.Second), 6)
	if a.Dirty(6) || a.Due(t0.Add(90*time.Second), 6) {
		t.Fatal("weights saved by other means are saved")
	}
}

func TestDecide(t *testing.T) {
	if Decide(7, 7) != Restore || Decide(7, 8) != Offer || Decide(0, 0) != Restore {
		t.Fatal("Decide")
	}
}

// checkpoint returns a small trained run's checkpoint after steps steps.
func checkpoint(t *testing.T, steps int) *core.Checkpoint {
	t.Helper()
	m, err := core.New(core.Architecture{Input: 16, Encoder: []int{8}, Decoder: []int{8}, Latent: 2, Activation: core.ReLU}, 1)
	if err != nil {
		t.Fatal(err)
	}
	data := make([]float32, 16*20)
	for i := range data {
		data[i] = float32(i%7) / 7
	}
	cfg := core.DefaultTrainConfig()
	cfg.BatchSize = 5
	tr, err := core.NewTrainer(m, cfg, data, 20)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < steps; i++ {
		if _, err := tr.TrainStep(); err != nil {
			t.Fatal(err)
		}
	}
	return tr.Checkpoint([]core.HistoryPoint{{Step: 1, NegELBO: 11, Recon: 10, KL: 1}}, []byte("lr=0.001"))
}

func TestOpen(t *testing.T) {
	c := checkpoint(t, 3)
	data, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	later := checkpoint(t, 5)
	newer := later.Model.MarshalBinary()

	got, err := Open(data, nil, 0, nil, "")
	if err != nil || got.Steps != 3 || got.AdamStep != 3 {
		t.Fatalf("plain: %v, %+v", err, got)
	}
	got, err = Open(data, newer, 5, []float64{1, 11, 10, 1, 5, 9, 8.5, 0.5}, "lr=0.002")
	if err != nil || got.Steps != 5 || got.AdamStep != 3 || got.Model.Values()[0] != later.Model.Values()[0] {
		t.Fatalf("with newer weights: %v; step %d, Adam step %d", err, got.Steps, got.AdamStep)
	}
	if got.Model.Values()[0] == c.Model.Values()[0] {
		t.Fatal("the newer weights were not used")
	}
	if len(got.History) != 2 || got.History[1] != (core.HistoryPoint{Step: 5, NegELBO: 9, Recon: 8.5, KL: 0.5}) || string(got.Settings) != "lr=0.002" {
		t.Fatalf("the newer history was not used: %+v", got.History)
	}

	other, _ := core.New(core.Architecture{Input: 16, Encoder: []int{4}, Decoder: []int{8}, Latent: 2, Activation: core.ReLU}, 1)
	flip := func(b []byte, i int) []byte { b = append([]byte(nil), b...); b[i] ^= 0x10; return b }
	for _, bad := range []struct {
		name          string
		data, weights []byte
		step          int
		history       []float64
		want          string
	}{
		{"flipped byte", flip(data, len(data)/2), nil, 0, nil, "checksum"},
		{"truncated", data[:len(data)-9], nil, 0, nil, "core:"},
		{"not a checkpoint", []byte("hello"), nil, 0, nil, "core:"},
		{"a weights file", newer, nil, 0, nil, "weights file"},
		{"damaged newer weights", data, flip(newer, 40), 5, nil, "newest weights"},
		{"newer weights of another network", data, other.MarshalBinary(), 5, nil, "are for"},
		{"newer weights older", data, newer, 2, nil, "older"},
		{"history of 3 numbers", data, nil, 0, []float64{1, 2, 3}, "history of 3"},
		{"history with NaN", data, nil, 0, []float64{1, 2, 3, math.NaN()}, "point 0"},
	} {
		_, err := Open(bad.data, bad.weights, bad.step, bad.history, "")
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: %v; want ErrCorrupt mentioning %q", bad.name, err, bad.want)
		}
	}
}

func TestCheckName(t *testing.T) {
	for in, want := range map[string]string{"  β = 4, 10 epochs ": "β = 4, 10 epochs", "x": "x"} {
		if got, err := CheckName(in); err != nil || got != want {
			t.Errorf("CheckName(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "   ", strings.Repeat("é", 41), "AutoSave", "a\x00b", "tab\there", "\xff"} {
		if _, err := CheckName(in); err == nil {
			t.Errorf("CheckName(%q) accepted", in)
		}
	}
}

func TestFormatCount(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1234: "1\u202f234", 60000: "60\u202f000", 1234567: "1\u202f234\u202f567", -1234: "-1\u202f234"} {
		if got := FormatCount(n); got != want {
			t.Errorf("FormatCount(%d) = %q, want %q", n, got, want)
		}
	}
	if got := RestoredNotice(1234); got != "Restored your training from step 1\u202f234 — discard?" {
		t.Errorf("%q", got)
	}
}

func TestHistoryRoundTrip(t *testing.T) {
	h := []core.HistoryPoint{{Step: 1.5, NegELBO: 2, Recon: 3, KL: 4}}
	if got := HistoryOf(Points(h)); len(got) != 1 || got[0] != h[0] {
		t.Fatal(got)
	}
}
