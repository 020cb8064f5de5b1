package view

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/govae/govae/core"
)

func TestParseArchValid(t *testing.T) {
	for _, c := range []struct {
		spec, canonical string
		want            core.Architecture
	}{
		{"256-128-z2-128-256-relu", "256-128-z2-128-256-relu", core.DefaultArchitecture()},
		{"512-z8-512-leakyrelu-bn-dropout0.2", "512-z8-512-leakyrelu-bn-dropout0.2",
			core.Architecture{Input: 784, Encoder: []int{512}, Decoder: []int{512}, Latent: 8, Activation: core.LeakyReLU, BatchNorm: true, Dropout: 0.2}},
		{" 512-Z8-512-LeakyReLU-Dropout0.20-BN ", "512-z8-512-leakyrelu-bn-dropout0.2",
			core.Architecture{Input: 784, Encoder: []int{512}, Decoder: []int{512}, Latent: 8, Activation: core.LeakyReLU, BatchNorm: true, Dropout: 0.2}},
		{"z2-sigmoid", "z2-sigmoid", core.Architecture{Input: 784, Encoder: []int{}, Decoder: []int{}, Latent: 2, Activation: core.Sigmoid}},
		{"8-1024-8-1024-z16-tanh-dropout0.9", "8-1024-8-1024-z16-tanh-dropout0.9",
			core.Architecture{Input: 784, Encoder: []int{8, 1024, 8, 1024}, Decoder: []int{}, Latent: 16, Activation: core.Tanh, Dropout: 0.9}},
		{"z4-8-8-8-8-relu-dropout0", "z4-8-8-8-8-relu", core.Architecture{Input: 784, Encoder: []int{}, Decoder: []int{8, 8, 8, 8}, Latent: 4}},
		{"0256-z02-relu", "256-z2-relu", core.Architecture{Input: 784, Encoder: []int{256}, Decoder: []int{}, Latent: 2}},
	} {
		a, err := ParseArch(c.spec)
		if err != nil {
			t.Errorf("ParseArch(%q): %v", c.spec, err)
			continue
		}
		if !reflect.DeepEqual(a, c.want) {
			t.Errorf("ParseArch(%q) = %+v, want %+v", c.spec, a, c.want)
		}
		if got := FormatArch(a); got != c.canonical {
			t.Errorf("FormatArch(ParseArch(%q)) = %q, want %q", c.spec, got, c.canonical)
		}
	}
	if w := core.DefaultArchitecture().String(); w != "784-256-128-(2,2) | 2-128-256-784 ReLU" {
		t.Errorf("in words: %q", w)
	}
}

