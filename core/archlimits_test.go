package core

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
)

// editorArch is a valid architecture of the editor to vary one field of.
func editorArch() Architecture {
	return Architecture{Input: 784, Encoder: []int{256, 128}, Decoder: []int{128, 256}, Latent: 4, Activation: LeakyReLU, BatchNorm: true, Dropout: 0.2}
}

// TestEditorLimits: every absurd value of the editor is refused with an
// *ArchError naming its field and saying the value and the range; the
// edges of every range are accepted.
func TestEditorLimits(t *testing.T) {
	lim := EditorLimits()
	for _, c := range []struct {
		name   string
		change func(*Architecture)
		field  string
		msg    string
	}{
		{"width 0", func(a *Architecture) { a.Encoder[1] = 0 }, "encoder.2", "encoder layer 2: width 0 out of range [8, 1024]"},
		{"width 10⁶", func(a *Architecture) { a.Decoder[0] = 1_000_000 }, "decoder.1", "decoder layer 1: width 1000000 out of range [8, 1024]"},
		{"width 7", func(a *Architecture) { a.Decoder[1] = 7 }, "decoder.2", "decoder layer 2: width 7 out of range [8, 1024]"},
		{"latent 1", func(a *Architecture) { a.Latent = 1 }, "latent", "latent size 1 out of range [2, 16]"},
		{"latent 99", func(a *Architecture) { a.Latent = 99 }, "latent", "latent size 99 out of range [2, 16]"},
		{"5 layers", func(a *Architecture) { a.Encoder = []int{8, 8, 8, 8, 8} }, "encoder", "encoder: 5 hidden layers, at most 4"},
		{"dropout 1.5", func(a *Architecture) { a.Dropout = 1.5 }, "dropout", "dropout rate 1.5 out of range [0, 0.9]"},
		{"dropout 0.95", func(a *Architecture) { a.Dropout = 0.95 }, "dropout", "dropout rate 0.95 out of range [0, 0.9]"},
		{"dropout −0.1", func(a *Architecture) { a.Dropout = -0.1 }, "dropout", "dropout rate -0.1 out of range [0, 0.9]"},
		{"dropout NaN", func(a *Architecture) { a.Dropout = float32(math.NaN()) }, "dropout", "dropout rate NaN out of range [0, 0.9]"},
		{"activation 9", func(a *Architecture) { a.Activation = 9 }, "activation", "unknown activation 9"},
		{"input 100", func(a *Architecture) { a.Input = 100 }, "input", "input size 100: the images have 784 pixels"},
	} {
		a := editorArch()
		c.change(&a)
		err := a.ValidateWithin(lim)
		var ae *ArchError
		if !errors.As(err, &ae) {
			t.Errorf("%s: error %v, want an *ArchError", c.name, err)
			continue
		}
		if ae.Field != c.field || ae.Msg != c.msg || err.Error() != "core: "+c.msg {
			t.Errorf("%s: field %q, message %q; want %q, %q", c.name, ae.Field, ae.Msg, c.field, c.msg)
		}
	}
	for _, a := range []Architecture{
		DefaultArchitecture(), editorArch(),
		{Input: 784, Encoder: []int{}, Decoder: []int{}, Latent: 2, Activation: ReLU},
		{Input: 784, Encoder: []int{8, 1024, 8, 1024}, Decoder: []int{1024, 1024, 1024, 1024}, Latent: 16, Activation: Sigmoid, Dropout: 0.9},
		{Input: 784, Encoder: []int{8}, Latent: 2, Activation: Tanh, Dropout: math.SmallestNonzeroFloat32},
	} {
		if err := a.ValidateWithin(lim); err != nil {
			t.Errorf("%s refused: %v", a, err)
		}
		// The editor's limits lie inside the engine's.
		if err := a.Validate(); err != nil {
			t.Errorf("%s refused by Validate: %v", a, err)
		}
	}
}

