package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govae/govae/core"
)

func testModel(t *testing.T) *core.Model {
	t.Helper()
	m, err := core.New(core.Architecture{Input: 6, Encoder: []int{5}, Decoder: []int{4}, Latent: 2, Activation: core.LeakyReLU}, 7)
	if err != nil {
		t.Fatal(err)
	}
	m.Likelihood = core.Likelihood{Kind: core.Gaussian, Sigma: 0.25}
	return m
}

// TestConvertBothWays: .bin → .safetensors → .bin gives back the file byte
// for byte, and each output is the format its extension names.
func TestConvertBothWays(t *testing.T) {
	dir := t.TempDir()
	m := testModel(t)
	bin := filepath.Join(dir, "m.bin")
	if err := os.WriteFile(bin, m.MarshalBinary(), 0o644); err != nil {
		t.Fatal(err)
	}
	st := filepath.Join(dir, "m.safetensors")
	var log bytes.Buffer
	if err := run(bin, st, &log); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(st)
	if !bytes.Equal(data, m.MarshalSafetensors()) {
		t.Fatalf("the .safetensors output is not the model's safetensors file")
	}
	back := filepath.Join(dir, "back.BIN")
	if err := run(st, back, &log); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(back); !bytes.Equal(data, m.MarshalBinary()) {
		t.Fatalf("the .bin → .safetensors → .bin round trip changed the file")
	}
	if !strings.Contains(log.String(), "6-5-(2,2) | 2-4-6 LeakyReLU") {
		t.Errorf("log does not name the architecture: %q", log.String())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".convert-*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestConvertRefuses: bad arguments and bad inputs are errors, and no
// output file appears.
func TestConvertRefuses(t *testing.T) {
	dir := t.TempDir()
	m := testModel(t)
	bin := filepath.Join(dir, "m.bin")
	os.WriteFile(bin, m.MarshalBinary(), 0o644)
	corrupt := filepath.Join(dir, "bad.safetensors")
	st := m.MarshalSafetensors()
	os.WriteFile(corrupt, st[:len(st)-1], 0o644)
	binAsST := filepath.Join(dir, "wrong.safetensors")
	os.WriteFile(binAsST, m.MarshalBinary(), 0o644)
	out := filepath.Join(dir, "out.safetensors")
	for _, c := range []struct {
		in, out string
		want    any // an error to match, or a string the message contains
	}{
		{"", out, "required"},
		{bin, "", "required"},
		{bin, filepath.Join(dir, "x.pt"), "unknown extension"},
		{filepath.Join(dir, "m.txt"), out, "unknown extension"},
		{filepath.Join(dir, "absent.bin"), out, os.ErrNotExist},
		{corrupt, filepath.Join(dir, "out.bin"), core.ErrSafetensorsPastEnd},
		{binAsST, filepath.Join(dir, "out.bin"), core.ErrSafetensorsHeaderLength},
		{bin, bin, "is the input file"},
	} {
		err := run(c.in, c.out, &bytes.Buffer{})
		ok := err != nil
		if e, isErr := c.want.(error); isErr {
			ok = errors.Is(err, e)
		} else if ok {
			ok = strings.Contains(err.Error(), c.want.(string))
		}
		if !ok {
			t.Errorf("run(%q, %q) = %v, want %v", c.in, c.out, err, c.want)
		}
	}
	for _, p := range []string{out, filepath.Join(dir, "out.bin")} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s written by a failed conversion", p)
		}
	}
	if data, _ := os.ReadFile(bin); !bytes.Equal(data, m.MarshalBinary()) {
		t.Errorf("the input was changed")
	}
}