// TestParseArchRefused: every absurd value gets a message that names the
// part, the value and, for a number, its range; range errors unwrap to the
// *core.ArchError naming the editor's field.
func TestParseArchRefused(t *testing.T) {
	for _, c := range []struct{ spec, msg, field string }{
		{"256-0-z2-128-256-relu", "encoder layer 2: width 0 out of range [8, 1024]", "encoder.2"},
		{"256-128-z2-1000000-relu", "decoder layer 1: width 1000000 out of range [8, 1024]", "decoder.1"},
		{"256-99999999999999999999999-z2-relu", "encoder layer 2: width 9223372036854775807 out of range [8, 1024]", "encoder.2"},
		{"25a-z2-relu", `encoder layer 1: width "25a" is not a whole number`, ""},
		{"z2-abc-relu", `decoder layer 1: width "abc" is not a whole number`, ""},
		{"+8-z2-relu", `encoder layer 1: width "+8" is not a whole number`, ""},
		{"256-z1-relu", "latent size 1 out of range [2, 16]", "latent"},
		{"256-z99-relu", "latent size 99 out of range [2, 16]", "latent"},
		{"256-z-relu", `latent size "" is not a whole number`, ""},
		{"256-zx-relu", `latent size "x" is not a whole number`, ""},
		{"8-8-8-8-8-z2-relu", "encoder: 5 hidden layers, at most 4", "encoder"},
		{"z2-8-8-8-8-8-relu", "decoder: 5 hidden layers, at most 4", "decoder"},
		{"z2-relu-dropout1.5", "dropout rate 1.5 out of range [0, 0.9]", "dropout"},
		{"z2-relu-dropoutnan", "dropout rate NaN out of range [0, 0.9]", "dropout"},
		{"z2-relu-dropoutinf", "dropout rate +Inf out of range [0, 0.9]", "dropout"},
		{"z2-relu-dropout1e99", "dropout rate +Inf out of range [0, 0.9]", "dropout"},
		{"z2-relu-dropoutx", `dropout rate "x" is not a number`, ""},
		{"z2-relu-dropout", `dropout rate "" is not a number`, ""},
		{"z2-gelu", `unknown activation "gelu"`, ""},
		{"z2-128", "no activation after the decoder's widths", ""},
		{"z2-128-bn", "no activation after the decoder's widths", ""},
		{"256-128-relu", "no latent size", ""},
		{"", "empty", ""},
		{"256--z2-relu", "empty part 2", ""},
		{"z2-relu-", "empty part 3", ""},
		{"z2-relu-bn-bn", "bn given twice", ""},
		{"z2-relu-dropout0.1-dropout0.2", "dropout given twice", ""},
		{"z2-relu-tanh", `unknown option "tanh"`, ""},
		{"z2-relu-batchnorm", `unknown option "batchnorm"`, ""},
	} {
		a, err := ParseArch(c.spec)
		if err == nil {
			t.Errorf("ParseArch(%q) = %+v accepted", c.spec, a)
			continue
		}
		if !strings.Contains(err.Error(), c.msg) || strings.HasPrefix(err.Error(), "core:") {
			t.Errorf("ParseArch(%q): %q, want it to say %q", c.spec, err, c.msg)
		}
		var ae *core.ArchError
		if got := errors.As(err, &ae); got != (c.field != "") || got && ae.Field != c.field {
			t.Errorf("ParseArch(%q): field %v, want %q", c.spec, ae, c.field)
		}
	}
}

// TestArchRoundTrip: ParseArch(FormatArch(a)) = a for architectures at
// every corner of the editor, including dropout rates whose shortest
// decimal is long or tiny.
func TestArchRoundTrip(t *testing.T) {
	rates := []float32{0, 0.1, 0.2, 1.0 / 3, 0.9, math.SmallestNonzeroFloat32, 1e-7, math.Nextafter32(0.9, 0)}
	acts := []core.Activation{core.ReLU, core.LeakyReLU, core.Tanh, core.Sigmoid}
	sides := [][]int{{}, {8}, {1024, 8}, {256, 128, 64, 32}, {1024, 1024, 1024, 1024}}
	n := 0
	for i, enc := range sides {
		for j, dec := range sides {
			a := core.Architecture{Input: 784, Encoder: enc, Decoder: dec, Latent: 2 + (i*5+j)%15,
				Activation: acts[(i+j)%4], BatchNorm: (i+j)%2 == 0, Dropout: rates[(i*5+j)%len(rates)]}
			if err := CheckArch(a); err != nil {
				t.Fatalf("%s: %v", a, err)
			}
			spec := FormatArch(a)
			b, err := ParseArch(spec)
			if err != nil || !reflect.DeepEqual(a, b) {
				t.Errorf("ParseArch(%q) = %+v, %v; want %+v", spec, b, err, a)
			}
			if i := strings.Index(spec, "dropout"); i >= 0 && strings.ContainsAny(spec[i:], "e+") {
				t.Errorf("%q: the rate has an exponent", spec)
			}
			n++
		}
	}
	if n != 25 {
		t.Fatalf("%d architectures", n)
	}
}

func TestArchFieldParsers(t *testing.T) {
	if w, err := ParseWidth("encoder", 3, " 512 "); w != 512 || err != nil {
		t.Errorf("ParseWidth: %d, %v", w, err)
	}
	if _, err := ParseWidth("decoder", 2, "1e3"); err == nil || err.Error() != `decoder layer 2: width "1e3" is not a whole number` {
		t.Errorf("ParseWidth(1e3): %v", err)
	}
	if n, err := ParseLatent("16"); n != 16 || err != nil {
		t.Errorf("ParseLatent: %d, %v", n, err)
	}
	if r, err := ParseDropout("-0"); err != nil || r != 0 || math.Signbit(float64(r)) {
		t.Errorf("ParseDropout(-0) = %v, %v; want +0", r, err)
	}
	if a, err := ParseActivationName("LeakyReLU"); a != core.LeakyReLU || err != nil {
		t.Errorf("ParseActivationName: %v, %v", a, err)
	}
	if _, err := ParseActivationName("elu"); err == nil || strings.HasPrefix(err.Error(), "core:") {
		t.Errorf("ParseActivationName(elu): %v", err)
	}
	big := core.Architecture{Input: 784, Latent: 2, Encoder: []int{2048}}
	var ae *core.ArchError
	if err := CheckArch(big); !errors.As(err, &ae) || ae.Field != "encoder.1" {
		t.Errorf("CheckArch(%s): %v", big, err)
	}
}