// TestFileLimitsMessages: Validate keeps its ranges (the cases of
// TestArchitectureValidate) and names the field that is out.
func TestFileLimitsMessages(t *testing.T) {
	for _, c := range []struct {
		a     Architecture
		field string
		msg   string
	}{
		{Architecture{Input: 784, Latent: 2, Dropout: 1}, "dropout", "dropout rate 1 out of range [0, 1)"},
		{Architecture{Input: 784, Latent: 257}, "latent", "latent size 257 out of range [1, 256]"},
		{Architecture{Input: 784, Latent: 2, Decoder: []int{5, -3}}, "decoder.2", "decoder layer 2: width -3 out of range [1, 16384]"},
		{Architecture{Input: 0, Latent: 2}, "input", "input size 0 out of range [1, 16384]"},
		{Architecture{Input: 16384, Latent: 2, Encoder: []int{16384}, Decoder: []int{16384}}, "params", "parameters exceed the limit"},
	} {
		var ae *ArchError
		if err := c.a.Validate(); !errors.As(err, &ae) || ae.Field != c.field || !strings.Contains(ae.Msg, c.msg) {
			t.Errorf("%+v: %v; want field %s, %q", c.a, err, c.field, c.msg)
		}
	}
	// Latent 1 and width 1 stay buildable: the engine's tests use them.
	if err := (Architecture{Input: 3, Encoder: []int{1}, Latent: 1}).Validate(); err != nil {
		t.Error(err)
	}
}

// TestWeightsRoundTripEditorArchitectures: the weights file holds every
// corner of the editor — no hidden layers, 4 of them, widths 8 and 1024,
// latent 16, every activation, batch norm, dropout 0.9 — bit for bit, and
// the largest model the editor builds fits in a file the loader accepts.
func TestWeightsRoundTripEditorArchitectures(t *testing.T) {
	wide := []int{1024, 1024, 1024, 1024}
	largest := Architecture{Input: 784, Encoder: wide, Decoder: wide, Latent: 16, Activation: ReLU, BatchNorm: true}
	// Weights and biases, plus γ, β and the two running statistics of each
	// hidden unit, 4 bytes each; names and shapes take less than 4 KB.
	if size := 4*(largest.paramCount()+4*8*1024) + 4096; size > MaxWeightsFileSize {
		t.Errorf("the largest editor model needs a %d-byte file, the loader reads at most %d", size, MaxWeightsFileSize)
	} else {
		t.Logf("the largest editor model: %d parameters, a file of about %.1f MB", largest.paramCount(), float64(size)/1e6)
	}
	for _, arch := range []Architecture{
		{Input: 784, Encoder: []int{}, Decoder: []int{}, Latent: 16, Activation: Sigmoid},
		{Input: 784, Encoder: []int{1024, 8, 1024, 8}, Decoder: []int{8}, Latent: 2, Activation: LeakyReLU, BatchNorm: true, Dropout: 0.9},
		{Input: 784, Encoder: []int{8}, Decoder: []int{8, 1024, 8, 1024}, Latent: 7, Activation: Tanh, BatchNorm: true},
		editorArch(),
	} {
		if err := arch.ValidateWithin(EditorLimits()); err != nil {
			t.Fatalf("%s: %v", arch, err)
		}
		m := trainedModel(t, arch)
		data := m.MarshalBinary()
		got, err := ParseModel(data)
		if err != nil {
			t.Fatalf("%s: %v", arch, err)
		}
		if !got.Arch.Equal(arch) || got.Arch.ValidateWithin(EditorLimits()) != nil {
			t.Errorf("read back %s, wrote %s", got.Arch, arch)
		}
		if !float32sBitEqual(got.Values(), m.Values()) || !float32sBitEqual(got.State(), m.State()) || got.Likelihood != m.Likelihood {
			t.Errorf("%s: tensors or likelihood differ after the round trip", arch)
		}
		if !bytes.Equal(got.MarshalBinary(), data) {
			t.Errorf("%s: re-marshalled file differs", arch)
		}
	}
}

func TestArchitectureString(t *testing.T) {
	for _, c := range []struct {
		a    Architecture
		want string
	}{
		{DefaultArchitecture(), "784-256-128-(2,2) | 2-128-256-784 ReLU"},
		{editorArch(), "784-256-128-(4,4) | 4-128-256-784 LeakyReLU, batch norm, dropout 0.2"},
		{Architecture{Input: 784, Latent: 16, Activation: Tanh, Dropout: 0.9}, "784-(16,16) | 16-784 tanh, dropout 0.9"},
	} {
		if got := c.a.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
}