// TestSettingsArch: the architecture is a setting like the others: in the
// URL, refused as a whole with a notice when any part is wrong.
func TestSettingsArch(t *testing.T) {
	def := DefaultSettings()
	if def.Get(ArchKey) != "256-128-z2-128-256-relu" || !strings.Contains(def.Query(), "arch=256-128-z2-128-256-relu") {
		t.Errorf("default arch %q, query %q", def.Get(ArchKey), def.Query())
	}
	s, notices := ParseQuery("?arch=512-Z8-512-LeakyReLU-dropout0.20-bn&lr=0.002")
	if len(notices) != 0 || s.Arch != "512-z8-512-leakyrelu-bn-dropout0.2" {
		t.Fatalf("arch %q, notices %v", s.Arch, notices)
	}
	a, err := s.Architecture()
	if err != nil || a.Latent != 8 || !a.BatchNorm || a.Dropout != 0.2 {
		t.Errorf("Architecture() = %+v, %v", a, err)
	}
	again, notices := ParseQuery(s.Query())
	if len(notices) != 0 || again != s {
		t.Errorf("round trip: %+v, %v", again, notices)
	}
	for _, bad := range []string{"256-0-z2-relu", "z99-relu", "8-z2-relu-dropout1.5", "abc"} {
		s, notices := ParseQuery("arch=" + bad)
		if len(notices) != 1 || s.Arch != def.Arch || !strings.Contains(notices[0].Message, "architecture") && !strings.Contains(notices[0].Message, "arch=") {
			t.Errorf("arch=%s: kept %q, notices %v", bad, s.Arch, notices)
		}
		before := s
		if err := s.Set(ArchKey, bad); err == nil || s != before {
			t.Errorf("Set(arch, %q) = %v, settings changed %v", bad, err, s != before)
		}
	}
	s.Arch = "garbage"
	if _, err := s.Architecture(); err == nil {
		t.Error("Architecture() accepted a malformed spec")
	}
}

// FuzzParseArch feeds arbitrary specs to ParseArch: it must never panic,
// what it accepts must be within the editor's limits (core's own check) and
// buildable, and it must survive FormatArch and ParseArch unchanged.
func FuzzParseArch(f *testing.F) {
	for _, seed := range []string{
		"256-128-z2-128-256-relu", "512-z8-512-leakyrelu-bn-dropout0.2", "z2-sigmoid", "z16-tanh-bn",
		"8-1024-8-1024-z16-1024-1024-1024-1024-tanh-dropout0.9", "z2-relu-dropout1e-5", "z2-relu-dropout0x1p-2",
		"256-0-z2-relu", "1000000-z2-relu", "abc-z2-relu", "z1-relu", "z99-relu", "8-8-8-8-8-z2-relu",
		"z2-relu-dropout1.5", "z2-relu-dropoutNaN", "", "-", "z", "zz-relu", "z2-relu-bn-bn", "Z4-LEAKYRELU-BN",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		a, err := ParseArch(spec)
		if err != nil {
			if err.Error() == "" || strings.HasPrefix(err.Error(), "core:") {
				t.Fatalf("ParseArch(%q): bare error %q", spec, err)
			}
			return
		}
		if err := a.ValidateWithin(core.EditorLimits()); err != nil {
			t.Fatalf("ParseArch(%q) accepted %+v: %v", spec, a, err)
		}
		canon := FormatArch(a)
		b, err := ParseArch(canon)
		if err != nil || !reflect.DeepEqual(a, b) || FormatArch(b) != canon {
			t.Fatalf("ParseArch(%q) = %+v; FormatArch = %q reads back as %+v, %v", spec, a, canon, b, err)
		}
	})
}
